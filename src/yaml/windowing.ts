import { fixedWindows, globalWindows, sessions, slidingWindows, type WindowFn } from '../core/windowing/window-fns.js';
import { describe, type ConfigReader } from './config.js';
import { parseDuration } from './duration.js';
import { DURATION, DURATION_OR_ZERO, type JsonSchema } from './schema/parts.js';

const SPECS: Readonly<Record<string, { readonly properties: Readonly<Record<string, JsonSchema>>; readonly required: readonly string[] }>> = {
  fixed: { properties: { size: DURATION, offset: DURATION_OR_ZERO }, required: ['size'] },
  sliding: { properties: { size: DURATION, period: DURATION, offset: DURATION_OR_ZERO }, required: ['size', 'period'] },
  sessions: { properties: { gap: DURATION }, required: ['gap'] },
  global: { properties: {}, required: [] },
};

/** The schema of a `windowing:` spec: its `type` and the keys that type takes. */
export const WINDOWING_SCHEMA: JsonSchema = {
  type: 'object',
  expected: 'a windowing spec such as { type: fixed, size: 10s }',
  required: ['type'],
  properties: { type: { enum: Object.keys(SPECS), messages: { enum: `unknown window type {value}; Runnel knows ${Object.keys(SPECS).join(', ')}` } } },
  allOf: Object.entries(SPECS).map(([type, { properties, required }]) => ({
    if: { properties: { type: { const: type } }, required: ['type'] },
    then: { properties: { type: true, ...properties }, required, additionalProperties: false },
  })),
};

/**
 * A Beam YAML `windowing:` spec (valid under `WINDOWING_SCHEMA`) as a window function:
 * `{ type: fixed, size: 10s }`, `{ type: sliding, size: 1m, period: 10s }`,
 * `{ type: sessions, gap: 30s }`, `{ type: global }`.
 */
export function windowFnOf(spec: ConfigReader): WindowFn {
  const offset = (): number => (spec.has('offset') ? duration(spec, 'offset') : 0);
  switch (spec.raw('type')) {
    case 'fixed':
      return fixedWindows(duration(spec, 'size'), offset());
    case 'sliding': {
      const [size, period] = [duration(spec, 'size'), duration(spec, 'period')];
      if (period > size)
        throw spec.error(
          'period',
          `the period (${describe(spec.raw('period'))}) must not exceed the size (${describe(spec.raw('size'))}); for gaps between windows use fixed windows`,
        );
      return slidingWindows(size, period, offset());
    }
    case 'sessions':
      return sessions(duration(spec, 'gap'));
    default:
      return globalWindows();
  }
}

/** A duration the schema has checked (0 only where it allows zero). */
function duration(spec: ConfigReader, key: string): number {
  return parseDuration(spec.raw(key)) ?? 0;
}
