import { parse } from 'csv-parse/sync';
import { RejectedInput } from '../common/dead-letter-codes.js';
import { checkJsonShape, validateJsonLimits, type JsonLimits } from './json-limits.js';
import { asRecord, castTextRecord, checkJsonRecord, validateSchema, type Schema } from './schema.js';

/** Turns a message payload into a record; throws a `RejectedInput` whose message is the dead-letter reason. */
export interface PayloadCodec {
  readonly name: string;
  decode(payload: Uint8Array): Record<string, unknown>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(payload: Uint8Array): string {
  try {
    return utf8.decode(payload);
  } catch {
    throw new RejectedInput('BAD_UTF8', 'payload is not valid UTF-8 text');
  }
}

/** Options of `jsonPayload`. */
export interface JsonPayloadOptions extends JsonLimits {
  /** Field types and required fields to check. */
  readonly schema?: Schema;
}

/**
 * JSON objects, checked against `schema` when given (field types, required fields). A payload
 * nested deeper than `maxDepth` (64) or holding more than `maxValues` (65,536) values is refused
 * before it is parsed (see `json-limits.ts`): what parsing costs is not bounded by bytes.
 */
export function jsonPayload(options: JsonPayloadOptions = {}): PayloadCodec {
  const schema = options.schema;
  if (schema) validateSchema(schema, 'jsonPayload');
  const limits = validateJsonLimits(options, 'jsonPayload');
  return {
    name: 'json',
    decode(payload) {
      let value: unknown;
      const json = text(payload);
      checkJsonShape(json, limits);
      try {
        value = JSON.parse(json);
      } catch (error) {
        throw new RejectedInput('BAD_JSON', `payload is not valid JSON (${(error as Error).message})`, { cause: error });
      }
      return schema ? checkJsonRecord(value, schema) : asRecord(value);
    },
  };
}

/** One CSV line per payload, fields named by `columns` and typed by `schema` (others stay text). */
export function csvPayload(options: { columns: readonly string[]; schema?: Schema; delimiter?: string }): PayloadCodec {
  const { columns, schema = {} } = options;
  if (!Array.isArray(columns) || columns.length === 0) throw new TypeError('csvPayload: columns must name the fields of a line, e.g. ["device", "temp"]');
  validateSchema(schema, 'csvPayload');
  const delimiter = options.delimiter ?? ',';
  return {
    name: 'csv',
    decode(payload) {
      const line = text(payload).replace(/\r?\n$/, '');
      if (/[\r\n]/.test(line)) throw new RejectedInput('BAD_CSV', 'a CSV payload must be one line');
      let rows: string[][];
      try {
        rows = parse(line, { delimiter, relax_quotes: false });
      } catch (error) {
        throw new RejectedInput('BAD_CSV', `payload is not a CSV line (${(error as Error).message})`, { cause: error });
      }
      const fields = rows[0] ?? [];
      if (fields.length !== columns.length) throw new RejectedInput('FIELD_COUNT', `expected ${columns.length} CSV fields (${columns.join(', ')}), got ${fields.length}`);
      const record: Record<string, string> = {};
      columns.forEach((name: string, i) => (record[name] = fields[i]!));
      return castTextRecord(record, schema);
    },
  };
}

/** Raw little-endian float32 arrays, as `{ [field]: Float32Array }`; `length` fixes the count. */
export function float32Payload(options: { field?: string; length?: number } = {}): PayloadCodec {
  const field = options.field ?? 'values';
  const length = options.length;
  if (length !== undefined && !(Number.isInteger(length) && length > 0)) throw new RangeError(`float32Payload: length must be an integer > 0, got ${length}`);
  return {
    name: 'float32',
    decode(payload) {
      if (payload.byteLength % 4 !== 0) throw new RejectedInput('BAD_FLOAT32', `a float32 payload must be a multiple of 4 bytes, got ${payload.byteLength}`);
      const n = payload.byteLength / 4;
      if (length !== undefined && n !== length) throw new RejectedInput('BAD_FLOAT32', `expected ${length} float32 values, got ${n}`);
      const values = new Float32Array(n);
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(i * 4, true);
      return { [field]: values };
    },
  };
}
