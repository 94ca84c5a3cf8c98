/**
 * Fleet learning from the loop: a lifecycle given `fleet` hands the statistics of each fit's
 * training rows to the sync queue, which publishes only the newest, waits (across a restart)
 * while the registry folder cannot be written and publishes once it can; two devices' published
 * statistics merge into the fit of their pooled training rows (1e-9), for ridge regression and
 * for Gaussian naive Bayes; trainers whose fit is not a function of sufficient statistics are
 * refused when the loop is made.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import { frameOf, type FrameLike } from '../../../src/kernels/frame.js';
import { mergeFleet, queueStatistics } from '../../../src/ml/fleet/merge.js';
import type { ModelLifecycle } from '../../../src/ml/lifecycle/index.js';
import {
  fitGaussianNB,
  fitLinearRegression,
  type GaussianNBModel,
  gaussianNB,
  linearRegression,
  linearStatistics,
  logisticRegression,
  NormalEquations,
  type LinearRegressionModel,
  type Trainer,
} from '../../../src/ml/train/index.js';
import { ModelVersionTable } from '../../../src/store/model-versions.js';
import { SampleTable, type SampleRecord } from '../../../src/store/samples.js';
import { seededRandom } from '../../../src/common/random.js';
import { Store } from '../../../src/store/store.js';
import { DirectoryRegistry } from '../../../src/sync/directory-registry.js';
import { collectDocuments, DirectoryDocuments } from '../../../src/sync/fleet-documents.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../../src/sync/keys.js';
import { SyncQueue } from '../../../src/sync/sync-queue.js';
import { SEED } from '../../seed.js';
import { FEATURES, lifecycleOn, MODEL, REGIME_A, REGIME_B, ridge, series, STEP_MS } from './series.js';

const root = mkdtempSync(join(tmpdir(), 'runnel-fleet-loop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function keyPair(name: string): { key: ReturnType<typeof loadSigningKey>; pub: string } {
  const files = generateKeyPair(join(root, 'keys', name), name);
  return { key: loadSigningKey(files.privateKeyFile), pub: files.publicKeyFile };
}

/** `inner` (linear regression by default), keeping a copy of the rows and labels of each fit. */
function recordingTrainer(inner: Trainer = linearRegression): { trainer: Trainer; fits: { frame: FrameLike; y: Float64Array }[] } {
  const fits: { frame: FrameLike; y: Float64Array }[] = [];
  const trainer: Trainer = {
    name: inner.name,
    fit: (frame, labels, options) => {
      fits.push({ frame: frameOf(Float32Array.from(frame.view.subarray(0, frame.rows * frame.cols)), frame.names), y: Float64Array.from(labels!) });
      return inner.fit(frame, labels, options);
    },
  };
  return { trainer, fits };
}

/** Per key, one sample a second whose features are drawn around its class's centre; its self-supervised label (the next sample's target) is that class. */
function classSeries(seed: number, keys: number, seconds: number, classes: readonly number[]): SampleRecord[] {
  const random = seededRandom(seed);
  const out: SampleRecord[] = [];
  for (let k = 0; k < keys; k++) {
    let previous = 0;
    for (let i = 0; i < seconds; i++) {
      const c = classes[Math.floor(random() * classes.length)]!;
      const features = Float32Array.from(FEATURES, (_, j) => 2 * c + j + random() - 0.5);
      out.push({ model: MODEL, key: `k${k}`, eventTime: i * STEP_MS, features, target: previous });
      previous = c;
    }
  }
  return out;
}

/** A device: its store, queue (to `registryDir`, signed with its key) and a loop that publishes through it. */
function device(store: Store, clock: VirtualClock, registryDir: string, name: string, key: ReturnType<typeof loadSigningKey>) {
  const queue = new SyncQueue(store, { remote: new DirectoryRegistry(registryDir), clock, documents: { storage: new DirectoryDocuments(registryDir), key }, log: () => undefined });
  const recorder = recordingTrainer();
  const lifecycle: ModelLifecycle = lifecycleOn(store, clock, {
    trainer: { trainer: recorder.trainer, options: { l2: 1e-3 } },
    fleet: { publish: queueStatistics(queue, MODEL, name) },
    promotion: { margin: 0 },
  });
  return { queue, lifecycle, fits: recorder.fits };
}

