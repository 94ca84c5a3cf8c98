/**
 * Examples through a model, shared by `runInference` and `runStatefulInference`. Number rows of
 * a tabular model fill the batch frame (the fast path: one write per value); other examples
 * become tensors by input name (`exampleFeeds`), stacked along the model's batch axes. Runs hold
 * at most `maxBatchSize` examples, and one when the model's batch is fixed at 1 or examples'
 * shapes differ. Each run's outputs are split per example; examples that do not fit, and runs
 * that fail, become dead letters with the reason.
 */
import { RunnelError, messageOf } from '../../common/errors.js';
import type { BoundedWindow } from '../../core/window.js';
import { batchAxes, type BatchAxes } from './batch-axes.js';
import type { BatchFrame } from './batch-frame.js';
import { exampleFeeds, runsOf, splitOutputs, stackFeeds, type Feeds, type InputFns } from './example-feeds.js';
import type { RunInferenceMetrics } from './metrics.js';
import { isTensor } from './tensor.js';
import type { FrameModel, ModelOutputs } from './types.js';

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

/** How examples feed a model. */
export interface FeedSpec {
  /** Column names for models without `runnel.features` metadata. */
  readonly featureNames: readonly string[] | undefined;
  readonly maxBatchSize: number;
  /** Input functions reading each input's value from an example. */
  readonly inputs?: InputFns<unknown> | undefined;
  /** State inputs and the outputs that feed them (they share a batch axis). */
  readonly state?: Readonly<Record<string, string>>;
  /** Tensors for the inputs an example does not feed itself (its recurrent state), batch axis left out. */
  readonly perExample?: (row: Held) => Feeds;
}

/** Sends every example of `items` to the dead letters with `reason`. */
export function rejectAll(items: readonly Held[], reason: string, sink: Rejector, metrics: RunInferenceMetrics): void {
  const error = new RunnelError('BAD_INPUT', reason);
  for (const item of items) sink.reject(error, item.payload, item.timestamp);
  metrics.failedExample(items.length);
}

/** The inputs fed per example (the frame or first input first, then the rest but constants), and their batch axes. */
export function feedAxes(model: FrameModel, spec: FeedSpec): BatchAxes {
  const state = spec.state ?? {};
  const constants = model.constants ?? {};
  const fed = spec.inputs
    ? Object.keys(spec.inputs)
    : tabularPath(model, spec)
      ? [model.frameInput]
      : model.inputs.map((i) => i.name).filter((n) => !(n in constants) && !(n in state));
  for (const name of fed) {
    if (!model.inputs.some((i) => i.name === name))
      throw new RangeError(`model "${model.id}" has no input "${name}" (option inputs); inputs: ${model.inputs.map((i) => i.name).join(', ')}`);
    if (name in constants || name in state)
      throw new RangeError(`model "${model.id}": input "${name}" is fed by the option inputs and also as a ${name in state ? 'state' : 'constant'}`);
  }
  return batchAxes(model, [...fed, ...Object.keys(state)], state);
}

function tabularPath(model: FrameModel, spec: FeedSpec): boolean {
  return !spec.inputs && model.tabular !== false;
}

/** Runs `items` on `model` (see the module comment); `emit` gets each example that ran with its outputs. */
export async function runExamples(
  model: FrameModel,
  frame: BatchFrame,
  items: readonly Held[],
  spec: FeedSpec,
  sink: Rejector,
  metrics: RunInferenceMetrics,
  emit: (row: Held, outputs: ModelOutputs) => void,
): Promise<void> {
  let axes: BatchAxes;
  try {
    axes = feedAxes(model, spec);
    if (!tabularPath(model, spec) && !model.runTensors) throw new RangeError(`model "${model.id}" cannot run tensors (its handler has no runTensors); feed it number rows`);
  } catch (error) {
    rejectAll(items, messageOf(error), sink, metrics);
    return;
  }
  const max = Math.min(spec.maxBatchSize, axes.maxBatch);
  if (tabularPath(model, spec)) {
    // A model that fixes no width and names no features (`[batch, samples]`) takes rows of any
    // length, one length per run: consecutive rows of equal length run together.
    const anyWidth = model.featureCount === undefined && (model.featureNames ?? spec.featureNames) === undefined;
    for (const group of anyWidth ? consecutive(items, (item) => widthOf(item.value)) : [items]) {
      for (let from = 0; from < group.length; from += max) await runFrame(model, frame, group.slice(from, from + max), axes, spec, sink, metrics, emit);
    }
    return;
  }
  const rows: Held[] = [];
  const feeds: Feeds[] = [];
  for (const item of items) {
    const f = exampleFeeds(model.id, model.inputs, axes, item.value, spec.inputs);
    if (typeof f === 'string') rejectAll([item], f, sink, metrics);
    else {
      rows.push(item);
      feeds.push({ ...f, ...spec.perExample?.(item) });
    }
  }
  for (const run of runsOf(feeds, max)) {
    await runOnce(
      model,
      run.map((i) => rows[i]!),
      axes,
      sink,
      metrics,
      emit,
      () =>
        model.runTensors!(
          stackFeeds(
            run.map((i) => feeds[i]!),
            axes,
          ),
        ),
    );
  }
}

/** Splits `items` (in order) into runs of consecutive items with the same `keyOf`. */
function consecutive<T>(items: readonly T[], keyOf: (item: T) => number): T[][] {
  const runs: T[][] = [];
  let last: number | undefined;
  for (const item of items) {
    const key = keyOf(item);
    if (runs.length === 0 || key !== last) runs.push([]);
    runs[runs.length - 1]!.push(item);
    last = key;
  }
  return runs;
}

/** A row's length (a record or anything else: -1, which the batch frame refuses with its reason). */
function widthOf(value: unknown): number {
  if (Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array) return value.length;
  return isTensor(value) ? value.data.length : -1;
}

/** One run of number rows through the batch frame; state tensors go in as `extra`. */
async function runFrame(
  model: FrameModel,
  frame: BatchFrame,
  items: readonly Held[],
  axes: BatchAxes,
  spec: FeedSpec,
  sink: Rejector,
  metrics: RunInferenceMetrics,
  emit: (row: Held, outputs: ModelOutputs) => void,
): Promise<void> {
  try {
    frame.reset(model, spec.featureNames);
  } catch (error) {
    rejectAll(items, messageOf(error), sink, metrics);
    return;
  }
  const rows: Held[] = [];
  for (const item of items) {
    const why = frame.push(item.value);
    if (why === undefined) rows.push(item);
    else rejectAll([item], why, sink, metrics);
  }
  const perExample = spec.perExample;
  await runOnce(model, rows, axes, sink, metrics, emit, () => model.run(frame, perExample ? stackFeeds(rows.map(perExample), axes) : undefined));
}

async function runOnce(
  model: FrameModel,
  rows: readonly Held[],
  axes: BatchAxes,
  sink: Rejector,
  metrics: RunInferenceMetrics,
  emit: (row: Held, outputs: ModelOutputs) => void,
  run: () => Promise<ModelOutputs>,
): Promise<void> {
  if (rows.length === 0) return;
  const start = performance.now();
  let split: ModelOutputs[];
  try {
    split = splitOutputs(await run(), rows.length, axes);
  } catch (error) {
    metrics.failedBatch();
    rejectAll(rows, `a batch of ${rows.length} examples failed on model "${model.id}": ${messageOf(error)}`, sink, metrics);
    return;
  }
  metrics.batch(rows.length, performance.now() - start);
  rows.forEach((row, i) => emit(row, split[i]!));
}
