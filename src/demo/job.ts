/**
 * The demo job: an embedded broker, simulated sensors, the durable pipeline, periodic retraining
 * with a champion/challenger check, and model sync through the store's sync queue to a folder or
 * S3 registry, in one process on one SQLite database. `runDemo` starts it all, reports progress,
 * and shuts down in order when `durationMs` has passed or `signal` fires: sensors first, then the
 * pipeline after its current step, then the egress, the sync queue, the broker and the store.
 */
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceProfile } from '../config/device-profile.js';
import { onnxHandlerForDevice } from '../config/inference-settings.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../io/mqtt/embedded-broker.js';
import { loadKernels } from '../kernels/module.js';
import type { RunMetrics } from '../observe/run-metrics.js';
import { MqttSink } from '../io/mqtt/sink.js';
import { FastPathModelHandler } from '../ml/infer/fast-path-handler.js';
import { OnnxModelHandler } from '../ml/infer/onnx-handler.js';
import { ModelLifecycle, type LifecycleEvent, type ModelLifecycleOptions } from '../ml/lifecycle/model-lifecycle.js';
import { fitLinearRegression } from '../ml/train/linear-regression.js';
import { run } from '../runner/direct-runner.js';
import type { PipelineResult, RunOptions } from '../runner/types.js';
import { OutboxQueue } from '../store/outbox-queue.js';
import { Store } from '../store/store.js';
import { messageOf } from '../common/errors.js';
import { deviceKeys } from '../sync/keys.js';
import type { ModelManifest } from '../sync/manifest.js';
import { openRegistry, type OpenedRegistry } from '../sync/open-registry.js';
import { DeadLetterTally, type DeadLetterCount } from '../observe/dead-letter-tally.js';
import { SampleTable } from '../store/samples.js';
import { FEATURES, LABELS, MODEL_NAME, persistenceModel } from './model.js';
import { demoPipeline, PREDICTIONS_STAGE, type Prediction } from './pipeline.js';
import { startSensors, type SensorStats } from './sensors.js';
import { startDemoSync, type DemoSync, type SyncStatus } from './sync.js';

/** Options of `runDemo`. */
export interface DemoOptions {
  /** Folder of the database (`runnel.db`), the keys (`keys/`) and by default the registry (`registry/`). */
  readonly dir: string;
  /** The model registry: a folder or `s3://bucket/prefix` (endpoint and credentials from AWS_*); default `<dir>/registry`. */
  readonly registry?: string;
  /** How often the registry is asked for versions published by others, ms (default 10 000). */
  readonly pullEveryMs?: number;
  readonly sensors: number;
  /** Readings per second per sensor. */
  readonly rate: number;
  readonly durationMs: number;
  readonly retrainEveryMs: number;
  /** Publish predictions to `predictions/<sensor>` (MqttSink); otherwise they stay in the outbox. */
  readonly publish: boolean;
  /** Thread counts, batch sizes and SQLite settings; default: one thread, batches of 1000. */
  readonly profile?: DeviceProfile;
  readonly seed?: number;
  /** The embedded broker's port (default 0: a free one, reported as an event). */
  readonly port?: number;
  /** The address the embedded broker listens on (default 127.0.0.1). */
  readonly host?: string;
  /** Let the broker listen beyond loopback with nobody checked (it warns); otherwise such a host is refused. */
  readonly allowAnonymousOnNetwork?: boolean;
  /** Stops the job early (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** How often `onStatus` is called, ms (default 1000). */
  readonly statusEveryMs?: number;
  /** Metrics to feed (`runnel demo --http`): the run's counters, the broker's ingest, the inbox and outbox depths. */
  readonly metrics?: RunMetrics;
}

/** What the job reports as it runs and at the end. */
export interface DemoStatus {
  readonly elapsedMs: number;
  /** Messages committed to the inbox by the embedded broker. */
  readonly ingested: number;
  readonly inboxDepth: number;
  readonly sensors: Readonly<SensorStats>;
  readonly windows: number;
  /** Windows stored as training samples (all runs on this folder). */
  readonly samples: number;
  readonly predictions: number;
  /** Predictions the broker confirmed (0 without `publish`). */
  readonly published: number;
  readonly outboxWaiting: number;
  readonly deadLetters: readonly DeadLetterCount[];
  readonly model: ServingModel;
  readonly retrains: number;
  readonly promotions: number;
  readonly lastRetrain?: LifecycleEvent;
  /** The sync queue: what waits, how the last push and pull went. */
  readonly sync: SyncStatus;
}

