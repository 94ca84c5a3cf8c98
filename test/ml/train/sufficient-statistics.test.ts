/**
 * Fleet learning without moving rows: statistics of each device's rows, saved as JSON and fitted
 * together, give the model a fit on all devices' rows pooled gives (1e-9 relative), for OLS,
 * ridge and Gaussian naive Bayes — also when devices saw different classes. Mixed kinds,
 * different features and damaged documents are refused with the field named.
 */
import { describe, expect, it } from 'vitest';
import { GaussianNB, NormalEquations, fitGaussianNB, fitLinearRegression } from '../../../src/ml/train/index.js';
import { fitFromStatistics, linearStatistics, naiveBayesStatistics, parseStatistics, type SufficientStatistics } from '../../../src/ml/train/index.js';
import { SEED, blobs, frameFromRows, regressionData, rowsOf, seededRng, sliceFrame } from './data.js';

const rng = seededRng(SEED ^ 0x5f1ee7);

/** Cuts `rows` into `devices` consecutive runs of random length ≥ 1: [from, to) each. */
function split(rows: number, devices: number): [number, number][] {
  const cuts = new Set<number>();
  while (cuts.size < devices - 1) cuts.add(1 + Math.floor(rng() * (rows - 1)));
  const edges = [0, ...[...cuts].sort((a, b) => a - b), rows];
  return edges.slice(1).map((to, i) => [edges[i]!, to]);
}

/** What a device would push: its statistics, through JSON and back. */
function overTheWire(statistics: SufficientStatistics): SufficientStatistics {
  return parseStatistics(JSON.parse(JSON.stringify(statistics)), 'device.json');
}

function expectClose(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  expect(worst / scale, `${what}: worst difference ${worst} at scale ${scale}`).toBeLessThan(1e-9);
}

describe(`sufficient statistics (seed ${SEED})`, () => {
  it('linear regression (OLS and ridge): the fleet fit equals the pooled fit', () => {
    for (let trial = 0; trial < 6; trial++) {
      const d = 1 + Math.floor(rng() * 6);
      const n = 40 + Math.floor(rng() * 400);
      const { frame, y } = regressionData(rng, n, d, 0.3);
      const devices = split(n, 2 + Math.floor(rng() * 4));
      const pushed = devices.map(([from, to]) => overTheWire(linearStatistics(new NormalEquations(frame.names).update(sliceFrame(frame, from, to), y.subarray(from, to)))));
      for (const l2 of [0, rng() * 5]) {
        const fleet = fitFromStatistics(pushed, { l2 });
        const pooled = fitLinearRegression(frame, y, { l2 });
        expect(fleet.kind).toBe('linear-regression');
        const params = (fleet as typeof pooled).params;
        expectClose([...params.weights, params.intercept], [...pooled.params.weights, pooled.params.intercept], `d=${d} n=${n} devices=${devices.length} l2=${l2}`);
        expect(params.rows).toBe(n);
      }
    }
  });

  it('Gaussian naive Bayes: the fleet fit equals the pooled fit, classes unioned across devices', () => {
    for (let trial = 0; trial < 6; trial++) {
      const k = 2 + Math.floor(rng() * 3);
      const { frame, labels } = blobs(rng, 120 + Math.floor(rng() * 300), 1 + Math.floor(rng() * 5), k);
      // Rows sorted by label, so the first device sees only the lowest classes and the last only the highest.
      const order = labels.map((_, i) => i).sort((a, b) => labels[a]! - labels[b]!);
      const rows = rowsOf(frame);
      const sorted = frameFromRows(
        order.map((i) => rows[i]!),
        frame.names,
      );
      const sortedLabels = order.map((i) => labels[i]!);
      const devices = split(frame.rows, 2 + Math.floor(rng() * 3));
      const pushed = devices.map(([from, to]) =>
        overTheWire(naiveBayesStatistics(new GaussianNB(frame.names).partialFit(sliceFrame(sorted, from, to), sortedLabels.slice(from, to)))),
      );
      expect(
        pushed.some((s) => s.kind === 'gaussian-naive-bayes' && s.classes.length < k),
        'some device misses a class',
      ).toBe(true);
      const fleet = fitFromStatistics(pushed);
      const pooled = fitGaussianNB(frame, labels);
      expect(fleet.kind).toBe('gaussian-naive-bayes');
      const params = (fleet as typeof pooled).params;
      expect(params.classes).toEqual(pooled.params.classes);
      expect(params.counts).toEqual(pooled.params.counts);
      expectClose(params.priors, pooled.params.priors, 'priors');
      expectClose(params.means.flat(), pooled.params.means.flat(), 'means');
      expectClose(params.variances.flat(), pooled.params.variances.flat(), 'variances');
      expectClose([params.epsilon], [pooled.params.epsilon], 'epsilon');
    }
  });

  it('refuses mixed kinds, different features and damaged documents, naming what is wrong', () => {
    const { frame, y } = regressionData(rng, 30, 2);
    const linear = linearStatistics(new NormalEquations(frame.names).update(frame, y));
    const { frame: f2, labels } = blobs(rng, 30, 2, 2);
    const bayes = naiveBayesStatistics(new GaussianNB(f2.names).partialFit(f2, labels));
    expect(() => fitFromStatistics([linear, bayes])).toThrow(/cannot mix model kinds/);
    expect(() => fitFromStatistics([linear, { ...linear, featureNames: ['a', 'b'] }])).toThrow(/different features/);
    expect(() => fitFromStatistics([])).toThrow(/no statistics/);
    expect(() => parseStatistics({ ...linear, gram: linear.gram.slice(1) }, 'dev-7.json')).toThrow('dev-7.json: "gram" must be 9 finite numbers');
    expect(() => parseStatistics({ ...linear, yy: null }, 'x')).toThrow('"yy" must be a finite number');
    expect(() => parseStatistics({ ...bayes, m2: [[1, 2]] }, 'x')).toThrow('"m2" must be 2 rows of 2 finite numbers');
    expect(() => parseStatistics({ ...bayes, kind: 'svm' }, 'x')).toThrow('"kind" must be');
  });
});
