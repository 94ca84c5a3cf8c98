/**
 * What a streaming audio or vibration model needs in front of it, per key, with the state kept in
 * keyed state (committed with each step of a durable run, so a restart resumes mid-frame):
 * `sampleFrames` cuts a stream of sample chunks into frames of `size` every `hop` samples;
 * `lastRows` keeps the last `n` rows of a stream of feature rows and emits them as one `[n, width]`
 * tensor (how wake-word pipelines feed mel frames to an embedding, and embeddings to a classifier).
 */
import type { KV } from '../../core/element.js';
import type { PCollection } from '../../core/pcollection.js';
import type { PTransform } from '../../core/ptransform.js';
import { valueState, type StatefulDoFn, type ValueStateSpec } from '../../core/state.js';
import { statefulParDo } from '../../transforms/stateful-par-do.js';
import { isTensor, tensor, type Tensor } from './tensor.js';

/** Options of `sampleFrames`. */
export interface SampleFramesOptions {
  /** Samples per frame. */
  size: number;
  /** Samples from one frame's start to the next; default `size` (no overlap); at most `size`. */
  hop?: number;
}

type Pending = { pending: ValueStateSpec<number[]> };

/**
 * Cuts each key's stream of sample chunks (`number[]`, `Float32Array`) into frames: `{ key, value:
 * Float32Array(size) }` every `hop` samples, as soon as the samples are there. Samples not yet
 * framed wait in keyed state.
 *
 * @example audio.apply(sampleFrames({ size: 1760, hop: 1280 }))   // 110 ms frames every 80 ms at 16 kHz
 */
export function sampleFrames<K>(options: SampleFramesOptions): PTransform<PCollection<KV<K, ArrayLike<number>>>, PCollection<KV<K, Float32Array>>> {
  const { size } = options;
  const hop = options.hop ?? size;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`sampleFrames: size must be a positive integer, got ${options.size}`);
  if (!Number.isInteger(hop) || hop < 1 || hop > size) throw new RangeError(`sampleFrames: hop must be an integer from 1 to size (${size}), got ${options.hop}`);
  const fn: StatefulDoFn<K, ArrayLike<number>, KV<K, Float32Array>, Pending> = {
    state: { pending: valueState<number[]>() },
    process(chunk, ctx) {
      if (typeof chunk !== 'object' || chunk === null || typeof chunk.length !== 'number')
        throw new TypeError(`sampleFrames: a value must be an array of samples, got ${typeof chunk}`);
      const samples = [...(ctx.state.pending.read() ?? []), ...Array.from(chunk)];
      let start = 0;
      for (; start + size <= samples.length; start += hop) ctx.output({ key: ctx.key, value: Float32Array.from(samples.slice(start, start + size)) });
      ctx.state.pending.write(samples.slice(start));
    },
  };
  return statefulParDo(fn).withName(`sampleFrames(${size}, ${hop})`);
}

type Rows = { rows: ValueStateSpec<{ width: number; data: number[] }> };

/**
 * Keeps the last `n` feature rows of each key and, after each element once `n` are held, emits
 * them as `{ key, value: Tensor float32 [n, width] }`. An element is one row (`number[]`,
 * `Float32Array`) or a tensor of rows (its last axis is the width: a melspectrogram's
 * `[1, 8, 32]` adds 8 rows of 32).
 *
 * @example mels.apply(lastRows(76))   // the embedding model's 76-frame window, each time 8 new frames arrive
 */
export function lastRows<K>(n: number): PTransform<PCollection<KV<K, ArrayLike<number> | Tensor>>, PCollection<KV<K, Tensor<'float32'>>>> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`lastRows: n must be a positive integer, got ${n}`);
  const fn: StatefulDoFn<K, ArrayLike<number> | Tensor, KV<K, Tensor<'float32'>>, Rows> = {
    state: { rows: valueState<{ width: number; data: number[] }>() },
    process(value, ctx) {
      const { values, width } = rowsOf(value);
      const held = ctx.state.rows.read();
      if (held && held.width !== width) throw new RangeError(`lastRows: rows of ${width} values after rows of ${held.width} for key ${JSON.stringify(ctx.key)}`);
      const data = [...(held?.data ?? []), ...values].slice(-n * width);
      ctx.state.rows.write({ width, data });
      if (data.length === n * width) ctx.output({ key: ctx.key, value: tensor('float32', data, [n, width]) });
    },
  };
  return statefulParDo(fn).withName(`lastRows(${n})`);
}

function rowsOf(value: ArrayLike<number> | Tensor): { values: number[]; width: number } {
  if (isTensor(value)) {
    if (value.type !== 'float32' && value.type !== 'float64') throw new TypeError(`lastRows: rows must be float32 or float64, got a ${value.type} tensor`);
    const width = value.dims[value.dims.length - 1] ?? 1;
    return { values: Array.from(value.data as Float32Array), width };
  }
  if (typeof value !== 'object' || value === null || typeof value.length !== 'number' || value.length === 0)
    throw new TypeError('lastRows: a value must be a non-empty row of numbers or a tensor of rows');
  return { values: Array.from(value), width: value.length };
}
