import { RejectedInput } from '../common/dead-letter-codes.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../core/time.js';

/** The type of a field in a record schema. */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'timestamp' | 'json';

/** A field's type; a trailing `?` makes it optional (missing or empty gives `null`). */
export type FieldSpec = FieldType | `${FieldType}?`;

/** Field names to types, e.g. `{ sensor: 'string', temp: 'number', at: 'timestamp' }`. */
export type Schema = Readonly<Record<string, FieldSpec>>;

type BaseValue<F extends FieldType> = F extends 'string' ? string : F extends 'boolean' ? boolean : F extends 'json' ? unknown : number;

/** The TypeScript type of a field spec. */
export type ValueOf<S extends FieldSpec> = S extends `${infer F extends FieldType}?` ? BaseValue<F> | null : S extends FieldType ? BaseValue<S> : never;

/** The record type a schema describes. */
export type RecordOf<S extends Schema> = { -readonly [K in keyof S]: ValueOf<S[K]> };

const TYPES: readonly FieldType[] = ['string', 'number', 'integer', 'boolean', 'timestamp', 'json'];
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Throws a TypeError naming the field when `schema` has an unknown type. */
export function validateSchema(schema: Schema, where: string): void {
  for (const [name, spec] of Object.entries(schema)) {
    const type = spec.endsWith('?') ? spec.slice(0, -1) : spec;
    if (!TYPES.includes(type as FieldType)) {
      throw new TypeError(`${where}: field "${name}" has unknown type "${spec}"; use one of ${TYPES.join(', ')} (add "?" for optional)`);
    }
  }
}

function split(spec: FieldSpec): { type: FieldType; optional: boolean } {
  return spec.endsWith('?') ? { type: spec.slice(0, -1) as FieldType, optional: true } : { type: spec as FieldType, optional: false };
}

/** Converts a text field (from CSV, say) to its schema type; throws a message naming the field. */
export function parseField(name: string, text: string | undefined, spec: FieldSpec): unknown {
  const { type, optional } = split(spec);
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') {
    if (optional) return null;
    if (type === 'string' && text !== undefined) return text;
    throw new RejectedInput('SCHEMA_MISSING', `field "${name}" is ${text === undefined ? 'missing' : 'empty'} but required (${type})`);
  }
  switch (type) {
    case 'string':
      return text;
    case 'number':
      return parseDecimal(name, text!, trimmed);
    case 'integer': {
      const n = parseDecimal(name, text!, trimmed);
      if (!Number.isInteger(n)) throw new RejectedInput('SCHEMA_TYPE', `field "${name}": ${quote(text!)} is not an integer`);
      if (!Number.isSafeInteger(n)) throw new RejectedInput('SCHEMA_TYPE', `field "${name}": ${quote(text!)} is beyond the exact integer range (±${Number.MAX_SAFE_INTEGER})`);
      return n;
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      throw new RejectedInput('SCHEMA_TYPE', `field "${name}": ${quote(text!)} is not a boolean (true/false, 1/0, yes/no)`);
    }
    case 'timestamp':
      return parseTimestamp(name, trimmed);
    case 'json':
      try {
        return JSON.parse(trimmed) as unknown;
      } catch (error) {
        throw new RejectedInput('SCHEMA_TYPE', `field "${name}": not valid JSON (${(error as Error).message})`, { cause: error });
      }
  }
}

/** Checks a decoded JSON value against its schema type (no conversion but timestamps). */
export function checkField(name: string, value: unknown, spec: FieldSpec): unknown {
  const { type, optional } = split(spec);
  if (value === undefined || value === null) {
    if (optional) return null;
    throw new RejectedInput('SCHEMA_MISSING', `field "${name}" is ${value === undefined ? 'missing' : 'null'} but required (${type})`);
  }
  const kind = typeof value;
  const ok =
    type === 'json' ||
    (type === 'string' && kind === 'string') ||
    (type === 'number' && kind === 'number') ||
    (type === 'integer' && Number.isSafeInteger(value)) ||
    (type === 'boolean' && kind === 'boolean') ||
    (type === 'timestamp' && (kind === 'number' || kind === 'string'));
  if (!ok) throw new RejectedInput('SCHEMA_TYPE', `field "${name}" should be ${type}, got ${typeof value === 'number' ? value : preview(value)}`);
  if (typeof value === 'number' && type !== 'json' && !Number.isFinite(value))
    throw new RejectedInput('SCHEMA_TYPE', `field "${name}" should be a finite number, got ${String(value)} (beyond ±${Number.MAX_VALUE})`);
  return type === 'timestamp' ? parseTimestamp(name, value as number | string) : value;
}

