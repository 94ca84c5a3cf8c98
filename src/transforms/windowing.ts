import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import { windowingStrategy, type WindowingStrategy, type WindowOptions } from '../core/windowing/strategy.js';
import { afterCount, repeatedly } from '../core/windowing/triggers.js';
import { globalWindows, type WindowFn } from '../core/windowing/window-fns.js';
import { ElementwiseTransform } from './element-wise.js';
import { nameAfter } from './naming.js';

/** Sets each element's event time to `fn(value)` (ms since the epoch). */
export function withTimestamps<T>(fn: (value: T) => number): PTransform<PCollection<T>, PCollection<T>> {
  return new ElementwiseTransform<T, T>(nameAfter('withTimestamps', fn), { type: 'timestamp', fn });
}

class WindowInto<T> extends PTransform<PCollection<T>, PCollection<T>> {
  readonly defaultName: string;

  constructor(private readonly strategy: WindowingStrategy) {
    super();
    this.defaultName = `windowInto(${strategy.windowFn.description})`;
  }

  expand(input: PCollection<T>, context: ExpandContext): PCollection<T> {
    const spec = { kind: 'elementwise', stage: { type: 'assignWindows', windowFn: this.strategy.windowFn } } as const;
    return context.addNode(spec, [input], 1, this.strategy)[0] as PCollection<T>;
  }
}

/**
 * Assigns elements to windows by event time, and sets when aggregations downstream fire
 * (trigger), what each pane holds (accumulation), how late data may be (allowedLateness) and
 * which event time each pane carries (timestampCombiner).
 */
export function windowInto<T>(windowFn: WindowFn, options: WindowOptions = {}): PTransform<PCollection<T>, PCollection<T>> {
  return new WindowInto<T>(windowingStrategy(windowFn, options));
}

/**
 * "Every N readings": the global window with a pane once `n` elements have arrived (per key, for
 * keyed aggregations); what remains at the end of the input is emitted as a last, smaller pane.
 * It is `repeatedly(afterCount(n))`, asked once per bundle as Beam asks triggers, so a pane holds
 * at least `n` elements, exactly `n` when bundles do not straddle a count.
 */
export function countWindows<T>(n: number): PTransform<PCollection<T>, PCollection<T>> {
  return new WindowInto<T>(windowingStrategy(globalWindows(), { trigger: repeatedly(afterCount(n)), accumulation: 'discarding' })).withName(`countWindows(${n})`);
}
