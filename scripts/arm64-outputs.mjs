/**
 * Runs every WebAssembly kernel, the on-device trainers' predictions, JS Math.exp/log/sin/cos and
 * a few models through Runnel's onnxruntime-web handler on seeded inputs (finite ones, ones with NaN, -NaN, ±Inf, -0 and subnormals, and ones with ±Inf) and
 * prints one JSON line per output: `{ name, type, data }` with the raw bytes in base64.
 * scripts/test-arm64.mjs runs it under x64 and arm64 Node and compares the lines. Inputs are made
 * with integer arithmetic and division only (no Math.log/exp/cos, which may differ by an ulp
 * between architectures), and are printed too, so a difference in them shows up first.
 * Needs the compiled code (npm run build). Usage: node scripts/arm64-outputs.mjs
 */
import { seededRandom } from '../dist/src/common/random.js';
import { instantiateKernels } from '../dist/src/kernels/index.js';
import { frameOf } from '../dist/src/kernels/frame.js';
import { OnnxModelHandler } from '../dist/src/ml/infer/index.js';
import {
  gaussianNaiveBayesModel,
  kerasDenseModel,
  linearRegressionModel,
  logisticRegressionModel,
  treeEnsembleClassifierModel,
  treeEnsembleRegressorModel,
} from '../dist/src/ml/onnx/index.js';
import { randomTrees } from '../dist/src/ml/testing/random-models.js';
import { fitGaussianNB, fitGradientBoostingClassifier, fitGradientBoostingRegressor, fitLogisticRegression } from '../dist/src/ml/train/index.js';

const N = 64; // rows
const D = 4; // columns
const K = 3; // classes
const SEED = 20261206;

const rng = seededRandom(SEED);
/** Uniform in [-scale, scale) without transcendental functions, so equal bits on every CPU. */
const uniform = (scale = 3) => (rng() * 2 - 1) * scale;
const uniforms = (length, scale) => Array.from({ length }, () => uniform(scale));

function emit(name, array) {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const type = array.constructor.name.replace('Array', '').toLowerCase();
  process.stdout.write(`${JSON.stringify({ name, type, data: Buffer.from(bytes).toString('base64') })}\n`);
}

/**
 * A finite frame; the same frame with NaN, -NaN, ±Inf, -0, a subnormal and the largest f32 at
 * seeded places; and one with ±Inf only (NaNs made from them by arithmetic, not carried in).
 */
function inputs() {
  const finite = Float32Array.from(uniforms(N * D));
  const withBits = (specials) => {
    const frame = finite.slice();
    const bits = new Uint32Array(frame.buffer);
    for (let i = 0; i < 24; i++) bits[Math.floor(rng() * bits.length)] = specials[i % specials.length];
    return frame;
  };
  const special = withBits([0x7fc00000, 0xffc00000, 0x7f800000, 0xff800000, 0x80000000, 0x00000400, 0x7f7fffff]);
  return { finite, special, infinite: withBits([0x7f800000, 0xff800000]) };
}

// ---- WebAssembly kernels, called through their raw exports ----
const { exports: k } = instantiateKernels();
const alloc = (Type, length) => {
  const ptr = k.alloc(Math.max(length, 1) * Type.BYTES_PER_ELEMENT);
  return { ptr, length, view: () => new Type(k.memory.buffer, ptr, length) };
};
const put = (Type, values) => {
  const block = alloc(Type, values.length);
  block.view().set(values);
  return block;
};
const out = (Type, length, fill = 0) => {
  const block = alloc(Type, length);
  block.view().fill(fill);
  return block;
};

