/**
 * On-device training: Runnel's WASM trainers vs the JavaScript libraries the seed would reach
 * for (ml-regression-multivariate-linear, ml-naivebayes, ml-logistic-regression), n = 1e4, 1e5,
 * 1e6 rows of d = 16 synthetic features (binary and 4-class logistic), with held-out accuracy
 * side by side and peak memory.
 * Each (task, implementation, n) runs in its own Node process so its peak RSS is its own:
 * "peak ΔRSS" is the process's maximum RSS minus its RSS once the data was built.
 * Inputs are prepared outside the timings in each library's own format (Float32Array frame
 * for Runnel, number[][] / Matrix for the others). Sizes: RUNNEL_BENCH_TRAIN_SIZES=1e4,1e5.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Matrix } from 'ml-matrix';
import LogisticRegression from 'ml-logistic-regression';
import { GaussianNB } from 'ml-naivebayes';
import MLR from 'ml-regression-multivariate-linear';
import { frameOf, type FrameLike } from '../src/kernels/frame.js';
import { accuracy, rmse, seededRandom } from '../src/ml/evaluate/index.js';
import { fitGaussianNB, fitLinearRegression, fitLogisticRegression } from '../src/ml/train/index.js';
import { measure, printTable } from './harness.js';

const D = 16;
const TEST_ROWS = 10_000;
type Task = 'linear' | 'naive-bayes' | 'logistic' | 'softmax';
type Impl = 'runnel' | 'baseline';

interface CaseResult {
  medianMs: number;
  runs: number;
  metric: number;
  peakDeltaMb: number;
  peakRssMb: number;
}

/** n + TEST_ROWS rows of the task's synthetic data (same seed for both implementations). */
function makeData(task: Task, n: number): { x: Float32Array; y: Float64Array } {
  const rng = seededRandom(1234);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const rows = n + TEST_ROWS;
  const x = new Float32Array(rows * D),
    y = new Float64Array(rows);
  const w = Array.from({ length: D }, () => gauss());
  const centres = Array.from({ length: 3 }, () => Array.from({ length: D }, () => gauss() * 0.6));
  const classWeights = Array.from({ length: 4 }, () => Array.from({ length: D }, () => gauss()));
  for (let i = 0; i < rows; i++) {
    if (task === 'softmax') {
      for (let j = 0; j < D; j++) x[i * D + j] = gauss();
      const z = classWeights.map((cw) => cw.reduce((s, v, j) => s + v * x[i * D + j]!, 0) + gauss());
      y[i] = z.indexOf(Math.max(...z));
      continue;
    }
    if (task === 'naive-bayes') {
      const c = Math.floor(rng() * 3);
      for (let j = 0; j < D; j++) x[i * D + j] = centres[c]![j]! + gauss() * (1 + 0.1 * j);
      y[i] = c;
      continue;
    }
    let z = 0.5;
    for (let j = 0; j < D; j++) z += w[j]! * (x[i * D + j] = gauss());
    y[i] = task === 'linear' ? z + gauss() * 0.5 : rng() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x, y };
}

/** A timed fit, and the held-out metric of the model the last timed fit returned (untimed, no refit). */
interface Case {
  fit: () => void;
  metric: () => number;
}

function scored<M>(fit: () => M, score: (model: M) => number): Case {
  let last: M | undefined;
  return {
    fit: () => {
      last = fit();
    },
    metric: () => score(last!),
  };
}

function runnelCase(task: Task, train: FrameLike, y: Float64Array, test: FrameLike, yTest: Float64Array): Case {
  if (task === 'linear')
    return scored(
      () => fitLinearRegression(train, y),
      (m) => rmse(yTest, m.predict(test)),
    );
  if (task === 'naive-bayes')
    return scored(
      () => fitGaussianNB(train, y),
      (m) => accuracy(yTest, m.predict(test)),
    );
  return scored(
    () => fitLogisticRegression(train, y),
    (m) => accuracy(yTest, m.predict(test)),
  );
}

function baselineCase(task: Task, x: number[][], y: Float64Array, xt: number[][], yTest: Float64Array): Case {
  const labels = Array.from(y);
  if (task === 'linear') {
    const ys = labels.map((v) => [v]);
    return scored(
      () => new MLR(x, ys, { statistics: false }),
      (m) =>
        rmse(
          yTest,
          m.predict(xt).map((r) => r[0]!),
        ),
    );
  }
  if (task === 'naive-bayes') {
    const fit = (): GaussianNB => {
      const m = new GaussianNB();
      m.train(x, labels);
      return m;
    };
    return scored(fit, (m) => accuracy(yTest, m.predict(xt)));
  }
  // Gradient ascent on the summed log-likelihood: step 1/n, 100 steps, an explicit intercept column.
  const xm = new Matrix(x.map((r) => [...r, 1]));
  const ym = Matrix.columnVector(labels);
  const fit = (): LogisticRegression => {
    const m = new LogisticRegression({ numSteps: 100, learningRate: 1 / x.length });
    m.train(xm, ym);
    return m;
  };
  return scored(fit, (m) => accuracy(yTest, m.predict(new Matrix(xt.map((r) => [...r, 1])))));
}

