/** Running a loaded model over labelled samples, and the held-out split champion and challenger share. */
import { frameOf } from '../../kernels/frame.js';
import type { ModelLease } from '../infer/served-model.js';
import type { FrameModel } from '../infer/types.js';
import type { LabelledSamples } from '../../store/samples.js';
import { score, type LifecycleMetric } from './metric.js';

/** Rows of labelled samples, as a frame with its labels. */
export interface Slice {
  readonly x: Float32Array;
  readonly y: Float64Array;
  readonly at: Float64Array;
  readonly rows: number;
}

/** The older rows to fit on and the newest `fraction` (at least `min`) held out, oldest first in both. */
export function splitHeldOut(data: LabelledSamples, fraction: number, min: number): { readonly train: Slice; readonly heldOut: Slice } {
  const held = Math.min(data.rows, Math.max(min, Math.floor(data.rows * fraction)));
  const cut = data.rows - held;
  const d = data.cols;
  const slice = (from: number, to: number): Slice => ({
    x: data.x.subarray(from * d, to * d),
    y: data.y.subarray(from, to),
    at: data.at.subarray(from, to),
    rows: to - from,
  });
  return { train: slice(0, cut), heldOut: slice(cut, data.rows) };
}

/** `metric` of `model` (already loaded) on `slice`, reading its output tensor `output`. */
export async function scoreModel(model: FrameModel, slice: Slice, features: readonly string[], output: string, metric: LifecycleMetric): Promise<number> {
  const out = await model.run(frameOf(slice.x, features));
  const tensor = out[output];
  if (!tensor) throw new RangeError(`model ${model.id} has no output "${output}" (it has ${Object.keys(out).join(', ')}); set the lifecycle's output option`);
  // A classifier's label output is int64 (a BigInt64Array): compared as is, no 1n equals the label 1.
  const data = tensor.data as ArrayLike<number> | BigInt64Array;
  return score(metric, slice.y, data instanceof BigInt64Array ? Array.from(data, Number) : data);
}

/** `scoreModel` on the version `served` serves now, under a lease (no second load of it). */
export async function scoreServed(
  served: { lease(): Promise<ModelLease<FrameModel>> },
  slice: Slice,
  features: readonly string[],
  output: string,
  metric: LifecycleMetric,
): Promise<number> {
  const lease = await served.lease();
  try {
    return await scoreModel(lease.model, slice, features, output, metric);
  } finally {
    lease.done();
  }
}
