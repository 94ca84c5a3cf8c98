/**
 * The seed's Gaussian naive Bayes, trained on the device: Seattle's weather of the day (drizzle,
 * fog, rain, snow, sun) from temperatures, rain, wind, season and recent change.
 * Read (pipeline API) → engineer features (WASM signal kernels) → stratified split (seeded) →
 * train (per-class moments in WASM) → evaluate on the held-out days → export ONNX → serve it with
 * `runInference` (onnxruntime-web) in a pipeline → check its labels and probabilities equal
 * `predict`/`predictProba`.
 * Run it with: npx tsx examples/naive-bayes.ts [seattle-weather.csv]
 */
import { frameOf, type FrameLike } from '../src/kernels/frame.js';
import { classificationReport, takeLabels, takeRows, trainTestSplit, type Report } from '../src/ml/evaluate/index.js';
import { fitGaussianNB, type GaussianNBModel } from '../src/ml/train/index.js';
import { predictInPipeline } from './run-onnx.js';
import { readDays, seattleWeatherCsv, seriesFeatures } from './seattle-weather.js';

const FEATURES = ['precipitation', 'temp_max', 'temp_range', 'wind', 'season_cos', 'rain_3day', 'yesterday_rain', 'max_change'];

/** What the example produced, for the tests and the printout. */
export interface NaiveBayesExample {
  model: GaussianNBModel;
  /** Weather names, indexed by class label. */
  weatherNames: string[];
  report: Report;
  onnx: Uint8Array;
  /** Held-out rows where the ONNX label differs from predict. */
  labelMismatches: number;
  /** Largest |ONNX probability - predictProba|. */
  maxProbaDiff: number;
  /** Accuracy of always answering the most frequent class in the training rows. */
  baselineAccuracy: number;
}

export async function naiveBayesExample(csvPath = seattleWeatherCsv(), seed = 42): Promise<NaiveBayesExample> {
  const { days } = await readDays(csvPath);
  const s = seriesFeatures(days);
  const weatherNames = [...new Set(days.map((d) => d.weather))].sort();
  const kept = days.slice(1); // row 0 has no yesterday
  const x = new Float32Array(kept.length * FEATURES.length);
  kept.forEach((d, j) => {
    const i = j + 1;
    x.set([d.precipitation, d.tempMax, d.tempMax - d.tempMin, d.wind, Math.cos(d.season), s.rain3[i]!, s.yesterdayRain[i]!, s.maxChange[i]!], j * FEATURES.length);
  });
  const all: FrameLike = frameOf(x, FEATURES);
  const labels = kept.map((d) => weatherNames.indexOf(d.weather));
  const split = trainTestSplit(all.rows, { testSize: 0.25, seed, stratify: labels });
  const [train, test] = [takeRows(all, split.train), takeRows(all, split.test)];
  const [yTrain, yTest] = [takeLabels(labels, split.train), takeLabels(labels, split.test)];

  const model = fitGaussianNB(train, yTrain);
  const predicted = model.predict(test);
  const proba = model.predictProba(test);
  const report = classificationReport(yTest, predicted, {
    proba,
    classes: model.classes,
    title: `naive Bayes: held-out days (${model.classes.map((c) => `${c} ${weatherNames[c]}`).join(', ')})`,
  });
  const counts = model.params.counts;
  const majority = model.classes[counts.indexOf(Math.max(...counts))]!;
  const baselineAccuracy = yTest.filter((y) => y === majority).length / yTest.length;

  const onnx = model.toOnnx();
  let labelMismatches = 0,
    maxProbaDiff = 0;
  const fromOnnx = await predictInPipeline(onnx, 'seattle-weather-nb', test);
  fromOnnx.forEach((r, i) => {
    if (r['label']![0] !== predicted[i]) labelMismatches++;
    (r['probabilities'] as number[]).forEach((p, k) => (maxProbaDiff = Math.max(maxProbaDiff, Math.abs(p - proba[i * model.classes.length + k]!))));
  });
  return { model, weatherNames, report, onnx, labelMismatches, maxProbaDiff, baselineAccuracy };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await naiveBayesExample(process.argv[2]);
  console.log(r.report.toString());
  console.log(`\nmajority-class baseline accuracy ${r.baselineAccuracy.toFixed(3)}`);
  console.log(`ONNX (${r.onnx.byteLength} bytes) on onnxruntime-web vs predict: ${r.labelMismatches} label mismatches, max |Δp| ${r.maxProbaDiff.toExponential(2)}`);
}
