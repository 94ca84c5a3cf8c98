/** The type of a field in a record schema. */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'timestamp' | 'json';

/** A field's type; a trailing `?` makes it optional (missing or empty gives `null`). */
export type FieldSpec = FieldType | `${FieldType}?`;

/** Field names to types, e.g. `{ sensor: 'string', temp: 'number', at: 'timestamp' }`. */
export type Schema = Readonly<Record<string, FieldSpec>>;

type BaseValue<F extends FieldType> = F extends 'string'
  ? string
  : F extends 'boolean'
    ? boolean
    : F extends 'json'
      ? unknown
      : number;

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
    throw new Error(`field "${name}" is ${text === undefined ? 'missing' : 'empty'} but required (${type})`);
  }
  switch (type) {
    case 'string':
      return text;
    case 'number': {
      const n = trimmed === 'NaN' ? NaN : Number(trimmed);
      if (Number.isNaN(n) && trimmed !== 'NaN') throw new Error(`field "${name}": "${text}" is not a number`);
      return n;
    }
    case 'integer': {
      const n = Number(trimmed);
      if (!Number.isSafeInteger(n)) throw new Error(`field "${name}": "${text}" is not an integer`);
      return n;
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      throw new Error(`field "${name}": "${text}" is not a boolean (true/false, 1/0, yes/no)`);
    }
    case 'timestamp':
      return parseTimestamp(name, trimmed);
    case 'json':
      try {
        return JSON.parse(trimmed) as unknown;
      } catch (error) {
        throw new Error(`field "${name}": not valid JSON (${(error as Error).message})`, { cause: error });
      }
  }
}

/** Checks a decoded JSON value against its schema type (no conversion but timestamps). */
export function checkField(name: string, value: unknown, spec: FieldSpec): unknown {
  const { type, optional } = split(spec);
  if (value === undefined || value === null) {
    if (optional) return null;
    throw new Error(`field "${name}" is ${value === undefined ? 'missing' : 'null'} but required (${type})`);
  }
  const kind = typeof value;
  const ok =
    type === 'json' ||
    (type === 'string' && kind === 'string') ||
    (type === 'number' && kind === 'number') ||
    (type === 'integer' && Number.isSafeInteger(value)) ||
    (type === 'boolean' && kind === 'boolean') ||
    (type === 'timestamp' && (kind === 'number' || kind === 'string'));
  if (!ok) throw new Error(`field "${name}" should be ${type}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  return type === 'timestamp' ? parseTimestamp(name, value as number | string) : value;
}

/** Epoch milliseconds from a number, a numeric string, or an ISO 8601 date-time. */
function parseTimestamp(name: string, value: number | string): number {
  const ms = typeof value === 'number' ? value : /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`field "${name}": "${value}" is not a timestamp (epoch ms or ISO 8601)`);
  return ms;
}

/** Applies `schema` to a record of text fields: typed fields converted, others kept as text. */
export function castTextRecord(record: Record<string, string>, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record };
  for (const [name, spec] of Object.entries(schema)) out[name] = parseField(name, record[name], spec);
  return out;
}

/** Checks a decoded JSON object against `schema`; timestamps become epoch ms. */
export function checkJsonRecord(value: unknown, schema: Schema): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [name, spec] of Object.entries(schema)) out[name] = checkField(name, out[name], spec);
  return out;
}
