/**
 * Models in the shapes the frameworks' exporters produce (tf2onnx, torch.onnx.export, skl2onnx,
 * onnxmltools), built with the writer: onnxruntime-web equals a plain-TS computation and
 * onnxruntime-node. Tolerance vs the float64 reference: |Δ| ≤ 1e-5 + 1e-4·|expected|;
 * web vs node, the same bound (different exp kernels and summation orders); the GRU's state, carried over 20 steps: 1e-4 + 1e-4·|expected|.
 */
import { describe, expect, it } from 'vitest';
import {
  kerasDenseModel,
  sklearnLinearRegressionModel,
  sklearnLogisticRegressionModel,
  torchGruModel,
  xgboostClassifierModel,
  type KerasDenseLayer,
} from '../../src/ml/onnx/index.js';
import { randomFrame, randomMatrix, randomTrees, seededRng } from '../../src/ml/testing/random-models.js';
import * as ref from './reference.js';
import { expectClose, expectRuntimesAgree, labels, runBoth, worstRatio, type Tolerance } from './runtimes.js';
import { SEED } from '../seed.js';

const REF: Tolerance = { abs: 1e-5, rel: 1e-4 };
const CROSS: Tolerance = { abs: 1e-5, rel: 1e-4 };
const rng = seededRng(SEED ^ 0x5eed);

