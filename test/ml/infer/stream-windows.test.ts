/**
 * `sampleFrames` and `lastRows` on two interleaved keys with random chunk sizes: each key's output
 * equals framing (or windowing) that key's stream alone, computed directly; and a durable run
 * stopped and resumed mid-stream writes the same outbox as an uninterrupted run (the held samples
 * and rows are keyed state, committed with each step).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, Store, collect, kv, run, writeOutbox, type KV } from '../../../src/index.js';
import { seededRandom } from '../../../src/common/random.js';
import { lastRows, sampleFrames, type Tensor } from '../../../src/ml/infer/index.js';
import { readOutbox, testStream, timestamped } from '../../../src/testing/index.js';
import { SEED } from '../../seed.js';

function stream<T>(values: readonly T[], perStep: number) {
  const s = testStream<T>();
  for (let i = 0; i < values.length; i += perStep) s.addElements(...values.slice(i, i + perStep).map((v, j) => timestamped(v, (i + j) * 1000)));
  return s;
}

/** Random chunks of a per-key counter signal (so every sample is identifiable), two keys interleaved. */
function chunks(rng: () => number, count: number): KV<string, number[]>[] {
  const next = new Map<string, number>();
  return Array.from({ length: count }, () => {
    const key = rng() < 0.5 ? 'a' : 'b';
    const from = next.get(key) ?? 0;
    const len = Math.floor(rng() * 9);
    next.set(key, from + len);
    return kv(
      key,
      Array.from({ length: len }, (_, i) => (key === 'a' ? 1 : -1) * (from + i)),
    );
  });
}

describe(`stream windows (seed ${SEED})`, () => {
  it('sampleFrames: each key gets exactly the frames of its own stream, in order', async () => {
    const rng = seededRandom(SEED);
    for (const [size, hop] of [
      [5, 5],
      [6, 2],
      [4, 3],
      [1, 1],
    ] as const) {
      const input = chunks(rng, 40);
      const out = collect<KV<string, Float32Array>>();
      const p = new Pipeline();
      p.apply(stream(input, 6)).apply(sampleFrames<string>({ size, hop })).apply(out);
      expect((await run(p)).deadLetterCount).toBe(0);
      for (const key of ['a', 'b']) {
        const all = input.filter((c) => c.key === key).flatMap((c) => c.value);
        const want: number[][] = [];
        for (let s = 0; s + size <= all.length; s += hop) want.push(all.slice(s, s + size));
        const got = out.values.filter((o) => o.key === key).map((o) => Array.from(o.value));
        expect(got, `size ${size} hop ${hop} key ${key}`).toEqual(want);
      }
    }
  });

  it('lastRows: after each element, the last n rows of its key as an [n, width] tensor; tensors of rows add several', async () => {
    const rng = seededRandom(SEED + 1);
    const n = 4;
    const input = chunks(rng, 30).map(({ key, value }) => kv(key, [value.length, value[0] ?? 0, rng()].map(Math.fround)));
    const out = collect<KV<string, Tensor>>();
    const p = new Pipeline();
    p.apply(stream(input, 7)).apply(lastRows<string>(n)).apply(out);
    expect((await run(p)).deadLetterCount).toBe(0);
    for (const key of ['a', 'b']) {
      const rows = input.filter((c) => c.key === key).map((c) => c.value);
      const want = rows.flatMap((_, i) => (i + 1 >= n ? [rows.slice(i + 1 - n, i + 1).flat()] : []));
      const got = out.values.filter((o) => o.key === key);
      got.forEach((o) => expect(o.value.dims).toEqual([n, 3]));
      expect(got.map((o) => Array.from(o.value.data as Float32Array))).toEqual(want);
    }
    const blocks = new Pipeline();
    const blockOut = collect<KV<string, Tensor>>();
    const block = (v: number) => ({ type: 'float32' as const, data: Float32Array.from({ length: 6 }, (_, i) => v + i), dims: [1, 3, 2] });
    blocks
      .apply(stream([kv('k', block(0)), kv('k', block(10))], 1))
      .apply(lastRows<string>(4))
      .apply(blockOut);
    await run(blocks);
    expect(blockOut.values.map((o) => Array.from(o.value.data as Float32Array))).toEqual([[4, 5, 10, 11, 12, 13, 14, 15]]);
  });

  it('a durable run stopped and resumed mid-stream writes the same outbox as an uninterrupted run', async () => {
    const input = chunks(seededRandom(SEED + 2), 60);
    const build = () => {
      const p = new Pipeline();
      p.apply(stream(input, 4))
        .apply(sampleFrames<string>({ size: 5, hop: 3 }))
        .map(({ key, value }) => kv(key, [value[0]!, value[4]!]))
        .apply(lastRows<string>(3))
        .map(({ key, value }) => ({ key, rows: Array.from(value.data) }))
        .apply(writeOutbox());
      return p;
    };
    const dir = mkdtempSync(join(tmpdir(), 'runnel-windows-'));
    const reference = Store.open(join(dir, 'ref.db'));
    await run(build(), { store: reference });
    reference.close();
    const path = join(dir, 'resumed.db');
    for (const stopAfter of [2, 5, 3, 1000]) {
      const store = Store.open(path);
      const controller = new AbortController();
      let steps = 0;
      await run(build(), { store, signal: controller.signal, onProgress: () => ++steps >= stopAfter && controller.abort() });
      store.close();
    }
    const expected = readOutbox(join(dir, 'ref.db'));
    expect(expected.length).toBeGreaterThan(10);
    expect(readOutbox(path)).toEqual(expected);
  });
});