/** The version serving now (the store's champion) and why. */
export interface ServingModel {
  readonly version: number;
  /** Its held-out RMSE when it was trained on this device. */
  readonly rmse?: number;
  readonly reason: string;
}

/** The end of a run. */
export interface DemoSummary extends DemoStatus {
  /** From process start to the first message committed to the inbox, ms. */
  readonly startupMs: number;
  /** Peak resident memory of the process, bytes. */
  readonly maxRssBytes: number;
  readonly result: PipelineResult;
  readonly databasePath: string;
  /** The registry's folder, or `s3://bucket/prefix at <endpoint>`. */
  readonly registryPath: string;
}

/** Where the job's messages go: one-off events (a promotion, a pulled model) and the periodic status. */
export interface DemoReporter {
  event(line: string): void;
  status(status: DemoStatus): void;
}

export async function runDemo(options: DemoOptions, report: DemoReporter): Promise<DemoSummary> {
  // First, before the broker acknowledges anything: a missing or bad kernels file stops the job here.
  loadKernels();
  const profile = options.profile;
  const databasePath = join(options.dir, 'runnel.db');
  const store = Store.open(databasePath, profile ? { cacheMiB: profile.sqlite.cacheMiB, synchronous: profile.sqlite.synchronous } : {});
  const closers: (() => unknown)[] = [() => store.close()];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const metrics = options.metrics;
    const samples = new SampleTable(store);
    const deadLetters = new DeadLetterTally(store);
    const predictionsWaiting = new OutboxQueue(store, [PREDICTIONS_STAGE]);
    const keys = deviceKeys(join(options.dir, 'keys'));
    if (keys.generated) report.event(`keys: made this device's signing key ${keys.generated.privateKeyFile}; it trusts the .pub files beside it`);
    const opened = await openRegistry(options.registry ?? join(options.dir, 'registry'), { signingKey: keys.signingKey, trust: keys.trust });
    closers.push(() => opened.close());
    const start = await startingModel(store, opened, report);
    // Linear models run on the WASM fast path (no onnxruntime-web in memory); others fall back to it.
    const fallback = profile ? onnxHandlerForDevice(profile) : new OnnxModelHandler({ numThreads: 1 });
    const handler = new FastPathModelHandler({ fallback });
    const lifecycle = new ModelLifecycle({
      store,
      model: MODEL_NAME,
      features: FEATURES,
      labels: LABELS,
      handler,
      trainer: (frame, y) => fitLinearRegression(frame, y, { l2: 1 }),
      baseline: start.baseline,
      baselineReason: start.baselineReason,
      policy: { everyMs: options.retrainEveryMs, minSamples: 40, maxSamples: profile?.training?.maxSamples ?? 5000, budgetMs: profile?.training?.retrainBudgetMs },
      rollback: { windowMs: 10 * options.retrainEveryMs },
      caps: { maxRows: 50_000 },
    });
    const served = lifecycle.served;
    closers.push(() => lifecycle.close());
    report.event(`store: serving ${MODEL_NAME} v${lifecycle.champion.version} (${lifecycle.champion.reason})`);

    let firstIngestAt: number | undefined;
    const broker: EmbeddedBroker = await startEmbeddedBroker({
      store,
      name: 'sensors',
      topics: 'sensors/+sensor/readings',
      port: options.port ?? 0,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.allowAnonymousOnNetwork ? { allowAnonymousOnNetwork: true } : {}),
      eventTimeField: 'at',
      log: (m) => report.event(m),
      onCommit: () => (firstIngestAt ??= performance.now()),
    });
    closers.push(() => broker.close());
    report.event(`broker listening on ${broker.url}: JSON readings { at, temp, vibration } to sensors/<sensor>/readings join the simulated ones`);
    const sync: DemoSync = await startDemoSync({
      store,
      registry: opened,
      deviceId: `demo-${keys.signingKey.keyId}`,
      brokerUrl: broker.url,
      pullEveryMs: options.pullEveryMs ?? 10_000,
      pullAtOnce: start.unreachable,
      samples: () => samples.size(MODEL_NAME),
      log: (line) => report.event(line),
      lifecycle,
      onAdopted: (r, pulled) => {
        if (r.action === 'promoted') metrics?.modelEvent({ model: MODEL_NAME, version: r.champion, kind: 'promoted', ...rmseOf(pulled.manifest.metrics['rmse']), at: Date.now() });
      },
    });
    if (start.taken) sync.have(start.taken);
    closers.push(() => sync.stop(0));

    const { pipeline, counts } = demoPipeline({ broker, model: served, maxBatchSize: profile?.inference.maxBatch });
    const egress = options.publish ? await startEgress(broker.url, store) : undefined;
    if (egress) closers.push(() => egress.close());
    const stop = new AbortController();
    // The run's warnings (a full disk pausing it) go where the broker's do, above the live status, not to console.warn under it.
    const runOptions: RunOptions = {
      store,
      signal: stop.signal,
      bundleSize: profile?.bundle.maxElements ?? 1000,
      idleWaitMs: 20,
      log: (m) => report.event(m),
      onProgress: () => egress?.sink.notify(),
    };
    metrics?.watchStore(store);
    metrics?.watchIngest(broker.inbox.source, broker.stats);
    metrics?.watchInference(served.metrics);
    metrics?.modelEvent({ model: MODEL_NAME, version: lifecycle.champion.version, kind: 'serving', ...rmseOf(lifecycle.champion.metrics['rmse']), at: Date.now() });
    const running = run(pipeline, metrics ? metrics.hooks(runOptions, pipeline) : runOptions);
    running.catch(() => undefined); // awaited below; this keeps an early failure from being unhandled meanwhile

    const sensors = await startSensors(broker.url, { sensors: options.sensors, rate: options.rate, seed: options.seed });
    const started = performance.now();
    let retrains = 0;
    let promotions = 0;
    let lastRetrain: LifecycleEvent | undefined;
    let retraining: Promise<void> | undefined;
    const modelKinds = { promoted: 'promoted', rejected: 'kept', 'rolled-back': 'rolled-back' } as const;
    const tick = (): void => {
      if (retraining) return;
      retraining = lifecycle
        .tick()
        .then((r) => {
          if (r.action === 'none' || r.action === 'busy' || r.action === 'waiting') return;
          retrains += r.action === 'rolled-back' || r.action === 'shadow' ? 0 : 1;
          lastRetrain = r;
          if (r.action === 'promoted') {
            promotions++;
            sync.promoted(lifecycle.champion);
          }
          if (r.action !== 'shadow')
            metrics?.modelEvent({ model: MODEL_NAME, version: r.champion, kind: modelKinds[r.action], ...rmseOf(lifecycle.champion.metrics['rmse']), at: Date.now() });
          report.event(`retrain #${retrains}: ${r.summary}${r.action === 'promoted' ? '; queued for the registry' : ''}`);
        })
        .catch((error: Error) => report.event(`retrain failed (the current model keeps serving): ${error.message}`))
        .finally(() => (retraining = undefined));
    };
    const status = (): DemoStatus => {
      const champion = lifecycle.champion;
      return {
        elapsedMs: performance.now() - started,
        ingested: broker.stats.stored,
        inboxDepth: broker.inbox.usage().rows,
        sensors: sensors.stats,
        windows: counts.windows,
        samples: samples.size(MODEL_NAME),
        predictions: counts.predictions,
        published: egress?.sink.stats.delivered ?? 0,
        outboxWaiting: predictionsWaiting.depth(),
        deadLetters: deadLetters.update(),
        model: { version: champion.version, reason: champion.reason, ...(champion.metrics['rmse'] === undefined ? {} : { rmse: champion.metrics['rmse'] }) },
        retrains,
        promotions,
        lastRetrain,
        sync: sync.status(),
      };
    };
    // The lifecycle's own policy decides (every --retrain-every, on its clock); a tick a second asks it.
    const timers = [setInterval(tick, Math.min(1000, options.retrainEveryMs)), setInterval(() => report.status(status()), options.statusEveryMs ?? 1000)];
    try {
      await settledOrAfter(running, options.durationMs, options.signal);
    } finally {
      for (const t of timers) clearInterval(t);
      await sensors.stop();
      metrics?.stopped('the demo is stopping');
      stop.abort();
    }
    const result = await running;
    await retraining;
    if (egress) await egress.drain(2000);
    // What the registry does not take within 3 s stays queued for the next start.
    await sync.stop(3000);
    const final = status();
    await closeAll();
    return {
      ...final,
      startupMs: firstIngestAt === undefined ? NaN : firstIngestAt,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      result,
      databasePath,
      registryPath: opened.description,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A model event's metric: the held-out RMSE, when the version has been scored. */
const rmseOf = (rmse: number | undefined): { metric?: { name: string; value: number } } => (rmse === undefined ? {} : { metric: { name: 'rmse', value: rmse } });

/** How the lifecycle starts: its baseline, the registry version it is (if one), and whether the registry could not be asked. */
interface Start extends Pick<ModelLifecycleOptions, 'baseline' | 'baselineReason'> {
  readonly taken?: ModelManifest;
  readonly unreachable: boolean;
}

/**
 * The first model when the store has no champion yet: the newest approved version in the registry
 * that verifies, or the persistence baseline when there is none or the registry cannot be reached
 * (the sync queue then pulls as soon as it answers). Later starts serve the store's own champion
 * and leave pulling to the queue's schedule.
 */
async function startingModel(store: Store, opened: OpenedRegistry, report: DemoReporter): Promise<Start> {
  if (ModelLifecycle.hasChampion(store, MODEL_NAME)) return { unreachable: false };
  const baseline = { baseline: persistenceModel(), baselineReason: 'baseline: persistence (next mean = this mean)' };
  let pulled;
  try {
    pulled = await opened.registry.pull(MODEL_NAME);
  } catch (error) {
    report.event(`registry: ${opened.description} cannot be reached (${messageOf(error)}); serving the persistence baseline until the sync queue's pull gets through`);
    return { ...baseline, unreachable: true };
  }
  if (pulled.outcome !== 'empty') for (const r of pulled.refused) report.event(`registry: refused ${MODEL_NAME} v${r.version} (${r.code}): ${r.reason}`);
  if (pulled.outcome !== 'pulled') {
    const why = pulled.outcome === 'empty' ? `no ${MODEL_NAME} in ${opened.description} yet` : `all ${pulled.refused.length} versions of ${MODEL_NAME} refused (reasons above)`;
    report.event(`registry: ${why}; serving the persistence baseline (next mean = this mean)`);
    return { ...baseline, unreachable: false };
  }
  const m = pulled.manifest;
  report.event(`registry: pulled ${MODEL_NAME} v${m.version} (${m.createdAt}, held-out RMSE ${m.metrics['rmse']?.toFixed(3)}, signed by key ${pulled.signedBy}, SHA-256 verified)`);
  return { baseline: pulled.bytes, baselineReason: `pulled from the registry: ${MODEL_NAME} v${m.version}, signed by key ${pulled.signedBy}`, taken: m, unreachable: false };
}

/** An MQTT client on the embedded broker and the sink publishing predictions through it. */
async function startEgress(url: string, store: Store): Promise<{ sink: MqttSink<Prediction>; drain(ms: number): Promise<void>; close(): Promise<void> }> {
  const client: MqttClient = await mqtt.connectAsync(url, { clientId: 'runnel-demo-egress', protocolVersion: 4, reconnectPeriod: 500 });
  // aedes speaks MQTT 3.1.1: the output id travels in the payload.
  const sink = new MqttSink<Prediction>(store, { client, topic: (p) => `predictions/${p.sensor}`, stages: [PREDICTIONS_STAGE], idProperty: null, idField: 'outputId' }).start();
  return {
    sink,
    drain: (ms) => settledOrAfter(sink.drained(), ms).catch(() => undefined),
    async close() {
      sink.stop();
      await client.endAsync();
    },
  };
}

/**
 * Settles as `work` does, or resolves after `ms` or at once when `signal` fires, whichever comes
 * first. Its timer ends with it: a timer left running kept a finished (or failed) job's process
 * alive until `--duration` ended, and 2 s after Ctrl-C.
 */
function settledOrAfter(work: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    work.then(done, (error: unknown) => {
      stopWaiting();
      reject(error);
    });
    function stopWaiting(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
    }
    function done(): void {
      stopWaiting();
      resolve();
    }
  });
}