function kernels(label, frame) {
  emit(`input ${label}`, frame);
  const x = put(Float32Array, frame);
  const name = (kernel) => `${kernel} ${label}`;
  const take = (kernel, block) => emit(name(kernel), block.view().slice());
  const scalar = (kernel, value) => emit(name(kernel), Float64Array.of(value));

  scalar('sumF32', k.sumF32(x.ptr, N * D));
  scalar('meanF32', k.meanF32(x.ptr, N * D));
  for (const kernel of ['colCount', 'colSum', 'colMean', 'colMin', 'colMax', 'colPtp', 'colRms', 'colSkew', 'colKurt', 'colMeanFinite', 'colZcr']) {
    const o = out(Float64Array, D);
    k[kernel](x.ptr, N, D, o.ptr);
    take(kernel, o);
  }
  for (const kernel of ['colVar', 'colStd']) {
    for (const ddof of [0, 1]) {
      const o = out(Float64Array, D);
      k[kernel](x.ptr, N, D, ddof, o.ptr);
      take(`${kernel}(ddof ${ddof})`, o);
    }
  }
  const scratch = out(Float32Array, N);
  const qs = put(Float64Array, [0, 0.1, 0.25, 0.5, 0.9, 1]);
  const quantiles = out(Float64Array, qs.length * D);
  k.colQuantiles(x.ptr, N, D, qs.ptr, qs.length, scratch.ptr, quantiles.ptr);
  take('colQuantiles', quantiles);
  for (const kernel of ['colMedian', 'colMedianFinite']) {
    const o = out(Float64Array, D);
    k[kernel](x.ptr, N, D, scratch.ptr, o.ptr);
    take(kernel, o);
  }

  const a = put(Float64Array, uniforms(D, 1));
  const b = put(
    Float64Array,
    uniforms(D, 1).map((v) => 1 + Math.abs(v)),
  );
  for (const kernel of ['zscore', 'minMaxScale', 'robustScale', 'clip']) {
    const o = out(Float32Array, N * D);
    k[kernel](x.ptr, N, D, a.ptr, b.ptr, o.ptr);
    take(kernel, o);
  }
  const frameOut = () => out(Float32Array, N * D);
  let o = frameOut();
  k.imputeConst(x.ptr, N, D, a.ptr, o.ptr);
  take('imputeConst', o);
  const last = out(Float64Array, D, NaN);
  o = frameOut();
  k.imputeLast(x.ptr, N, D, last.ptr, o.ptr);
  take('imputeLast', o);
  const counts = out(Float64Array, D);
  scalar('countNonFinite total', k.countNonFinite(x.ptr, N, D, counts.ptr));
  take('countNonFinite', counts);
  o = frameOut();
  k.nonFiniteMask(x.ptr, N * D, o.ptr);
  take('nonFiniteMask', o);

  o = frameOut();
  k.movingAverage(x.ptr, N, D, 5, o.ptr);
  take('movingAverage', o);
  const emaState = out(Float64Array, D, NaN);
  o = frameOut();
  k.ema(x.ptr, N, D, 0.3, emaState.ptr, o.ptr);
  take('ema', o);
  for (const [kind, f0] of [
    [0, 5],
    [1, 2],
    [2, 8],
  ]) {
    const coef = out(Float64Array, 5);
    scalar(`biquadDesign(kind ${kind}) status`, k.biquadDesign(kind, f0, 0.707, 50, coef.ptr));
    take(`biquadDesign(kind ${kind})`, coef);
    const state = out(Float64Array, 2 * D);
    o = frameOut();
    k.biquad(x.ptr, N, D, coef.ptr, state.ptr, o.ptr);
    take(`biquad(kind ${kind})`, o);
  }
  const taps = put(Float32Array, uniforms(7, 0.5));
  o = frameOut();
  k.fir(x.ptr, N, D, taps.ptr, taps.length, o.ptr);
  take('fir', o);
  o = frameOut();
  k.diff(x.ptr, N, D, o.ptr);
  take('diff', o);
  const lagged = out(Float32Array, N * 3 * D);
  k.lags(x.ptr, N, D, 3, lagged.ptr);
  take('lags', lagged);
  let t = 0;
  const times = put(
    Float64Array,
    Array.from({ length: N }, () => (t += 0.5 + rng())),
  );
  const resampled = out(Float32Array, 80 * D);
  k.resampleLinear(times.ptr, x.ptr, N, D, 0.25, 0.7, 80, resampled.ptr);
  take('resampleLinear', resampled);

  // FFT over the frame read as one signal of N·D samples; the table starts filled with a sentinel
  // so that slots fftInit leaves unwritten show up in its hash and in the unwritten count.
  const n = N * D;
  for (const window of [0, 1, 2]) {
    const tableLength = k.fftTableLen(n);
    const table = out(Uint32Array, tableLength, 0xdeadbeef);
    scalar(`fftInit(window ${window}) status`, k.fftInit(n, window, table.ptr));
    take(`fftInit(window ${window})`, table);
    scalar(`fftInit(window ${window}) unwritten slots`, table.view().filter((v) => v === 0xdeadbeef).length);
    const spectrum = out(Float32Array, n + 2);
    k.rfft(x.ptr, n, table.ptr, spectrum.ptr);
    take(`rfft(window ${window})`, spectrum);
    const magnitude = out(Float32Array, n / 2 + 1);
    k.spectrumMagnitude(spectrum.ptr, n / 2 + 1, magnitude.ptr);
    take(`spectrumMagnitude(window ${window})`, magnitude);
    const edges = put(Float64Array, [0, 2, 5, 10, 25]);
    const energies = out(Float64Array, 4);
    k.bandEnergies(spectrum.ptr, n, 50, edges.ptr, 4, energies.ptr);
    take(`bandEnergies(window ${window})`, energies);
  }

  // Linear algebra: the frame as A [N × D]; vectors from the frame's first rows.
  const v = put(Float32Array, frame.subarray(0, D));
  scalar('dot', k.dot(x.ptr, x.ptr + 4 * D * (N / 2), (N / 2) * D));
  const y = out(Float32Array, N);
  k.gemv(x.ptr, N, D, v.ptr, y.ptr);
  take('gemv', y);
  const bMatrix = put(Float32Array, uniforms(D * 5));
  const c = out(Float32Array, N * 5);
  k.gemm(x.ptr, bMatrix.ptr, c.ptr, N, D, 5);
  take('gemm', c);
  const g = out(Float64Array, D * D);
  k.xtxAccumulate(x.ptr, N, D, g.ptr);
  take('xtxAccumulate', g);
  const targets = put(Float32Array, uniforms(N));
  const xty = out(Float64Array, D);
  k.xtyAccumulate(x.ptr, targets.ptr, N, D, xty.ptr);
  take('xtyAccumulate', xty);
  const spd = g.view().map((value, i) => value + (i % (D + 1) === 0 ? N : 0));
  const l = put(Float64Array, spd);
  scalar('cholesky status', k.cholesky(l.ptr, D));
  take('cholesky', l);
  const solution = out(Float64Array, D);
  k.choleskySolve(l.ptr, D, xty.ptr, solution.ptr);
  take('choleskySolve', solution);

  // Training kernels: labels 0..K-1 from the seed, weights and parameters from uniforms.
  const D1 = D + 1;
  const labels = Array.from({ length: N }, () => Math.floor(rng() * K));
  const yClass = put(Float64Array, labels);
  const yBinary = put(
    Float64Array,
    labels.map((label) => (label === 0 ? 1 : 0)),
  );
  const rowWeights = put(
    Float64Array,
    uniforms(N, 1).map((w) => 1 + w / 2),
  );
  const residuals = put(Float64Array, uniforms(N, 1));
  const gram = out(Float64Array, D1 * D1);
  const gramV = out(Float64Array, D1);
  k.gramAccumulate(x.ptr, rowWeights.ptr, residuals.ptr, N, D, gram.ptr, gramV.ptr);
  take('gramAccumulate G', gram);
  take('gramAccumulate v', gramV);
  const beta = put(Float64Array, uniforms(D1, 1));
  const w = out(Float64Array, N);
  const r = out(Float64Array, N);
  scalar('logisticTerms loss', k.logisticTerms(x.ptr, yBinary.ptr, N, D, beta.ptr, w.ptr, r.ptr));
  take('logisticTerms w', w);
  take('logisticTerms r', r);
  const wts = put(Float64Array, uniforms(K * D1, 1));
  const grad = out(Float64Array, K * D1);
  const kScratch = out(Float64Array, K);
  const probs = out(Float64Array, N * K);
  scalar('softmaxGradient loss', k.softmaxGradient(x.ptr, yClass.ptr, N, D, K, wts.ptr, grad.ptr, kScratch.ptr, probs.ptr));
  take('softmaxGradient grad', grad);
  take('softmaxGradient probs', probs);
  const hv = out(Float64Array, K * D1);
  k.softmaxHessianVector(x.ptr, N, D, K, probs.ptr, wts.ptr, hv.ptr, kScratch.ptr);
  take('softmaxHessianVector', hv);
  const mean = put(Float64Array, uniforms(D, 0.5));
  const diagonal = out(Float64Array, K * D1);
  k.softmaxHessianDiagonal(x.ptr, N, D, K, probs.ptr, mean.ptr, diagonal.ptr);
  take('softmaxHessianDiagonal', diagonal);
  const scores = out(Float64Array, N * K);
  k.affine(x.ptr, N, D, K, wts.ptr, scores.ptr);
  take('affine', scores);
  const count = out(Float64Array, K);
  const means = out(Float64Array, K * D);
  const m2 = out(Float64Array, K * D);
  k.classMoments(x.ptr, yClass.ptr, N, D, K, count.ptr, means.ptr, m2.ptr);
  take('classMoments count', count);
  take('classMoments mean', means);
  take('classMoments m2', m2);
  const halfInvVar = put(
    Float64Array,
    uniforms(K * D, 1).map((v) => 1 + Math.abs(v)),
  );
  const constant = put(Float64Array, uniforms(K, 1));
  const jll = out(Float64Array, N * K);
  k.gaussianJll(x.ptr, N, D, K, means.ptr, halfInvVar.ptr, constant.ptr, jll.ptr);
  take('gaussianJll', jll);
  const M = 7;
  const edges = put(Float64Array, Array.from({ length: D }, () => [-1.5, -1, -0.5, 0, 0.5, 1, 1.5]).flat());
  const bins = out(Uint8Array, N * D);
  k.binColumns(x.ptr, N, D, edges.ptr, M, bins.ptr);
  take('binColumns', bins);
  const rows = put(
    Int32Array,
    Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 !== 1),
  );
  const hist = out(Float64Array, D * (M + 1) * 2);
  k.histogram(bins.ptr, D, M + 1, rows.ptr, rows.length, residuals.ptr, rowWeights.ptr, hist.ptr);
  take('histogram', hist);
  const centres = put(Float64Array, uniforms(K * D, 1.5));
  const assign = out(Int32Array, N);
  const dist = out(Float64Array, N);
  scalar('nearestCenter total', k.nearestCenter(x.ptr, N, D, centres.ptr, K, assign.ptr, dist.ptr));
  take('nearestCenter assign', assign);
  take('nearestCenter dist', dist);
}

