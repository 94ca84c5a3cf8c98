/**
 * Vibration features on the device: accelerometer readings from machines, half of them with a
 * bearing fault (a 120 Hz tone and impacts), become per-second features with the WASM kernels
 * (`windowStats` with FFT band energies), are assembled into named frames (`featureVector`), scaled
 * with a z-score fitted on the training machines only (saved and loaded as JSON, as a device would
 * receive it), and train a Gaussian naive Bayes that tells faulty from healthy on machines it has
 * never seen.
 * Run it with: npx tsx examples/vibration-features.ts
 */
import {
  Pipeline,
  applyStatistics,
  collect,
  concatFrames,
  create,
  featureVector,
  fitStatistics,
  fixedWindows,
  serializeFitted,
  windowStats,
  run,
  type FeatureFrame,
} from '../src/index.js';
import { accuracy } from '../src/ml/evaluate/index.js';
import { fitGaussianNB } from '../src/ml/train/index.js';
import { seededRandom } from '../src/testing/index.js';

const RATE = 1000; // Hz
const SECONDS = 20;
const MACHINES = 8; // odd ids are faulty
const TEST_MACHINES = new Set(['m6', 'm7']);

/** One accelerometer reading. */
interface Reading {
  machine: string;
  t: number;
  ax: number;
}

/** Synthetic readings: 50 Hz hum and noise; a fault adds a 120 Hz tone and an impact every ~0.1 s. */
export function readings(seed = 7): Reading[] {
  const random = seededRandom(seed);
  const out: Reading[] = [];
  for (let m = 0; m < MACHINES; m++) {
    const faulty = m % 2 === 1;
    const gain = 0.8 + 0.4 * random();
    for (let i = 0; i < RATE * SECONDS; i++) {
      const s = i / RATE;
      let ax = gain * 0.5 * Math.sin(2 * Math.PI * 50 * s) + 0.2 * (random() - 0.5);
      if (faulty) ax += 0.3 * Math.sin(2 * Math.PI * 120 * s) + (random() < 0.01 ? 2 * (random() - 0.5) : 0);
      out.push({ machine: `m${m}`, t: i, ax }); // t in ms: one sample per ms
    }
  }
  return out;
}

/** What the example produced. */
export interface VibrationExample {
  featureNames: readonly string[];
  trainRows: number;
  testRows: number;
  testAccuracy: number;
  scalerJson: string;
}

export async function vibrationExample(seed = 7): Promise<VibrationExample> {
  const stats = windowStats(['rms', 'ptp', 'kurtosis'], {
    features: ['ax'],
    key: (r: Reading) => r.machine,
    fft: { size: 512, sampleRate: RATE, bands: [0, 40, 80, 160, 500] },
  });
  const p = new Pipeline();
  const out = collect<FeatureFrame<string>>();
  p.apply(create(readings(seed)))
    .withTimestamps((r) => r.t)
    .windowInto(fixedWindows(1000)) // one-second windows
    .apply(stats)
    .apply(featureVector<string>(stats.featureNames))
    .apply(out);
  await run(p);
  const all = concatFrames(out.values);

  const pick = (test: boolean) => {
    const idx = all.keys.flatMap((k, i) => (TEST_MACHINES.has(k) === test ? [i] : []));
    const view = new Float32Array(idx.length * all.cols);
    idx.forEach((i, j) => view.set(all.view.subarray(i * all.cols, (i + 1) * all.cols), j * all.cols));
    const labels = idx.map((i) => Number(all.keys[i]!.slice(1)) % 2);
    return { frame: { ...all, view, rows: idx.length, keys: idx.map((i) => all.keys[i]!) }, labels };
  };
  const train = pick(false);
  const test = pick(true);
  // Fitted on the training machines only; the device gets the JSON with the model.
  const scalerJson = serializeFitted(fitStatistics('zscore', train.frame));
  const model = fitGaussianNB(applyStatistics(scalerJson, train.frame), train.labels);
  const predicted = model.predict(applyStatistics(scalerJson, test.frame));
  return { featureNames: stats.featureNames, trainRows: train.frame.rows, testRows: test.frame.rows, testAccuracy: accuracy(test.labels, predicted), scalerJson };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await vibrationExample();
  console.log(`features: ${r.featureNames.join(', ')}`);
  console.log(`trained on ${r.trainRows} one-second windows, tested on ${r.testRows} from unseen machines: accuracy ${r.testAccuracy.toFixed(3)}`);
}
