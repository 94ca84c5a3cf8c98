/**
 * Combines many inputs into one output through an accumulator, as Beam's CombineFn.
 * `addInput` may mutate and return the accumulator. Accumulators should be plain JSON data
 * so a streaming runner can persist them.
 */
export interface CombineFn<In, Acc, Out> {
  /** A short name for stage names, e.g. `sum`. */
  readonly name?: string;
  createAccumulator(): Acc;
  addInput(accumulator: Acc, input: In): Acc;
  mergeAccumulators(accumulators: Iterable<Acc>): Acc;
  extractOutput(accumulator: Acc): Out;
}
