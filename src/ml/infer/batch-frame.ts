/**
 * Turns examples into one batch tensor: each example's values are written once, straight into a
 * row-major `Float32Array` that is reused from batch to batch and fed to the model as is. An
 * example that does not fit the model (wrong length, missing or unexpected feature names, NaN
 * under a reject policy) is refused with a reason naming the mismatch, and the batch goes on.
 */
import type { FrameLike } from '../../kernels/frame.js';
import { FEATURES_KEY } from '../onnx/builders/common.js';
import { isTensor, type Tensor } from './tensor.js';
import type { FrameModel } from './types.js';

/** One example: numbers in the model's feature order, a record of numbers by feature name, or a tensor. */
export type Example = Float32Array | Float64Array | readonly number[] | Readonly<Record<string, number>> | Tensor;

const list = (names: readonly string[], max = 8): string =>
  names
    .slice(0, max)
    .map((n) => `"${n}"`)
    .join(', ') + (names.length > max ? `, … (${names.length} in all)` : '');

/** A batch being filled for one model; see the module comment. */
export class BatchFrame implements FrameLike {
  view = new Float32Array(0);
  rows = 0;
  cols = 0;
  names: readonly string[] = [];
  #model: FrameModel | undefined;
  #named: boolean = false;
  #rejectNan = false;

  /** Starts an empty batch for `model`; `featureNames` name the columns when the model does not. */
  reset(model: FrameModel, featureNames: readonly string[] | undefined): void {
    const names = model.featureNames ?? featureNames;
    if (names && model.featureCount !== undefined && names.length !== model.featureCount) {
      throw new RangeError(`${names.length} feature names (${list(names)}) for model "${model.id}", which takes ${model.featureCount} features`);
    }
    this.#model = model;
    this.#named = names !== undefined;
    this.names = names ?? [];
    this.cols = model.featureCount ?? names?.length ?? 0;
    this.rows = 0;
    this.#rejectNan = model.nanPolicy === 'reject';
  }

  /** Appends `example` as a row; returns why it does not fit instead (and adds nothing). */
  push(example: unknown): string | undefined {
    const model = this.#model;
    if (!model) throw new Error('BatchFrame.push before reset');
    if (this.cols === 0) {
      // A model with no fixed width and no names: the first example fixes the width.
      if (!isRow(example)) return `example is not an array of numbers; model "${model.id}" has no feature names to read a record by`;
      this.cols = example.length;
      this.names = Array.from({ length: this.cols }, (_, i) => `x${i}`);
    }
    const cols = this.cols;
    const need = (this.rows + 1) * cols;
    if (this.view.length < need) {
      const grown = new Float32Array(Math.max(need, this.view.length * 2, 64 * cols));
      grown.set(this.view.subarray(0, this.rows * cols));
      this.view = grown;
    }
    const at = this.rows * cols;
    const why = isRow(example) ? this.#writeRow(model, example, at) : isTensor(example) ? this.#writeTensor(model, example, at) : this.#writeRecord(model, example, at);
    if (why !== undefined) return why;
    if (this.#rejectNan) {
      for (let j = 0; j < cols; j++) {
        const v = this.view[at + j]!;
        if (v !== v) return `NaN in feature "${this.names[j] ?? j}"; model "${model.id}" rejects NaN inputs (its NaN policy is "reject")`;
      }
    }
    this.rows++;
    return undefined;
  }

  #writeRow(model: FrameModel, row: ArrayLike<number>, at: number): string | undefined {
    if (row.length !== this.cols) {
      return `example has ${row.length} values; model "${model.id}" takes ${this.cols} features${this.#named ? ` (${list(this.names)})` : ''}`;
    }
    const view = this.view;
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (typeof v !== 'number') return `value ${j} of the example is ${typeof v}, not a number`;
      view[at + j] = v;
    }
    return undefined;
  }

  #writeTensor(model: FrameModel, t: Tensor, at: number): string | undefined {
    if (t.type !== 'float32' || t.dims.length !== 1)
      return `a ${t.type} [${t.dims.join(', ')}] tensor does not fit model "${model.id}", which takes rows of ${this.cols} float32 features`;
    return this.#writeRow(model, t.data as Float32Array, at);
  }

  #writeRecord(model: FrameModel, record: unknown, at: number): string | undefined {
    if (typeof record !== 'object' || record === null)
      return `example is ${record === null ? 'null' : typeof record}; give an array of numbers or a record of numbers by feature name`;
    if (!this.#named) {
      return `a record example needs feature names: model "${model.id}" has no ${FEATURES_KEY} metadata; give runInference the option featureNames`;
    }
    const values = record as Record<string, unknown>;
    const names = this.names;
    const missing = names.filter((n) => typeof values[n] !== 'number');
    const wanted = new Set(names);
    const unexpected = Object.keys(values).filter((k) => !wanted.has(k));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [missing.length > 0 ? `missing ${list(missing)}` : '', unexpected.length > 0 ? `unexpected ${list(unexpected)}` : ''].filter(Boolean);
      return `example's features do not match model "${model.id}": ${parts.join('; ')} (the model takes ${list(names)})`;
    }
    for (let j = 0; j < names.length; j++) this.view[at + j] = values[names[j]!] as number;
    return undefined;
  }
}

function isRow(example: unknown): example is ArrayLike<number> {
  return Array.isArray(example) || example instanceof Float32Array || example instanceof Float64Array;
}
