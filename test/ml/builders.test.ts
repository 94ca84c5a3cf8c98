/**
 * Every graph builder, run by onnxruntime-web, equals a plain-TS computation of the same model on
 * fresh random inputs, and equals onnxruntime-node on the same bytes.
 * Tolerances: against the float64 reference, |Δ| ≤ 1e-5 + 1e-4·|expected| (float32 arithmetic over
 * ≤ 64 terms); web vs node, the same bound: both run the same float32 graph, but with different
 * kernels (onnxruntime-node's MLAS uses vectorised exp/logistic approximations; tree sums are
 * accumulated in a different order), and differences up to 4e-5 relative were seen in softmax outputs.
 */
import { describe, expect, it } from 'vitest';
import {
  GraphBuilder,
  floats,
  ints,
  str,
  treeAttributes,
  type Tree,
  gaussianNaiveBayesModel,
  linearRegressionModel,
  logisticRegressionModel,
  treeEnsembleClassifierModel,
  treeEnsembleRegressorModel,
  type FeatureScaler,
} from '../../src/ml/onnx/index.js';
import { randomFrame, randomMatrix, randomTrees, seededRng, type Rng } from '../../src/ml/testing/random-models.js';
import * as ref from './reference.js';
import { expectClose, expectRuntimesAgree, labels, runBoth, worstRatio, type Tolerance } from './runtimes.js';
import { SEED } from '../seed.js';

const REF: Tolerance = { abs: 1e-5, rel: 1e-4 };
const CROSS: Tolerance = { abs: 1e-5, rel: 1e-4 };

function rngFor(name: string): Rng {
  let h = SEED;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return seededRng(h);
}

function scalers(rng: Rng, f: number): (FeatureScaler | undefined)[] {
  return [
    undefined,
    { kind: 'zscore', mean: randomMatrix(rng, 1, f)[0]!, std: Array.from({ length: f }, () => 0.5 + rng() * 2) },
    { kind: 'minmax', min: Array.from({ length: f }, () => -2 - rng()), max: Array.from({ length: f }, () => 2 + rng()) },
  ];
}

