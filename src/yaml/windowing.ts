import { fixedWindows, globalWindows, sessions, slidingWindows, type WindowFn } from '../core/windowing/window-fns.js';
import { describe, type ConfigReader } from './config.js';
import { DURATION_HINT, parseDuration } from './duration.js';

const TYPES = ['fixed', 'sliding', 'sessions', 'global'];

/**
 * A Beam YAML `windowing:` spec as a window function: `{ type: fixed, size: 10s }`,
 * `{ type: sliding, size: 1m, period: 10s }`, `{ type: sessions, gap: 30s }`, `{ type: global }`.
 */
export function windowFnOf(spec: ConfigReader): WindowFn {
  const type = spec.required('type');
  switch (type) {
    case 'fixed':
      spec.allowOnly(['type', 'size', 'offset']);
      return fixedWindows(duration(spec, 'size'), spec.has('offset') ? duration(spec, 'offset', true) : 0);
    case 'sliding': {
      spec.allowOnly(['type', 'size', 'period', 'offset']);
      const [size, period] = [duration(spec, 'size'), duration(spec, 'period')];
      if (period > size)
        throw spec.error(
          'period',
          `the period (${describe(spec.raw('period'))}) must not exceed the size (${describe(spec.raw('size'))}); for gaps between windows use fixed windows`,
        );
      return slidingWindows(size, period, spec.has('offset') ? duration(spec, 'offset', true) : 0);
    }
    case 'sessions':
      spec.allowOnly(['type', 'gap']);
      return sessions(duration(spec, 'gap'));
    case 'global':
      spec.allowOnly(['type']);
      return globalWindows();
    default:
      throw spec.error('type', `unknown window type ${describe(type)}; Runnel knows ${TYPES.join(', ')}`);
  }
}

function duration(spec: ConfigReader, key: string, zeroAllowed = false): number {
  const value = spec.required(key);
  if (zeroAllowed && (value === 0 || value === '0')) return 0;
  const ms = parseDuration(value);
  if (ms === undefined) throw spec.error(key, `expected ${DURATION_HINT}, got ${describe(value)}`);
  return ms;
}