const { finite, special, infinite } = inputs();
kernels('finite', finite);
kernels('special', special);
kernels('infinite', infinite);

// ---- Trainers (JS around the kernels): fitted on a larger finite frame, predicting on it ----
const TRAIN_ROWS = 2000;
const names = Array.from({ length: D }, (_, i) => `f${i}`);
const trainView = Float32Array.from(uniforms(TRAIN_ROWS * D));
const trainFrame = frameOf(trainView, names);
// Labels that depend on the features (with noise), so that the fits are not degenerate.
const trainLabels = Array.from({ length: TRAIN_ROWS }, (_, i) => Math.min(K - 1, Math.max(0, Math.floor((trainView[i * D] + trainView[i * D + 1] + uniform(1.5) + 3) / 2))));
const binaryLabels = trainLabels.map((label) => (label === 2 ? 1 : 0));
const targets = Float64Array.from(trainLabels, (label, i) => label + trainView[i * D + 2]);
for (const [trainer, fit] of [
  ['logisticRegression', () => fitLogisticRegression(trainFrame, trainLabels)],
  ['logisticRegression binary', () => fitLogisticRegression(trainFrame, binaryLabels)],
  ['gaussianNB', () => fitGaussianNB(trainFrame, trainLabels)],
  ['gradientBoostingClassifier', () => fitGradientBoostingClassifier(trainFrame, trainLabels, { rounds: 10 })],
  ['gradientBoostingClassifier binary', () => fitGradientBoostingClassifier(trainFrame, binaryLabels, { rounds: 10 })],
]) {
  const model = fit();
  emit(`train ${trainer} predictProba`, model.predictProba(trainFrame));
  emit(`train ${trainer} onnx`, model.toOnnx());
}
const regressor = fitGradientBoostingRegressor(trainFrame, targets, { rounds: 10 });
emit('train gradientBoostingRegressor predict', Float64Array.from(regressor.predict(trainFrame)));
emit('train gradientBoostingRegressor onnx', regressor.toOnnx());