describe(`framework-shaped models (seed ${SEED})`, () => {
  it('Keras Sequential of Dense layers as tf2onnx exports it (MatMul/Add/Relu/Softmax)', async () => {
    const f = 16,
      n = 64;
    const layers: KerasDenseLayer[] = [
      { kernel: randomMatrix(rng, f, 32, 0.3), bias: randomMatrix(rng, 1, 32, 0.1)[0]!, activation: 'relu' },
      { kernel: randomMatrix(rng, 32, 16, 0.3), bias: randomMatrix(rng, 1, 16, 0.1)[0]!, activation: 'tanh' },
      { kernel: randomMatrix(rng, 16, 5, 0.3), bias: randomMatrix(rng, 1, 5, 0.1)[0]!, activation: 'softmax' },
    ];
    const x = randomFrame(rng, n, f);
    const { web, node } = await runBoth(kerasDenseModel(layers), { dense_input: { data: x, dims: [n, f] } });
    expect(Object.keys(web)).toEqual(['dense_2']);
    expectClose(web['dense_2']!.data as Float32Array, ref.dense(ref.toRows(x, f), layers), REF, 'keras softmax');
    expectRuntimesAgree(web, node, CROSS);
    const noRelu = layers.map((l, i) => (i === 0 ? { ...l, activation: 'linear' as const } : l));
    expect(worstRatio(web['dense_2']!.data as Float32Array, ref.dense(ref.toRows(x, f), noRelu).flat(), REF)).toBeGreaterThan(1);
  });

  it('PyTorch GRU + Linear as torch.onnx.export emits it, state fed back for 20 steps', async () => {
    const F = 5,
      H = 8,
      O = 2,
      batch = 3;
    const p = {
      weightIh: randomMatrix(rng, 3 * H, F, 0.4),
      weightHh: randomMatrix(rng, 3 * H, H, 0.4),
      biasIh: randomMatrix(rng, 1, 3 * H, 0.2)[0]!,
      biasHh: randomMatrix(rng, 1, 3 * H, 0.2)[0]!,
      fcWeight: randomMatrix(rng, O, H),
      fcBias: [0.3, -0.2],
    };
    const bytes = torchGruModel(p);
    let hWeb: Float32Array = new Float32Array(batch * H),
      hNode: Float32Array = new Float32Array(batch * H);
    let hRef: number[][] = Array.from({ length: batch }, () => new Array<number>(H).fill(0));
    const STATE: Tolerance = { abs: 1e-4, rel: 1e-4 };
    for (let step = 0; step < 20; step++) {
      const x = randomFrame(rng, batch, F);
      const web = (await runBoth(bytes, { input: { data: x, dims: [batch, F] }, h0: { data: hWeb, dims: [1, batch, H] } })).web;
      const node = (await runBoth(bytes, { input: { data: x, dims: [batch, F] }, h0: { data: hNode, dims: [1, batch, H] } })).node;
      const [y, hn] = ref.gruStep(p, ref.toRows(x, F), hRef);
      expect(web['hn']!.dims).toEqual([1, batch, H]);
      expect(web['output']!.dims).toEqual([batch, O]);
      expectClose(web['output']!.data as Float32Array, y, STATE, `gru output step ${step}`);
      expectClose(web['hn']!.data as Float32Array, hn, STATE, `gru state step ${step}`);
      expectClose(web['hn']!.data as Float32Array, node['hn']!.data as Float32Array, { abs: 1e-5, rel: 1e-5 }, `gru web vs node step ${step}`);
      hWeb = web['hn']!.data as Float32Array;
      hNode = node['hn']!.data as Float32Array;
      hRef = hn;
    }
    // Swapping PyTorch's r and z blocks (a plausible exporter bug) is detected.
    const swapped = { ...p, weightIh: [...p.weightIh.slice(H, 2 * H), ...p.weightIh.slice(0, H), ...p.weightIh.slice(2 * H)] };
    const x = randomFrame(rng, batch, F);
    const web = (await runBoth(bytes, { input: { data: x, dims: [batch, F] }, h0: { data: hWeb, dims: [1, batch, H] } })).web;
    expect(worstRatio(web['hn']!.data as Float32Array, ref.gruStep(swapped, ref.toRows(x, F), hRef)[1].flat(), STATE)).toBeGreaterThan(1);
  });

  it('scikit-learn StandardScaler + LinearRegression as skl2onnx exports it (Scaler + LinearRegressor)', async () => {
    const f = 7,
      n = 50;
    const mean = randomMatrix(rng, 1, f)[0]!,
      scale = Array.from({ length: f }, () => 0.5 + rng());
    const coef = randomMatrix(rng, 1, f)[0]!;
    const bytes = sklearnLinearRegressionModel({ scaler: { mean, scale }, coef, intercept: 1.5 });
    const x = randomFrame(rng, n, f, 2);
    const { web, node } = await runBoth(bytes, { float_input: { data: x, dims: [n, f] } });
    const scaled = ref.scaleRows(ref.toRows(x, f), { kind: 'zscore', mean, std: scale });
    expectClose(web['variable']!.data as Float32Array, ref.linear(scaled, [coef], [1.5]), REF, 'skl linear');
    expectRuntimesAgree(web, node, CROSS);
  });

  it('scikit-learn LogisticRegression as skl2onnx exports it: LinearClassifier (+ Normalizer for ovr), Cast, ZipMap', async () => {
    const f = 4,
      n = 60,
      classes = [0, 1, 2];
    const mean = randomMatrix(rng, 1, f)[0]!,
      scale = Array.from({ length: f }, () => 0.5 + rng());
    const coef = randomMatrix(rng, 3, f),
      intercept = randomMatrix(rng, 1, 3)[0]!;
    const x = randomFrame(rng, n, f, 2);
    const scaled = ref.scaleRows(ref.toRows(x, f), { kind: 'zscore', mean, std: scale });
    const scores = ref.linear(scaled, coef, intercept);
    for (const multiClass of ['multinomial', 'ovr'] as const) {
      const expected =
        multiClass === 'multinomial'
          ? scores.map(ref.softmax)
          : scores
              .map((r) => r.map((z) => 1 / (1 + Math.exp(-z))))
              .map((r) => {
                const s = r.reduce((a, b) => a + b, 0);
                return r.map((v) => v / s);
              });
      const tensorOut = sklearnLogisticRegressionModel({ scaler: { mean, scale }, coef, intercept, classes, multiClass, zipMap: false });
      const { web, node } = await runBoth(tensorOut, { float_input: { data: x, dims: [n, f] } });
      const probs = web['output_probability']!.data as Float32Array;
      // onnxruntime's LOGISTIC computes σ(z) for z < 0 as 1 - σ(|z|) in float32, which loses
      // precision (absolute error ~6e-8, zero below z ≈ -17); the L1 Normalizer then amplifies it
      // when every class score is very negative. Compare rows where some class has z ≥ -3.
      const rows = multiClass === 'multinomial' ? scores.map((_, i) => i) : scores.flatMap((r, i) => (Math.max(...r) >= -3 ? [i] : []));
      expect(rows.length).toBeGreaterThan(n / 2);
      expectClose(
        rows.flatMap((i) => Array.from(probs.subarray(i * 3, i * 3 + 3))),
        rows.map((i) => expected[i]!),
        REF,
        `skl ${multiClass} probabilities`,
      );
      expect(labels(web['output_label'])).toEqual(scores.map(ref.argmax));
      expect(labels(node['output_label'])).toEqual(labels(web['output_label']));
      const nodeProbs = node['output_probability']!.data as Float32Array;
      expectClose(
        rows.flatMap((i) => Array.from(probs.subarray(i * 3, i * 3 + 3))),
        rows.flatMap((i) => Array.from(nodeProbs.subarray(i * 3, i * 3 + 3))),
        CROSS,
        `skl ${multiClass} web vs node`,
      );
    }
    // The precision loss described above, pinned: scores of about -20, -25, -30 give all-zero probabilities.
    const deep = sklearnLogisticRegressionModel({ coef: [[0], [0], [0]], intercept: [-20, -25, -30], classes, multiClass: 'ovr', zipMap: false });
    const quirk = await runBoth(deep, { float_input: { data: new Float32Array([1]), dims: [1, 1] } });
    expect(Array.from(quirk.web['output_probability']!.data as Float32Array)).toEqual([0, 0, 0]);
    expect(Array.from(quirk.node['output_probability']!.data as Float32Array)).toEqual([0, 0, 0]);
    // With ZipMap (skl2onnx's default) neither runtime can return the sequence of maps from JS;
    // fetching only the label works.
    const zipped = sklearnLogisticRegressionModel({ scaler: { mean, scale }, coef, intercept, classes });
    await expect(runBoth(zipped, { float_input: { data: x, dims: [n, f] } })).rejects.toThrow(/non-tensor/i);
    const { web, node } = await runBoth(zipped, { float_input: { data: x, dims: [n, f] } }, ['output_label']);
    expect(labels(web['output_label'])).toEqual(scores.map(ref.argmax));
    expect(labels(node['output_label'])).toEqual(labels(web['output_label']));
  });

  it('XGBoost classifier as onnxmltools exports it: multi:softprob (class t % C, SOFTMAX) and binary:logistic', async () => {
    const f = 9,
      n = 200;
    for (const classes of [4, 2]) {
      const trees = randomTrees(rng, { trees: 24, depth: 4, features: f, width: 1, modes: ['BRANCH_LT'] });
      const baseMargin = 0.3;
      const bytes = xgboostClassifierModel({ trees, features: f, classes, baseMargin });
      const x = randomFrame(rng, n, f);
      for (let i = 3; i < x.length; i += 11) x[i] = NaN; // XGBoost models see missing values
      const { web, node } = await runBoth(bytes, { input: { data: x, dims: [n, f] } });
      let expected: number[][];
      if (classes === 2) {
        const margin = ref.treeScores(ref.toRows(x, f), trees, 1, [baseMargin], () => 0);
        expected = margin.map(([m]) => {
          const p = 1 / (1 + Math.exp(-m!));
          return [1 - p, p];
        });
      } else {
        expected = ref.treeScores(ref.toRows(x, f), trees, classes, Array(classes).fill(baseMargin), (t) => t % classes).map(ref.softmax);
      }
      expectClose(web['probabilities']!.data as Float32Array, expected, REF, `xgboost ${classes} classes`);
      expect(labels(web['label'])).toEqual(expected.map(ref.argmax));
      expectRuntimesAgree(web, node, CROSS);
    }
  });
});
