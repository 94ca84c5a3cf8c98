/**
 * Which event time a pane carries (Beam's `TimestampCombiner`): the end of its window
 * (`endOfWindow`, the default: `window.maxTimestamp()`), or the earliest or latest event time of
 * the elements in the pane that were not already behind the aggregation's output watermark.
 */
export type TimestampCombiner = 'endOfWindow' | 'earliest' | 'latest';

const COMBINERS: readonly TimestampCombiner[] = ['endOfWindow', 'earliest', 'latest'];

/** Throws a TypeError naming the choices when `value` is not a timestamp combiner. */
export function checkTimestampCombiner(value: unknown): TimestampCombiner {
  if (!COMBINERS.includes(value as TimestampCombiner)) {
    throw new TypeError(`windowInto: timestampCombiner must be one of ${COMBINERS.map((c) => `"${c}"`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as TimestampCombiner;
}

/**
 * Combines an element's output time into a pane's hold (`undefined`: no hold yet). For
 * `endOfWindow` every element's output time is the window's `maxTimestamp`.
 */
export function combineHold(combiner: TimestampCombiner, hold: number | undefined, outputTime: number): number {
  if (hold === undefined) return outputTime;
  if (combiner === 'latest') return Math.max(hold, outputTime);
  return Math.min(hold, outputTime);
}
