/**
 * Makes the files `examples/vibration-faults.yaml` runs with: accelerometer readings of four
 * machines (`data/vibration.csv`; m1 and m3 have a bearing fault), and a Gaussian naive Bayes that
 * tells faulty from healthy one-second windows (`models/vibration-faults.onnx`) with the z-score
 * scaler of its features (`models/vibration-scaler.json`), both fitted here on eight other machines
 * whose features come from the same `windowStats` the YAML pipeline's `WindowStats` step runs.
 * Regenerate them with: npx tsx examples/vibration-faults-model.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Pipeline,
  applyStatistics,
  collect,
  concatFrames,
  create,
  featureVector,
  fitGaussianNB,
  fitStatistics,
  fixedWindows,
  run,
  serializeFitted,
  windowStats,
  type FeatureFrame,
} from '../src/index.js';
import { seededRandom } from '../src/testing/index.js';

/** Samples per second. */
export const RATE = 200;

/** The features, as the YAML pipeline's WindowStats step names them. */
export const FEATURES = windowStats(['rms', 'ptp', 'kurtosis'], { features: ['ax'], fft: { size: 128, sampleRate: RATE, bands: [0, 20, 40, 80, 100] } }).featureNames;

interface Reading {
  machine: string;
  t: number;
  ax: number;
}

/**
 * `seconds` of readings of machines `first`… (odd ones faulty): a 10 Hz hum and noise; a fault
 * adds a 60 Hz tone and an impact now and then. `t` in seconds, values rounded as the CSV has them.
 */
function readings(seed: number, first: number, machines: number, seconds: number): Reading[] {
  const random = seededRandom(seed);
  const out: Reading[] = [];
  for (let m = first; m < first + machines; m++) {
    const gain = 0.8 + 0.4 * random();
    for (let i = 0; i < RATE * seconds; i++) {
      const s = i / RATE;
      let ax = gain * 0.5 * Math.sin(2 * Math.PI * 10 * s) + 0.2 * (random() - 0.5);
      if (m % 2 === 1) ax += 0.3 * Math.sin(2 * Math.PI * 60 * s) + (random() < 0.02 ? 2 * (random() - 0.5) : 0);
      out.push({ machine: `m${m}`, t: i / RATE, ax: Math.round(ax * 1e4) / 1e4 });
    }
  }
  return out;
}

/** The files' contents: the readings CSV, the model and the scaler (the same bytes on every run). */
export async function vibrationFaultFiles(): Promise<{ csv: string; model: Uint8Array; scaler: string }> {
  const training = readings(11, 4, 8, 10);
  const p = new Pipeline();
  const out = collect<FeatureFrame<string>>();
  p.apply(create(training))
    .withTimestamps((r) => r.t * 1000)
    .windowInto(fixedWindows(1000))
    .apply(windowStats(['rms', 'ptp', 'kurtosis'], { features: ['ax'], key: (r: Reading) => r.machine, fft: { size: 128, sampleRate: RATE, bands: [0, 20, 40, 80, 100] } }))
    .apply(featureVector<string>(FEATURES))
    .apply(out);
  await run(p);
  const frame = concatFrames(out.values);
  const labels = frame.keys.map((machine) => Number(machine.slice(1)) % 2);
  const scaler = serializeFitted(fitStatistics('zscore', frame));
  const model = fitGaussianNB(applyStatistics(scaler, frame), labels).toOnnx();
  const csv = ['machine,t,ax', ...readings(3, 0, 4, 3).map((r) => `${r.machine},${r.t},${r.ax}`)].join('\n') + '\n';
  return { csv, model, scaler: `${scaler}\n` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = await vibrationFaultFiles();
  const dir = import.meta.dirname;
  writeFileSync(join(dir, 'data', 'vibration.csv'), files.csv);
  writeFileSync(join(dir, 'models', 'vibration-faults.onnx'), files.model);
  writeFileSync(join(dir, 'models', 'vibration-scaler.json'), files.scaler);
  console.log(`wrote data/vibration.csv, models/vibration-faults.onnx (${files.model.byteLength} bytes) and models/vibration-scaler.json; features ${FEATURES.join(', ')}`);
}
