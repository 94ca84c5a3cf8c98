import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { checkField, parseField } from '../../src/io/schema.js';
import { SEED } from '../seed.js';

/** What `parseField` makes of `text`: the value, or the reason it refused it. */
function parsed(text: string, spec: Parameters<typeof parseField>[2]): { value: unknown } | { error: string } {
  try {
    return { value: parseField('x', text, spec) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('schema numbers: decimal notation that gives a finite number, nothing else', () => {
  it.each([
    ['0', 0],
    ['-0', -0],
    ['+5', 5],
    ['  42  ', 42],
    ['007', 7],
    ['1.', 1],
    ['.5', 0.5],
    ['-1.25e-3', -0.00125],
    ['1E3', 1000],
    ['1.7976931348623157e308', Number.MAX_VALUE],
    ['5e-324', 5e-324],
    ['1e-400', 0], // underflows to zero: finite, and what Number() gives
  ])('number accepts %j as %d', (text, value) => {
    expect(parsed(text, 'number')).toEqual({ value });
  });

  it.each([
    ['0x10', 'is in hexadecimal notation; only decimal numbers are accepted'],
    ['-0X1f', 'is in hexadecimal notation'],
    ['0b101', 'is in binary notation'],
    ['0o17', 'is in octal notation'],
    ['Infinity', 'is not a finite number'],
    ['-Infinity', 'is not a finite number'],
    ['inf', 'is not a finite number'],
    ['NaN', 'is not a number (for a missing value, make the field optional and leave it empty)'],
    ['1e400', 'overflows a number (beyond ±1.7976931348623157e+308)'],
    ['-1e400', 'overflows a number'],
    ['1_000', 'is not a number'],
    ['1 000', 'is not a number'],
    ['1,5', 'is not a number'],
    ['12abc', 'is not a number'],
    ['.', 'is not a number'],
    ['e5', 'is not a number'],
    ['1e', 'is not a number'],
    ['--1', 'is not a number'],
  ])('number refuses %j: %s', (text, reason) => {
    const result = parsed(text, 'number');
    expect(result).toEqual({ error: expect.stringContaining(reason) as string });
    expect((result as { error: string }).error).toMatch(/^field "x": ".*" /);
  });

  it('refuses empty and whitespace-only text when required, and gives null when optional', () => {
    for (const spec of ['number', 'integer', 'timestamp'] as const) {
      expect(parsed('', spec)).toEqual({ error: `field "x" is empty but required (${spec})` });
      expect(parsed(' \t ', spec)).toEqual({ error: `field "x" is empty but required (${spec})` });
      expect(parsed(' ', `${spec}?`)).toEqual({ value: null });
    }
  });

  it.each([
    ['12', 12],
    ['-3', -3],
    ['1e3', 1000],
    ['2.0', 2],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('integer accepts %j as %d', (text, value) => {
    expect(parsed(text, 'integer')).toEqual({ value });
  });

  it.each([
    ['1.5', 'is not an integer'],
    ['9007199254740993', 'is beyond the exact integer range (±9007199254740991)'],
    ['1e400', 'overflows a number'],
    ['0x10', 'is in hexadecimal notation'],
    ['Infinity', 'is not a finite number'],
  ])('integer refuses %j: %s', (text, reason) => {
    expect(parsed(text, 'integer')).toEqual({ error: expect.stringContaining(reason) as string });
  });

  it.each([
    ['1704067200000', Date.UTC(2024, 0, 1)],
    ['1.7040672e12', Date.UTC(2024, 0, 1)],
    ['-5', -5],
    ['2024-01-01', Date.UTC(2024, 0, 1)],
    ['2024-01-01T00:00:01.5Z', Date.UTC(2024, 0, 1, 0, 0, 1, 500)],
    ['2024-01-01 01:00:00+01:00', Date.UTC(2024, 0, 1)],
  ])('timestamp accepts %j as %d', (text, value) => {
    expect(parsed(text, 'timestamp')).toEqual({ value });
  });

  it.each([
    ['0x10', 'is in hexadecimal notation'],
    ['Infinity', 'is not a finite number'],
    ['1e400', 'overflows a number'],
    ['1e16', 'is not a timestamp (epoch ms within ±8640000000000000, or ISO 8601)'],
    ['foo 7', 'is not a timestamp (epoch ms or ISO 8601)'], // Date.parse takes it for a day in 2001
    ['1 2', 'is not a timestamp (epoch ms or ISO 8601)'],
    ['2024-13-45', 'is not a timestamp'],
  ])('timestamp refuses %j: %s', (text, reason) => {
    expect(parsed(text, 'timestamp')).toEqual({ error: expect.stringContaining(reason) as string });
  });

  it('quotes at most 40 characters of the text in a reason', () => {
    const result = parsed(`0x${'f'.repeat(10_000)}`, 'number') as { error: string };
    expect(result.error).toBe(`field "x": "0x${'f'.repeat(38)}…" is in hexadecimal notation; only decimal numbers are accepted`);
  });

  it(`random decimal strings parse as Number() does when finite and are refused otherwise (seed ${SEED})`, () => {
    const random = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const digits = (min: number, max: number): string => {
      const n = min + Math.floor(random() * (max - min + 1));
      return Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('');
    };
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const mantissa = pick(['int', 'point', 'trailing', 'leading']);
      const body =
        mantissa === 'int' ? digits(1, 25) : mantissa === 'point' ? `${digits(1, 20)}.${digits(1, 20)}` : mantissa === 'trailing' ? `${digits(1, 20)}.` : `.${digits(1, 20)}`;
      const exponent = random() < 0.5 ? '' : `${pick(['e', 'E'])}${pick(['', '+', '-'])}${digits(1, 3)}`;
      const text = `${pick(['', '', '+', '-'])}${body}${exponent}`;
      const reference = Number(text);
      const result = parsed(text, 'number');
      if (Number.isFinite(reference)) {
        expect(result, text).toEqual({ value: reference });
        accepted++;
      } else {
        expect(result, text).toEqual({ error: expect.stringContaining('overflows a number') as string });
        refused++;
      }
      const integer = parsed(text, 'integer');
      if (Number.isSafeInteger(reference)) expect(integer, text).toEqual({ value: reference });
      else expect(integer, text).toHaveProperty('error');
    }
    expect(accepted).toBeGreaterThan(10_000);
    expect(refused).toBeGreaterThan(100);
  });

  it(`random non-decimal numerals that Number() takes are refused (seed ${SEED})`, () => {
    const random = seededRandom(SEED + 1);
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(random() * 1e9);
      for (const text of [`0x${n.toString(16)}`, `0b${n.toString(2)}`, `0o${n.toString(8)}`]) {
        expect(Number(text)).toBe(n);
        expect(parsed(text, 'number'), text).toEqual({ error: expect.stringMatching(/is in (hexadecimal|binary|octal) notation/) as string });
      }
    }
  });
});

describe('schema checks of decoded JSON values', () => {
  it('refuses a JSON number that overflowed to Infinity', () => {
    const value = (JSON.parse('{"t":1e400}') as { t: number }).t;
    expect(() => checkField('t', value, 'number')).toThrow('field "t" should be a finite number, got Infinity');
    expect(() => checkField('t', value, 'timestamp')).toThrow('field "t" should be a finite number, got Infinity');
    expect(() => checkField('t', value, 'integer')).toThrow('field "t" should be integer, got Infinity');
    expect(checkField('t', value, 'json')).toBe(Infinity);
  });

  it('parses timestamp strings as the text fields do', () => {
    expect(checkField('t', '2024-01-01T00:00:00Z', 'timestamp')).toBe(Date.UTC(2024, 0, 1));
    expect(checkField('t', '1704067200000', 'timestamp')).toBe(Date.UTC(2024, 0, 1));
    expect(() => checkField('t', '0x10', 'timestamp')).toThrow('is in hexadecimal notation');
    expect(() => checkField('t', 'foo 7', 'timestamp')).toThrow('is not a timestamp');
  });
});