const linearOf = (fit: { frame: FrameLike; y: Float64Array }) => linearStatistics(new NormalEquations(fit.frame.names).update(fit.frame, fit.y));

describe(`lifecycle: fleet learning (seed ${SEED})`, () => {
  it('queues the newest fit’s statistics, waits while the registry cannot be written (across a restart), then publishes them signed', async () => {
    const dir = mkdtempSync(join(root, 'offline-'));
    const blocked = join(dir, 'shared');
    writeFileSync(blocked, 'a file where the registry folder should be'); // mkdir of shared/registry fails
    const registryDir = join(blocked, 'registry');
    const path = join(dir, 'device.db');
    const { key, pub } = keyPair('pi-a');
    const clock = new VirtualClock(0);
    let store = Store.open(path);
    const a = device(store, clock, registryDir, 'pi-a', key);
    const samples = new SampleTable(store);
    samples.add(series(SEED, 2, 0, 60, REGIME_A), [], 0);
    await a.lifecycle.retrain('first');
    samples.add(series(SEED + 1, 2, 60 * STEP_MS, 60, REGIME_B), [], 0);
    const second = await a.lifecycle.retrain('second');
    expect(a.fits).toHaveLength(2);
    expect(a.fits[1]!.frame.rows).toBeGreaterThan(a.fits[0]!.frame.rows);
    // The second fit's statistics replaced the first's in the queue: one document waits.
    expect(a.queue.waiting().map((j) => [j.kind, j.name])).toEqual([['document', `fleet/${MODEL}/pi-a`]]);

    expect(await a.queue.runDue()).toMatchObject({ done: 0, failed: 1, waiting: 1 });
    expect(a.queue.waiting()[0]!.lastError).toMatch(/not a directory|ENOTDIR|EEXIST/);
    await a.lifecycle.close();
    store.close();

    // Restart with the registry back: the queued document is published after its backoff.
    rmSync(blocked);
    store = Store.open(path);
    const queue = new SyncQueue(store, {
      remote: new DirectoryRegistry(registryDir),
      clock,
      documents: { storage: new DirectoryDocuments(registryDir), key },
      log: () => undefined,
    });
    expect(queue.waiting()).toHaveLength(1);
    clock.advance(1000);
    expect(await queue.tick()).toEqual({ done: 1, failed: 0, waiting: 0 });

    const { accepted, leftOut } = await collectDocuments(new DirectoryDocuments(registryDir), MODEL, loadTrustSet([pub]));
    expect(leftOut).toEqual([]);
    expect(accepted.map((d) => d.device)).toEqual(['pi-a']);
    const version = new ModelVersionTable(store).get(MODEL, second.version!)!;
    expect(accepted[0]!.body).toEqual({ statistics: linearOf(a.fits[1]!), from: version.trainedFrom, to: version.trainedTo });
    store.close();
  });

  it('two devices’ published statistics merge into the fit of their pooled training rows (1e-9)', async () => {
    const registryDir = join(mkdtempSync(join(root, 'merge-')), 'registry');
    const keys = [keyPair('dev-1'), keyPair('dev-2')];
    const clock = new VirtualClock(0);
    const fits: { frame: FrameLike; y: Float64Array }[] = [];
    for (const [i, { key }] of keys.entries()) {
      const store = Store.open(':memory:');
      const d = device(store, clock, registryDir, `dev-${i + 1}`, key);
      new SampleTable(store).add(series(SEED + 10 * i, 2 + i, 0, 50 + 20 * i, i === 0 ? REGIME_A : REGIME_B, 0.5), [], 0);
      await d.lifecycle.retrain();
      expect(await d.queue.runDue()).toMatchObject({ done: 1, failed: 0 });
      fits.push(d.fits.at(-1)!);
      await d.lifecycle.close();
      store.close();
    }
    const publisher = keyPair('publisher');
    const registry = new DirectoryRegistry(registryDir, { signingKey: publisher.key });
    const documents = new DirectoryDocuments(registryDir);
    const result = await mergeFleet({ documents, registry, model: MODEL, trust: loadTrustSet(keys.map((k) => k.pub)), fit: { l2: 0.5 } });
    expect(result.devices).toEqual(fits.map((f, i) => ({ device: `dev-${i + 1}`, rows: f.frame.rows })));

    const x = new Float32Array(fits.reduce((n, f) => n + f.frame.view.length, 0));
    fits.reduce((at, f) => (x.set(f.frame.view, at), at + f.frame.view.length), 0);
    const pooled = fitLinearRegression(frameOf(x, FEATURES), Float64Array.from(fits.flatMap((f) => [...f.y])), { l2: 0.5 });
    const merged = result.model as LinearRegressionModel;
    const worst = Math.max(...merged.params.weights.map((w, i) => Math.abs(w - pooled.params.weights[i]!)), Math.abs(merged.params.intercept - pooled.params.intercept));
    expect(worst).toBeLessThan(1e-9 * Math.max(1, ...pooled.params.weights.map(Math.abs)));
  });

  it('Gaussian naive Bayes devices: the merged model is the naive Bayes of their pooled training rows (1e-9)', async () => {
    const registryDir = join(mkdtempSync(join(root, 'nb-')), 'registry');
    const keys = [keyPair('nb-1'), keyPair('nb-2')];
    const clock = new VirtualClock(0);
    const fits: { frame: FrameLike; y: Float64Array }[] = [];
    const baseline = fitGaussianNB(frameOf(Float32Array.from([0, 0, 0, 1, 1, 1, 2, 0, 1, 3, 2, 2]), FEATURES), [0, 0, 1, 1]).toOnnx({ graphName: 'baseline' });
    for (const [i, { key }] of keys.entries()) {
      const store = Store.open(':memory:');
      const queue = new SyncQueue(store, {
        remote: new DirectoryRegistry(registryDir),
        clock,
        documents: { storage: new DirectoryDocuments(registryDir), key },
        log: () => undefined,
      });
      const recorder = recordingTrainer(gaussianNB);
      const lifecycle = lifecycleOn(store, clock, {
        trainer: { trainer: recorder.trainer },
        fleet: { publish: queueStatistics(queue, MODEL, `nb-${i + 1}`) },
        baseline,
        output: 'label',
        promotion: { metric: 'accuracy', margin: 0 },
      });
      new SampleTable(store).add(classSeries(SEED + 7 * i, 2, 40 + 25 * i, i === 0 ? [0, 1] : [0, 1, 2]), [], 0);
      await lifecycle.retrain();
      expect(await queue.runDue()).toMatchObject({ done: 1, failed: 0 });
      fits.push(recorder.fits.at(-1)!);
      await lifecycle.close();
      store.close();
    }
    const result = await mergeFleet({
      documents: new DirectoryDocuments(registryDir),
      registry: new DirectoryRegistry(registryDir),
      model: MODEL,
      trust: loadTrustSet(keys.map((k) => k.pub)),
    });
    const pooled = fitGaussianNB(frameOf(Float32Array.from(fits.flatMap((f) => [...f.frame.view])), FEATURES), Float64Array.from(fits.flatMap((f) => [...f.y])));
    const merged = result.model as GaussianNBModel;
    expect(merged.params.classes).toEqual([0, 1, 2]);
    const close = (a: readonly number[], b: readonly number[]) => a.every((v, j) => Math.abs(v - b[j]!) <= 1e-9 * Math.max(1, Math.abs(b[j]!)));
    for (const field of ['means', 'variances'] as const) merged.params[field].forEach((row, c) => expect(close(row, pooled.params[field][c]!), field).toBe(true));
    expect(close(merged.params.priors, pooled.params.priors)).toBe(true);
    expect(merged.params.counts).toEqual(pooled.params.counts);
  });

  it('refuses options.fleet for a trainer whose fit is not a function of sufficient statistics, or one it cannot name', () => {
    const store = Store.open(':memory:');
    const clock = new VirtualClock(0);
    const fleet = { publish: () => undefined };
    expect(() => lifecycleOn(store, clock, { trainer: ridge, fleet })).toThrow(
      /options\.fleet needs to know the kind of fit, and options\.trainer is a function; give it as \{ trainer, options \}/,
    );
    expect(() => lifecycleOn(store, clock, { trainer: { trainer: logisticRegression }, fleet })).toThrow(
      /the fit of a "logistic-regression" trainer is not a function of them; only linear-regression or gaussian-naive-bayes qualify/,
    );
    store.close();
  });
});
