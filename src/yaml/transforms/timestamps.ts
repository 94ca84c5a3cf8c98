import type { ProcessContext } from '../../core/do-fn.js';
import type { BoundedWindow } from '../../core/window.js';
import { describe } from '../config.js';
import { languageOf, rowFunction, type Row } from '../expressions.js';
import { configOf, ERROR_HANDLING, LANGUAGE, ROW_VALUE } from '../schema/parts.js';
import { applyRowFunction, errorOutputOf } from './row-step.js';
import type { YamlTransform } from './yaml-transform.js';

/**
 * `AssignTimestamps`: each row's event time from `timestamp:` (a field or expression). A number
 * is seconds since the epoch, as in Beam; a string is an ISO 8601 date-time.
 */
export const AssignTimestamps: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ timestamp: ROW_VALUE, language: LANGUAGE, error_handling: ERROR_HANDLING }, ['timestamp']),
  build(input, { config }) {
    const timestamp = rowFunction(config, 'timestamp', config.required('timestamp'), languageOf(config));
    return applyRowFunction(input, 'timestamp', { timestamp: (row: Row) => toMillis(timestamp(row)) }, errorOutputOf(config));
  },
};

function toMillis(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (value instanceof Date) return value.getTime();
  const parsed = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed)) throw new Error(`timestamp ${describe(value)} is neither seconds since the epoch nor an ISO 8601 date-time`);
  return parsed;
}

const WINDOW_FIELDS: Readonly<Record<string, (timestamp: number, window: BoundedWindow) => unknown>> = {
  timestamp: (t) => seconds(t),
  window_start: (_t, w) => (w.id === 'global' ? null : seconds(w.start)),
  window_end: (_t, w) => (w.id === 'global' ? null : seconds(w.end)),
  window_string: (_t, w) => (w.id === 'global' ? 'GlobalWindow' : `[${pythonFloat(seconds(w.start))}, ${pythonFloat(seconds(w.end))})`),
  window_type: (_t, w) => (w.id === 'global' ? 'GlobalWindow' : 'IntervalWindow'),
};

/** One of the windowing fields ExtractWindowingInfo gives. */
const WINDOW_FIELD = { enum: Object.keys(WINDOW_FIELDS), messages: { enum: `unknown windowing field {value}; Runnel gives ${Object.keys(WINDOW_FIELDS).join(', ')}` } };

/**
 * `ExtractWindowingInfo`: adds the element's event time and window to the row as fields, in
 * seconds as Beam gives them: `fields: [window_start, window_end]`, or a mapping from the new
 * field's name to one of timestamp, window_start, window_end, window_string, window_type.
 */
export const ExtractWindowingInfo: YamlTransform = {
  kind: 'step',
  configSchema: configOf({
    fields: {
      anyOf: [
        { type: 'array', minItems: 1, items: WINDOW_FIELD },
        { type: 'object', minProperties: 1, additionalProperties: WINDOW_FIELD },
      ],
      expected: `a list of ${Object.keys(WINDOW_FIELDS).join(', ')} (or a mapping of new field names to them)`,
    },
  }),
  build(input, { config }) {
    const given = config.raw('fields') ?? Object.keys(WINDOW_FIELDS);
    const pairs: [string, unknown][] = Array.isArray(given) ? given.map((f: unknown) => [String(f), f]) : Object.entries(given as Record<string, unknown>);
    const extract = pairs.map(([name, what]) => [name, WINDOW_FIELDS[what as string]!] as const);
    return input.parDo(
      {
        process(row: Row, context: ProcessContext<Row>) {
          const out = { ...row };
          for (const [name, fn] of extract) out[name] = fn(context.timestamp, context.window);
          context.output(out);
        },
      },
      'windowing info',
    );
  },
};

const seconds = (ms: number): number => ms / 1000;

/** A number as Python prints a float (`7.0`, `2.5`), as Beam's window strings show them. */
function pythonFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}
