/**
 * The learning loop on a stream: three machines report temperature and load ten times a second;
 * a durable pipeline computes one-second window statistics per machine and stores each window as
 * a training sample (`writeSamples`, committed with its step), labelled by the machine's mean
 * temperature one window later. A `ModelLifecycle` on a virtual clock fits a ridge regression,
 * serves it, and when the machines change (a new cooling regime) the rolling error rises, the
 * loop retrains on the new regime and promotes the challenger.
 * Run it with: npx tsx examples/learning-loop.ts
 */
import { seededRandom } from '../src/common/random.js';
import { VirtualClock } from '../src/core/clock.js';
import { Pipeline } from '../src/core/pipeline.js';
import { fixedWindows } from '../src/core/windowing/window-fns.js';
import type { WindowFeatures } from '../src/features/window-features.js';
import { windowStats } from '../src/features/window-stats.js';
import { FastPathModelHandler } from '../src/ml/infer/fast-path-handler.js';
import { OnnxModelHandler } from '../src/ml/infer/onnx-handler.js';
import { ModelLifecycle, writeSamples, type LifecycleEvent } from '../src/ml/lifecycle/index.js';
import { linearRegressionModel } from '../src/ml/onnx/builders/linear-regression.js';
import { fitLinearRegression } from '../src/ml/train/linear-regression.js';
import { run } from '../src/runner/direct-runner.js';
import { SampleTable } from '../src/store/samples.js';
import { Store } from '../src/store/store.js';
import { eventStream, timestamped, type TimestampedValue } from '../src/testing/index.js';

interface Reading {
  readonly machine: string;
  readonly temp: number;
  readonly load: number;
}

const FEATURES = ['temp_mean', 'temp_std', 'load_mean', 'load_std'];

/** `seconds` of readings from `from` s on; the temperature relaxes towards `ambient + gain × load`. */
function readings(from: number, seconds: number, ambient: number, gain: number, seed: number): TimestampedValue<Reading>[] {
  const random = seededRandom(seed);
  const out: TimestampedValue<Reading>[] = [];
  for (const machine of ['m1', 'm2', 'm3']) {
    let temp = ambient;
    let load = random();
    for (let i = 0; i < seconds * 10; i++) {
      if (i % 100 === 0) load = random(); // a new job every 10 s
      temp += (ambient + gain * load - temp) * 0.05 + 0.02 * (random() - 0.5);
      out.push(timestamped({ machine, temp, load }, (from + i / 10) * 1000));
    }
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

/**
 * Runs the pipeline over `events` durably on `store` until `until` says stop (checked after each
 * step) or the events end; a later call resumes where it stopped.
 */
async function ingest(store: Store, events: TimestampedValue<Reading>[], until: () => boolean = () => false): Promise<void> {
  const p = new Pipeline();
  p.apply(eventStream(events, { maxLateness: 0 }))
    .windowInto(fixedWindows(1000))
    .apply(windowStats<Reading>(['mean', 'std'], { features: ['temp', 'load'], key: (r) => r.machine }))
    .apply(
      writeSamples<WindowFeatures>({ model: 'next-temp', features: FEATURES, key: (w) => String(w.key), target: (w) => w['temp_mean'] as number, eventTime: (w) => w.windowStart }),
    );
  const stop = new AbortController();
  await run(p, { store, bundleSize: 30, signal: stop.signal, onProgress: () => until() && stop.abort() });
}

/** What happened, for the test and the printout. */
export interface LearningLoopExample {
  readonly events: LifecycleEvent[];
  readonly champion: number;
}

export async function learningLoopExample(log: (line: string) => void = () => undefined): Promise<LearningLoopExample> {
  const store = Store.open(':memory:');
  const clock = new VirtualClock(0);
  const lifecycle = new ModelLifecycle({
    store,
    model: 'next-temp',
    features: FEATURES,
    labels: { kind: 'ahead', horizonMs: 1000 },
    handler: new FastPathModelHandler({ fallback: new OnnxModelHandler() }),
    trainer: (frame, y) => fitLinearRegression(frame, y, { l2: 1e-3 }),
    baseline: linearRegressionModel({ weights: FEATURES.map((f) => (f === 'temp_mean' ? 1 : 0)), bias: 0 }, { featureNames: FEATURES }), // "as now"
    clock,
    policy: { everyMs: 60_000, drift: { window: 60, errorRatio: 2 } },
    log,
  });
  const events: LifecycleEvent[] = [];
  // A minute as before, then half a minute with new cooling: a cooler machine under load.
  const stream = [...readings(0, 60, 20, 30, 1), ...readings(60, 30, 35, -10, 2)];
  const samples = new SampleTable(store);
  await ingest(store, stream, () => samples.size('next-temp') >= 3 * 59);
  clock.set(60_000);
  events.push(await lifecycle.tick()); // an interval retrain: the fit beats "as now"
  await ingest(store, stream);
  clock.set(90_000);
  events.push(await lifecycle.tick()); // the rolling error is past 2 × the held-out error: drift
  const champion = lifecycle.champion.version;
  await lifecycle.close();
  store.close();
  return { events, champion };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await learningLoopExample(console.log);
  console.log(`serving v${result.champion}`);
}
