import { globalWindows, type WindowFn } from './window-fns.js';
import { continuationTrigger, defaultTrigger, type Trigger } from './triggers.js';
import { checkTimestampCombiner, type TimestampCombiner } from './timestamp-combiner.js';
import { triggerMachine } from './trigger-machine.js';

/** Whether each pane holds everything so far (`accumulating`) or only what is new (`discarding`). */
export type AccumulationMode = 'accumulating' | 'discarding';

/** How a collection is windowed and when its aggregations fire. */
export interface WindowingStrategy {
  readonly windowFn: WindowFn;
  readonly trigger: Trigger;
  readonly accumulation: AccumulationMode;
  /** How far behind the watermark data may arrive and still update its window (ms). */
  readonly allowedLateness: number;
  /** Which event time each pane carries, and where the aggregation holds its output watermark. */
  readonly timestampCombiner: TimestampCombiner;
}

/** Options of `windowInto`. */
export interface WindowOptions {
  /** Default: `defaultTrigger()` (on time, then once per bundle of late data). */
  trigger?: Trigger;
  /** Default `discarding`. */
  accumulation?: AccumulationMode;
  /** Default 0: data behind the watermark is late and rejected. */
  allowedLateness?: number;
  /** Default `endOfWindow`: each pane carries its window's last millisecond. */
  timestampCombiner?: TimestampCombiner;
}

/** The strategy of collections that were never windowed. */
export const DEFAULT_WINDOWING: WindowingStrategy = Object.freeze({
  windowFn: globalWindows(),
  trigger: defaultTrigger(),
  accumulation: 'discarding',
  allowedLateness: 0,
  timestampCombiner: 'endOfWindow',
});

/** Builds and checks a strategy from `windowInto` arguments. */
export function windowingStrategy(windowFn: WindowFn, options: WindowOptions = {}): WindowingStrategy {
  const allowedLateness = options.allowedLateness ?? 0;
  if (!(allowedLateness >= 0)) throw new RangeError(`windowInto: allowedLateness must be >= 0 ms, got ${allowedLateness}`);
  const accumulation = options.accumulation ?? 'discarding';
  if (accumulation !== 'accumulating' && accumulation !== 'discarding') {
    throw new TypeError(`windowInto: accumulation must be "accumulating" or "discarding", got "${String(accumulation)}"`);
  }
  const timestampCombiner = checkTimestampCombiner(options.timestampCombiner ?? 'endOfWindow');
  const trigger = options.trigger ?? defaultTrigger();
  triggerMachine(trigger); // a malformed trigger fails here, not at run time
  return { windowFn, trigger, accumulation, allowedLateness, timestampCombiner };
}

/**
 * The strategy of an aggregation's output (Beam's `GroupByKey.updateWindowingStrategy`): the same
 * windows, lateness, accumulation and timestamp combiner, with the continuation of the trigger,
 * so an aggregation downstream fires when the upstream's panes arrive rather than waiting again.
 */
export function continuationStrategy(strategy: WindowingStrategy): WindowingStrategy {
  if (strategy.trigger.kind === 'default') return strategy;
  return { ...strategy, trigger: continuationTrigger(strategy.trigger) };
}