describe(`graph builders (seed ${SEED})`, () => {
  it('linear regression: MatMul + Add, one and three targets, with each scaler', async () => {
    const rng = rngFor('linear');
    const f = 16,
      n = 64;
    for (const targets of [1, 3]) {
      for (const scaler of scalers(rng, f)) {
        const weights = randomMatrix(rng, targets, f);
        const bias = randomMatrix(rng, 1, targets)[0]!;
        const bytes = linearRegressionModel(targets === 1 ? { weights: weights[0]!, bias: bias[0]! } : { weights, bias }, scaler ? { scaler } : {});
        const x = randomFrame(rng, n, f);
        const { web, node } = await runBoth(bytes, { features: { data: x, dims: [n, f] } });
        const expected = ref.linear(ref.scaleRows(ref.toRows(x, f), scaler), weights, bias);
        expect(web['prediction']!.dims).toEqual([n, targets]);
        expectClose(web['prediction']!.data as Float32Array, expected, REF, `linear t=${targets} ${scaler?.kind ?? 'raw'}`);
        expectRuntimesAgree(web, node, CROSS);
        // The comparison can fail: a reference with one weight nudged by 1e-3 does not match.
        const nudged = weights.map((r) => [...r]);
        nudged[0]![0]! += 1e-3;
        expect(worstRatio(web['prediction']!.data as Float32Array, ref.linear(ref.scaleRows(ref.toRows(x, f), scaler), nudged, bias).flat(), REF)).toBeGreaterThan(1);
      }
    }
  });

  it('logistic regression: binary sigmoid and multinomial softmax, labels by argmax and class labels', async () => {
    const rng = rngFor('logistic');
    const f = 8,
      n = 100;
    for (const classes of [1, 4]) {
      for (const scaler of scalers(rng, f)) {
        const weights = randomMatrix(rng, classes, f);
        const bias = randomMatrix(rng, 1, classes)[0]!;
        const classLabels = classes === 1 ? [-1, 1] : [10, 20, 30, 40];
        const bytes = logisticRegressionModel({ weights, bias, classLabels }, { scaler, featureNames: Array.from({ length: f }, (_, i) => `f${i}`) });
        const x = randomFrame(rng, n, f, 2);
        const { web, node } = await runBoth(bytes, { features: { data: x, dims: [n, f] } });
        const probs = ref.logistic(ref.scaleRows(ref.toRows(x, f), scaler), weights, bias);
        expectClose(web['probabilities']!.data as Float32Array, probs, REF, `probabilities c=${classes}`);
        const webProbs = ref.toRows(web['probabilities']!.data as Float32Array, Math.max(2, classes));
        expect(labels(web['label'])).toEqual(webProbs.map((p) => classLabels[ref.argmax(p)]!));
        expect(labels(web['label'])).toEqual(probs.map((p) => classLabels[ref.argmax(p)]!));
        expectRuntimesAgree(web, node, CROSS);
      }
    }
  });

  it('Gaussian naive Bayes: log-likelihood, posterior and label', async () => {
    const rng = rngFor('nb');
    const f = 6,
      c = 3,
      n = 100;
    for (const scaler of scalers(rng, f)) {
      const means = randomMatrix(rng, c, f);
      const variances = means.map((r) => r.map(() => 0.2 + rng() * 2));
      const priors = [0.2, 0.5, 0.3];
      const bytes = gaussianNaiveBayesModel({ means, variances, priors }, { scaler });
      const x = randomFrame(rng, n, f);
      const { web, node } = await runBoth(bytes, { features: { data: x, dims: [n, f] } });
      const jll = ref.naiveBayesJll(ref.scaleRows(ref.toRows(x, f), scaler), means, variances, priors);
      expectClose(web['log_likelihood']!.data as Float32Array, jll, REF, 'jll');
      expectClose(web['probabilities']!.data as Float32Array, jll.map(ref.softmax), REF, 'posterior');
      expect(labels(web['label'])).toEqual(jll.map(ref.argmax));
      expectRuntimesAgree(web, node, CROSS);
      const wrongPriors = [0.3, 0.4, 0.3];
      expect(
        worstRatio(web['log_likelihood']!.data as Float32Array, ref.naiveBayesJll(ref.scaleRows(ref.toRows(x, f), scaler), means, variances, wrongPriors).flat(), REF),
      ).toBeGreaterThan(1);
    }
  });

  it('tree ensemble regressor: SUM and AVERAGE, two targets, base values, NaN routing', async () => {
    const rng = rngFor('tree-reg');
    const f = 10,
      n = 200;
    for (const aggregate of ['SUM', 'AVERAGE'] as const) {
      const trees = randomTrees(rng, { trees: 20, depth: 5, features: f, width: 2, modes: ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GT', 'BRANCH_GTE'] });
      const baseValues = [0.5, -1];
      const bytes = treeEnsembleRegressorModel({ trees, features: f, targets: 2, aggregate, baseValues });
      const x = randomFrame(rng, n, f);
      for (let i = 0; i < x.length; i += 7) x[i] = NaN;
      const { web, node } = await runBoth(bytes, { features: { data: x, dims: [n, f] } });
      const sums = ref.treeScores(ref.toRows(x, f), trees, 2);
      const expected = sums.map((r) => r.map((v, k) => (aggregate === 'SUM' ? v : v / trees.length) + baseValues[k]!));
      expectClose(web['prediction']!.data as Float32Array, expected, REF, `trees ${aggregate}`);
      expectRuntimesAgree(web, node, CROSS);
    }
  });

  it('tree ensemble regressor: a threshold exactly equal to the input goes to the true branch for LEQ, false for LT', async () => {
    for (const [mode, expected] of [
      ['BRANCH_LEQ', 1],
      ['BRANCH_LT', 2],
    ] as const) {
      const bytes = treeEnsembleRegressorModel({
        features: 1,
        trees: [
          {
            nodes: [
              { mode, feature: 0, threshold: 0.5, trueChild: 1, falseChild: 2 },
              { mode: 'LEAF', weights: [1] },
              { mode: 'LEAF', weights: [2] },
            ],
          },
        ],
      });
      const { web, node } = await runBoth(bytes, { features: { data: new Float32Array([0.5]), dims: [1, 1] } });
      expect(Array.from(web['prediction']!.data as Float32Array)).toEqual([expected]);
      expect(Array.from(node['prediction']!.data as Float32Array)).toEqual([expected]);
    }
  });

  it('tree ensemble classifier: NONE, SOFTMAX and LOGISTIC post transforms', async () => {
    const rng = rngFor('tree-cls');
    const f = 12,
      n = 200;
    for (const [c, postTransform] of [
      [3, 'NONE'],
      [3, 'SOFTMAX'],
      [3, 'LOGISTIC'],
      [5, 'SOFTMAX'],
    ] as const) {
      const trees = randomTrees(rng, { trees: 30, depth: 4, features: f, width: c });
      const baseValues = [0.1, 0.2, -0.3, 0, 0.4].slice(0, c);
      const classLabels = [5, 7, 9, 11, 13].slice(0, c);
      const bytes = treeEnsembleClassifierModel({ trees, features: f, classLabels, postTransform, baseValues });
      const x = randomFrame(rng, n, f);
      const { web, node } = await runBoth(bytes, { features: { data: x, dims: [n, f] } });
      const scores = ref.treeScores(ref.toRows(x, f), trees, c, baseValues);
      expectClose(web['probabilities']!.data as Float32Array, ref.postTransform(scores, postTransform), REF, `classifier ${postTransform}`);
      expect(labels(web['label'])).toEqual(scores.map((s) => classLabels[ref.argmax(s)]!));
      expectRuntimesAgree(web, node, CROSS);
    }
  });

  it('pins onnxruntime reading a 2-class TreeEnsembleClassifier as binary (why the builder refuses 2 classes)', async () => {
    const stump: Tree = {
      nodes: [
        { mode: 'BRANCH_LEQ', feature: 0, threshold: 0, trueChild: 1, falseChild: 2 },
        { mode: 'LEAF', weights: [1, 3] },
        { mode: 'LEAF', weights: [-2, 5] },
      ],
    };
    expect(() => treeEnsembleClassifierModel({ trees: [stump], features: 1, classLabels: [0, 1] })).toThrow(/2 classes are not supported/);
    const g = new GraphBuilder('two_class');
    const x = g.input('features', 'float', ['N', 1]);
    const [label, scores] = g.node('TreeEnsembleClassifier', [x], {
      domain: 'ai.onnx.ml',
      outputs: ['label', 'probabilities'],
      attributes: { ...treeAttributes([stump], 1, 2, 'class'), classlabels_int64s: ints([0, 1]), post_transform: str('NONE'), base_values: floats([0.5, 0.25]) },
    });
    g.output(label!, 'int64', ['N']);
    g.output(scores!, 'float', ['N', 2]);
    const { web, node } = await runBoth(g.encode(), { features: { data: new Float32Array([-1, 1]), dims: [2, 1] } });
    // Per-class sums would be [1.5, 3.25] and [-1.5, 5.25]; onnxruntime gives [-(0.25 + w0), 0.25 + w0].
    expect(Array.from(web['probabilities']!.data as Float32Array)).toEqual([-1.25, 1.25, 1.75, -1.75]);
    expectRuntimesAgree(web, node, CROSS);
  });

  it('rejects malformed parameters at build time with a message naming the problem', () => {
    expect(() => linearRegressionModel({ weights: [1, 2], bias: [1, 2] })).toThrow(/2 biases for 1 targets/);
    expect(() => gaussianNaiveBayesModel({ means: [[0], [1]], variances: [[1], [0]], priors: [0.5, 0.5] })).toThrow(/variance 1 is 0/);
    expect(() => linearRegressionModel({ weights: [1], bias: 0 }, { scaler: { kind: 'zscore', mean: [0], std: [0] } })).toThrow(/std of feature 0 is 0/);
    expect(() =>
      treeEnsembleRegressorModel({
        features: 2,
        trees: [
          {
            nodes: [
              { mode: 'BRANCH_LEQ', feature: 5, threshold: 0, trueChild: 1, falseChild: 2 },
              { mode: 'LEAF', weights: [1] },
              { mode: 'LEAF', weights: [2] },
            ],
          },
        ],
      }),
    ).toThrow(/feature 5 is outside 0..1/);
    expect(() =>
      treeEnsembleRegressorModel({
        features: 1,
        trees: [
          {
            nodes: [
              { mode: 'BRANCH_LEQ', feature: 0, threshold: 0, trueChild: 1, falseChild: 9 },
              { mode: 'LEAF', weights: [1] },
            ],
          },
        ],
      }),
    ).toThrow(/child 9 is not a node/);
    expect(() => logisticRegressionModel({ weights: [[1, 2]], bias: [0] }, { featureNames: ['a'] })).toThrow(/1 featureNames for 2 features/);
  });
});
