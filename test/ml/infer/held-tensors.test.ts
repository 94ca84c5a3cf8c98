/**
 * Tensor examples held across bundles (`maxWaitMs`): in a durable run they wait in keyed state in
 * their JSON form, and a run stopped while they wait and resumed writes the uninterrupted
 * outbox; every result equals the model applied to its own example.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, VirtualClock, writeOutbox, type Store } from '../../../src/index.js';
import { seededRandom } from '../../../src/common/random.js';
import { OnnxModelHandler, runInference, servedModel, tensor, type Tensor } from '../../../src/ml/infer/index.js';
import { GraphBuilder } from '../../../src/ml/onnx/index.js';
import { readOutbox, runWithStops, testStream, timestamped } from '../../../src/testing/index.js';
import { SEED } from '../../seed.js';

/** y = 2·x + 1 over `x` [N, 2, 3]. */
function model(): Uint8Array {
  const g = new GraphBuilder('affine3d');
  const x = g.input('x', 'float', ['N', 2, 3]);
  const y = g.op('Add', [g.op('Mul', [x, g.floats([1], [2])]), g.floats([1], [1])], { output: 'y' });
  g.output(y, 'float', ['N', 2, 3]);
  return g.encode();
}

describe(`tensor examples held with maxWaitMs (seed ${SEED})`, () => {
  it('a durable run stopped while tensors are held, then resumed, writes the uninterrupted outbox', async () => {
    const rng = seededRandom(SEED);
    const events = Array.from({ length: 40 }, () =>
      rng() < 0.6
        ? {
            add: Array.from({ length: Math.floor(rng() * 4) }, () =>
              tensor(
                'float32',
                Array.from({ length: 6 }, () => Math.fround(rng() * 10 - 5)),
                [2, 3],
              ),
            ),
          }
        : { advance: 10 + Math.floor(rng() * 71) },
    );
    const bytes = model();
    const handler = new OnnxModelHandler();
    const build = () => {
      const s = testStream<Tensor>();
      let t = 0;
      for (const e of events) {
        if ('add' in e) s.addElements(...e.add!.map((x) => timestamped(x, (t += 1000))));
        else s.advanceProcessingTime(e.advance);
      }
      const served = servedModel(handler, bytes, { id: 'affine' });
      const p = new Pipeline();
      p.apply(s)
        .apply(runInference<Tensor>(served, { minBatchSize: 4, maxWaitMs: 100 }))
        .map((r) => {
          // A held example comes back from the database as a tensor again, not its JSON form.
          if (!(r.example.data instanceof Float32Array)) throw new TypeError('a held example came back as JSON');
          return { x: Array.from(r.example.data), y: r.inference['y'] };
        })
        .apply(writeOutbox());
      return { pipeline: p, close: () => served.close() };
    };
    const dir = mkdtempSync(join(tmpdir(), 'runnel-held-tensors-'));
    await runWithStops(join(dir, 'reference.db'), build, [], { clock: new VirtualClock(0) });
    const expected = readOutbox(join(dir, 'reference.db'));
    expect(expected.length).toBe(events.reduce((n, e) => n + (e.add?.length ?? 0), 0));
    for (const row of expected) {
      const { x, y } = JSON.parse(row.payload) as { x: number[]; y: { type: string; dims: number[]; data: number[] } };
      expect(y.type).toBe('float32');
      expect(y.dims).toEqual([2, 3]);
      expect(y.data).toEqual(x.map((v) => Math.fround(2 * v + 1)));
    }

    const path = join(dir, 'resumed.db');
    let heldAtStop = 0;
    const stopAfter = Array.from({ length: 60 }, () => 1 + Math.floor(rng() * 8));
    const heldTensors = (store: Store): void => {
      const rows = store.db.prepare("SELECT value FROM state WHERE operator LIKE '%batchElements%'").all() as { value: string }[];
      heldAtStop += rows.reduce((n, r) => n + (r.value.match(/"float32"/g)?.length ?? 0), 0);
    };
    const stops = await runWithStops(path, build, stopAfter, { clock: new VirtualClock(0), onStop: heldTensors });
    expect(stops).toBeGreaterThan(2);
    expect(heldAtStop).toBeGreaterThan(0);
    expect(readOutbox(path)).toEqual(expected);
  });
});
