/**
 * The seed's linear regression, trained on the device: today's maximum temperature in Seattle
 * from the minimum, rain, wind, season and yesterday's values.
 * Read (pipeline API) → engineer features (WASM signal kernels) → split (seeded) → z-score
 * (WASM stats/scale kernels, fitted on the training rows only) → train (normal equations +
 * Cholesky in WASM) → evaluate on the held-out rows → export ONNX with the scaler folded in →
 * serve it with `runInference` (onnxruntime-web) in a pipeline on the raw features → check it
 * equals `predict`.
 * Run it with: npx tsx examples/linear-regression.ts [seattle-weather.csv]
 */
import { allocFrame, kernels, type Frame } from '../src/kernels/index.js';
import { regressionReport, trainTestSplit, type Report } from '../src/ml/evaluate/index.js';
import { fitLinearRegression, type LinearRegressionModel } from '../src/ml/train/index.js';
import { predictInPipeline } from './run-onnx.js';
import { readDays, seattleWeatherCsv, seriesFeatures } from './seattle-weather.js';

const FEATURES = ['temp_min', 'precipitation', 'wind', 'season_sin', 'season_cos', 'yesterday_max', 'rain_3day'];

/** What the example produced, for the tests and the printout. */
export interface LinearRegressionExample {
  model: LinearRegressionModel;
  report: Report;
  onnx: Uint8Array;
  /** Largest |ONNX - predict| over the held-out rows (°C). */
  maxAbsDiff: number;
  trainRows: number;
  testRows: number;
}

export async function linearRegressionExample(csvPath = seattleWeatherCsv(), seed = 42): Promise<LinearRegressionExample> {
  const { days } = await readDays(csvPath);
  const s = seriesFeatures(days);
  const rows = days.slice(1).map((d, j) => {
    const i = j + 1; // row 0 has no yesterday
    return { x: [d.tempMin, d.precipitation, d.wind, Math.sin(d.season), Math.cos(d.season), s.yesterdayMax[i]!, s.rain3[i]!], y: d.tempMax };
  });
  const split = trainTestSplit(rows.length, { testSize: 0.25, seed });
  const { exports: k, arena } = kernels();
  const frameOf = (idx: Int32Array): Frame => {
    const f = allocFrame(arena, idx.length, FEATURES);
    f.view.set(Array.from(idx).flatMap((i) => rows[i]!.x));
    return f;
  };
  const [train, test, rawTest] = [frameOf(split.train), frameOf(split.test), frameOf(split.test)];
  const yTrain = Array.from(split.train, (i) => rows[i]!.y),
    yTest = Array.from(split.test, (i) => rows[i]!.y);
  const [mean, std] = [arena.allocF64(FEATURES.length), arena.allocF64(FEATURES.length)];
  try {
    // z-score statistics from the training rows only, applied in place by the kernels.
    k.colMean(train.ptr, train.rows, train.cols, mean.ptr);
    k.colStd(train.ptr, train.rows, train.cols, 0, std.ptr);
    k.zscore(train.ptr, train.rows, train.cols, mean.ptr, std.ptr, train.ptr);
    k.zscore(test.ptr, test.rows, test.cols, mean.ptr, std.ptr, test.ptr);
    const scaler = { kind: 'zscore' as const, mean: Array.from(mean.view), std: Array.from(std.view) };

    const model = fitLinearRegression(train, yTrain); // the frame is in WASM memory: no copy
    const predicted = model.predict(test);
    const report = regressionReport(yTest, predicted, 'linear regression: held-out days, °C');

    const onnx = model.toOnnx({ scaler });
    let maxAbsDiff = 0;
    const fromOnnx = await predictInPipeline(onnx, 'seattle-temp-max', rawTest); // raw features: the scaler is in the graph
    fromOnnx.forEach((r, i) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs((r['prediction']![0] as number) - predicted[i]!))));
    return { model, report, onnx, maxAbsDiff, trainRows: train.rows, testRows: test.rows };
  } finally {
    for (const b of [train.block, test.block, rawTest.block, mean, std]) arena.free(b);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await linearRegressionExample(process.argv[2]);
  console.log(`trained on ${r.trainRows} days, tested on ${r.testRows}\n`);
  console.log(r.report.toString());
  console.log(`\ncoefficients (per standard deviation): ${r.model.featureNames.map((n, i) => `${n} ${r.model.params.weights[i]!.toFixed(3)}`).join(', ')}`);
  console.log(`ONNX (${r.onnx.byteLength} bytes) on onnxruntime-web vs predict: max |diff| ${r.maxAbsDiff.toExponential(2)} °C`);
}
