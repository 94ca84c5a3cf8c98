/**
 * Fitted statistics applied to whole frames: the columnar fast path. `applyStatistics` is for
 * training and evaluation code (fit on the training frame, apply the same artifact to every other
 * frame); `applyToFrames` does it in a pipeline after `featureVector`, one kernel call per frame
 * and no object per row.
 */
import type { PCollection } from '../../core/pcollection.js';
import { composite, type PTransform } from '../../core/ptransform.js';
import type { FrameLike } from '../../kernels/frame.js';
import type { FeatureFrame } from '../feature-frame.js';
import { applyParams } from './fit.js';
import { parseFitted, type FittedStatistics } from './artifact.js';
import { Workspace } from '../workspace.js';

/** Column of each of the artifact's features in `frame`; throws naming the missing one. */
function columnsOf(fitted: FittedStatistics, frame: FrameLike): number[] {
  return fitted.featureNames.map((name) => {
    const c = frame.names.indexOf(name);
    if (c < 0) throw new RangeError(`the frame has no feature "${name}" (the fitted statistics need ${fitted.featureNames.join(', ')}); features: ${frame.names.join(', ')}`);
    return c;
  });
}

/** The frame's values with the artifact applied to its columns, as a new array (NaN stays NaN). */
function appliedValues(ws: Workspace, fitted: FittedStatistics, frame: FrameLike): Float32Array {
  const { rows, cols } = frame;
  const cs = columnsOf(fitted, frame);
  const d = cs.length;
  const block = ws.f32('frame', rows * d);
  if (d === cols && cs.every((c, j) => c === j)) {
    // The common case, the artifact covers the frame's columns in order: two copies in all.
    block.view.set(frame.view.subarray(0, rows * cols));
    applyParams(ws, fitted, block.ptr, rows);
    // ArrayBuffer.slice copies without zeroing a new buffer first (faster than TypedArray.slice here).
    return new Float32Array(ws.k.exports.memory.buffer.slice(block.ptr, block.ptr + rows * cols * 4));
  }
  const values = frame.view.slice(0, rows * cols);
  const wasm = block.view;
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) wasm[i * d + j] = values[i * cols + cs[j]!]!;
  applyParams(ws, fitted, block.ptr, rows);
  const out = block.view;
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) values[i * cols + cs[j]!] = out[i * d + j]!;
  return values;
}

let shared: Workspace | undefined;

/** Applies `fitted` to the named columns of a frame (other columns unchanged); returns a new frame. */
export function applyStatistics<K>(fitted: FittedStatistics | string, frame: FeatureFrame<K>): FeatureFrame<K>;
export function applyStatistics(fitted: FittedStatistics | string, frame: FrameLike): FrameLike;
export function applyStatistics(fitted: FittedStatistics | string, frame: FrameLike): FrameLike {
  shared ??= new Workspace();
  const view = appliedValues(shared, parseFitted(fitted), frame);
  return 'keys' in frame ? { ...(frame as FeatureFrame), view } : { view, rows: frame.rows, cols: frame.cols, names: frame.names };
}

/** `applyStatistics` as a pipeline step over `FeatureFrame`s; a frame lacking a feature is a dead letter. */
export function applyToFrames<K>(fitted: FittedStatistics | string): PTransform<PCollection<FeatureFrame<K>>, PCollection<FeatureFrame<K>>> {
  const artifact = parseFitted(fitted);
  const ws = new Workspace();
  return composite(`applyToFrames(${artifact.kind})`, (input: PCollection<FeatureFrame<K>>) =>
    input.map((frame): FeatureFrame<K> => ({ ...frame, view: appliedValues(ws, artifact, frame) }), 'apply'),
  );
}
