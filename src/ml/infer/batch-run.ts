/**
 * One batch through a model, shared by `runInference` and `runStatefulInference`: fill the
 * batch frame (examples that do not fit become dead letters), run it, split the outputs per
 * example; a batch that fails as a whole sends each of its examples to the dead letters.
 */
import { RunnelError, messageOf } from '../../common/errors.js';
import type { BoundedWindow } from '../../core/window.js';
import type { BatchFrame } from './batch-frame.js';
import type { RunInferenceMetrics } from './metrics.js';
import { splitRows, type InferenceValues } from './prediction.js';
import type { FloatTensor, FrameModel, ModelOutputs } from './types.js';

/** An example held from `process` to the end of the bundle. */
export interface Held {
  readonly key: unknown;
  /** The example. */
  readonly value: unknown;
  /** The element as it arrived (what a dead letter shows). */
  readonly payload: unknown;
  readonly timestamp: number;
  readonly window: BoundedWindow;
}

/** Where rejected examples go. */
export interface Rejector {
  reject(reason: unknown, value: unknown, timestamp: number): void;
}

/** A batch that ran: the examples that made it in, their outputs (one per example), and all raw outputs. */
export interface BatchOutcome {
  readonly rows: Held[];
  readonly results: InferenceValues[];
  readonly outputs: ModelOutputs;
}

/** Sends every example of `items` to the dead letters with `reason`. */
export function rejectAll(items: readonly Held[], reason: string, sink: Rejector, metrics: RunInferenceMetrics): void {
  const error = new RunnelError('BAD_INPUT', reason);
  for (const item of items) sink.reject(error, item.payload, item.timestamp);
  metrics.failedExample(items.length);
}

/** Runs `items` as one batch on `model`; undefined when no example made it or the batch failed. */
export async function runBatch(
  model: FrameModel,
  frame: BatchFrame,
  items: readonly Held[],
  options: { featureNames: readonly string[] | undefined; extra?: (rows: readonly Held[]) => Record<string, FloatTensor>; skip?: ReadonlySet<string> },
  sink: Rejector,
  metrics: RunInferenceMetrics,
): Promise<BatchOutcome | undefined> {
  try {
    frame.reset(model, options.featureNames);
  } catch (error) {
    rejectAll(items, messageOf(error), sink, metrics);
    return undefined;
  }
  const rows: Held[] = [];
  for (const item of items) {
    const why = frame.push(item.value);
    if (why === undefined) rows.push(item);
    else rejectAll([item], why, sink, metrics);
  }
  if (rows.length === 0) return undefined;
  const start = performance.now();
  try {
    const outputs = await model.run(frame, options.extra?.(rows));
    const results = splitRows(outputs, rows.length, options.skip);
    metrics.batch(rows.length, performance.now() - start);
    return { rows, results, outputs };
  } catch (error) {
    metrics.failedBatch();
    rejectAll(rows, `a batch of ${rows.length} examples failed on model "${model.id}": ${messageOf(error)}`, sink, metrics);
    return undefined;
  }
}
