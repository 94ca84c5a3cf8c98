import { globalWindows, type WindowFn } from './window-fns.js';
import { defaultTrigger, planTrigger, type Trigger } from './triggers.js';

/** Whether each pane holds everything so far (`accumulating`) or only what is new (`discarding`). */
export type AccumulationMode = 'accumulating' | 'discarding';

/** How a collection is windowed and when its aggregations fire. */
export interface WindowingStrategy {
  readonly windowFn: WindowFn;
  readonly trigger: Trigger;
  readonly accumulation: AccumulationMode;
  /** How far behind the watermark data may arrive and still update its window (ms). */
  readonly allowedLateness: number;
}

/** Options of `windowInto`. */
export interface WindowOptions {
  /** Default: `defaultTrigger()` (on time, then once per late element). */
  trigger?: Trigger;
  /** Default `discarding`. */
  accumulation?: AccumulationMode;
  /** Default 0: data behind the watermark is late and rejected. */
  allowedLateness?: number;
}

/** The strategy of collections that were never windowed. */
export const DEFAULT_WINDOWING: WindowingStrategy = Object.freeze({
  windowFn: globalWindows(),
  trigger: defaultTrigger(),
  accumulation: 'discarding',
  allowedLateness: 0,
});

/** Builds and checks a strategy from `windowInto` arguments. */
export function windowingStrategy(windowFn: WindowFn, options: WindowOptions = {}): WindowingStrategy {
  const allowedLateness = options.allowedLateness ?? 0;
  if (!(allowedLateness >= 0)) throw new RangeError(`windowInto: allowedLateness must be >= 0 ms, got ${allowedLateness}`);
  const accumulation = options.accumulation ?? 'discarding';
  if (accumulation !== 'accumulating' && accumulation !== 'discarding') {
    throw new TypeError(`windowInto: accumulation must be "accumulating" or "discarding", got "${String(accumulation)}"`);
  }
  const trigger = options.trigger ?? defaultTrigger();
  planTrigger(trigger); // rejects unsupported combinations now, not at run time
  return { windowFn, trigger, accumulation, allowedLateness };
}