/** Epoch milliseconds from a number, a decimal string, or an ISO 8601 date (and time). */
function parseTimestamp(name: string, value: number | string): number {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (ISO_8601.test(value.trim())) ms = Date.parse(value.trim());
  else ms = parseDecimal(name, value, value.trim(), 'is not a timestamp (epoch ms or ISO 8601)');
  if (!(ms >= MIN_TIMESTAMP && ms <= MAX_TIMESTAMP)) {
    const what = typeof value === 'number' ? String(value) : quote(value);
    throw new RejectedInput('SCHEMA_TYPE', `field "${name}": ${what} is not a timestamp (epoch ms within ±${MAX_TIMESTAMP}, or ISO 8601)`);
  }
  return ms;
}

/**
 * A date, or a date and time with an optional offset (`T` or a space between them). Date.parse
 * alone would also take `"foo 7"` or `"1 2"` as dates in 2001.
 */
const ISO_8601 = /^[+-]?\d{4,6}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Decimal notation only: digits with an optional sign, point and exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * The finite number that decimal text stands for. `Number()` alone would also take hexadecimal,
 * binary and octal (`0x10`), `Infinity`, and overflow to ±Infinity (`1e400`); each is refused
 * with what was wrong. `what` replaces "is not a number" in the reason for text that is no number at all.
 */
function parseDecimal(name: string, text: string, trimmed: string, what = 'is not a number'): number {
  const problem = DECIMAL.test(trimmed) ? undefined : (nonDecimal(trimmed) ?? what);
  if (problem !== undefined) throw new RejectedInput('SCHEMA_TYPE', `field "${name}": ${quote(text)} ${problem}`);
  const n = Number(trimmed);
  if (!Number.isFinite(n)) throw new RejectedInput('SCHEMA_TYPE', `field "${name}": ${quote(text)} overflows a number (beyond ±${Number.MAX_VALUE})`);
  return n;
}

/** What is wrong with numeric-looking text that is not decimal, when it is one of the usual suspects. */
function nonDecimal(text: string): string | undefined {
  const notation = /^[+-]?0([xbo])/i.exec(text)?.[1]?.toLowerCase();
  if (notation) return `is in ${notation === 'x' ? 'hexadecimal' : notation === 'b' ? 'binary' : 'octal'} notation; only decimal numbers are accepted`;
  if (/^[+-]?(?:infinity|inf)$/i.test(text)) return 'is not a finite number';
  if (/^[+-]?nan$/i.test(text)) return 'is not a number (for a missing value, make the field optional and leave it empty)';
  return undefined;
}

/** A JSON value for a reason, cut like `quote`. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** `text` quoted for a reason; long text is cut, so a hostile field cannot make the reason huge. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Applies `schema` to a record of text fields: typed fields converted, others kept as text. */
export function castTextRecord(record: Record<string, string>, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record };
  for (const [name, spec] of Object.entries(schema)) out[name] = parseField(name, record[name], spec);
  return out;
}

/** `value` when it is a JSON object (not an array), else a `NOT_A_RECORD` rejection. */
export function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RejectedInput('NOT_A_RECORD', `expected a JSON object, got ${Array.isArray(value) ? 'an array' : preview(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Checks a decoded JSON object against `schema`; timestamps become epoch ms. */
export function checkJsonRecord(value: unknown, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = { ...asRecord(value) };
  for (const [name, spec] of Object.entries(schema)) out[name] = checkField(name, out[name], spec);
  return out;
}
