/**
 * writeSamples and writeLabels commit with the step that produced the elements: a durable run
 * stopped after any step holds exactly as many samples as outbox rows written by the same steps,
 * and resuming neither loses nor doubles any. Labels join samples as documented: the same key's
 * target one horizon later (self-supervised), or the first label of the key within a span after
 * the sample (a label stream). A bad element is a dead letter; caps prune the oldest rows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/random.js';
import { Pipeline } from '../../../src/core/pipeline.js';
import { writeOutbox } from '../../../src/io/outbox.js';
import { writeLabels, writeSamples } from '../../../src/ml/lifecycle/index.js';
import { run } from '../../../src/runner/direct-runner.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import { eventStream, timestamped } from '../../../src/testing/index.js';
import { SEED } from '../../seed.js';

interface Reading {
  readonly sensor: string;
  readonly temp: number;
  readonly load?: number;
}

const count = (store: Store, table: string): number => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe(`writeSamples / writeLabels (seed ${SEED})`, () => {
  it('samples are committed with their step: stopped after any step, samples = outbox rows; resumed, every reading once', async () => {
    const random = seededRandom(SEED);
    const events = Array.from({ length: 600 }, (_, i) => timestamped<Reading>({ sensor: `s${i % 3}`, temp: 20 + random(), load: random() }, Math.floor(i / 3) * 1000));
    events[17] = timestamped<Reading>({ sensor: 's2', temp: 21 }, events[17]!.timestamp); // no load: a dead letter
    const path = join(mkdtempSync(join(tmpdir(), 'runnel-samples-')), 'runnel.db');
    const job = (store: Store, signal: AbortSignal, onProgress: () => void) => {
      const p = new Pipeline();
      const readings = p.apply(eventStream(events, { maxLateness: 0 }));
      readings.apply(writeSamples<Reading>({ model: 'temp', features: ['temp', 'load'], key: (r) => r.sensor, target: (r) => r.temp }));
      readings.apply(writeOutbox());
      return run(p, { store, bundleSize: 1 + Math.floor(random() * 50), signal, onProgress });
    };
    for (let life = 0; life < 100; life++) {
      const store = Store.open(path);
      const stop = new AbortController();
      const stopAfter = 1 + Math.floor(random() * 4);
      let steps = 0;
      await job(store, stop.signal, () => ++steps >= stopAfter && stop.abort());
      // One element of each step failed only in the samples stage: it is a dead letter there instead.
      expect(count(store, 'samples') + count(store, 'dead_letters')).toBe(count(store, 'outbox'));
      const finished = !stop.signal.aborted;
      store.close();
      if (finished) break;
    }
    const store = Store.open(path);
    expect(count(store, 'outbox')).toBe(600);
    expect(count(store, 'samples')).toBe(599);
    const dead = store.db.prepare('SELECT stage, reason FROM dead_letters').all() as { stage: string; reason: string }[];
    expect(dead).toEqual([{ stage: 'samples(temp)', reason: 'feature "load" is undefined, not a finite number; impute or drop it before writeSamples' }]);
    // Self-supervised: each sample's label is its sensor's temperature one second later.
    const labelled = new SampleTable(store).labelled('temp', { kind: 'ahead', horizonMs: 1000 }, 2);
    expect(labelled.rows).toBe(599 - 3 - 1); // the newest reading of each sensor has no next one, nor has the one before the missing reading
    for (let i = 0; i < labelled.rows; i++) {
      const at = labelled.at[i]!;
      const reading = events.find((e) => e.timestamp === at && Math.fround(e.value.temp) === labelled.x[i * 2])!.value;
      const next = events.find((e) => e.timestamp === at + 1000 && e.value.sensor === reading.sensor)!.value;
      expect(labelled.y[i]).toBe(next.temp);
    }
    store.close();
  });

  it('writeLabels: a label stream joins samples of the same key at or after their event time, within the span', async () => {
    type Event = { readonly kind: 'sample'; readonly key: string; readonly v: number } | { readonly kind: 'label'; readonly key: string; readonly label: number };
    const store = Store.open(':memory:');
    const p = new Pipeline();
    const events = p.apply(
      eventStream<Event>(
        [
          timestamped({ kind: 'sample', key: 'a', v: 1 }, 0),
          timestamped({ kind: 'sample', key: 'b', v: 4 }, 0),
          timestamped({ kind: 'label', key: 'b', label: 30 }, 0),
          timestamped({ kind: 'sample', key: 'a', v: 2 }, 1000),
          timestamped({ kind: 'label', key: 'a', label: 10 }, 1500), // labels a@0 (within 2 s) and a@1000
          timestamped({ kind: 'sample', key: 'a', v: 3 }, 5000),
          timestamped({ kind: 'label', key: 'a', label: 20 }, 9000), // too late for a@5000
        ],
        { maxLateness: 0 },
      ),
    );
    events
      .filter((e): e is Extract<Event, { kind: 'sample' }> => e.kind === 'sample')
      .apply(writeSamples<Extract<Event, { kind: 'sample' }>>({ model: 'm', features: ['v'], key: (e) => e.key }));
    events
      .filter((e): e is Extract<Event, { kind: 'label' }> => e.kind === 'label')
      .apply(writeLabels<Extract<Event, { kind: 'label' }>>({ model: 'm', key: (e) => e.key, label: (e) => e.label }));
    await run(p, { store });
    const got = new SampleTable(store).labelled('m', { kind: 'stream', withinMs: 2000 }, 1);
    expect([...got.x]).toEqual([1, 4, 2]); // oldest first (ties by key)
    expect([...got.y]).toEqual([10, 30, 10]);
    expect([...got.at]).toEqual([0, 0, 1000]);
    store.close();
  });

  it('caps delete the oldest samples by rows and by age, and labels older than every sample left', () => {
    const store = Store.open(':memory:');
    const table = new SampleTable(store);
    const samples = Array.from({ length: 10 }, (_, i) => ({ model: 'm', key: 'k', eventTime: i * 1000, features: Float32Array.of(i), target: i }));
    table.add(samples, [{ model: 'm', key: 'k', eventTime: 500, label: 1 }], 0);
    expect(table.prune('m', { maxRows: 6 }, 0)).toBe(4);
    expect(count(store, 'sample_labels')).toBe(0);
    expect(table.prune('m', { maxAgeMs: 3000 }, 9000)).toBe(2); // keeps event times 6000..9000
    expect(table.labelled('m', { kind: 'ahead', horizonMs: 1000 }, 1).at).toEqual(Float64Array.of(6000, 7000, 8000));
    store.close();
  });
});
