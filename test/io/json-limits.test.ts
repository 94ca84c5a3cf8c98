/**
 * The JSON shape check against an independent reference: the depth and value count of the
 * parsed value, computed by walking it. On random JSON (strings full of brackets, commas, quotes
 * and escapes) the check refuses exactly the texts whose parsed shape exceeds a limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJsonShape, validateJsonLimits } from '../../src/io/json-limits.js';
import { jsonPayload } from '../../src/io/payload-codecs.js';
import { SEED } from '../seed.js';

/** Depth (containers) and values (every node) of a parsed JSON value. */
function shapeOf(value: unknown, depth = 0): { depth: number; values: number } {
  if (typeof value !== 'object' || value === null) return { depth, values: 1 };
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = depth + 1;
  let values = 1;
  for (const child of children) {
    const s = shapeOf(child, depth + 1);
    deepest = Math.max(deepest, s.depth);
    values += s.values;
  }
  return { depth: deepest, values };
}

const nasty = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', ',', '"', '\\', ':', 'a', ' ', '\n', 'é') });
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), nasty, fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(nasty, tie('value'), { maxKeys: 5 }),
})).value;

describe(`JSON shape limits (seed ${SEED})`, () => {
  it('refuses exactly the texts whose parsed depth or value count exceeds the limit', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), (value, maxDepth, maxValues) => {
        const text = JSON.stringify(value);
        const shape = shapeOf(JSON.parse(text));
        const limits = { maxDepth, maxValues };
        const tooDeep = shape.depth > maxDepth,
          tooMany = shape.values > maxValues;
        const deepError = `JSON nested deeper than maxDepth (${maxDepth})`,
          manyError = `JSON holds more than maxValues (${maxValues}) values`;
        let error: string | undefined;
        try {
          checkJsonShape(text, limits);
        } catch (e) {
          error = (e as Error).message;
        }
        // Over both limits, the scan reports whichever it meets first.
        const allowed = [...(tooDeep ? [deepError] : []), ...(tooMany ? [manyError] : [])];
        if (allowed.length === 0) expect(error, text).toBeUndefined();
        else expect(allowed, text).toContain(error);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('a 220 KB payload of nested arrays is a clear refusal, not 6 MiB of heap', () => {
    const codec = jsonPayload();
    const nested = Buffer.from(`{"t":1,"x":${'['.repeat(110_000)}${']'.repeat(110_000)}}`);
    expect(() => codec.decode(nested)).toThrow('JSON nested deeper than maxDepth (64)');
    const wide = Buffer.from(`{"t":1,"x":[${Array.from({ length: 70_000 }, () => '0').join(',')}]}`);
    expect(() => codec.decode(wide)).toThrow('JSON holds more than maxValues (65536) values');
    expect(jsonPayload({ maxValues: 100_000 }).decode(wide)['t']).toBe(1);
    expect(codec.decode(Buffer.from('{"t":1,"s":"[[[[[[,,,,\\"]]]"}'))).toEqual({ t: 1, s: '[[[[[[,,,,"]]]' });
  });

  it('checks its options at once', () => {
    expect(() => jsonPayload({ maxDepth: 0 })).toThrow('jsonPayload: maxDepth must be an integer ≥ 1, got 0');
    expect(() => validateJsonLimits({ maxValues: 1.5 }, 'x')).toThrow('x: maxValues must be an integer ≥ 1, got 1.5');
  });
});
