/**
 * `FeatureFrame`: rows of named features as one columnar block, the unit a model runs on
 * (`FrameLike`, so `LoadedModel.run` and the trainers take it as is), with the key and event time
 * of each row. `featureVector` builds them per bundle; `selectFeatures` / `dropFeatures` pick columns.
 */
import type { DoFn, FinishBundleContext, ProcessContext } from '../core/do-fn.js';
import type { PCollection } from '../core/pcollection.js';
import { composite, type PTransform } from '../core/ptransform.js';
import type { BoundedWindow } from '../core/window.js';
import type { FrameLike } from '../kernels/frame.js';
import { checkFeatureNames, readFeatures, typed, type FeatureRecord, type NonFinitePolicy } from './records.js';

/** Named feature rows with their keys and event times; `view` is a plain `Float32Array` [rows × cols]. */
export interface FeatureFrame<K = unknown> extends FrameLike {
  readonly keys: readonly K[];
  readonly timestamps: Float64Array;
}

/** Options of `featureVector`. */
export interface FeatureVectorOptions<K, R = FeatureRecord> {
  /** The key of each row (default: the record's `key` field, as the per-window features have). */
  readonly key?: (record: R) => K;
  /** NaN/±Inf in a feature: `'reject'` (dead letter, the default: models mostly cannot take NaN) or `'keep'`. */
  readonly nonFinite?: NonFinitePolicy;
}

/** Buffers a bundle's rows per window and emits one frame per window in `finishBundle`. */
class FeatureVectorFn<K> implements DoFn<FeatureRecord, FeatureFrame<K>> {
  #groups = new Map<string, { window: BoundedWindow; values: number[]; keys: K[]; timestamps: number[]; latest: number }>();
  readonly #row: Float64Array;

  constructor(
    private readonly names: readonly string[],
    private readonly key: (record: FeatureRecord) => K,
    private readonly policy: NonFinitePolicy,
  ) {
    this.#row = new Float64Array(names.length);
  }

  startBundle(): void {
    this.#groups = new Map();
  }

  process(record: FeatureRecord, ctx: ProcessContext<FeatureFrame<K>>): void {
    readFeatures(record, this.names, this.policy, this.#row, 0);
    const key = this.key(record);
    let group = this.#groups.get(ctx.window.id);
    if (!group) this.#groups.set(ctx.window.id, (group = { window: ctx.window, values: [], keys: [], timestamps: [], latest: ctx.timestamp }));
    for (const v of this.#row) group.values.push(v);
    group.keys.push(key);
    group.timestamps.push(ctx.timestamp);
    group.latest = Math.max(group.latest, ctx.timestamp);
  }

  finishBundle(ctx: FinishBundleContext<FeatureFrame<K>>): void {
    for (const g of this.#groups.values()) {
      const frame: FeatureFrame<K> = {
        view: Float32Array.from(g.values),
        rows: g.keys.length,
        cols: this.names.length,
        names: this.names,
        keys: g.keys,
        timestamps: Float64Array.from(g.timestamps),
      };
      ctx.output(frame, g.latest, g.window);
    }
    this.#groups = new Map();
  }
}

/**
 * Assembles the named features of records into `FeatureFrame`s, one per window per bundle, columns
 * in `names` order. A record missing a feature (or with NaN, by default) is a dead letter.
 */
export function featureVector<K = unknown, R extends object = FeatureRecord>(
  names: readonly string[],
  options: FeatureVectorOptions<K, R> = {},
): PTransform<PCollection<R>, PCollection<FeatureFrame<K>>> {
  checkFeatureNames('featureVector', names);
  const key = (options.key as ((r: FeatureRecord) => K) | undefined) ?? ((r: FeatureRecord) => r['key'] as K);
  const policy = options.nonFinite ?? 'reject';
  return typed(composite('featureVector', (input: PCollection<FeatureRecord>) => input.parDo(new FeatureVectorFn<K>([...names], key, policy), 'assemble')));
}

/** The rows of `frames` (same feature names, in the same order) as one frame, e.g. a training set. */
export function concatFrames<K>(frames: readonly FeatureFrame<K>[]): FeatureFrame<K> {
  if (frames.length === 0) throw new RangeError('concatFrames: needs at least one frame');
  const names = frames[0]!.names;
  const cols = names.length;
  const rows = frames.reduce((n, f) => n + f.rows, 0);
  const view = new Float32Array(rows * cols);
  const timestamps = new Float64Array(rows);
  const keys: K[] = [];
  let at = 0;
  for (const f of frames) {
    if (f.names.length !== cols || f.names.some((n, j) => n !== names[j])) {
      throw new RangeError(`concatFrames: features ${f.names.join(', ')} differ from the first frame's ${names.join(', ')}`);
    }
    view.set(f.view.subarray(0, f.rows * cols), at * cols);
    timestamps.set(f.timestamps.subarray(0, f.rows), at);
    for (let i = 0; i < f.rows; i++) keys.push(f.keys[i]!);
    at += f.rows;
  }
  return { view, rows, cols, names, keys, timestamps };
}

/** A new frame holding `names` of `frame`, in that order; throws naming unknown columns. */
export function selectColumns<K>(frame: FeatureFrame<K>, names: readonly string[]): FeatureFrame<K> {
  const cols = names.map((name) => {
    const c = frame.names.indexOf(name);
    if (c < 0) throw new RangeError(`the frame has no feature "${name}"; features: ${frame.names.join(', ')}`);
    return c;
  });
  const d = cols.length;
  const view = new Float32Array(frame.rows * d);
  for (let i = 0; i < frame.rows; i++) for (let j = 0; j < d; j++) view[i * d + j] = frame.view[i * frame.cols + cols[j]!]!;
  return { view, rows: frame.rows, cols: d, names: [...names], keys: frame.keys, timestamps: frame.timestamps };
}

/** Keeps only `names` (in that order) of each frame. */
export function selectFeatures<K>(names: readonly string[]): PTransform<PCollection<FeatureFrame<K>>, PCollection<FeatureFrame<K>>> {
  checkFeatureNames('selectFeatures', names);
  return composite('selectFeatures', (input: PCollection<FeatureFrame<K>>) => input.map((f) => selectColumns(f, names), 'select'));
}

/** Removes `names` from each frame (a name the frame lacks is ignored). */
export function dropFeatures<K>(names: readonly string[]): PTransform<PCollection<FeatureFrame<K>>, PCollection<FeatureFrame<K>>> {
  checkFeatureNames('dropFeatures', names);
  const dropped = new Set(names);
  return composite('dropFeatures', (input: PCollection<FeatureFrame<K>>) =>
    input.map(
      (f) =>
        selectColumns(
          f,
          f.names.filter((n) => !dropped.has(n)),
        ),
      'drop',
    ),
  );
}