// ---- JS Math itself, which the trainers call: V8's ieee754 routines per architecture ----
const mathArguments = Float64Array.from(uniforms(20000, 20));
for (const fn of ['exp', 'log', 'sin', 'cos']) {
  emit(
    `js Math.${fn}`,
    mathArguments.map((v) => Math[fn](fn === 'log' ? Math.abs(v) : v)),
  );
}

// ---- onnxruntime-web models built in code ----
const matrix = (rows, cols, scale) => Array.from({ length: rows }, () => uniforms(cols, scale));
const models = {
  'linear regression': linearRegressionModel({ weights: matrix(2, D, 1), bias: uniforms(2, 1) }),
  'logistic regression': logisticRegressionModel({ weights: matrix(1, D, 1), bias: uniforms(1, 1) }),
  'softmax regression': logisticRegressionModel({ weights: matrix(K, D, 1), bias: uniforms(K, 1) }),
  'gaussian naive bayes': gaussianNaiveBayesModel({ means: matrix(K, D, 1), variances: matrix(K, D, 1).map((row) => row.map((v) => 0.5 + Math.abs(v))), priors: [0.2, 0.3, 0.5] }),
  'tree ensemble regressor': treeEnsembleRegressorModel({ trees: randomTrees(rng, { trees: 5, depth: 3, features: D, width: 1 }), features: D }),
  'tree ensemble classifier': treeEnsembleClassifierModel({
    trees: randomTrees(rng, { trees: 6, depth: 3, features: D, width: K }),
    features: D,
    classLabels: [0, 1, 2],
    postTransform: 'SOFTMAX',
  }),
  'keras dense (tanh, sigmoid, softmax)': kerasDenseModel([
    { kernel: matrix(D, 6, 1), bias: uniforms(6, 0.5), activation: 'tanh' },
    { kernel: matrix(6, 5, 1), bias: uniforms(5, 0.5), activation: 'sigmoid' },
    { kernel: matrix(5, K, 1), bias: uniforms(K, 0.5), activation: 'softmax' },
  ]),
};
// What a pipeline gets: the outputs as Runnel's handler hands them on (NaN inputs passed to the model).
const handler = new OnnxModelHandler({ numThreads: 1 });
for (const [model, bytes] of Object.entries(models)) {
  emit(`onnx ${model} model`, bytes);
  const loaded = await handler.load(bytes, { nan: 'pass' });
  for (const [label, frame] of Object.entries({ finite, special, infinite })) {
    const results = await loaded.run(frameOf(frame, names));
    for (const [output, value] of Object.entries(results)) emit(`onnx ${model} ${output} ${label}`, value.data);
  }
  await loaded.release();
}
