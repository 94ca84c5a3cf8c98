/**
 * One retrain of the demo's model (ridge regression on its 8 window features, self-supervised
 * next-window label) through `ModelLifecycle.retrain()` at the sample counts the device profiles
 * allow (`training.maxSamples`): reading the labelled samples from SQLite, the fit in WASM, the
 * ONNX export, loading the challenger, scoring it and the leased champion on the held-out slice,
 * and the versions-table insert. The fit alone is reported too. Compare with the profiles'
 * `training.retrainBudgetMs` (measured here on this machine, not on a Pi).
 */
import { seededRandom } from '../src/common/random.js';
import { loadDeviceProfile } from '../src/config/device-profile.js';
import { VirtualClock } from '../src/core/clock.js';
import { FEATURES, persistenceModel } from '../src/demo/model.js';
import { FastPathModelHandler } from '../src/ml/infer/fast-path-handler.js';
import { OnnxModelHandler } from '../src/ml/infer/onnx-handler.js';
import { ModelLifecycle } from '../src/ml/lifecycle/model-lifecycle.js';
import { fitLinearRegression } from '../src/ml/train/linear-regression.js';
import { SampleTable, type SampleRecord } from '../src/store/samples.js';
import { Store } from '../src/store/store.js';
import { measure, printTable } from './harness.js';

const PROFILES = ['raspberry-pi-zero-2w', 'raspberry-pi-3b', 'raspberry-pi-4', 'raspberry-pi-5'];

/** `rows` windows over 20 sensors whose next mean temperature is linear in this window's features. */
function samples(rows: number): SampleRecord[] {
  const random = seededRandom(7);
  const out: SampleRecord[] = [];
  const sensors = 20;
  const next = new Float64Array(sensors).fill(25);
  for (let i = 0; i < rows; i++) {
    const s = i % sensors;
    const features = Float32Array.from(FEATURES, (f) => (f === 'temp_mean' ? next[s]! : 10 * random()));
    out.push({ model: 'bench', key: `s${s}`, eventTime: Math.floor(i / sensors) * 1000, features, target: next[s]! });
    next[s] = 0.7 * next[s]! + 0.4 * features[FEATURES.indexOf('vibration_mean')]! + 6 + 0.1 * (random() - 0.5);
  }
  return out;
}

export async function run(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const name of PROFILES) {
    const profile = loadDeviceProfile(name);
    const training = profile.training;
    if (!training) continue;
    const store = Store.open(':memory:');
    new SampleTable(store).add(samples(training.maxSamples + 20), [], 0); // the newest window of each sensor has no label yet
    let fitMs = 0;
    const lifecycle = new ModelLifecycle({
      store,
      model: 'bench',
      features: FEATURES,
      labels: { kind: 'ahead', horizonMs: 1000 },
      handler: new FastPathModelHandler({ fallback: new OnnxModelHandler() }),
      trainer: (frame, y) => fitLinearRegression(frame, y, { l2: 1 }),
      baseline: persistenceModel(),
      clock: new VirtualClock(0),
      policy: { maxSamples: training.maxSamples },
      promotion: { margin: 1e9 }, // never promote: every run scores against the same champion
    });
    const m = await measure(
      async () => {
        const event = await lifecycle.retrain();
        if (event.action !== 'rejected') throw new Error(`retrain: ${event.summary}`);
        fitMs = event.fitMs!;
      },
      { warmup: 2, runs: 9 },
    );
    rows.push([name, training.maxSamples, fitMs, m.medianMs, m.minMs, training.retrainBudgetMs]);
    await lifecycle.close();
    store.close();
  }
  printTable(
    'One retrain of the demo model per device profile (ms)',
    ['profile', 'samples', 'fit + ONNX export (last run)', 'whole retrain, median', 'min', 'profile budget'],
    rows,
  );
}
