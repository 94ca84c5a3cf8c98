/**
 * Checks a frame against a model before it reaches onnxruntime: column count, feature names and
 * order, and NaN values under the model's policy. Every failure names what does not match.
 */
import { RunnelError } from '../../common/errors.js';
import type { FrameLike } from '../../kernels/frame.js';

/** What to do with NaN inputs: reject the batch, pass them on (tree ensembles route missing values), or impute one value per feature. */
export type NanPolicy = 'reject' | 'pass' | { impute: readonly number[] };

const list = (names: readonly string[], max = 8): string =>
  names
    .slice(0, max)
    .map((n) => `"${n}"`)
    .join(', ') + (names.length > max ? `, … (${names.length} in all)` : '');

/** Throws `BAD_INPUT` unless the frame has `width` columns (when known) named `expected` in order (when known). */
export function checkFrameColumns(modelId: string, input: string, expected: readonly string[] | undefined, width: number | undefined, frame: FrameLike): void {
  if (!Number.isInteger(frame.rows) || frame.rows < 1) throw new RunnelError('BAD_INPUT', `model "${modelId}": a batch needs at least one row, got ${frame.rows}`);
  if (frame.view.length < frame.rows * frame.cols) {
    throw new RunnelError('BAD_INPUT', `model "${modelId}": frame holds ${frame.view.length} values, ${frame.rows} rows × ${frame.cols} columns need ${frame.rows * frame.cols}`);
  }
  if (expected) {
    const have = new Set(frame.names);
    const want = new Set(expected);
    const missing = expected.filter((n) => !have.has(n));
    const unexpected = frame.names.filter((n) => !want.has(n));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [missing.length > 0 ? `missing ${list(missing)}` : '', unexpected.length > 0 ? `unexpected ${list(unexpected)}` : ''].filter(Boolean);
      throw new RunnelError('BAD_INPUT', `model "${modelId}" input "${input}": frame features do not match the model's: ${parts.join('; ')}`);
    }
    const at = expected.findIndex((n, i) => frame.names[i] !== n);
    if (at >= 0 || frame.names.length !== expected.length) {
      throw new RunnelError(
        'BAD_INPUT',
        `model "${modelId}" input "${input}": frame features are in a different order: column ${at} is "${frame.names[at]}", the model expects "${expected[at]}" (expected order: ${list(expected)})`,
      );
    }
  }
  if (width !== undefined && frame.cols !== width) {
    throw new RunnelError('BAD_INPUT', `model "${modelId}" input "${input}": expects ${width} columns, frame has ${frame.cols} (${list(frame.names)})`);
  }
}

/** Indices of rows holding at least one NaN. */
export function findNanRows(frame: FrameLike): number[] {
  const rows: number[] = [];
  const v = frame.view;
  for (let r = 0; r < frame.rows; r++) {
    const end = (r + 1) * frame.cols;
    for (let i = r * frame.cols; i < end; i++) {
      if (v[i] !== v[i]) {
        rows.push(r);
        break;
      }
    }
  }
  return rows;
}

/**
 * Returns the values to feed: the frame's own view when no change is needed (no copy), or
 * `scratch` (grown only when too small, so reused across batches) with NaNs imputed.
 */
export function applyNanPolicy(modelId: string, frame: FrameLike, policy: NanPolicy, scratch: { buffer: Float32Array }): Float32Array {
  const n = frame.rows * frame.cols;
  const view = frame.view.length === n ? frame.view : frame.view.subarray(0, n);
  if (policy === 'pass') return view;
  let firstNan = -1;
  for (let i = 0; i < n; i++) {
    if (view[i] !== view[i]) {
      firstNan = i;
      break;
    }
  }
  if (firstNan < 0) return view;
  if (policy === 'reject') {
    const bad = findNanRows(frame);
    const row = Math.floor(firstNan / frame.cols);
    throw new RunnelError(
      'BAD_INPUT',
      `model "${modelId}": NaN in row ${row}, feature "${frame.names[firstNan % frame.cols]}" (${bad.length} of ${frame.rows} rows have NaN; the model's NaN policy is "reject")`,
    );
  }
  if (scratch.buffer.length < n) scratch.buffer = new Float32Array(Math.max(n, scratch.buffer.length * 2));
  const out = scratch.buffer.subarray(0, n);
  const values = policy.impute;
  for (let i = 0; i < n; i++) {
    const v = view[i]!;
    out[i] = v !== v ? values[i % frame.cols]! : v;
  }
  return out;
}