/** One (task, implementation, n) in this process; prints a JSON CaseResult. */
async function runCase(task: Task, impl: Impl, n: number): Promise<void> {
  const { x, y } = makeData(task, n);
  const yTrain = y.slice(0, n),
    yTest = y.slice(n);
  const names = Array.from({ length: D }, (_, j) => `x${j}`);
  let c: Case;
  if (impl === 'runnel') {
    c = runnelCase(task, frameOf(x.slice(0, n * D), names), yTrain, frameOf(x.slice(n * D), names), yTest);
  } else {
    const rows = (from: number, to: number): number[][] => Array.from({ length: to - from }, (_, i) => Array.from(x.subarray((from + i) * D, (from + i + 1) * D)));
    c = baselineCase(task, rows(0, n), yTrain, rows(n, n + TEST_ROWS), yTest);
  }
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  const slow = impl === 'baseline' && n >= 1e6;
  // Small cases take milliseconds, so they get enough warm-up for the JIT to settle the JS around the kernels.
  const options = slow ? { warmup: 0, runs: 1 } : n <= 1e4 ? { warmup: 5, runs: 9 } : { warmup: 1, runs: n >= 1e6 ? 3 : 5 };
  const m = await measure(c.fit, options);
  const metric = c.metric();
  const peak = process.resourceUsage().maxRSS * 1024;
  const result: CaseResult = { medianMs: m.medianMs, runs: m.runs, metric, peakDeltaMb: (peak - before) / 2 ** 20, peakRssMb: peak / 2 ** 20 };
  console.log(JSON.stringify(result));
}

function child(task: Task, impl: Impl, n: number): CaseResult {
  const self = fileURLToPath(import.meta.url);
  const args = [...(self.endsWith('.ts') ? ['--import', 'tsx'] : []), '--expose-gc', '--max-old-space-size=8192', self, '--case', task, impl, String(n)];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as CaseResult;
}

const TITLES: Record<Task, [string, string, string]> = {
  linear: ['Linear regression (OLS): Runnel vs ml-regression-multivariate-linear', 'RMSE', 'lower'],
  'naive-bayes': ['Gaussian naive Bayes (3 classes): Runnel vs ml-naivebayes', 'accuracy', 'higher'],
  logistic: ['Logistic regression (binary): Runnel Newton vs ml-logistic-regression (100 gradient steps)', 'accuracy', 'higher'],
  softmax: ['Logistic regression (4 classes): Runnel Newton-CG (softmax) vs ml-logistic-regression (one-vs-rest, 100 gradient steps each)', 'accuracy', 'higher'],
};

export async function run(): Promise<void> {
  const sizes = (process.env['RUNNEL_BENCH_TRAIN_SIZES'] ?? '1e4,1e5,1e6').split(',').map(Number);
  for (const task of ['linear', 'naive-bayes', 'logistic', 'softmax'] as Task[]) {
    const [title, metric] = TITLES[task];
    const rows: (string | number)[][] = [];
    for (const n of sizes) {
      const r = child(task, 'runnel', n);
      const b = child(task, 'baseline', n);
      rows.push([n.toExponential(0), r.medianMs, b.medianMs, `${(b.medianMs / r.medianMs).toFixed(1)}×`, r.metric.toFixed(4), b.metric.toFixed(4), r.peakDeltaMb, b.peakDeltaMb]);
    }
    printTable(title, ['rows', 'Runnel ms', 'baseline ms', 'speed-up', `Runnel ${metric}`, `baseline ${metric}`, 'Runnel peak ΔRSS MB', 'baseline peak ΔRSS MB'], rows);
  }
  console.log(
    `\nd = ${D}; metrics on ${TEST_ROWS.toLocaleString('en-US')} held-out rows; medians of 9 runs after 5 warm-ups at 1e4, of 5 after 1 above (3 at 1e6; 1 run for the baselines at 1e6).`,
  );
  console.log(
    "ml-naivebayes 4.0.0's predict reads only the first two features (its loop bound is the length of a [C1, C2] pair), " +
      'so its accuracy here is that of a 2-feature model; its fitted means and variances agree with Runnel (test/ml/train/naive-bayes.test.ts).',
  );
}

if (process.argv[2] === '--case') {
  await runCase(process.argv[3] as Task, process.argv[4] as Impl, Number(process.argv[5]));
}
