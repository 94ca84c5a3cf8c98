/**
 * Sufficient statistics: for models whose fit is a function of sums over rows, the sums stand in
 * for the rows. Linear and ridge regression need XᵀX, Xᵀy and n (`NormalEquations`); Gaussian
 * naive Bayes needs per-class counts, means and sums of squared deviations (`GaussianNB`). Several
 * devices' statistics merge into those of their pooled data, so a fleet can fit one model without
 * moving a row. Plain JSON-able objects: JSON keeps every double exactly.
 */
import { NormalEquations, type LinearRegressionModel, type LinearRegressionOptions } from './linear-regression.js';
import { GaussianNB, type GaussianNBModel, type GaussianNBOptions } from './naive-bayes.js';

/** Normal-equation statistics of linear regression (intercept column last). */
export interface LinearStatistics {
  readonly kind: 'linear-regression';
  readonly featureNames: readonly string[];
  readonly rows: number;
  /** Σ x̃x̃ᵀ, (d+1)² row-major. */
  readonly gram: readonly number[];
  /** Σ y·x̃, d+1. */
  readonly xty: readonly number[];
  /** Σ y². */
  readonly yy: number;
}

/** Per-class moments of Gaussian naive Bayes. */
export interface NaiveBayesStatistics {
  readonly kind: 'gaussian-naive-bayes';
  readonly featureNames: readonly string[];
  readonly rows: number;
  readonly classes: readonly number[];
  readonly counts: readonly number[];
  readonly means: readonly (readonly number[])[];
  readonly m2: readonly (readonly number[])[];
}

/** Statistics a model can be fitted from. */
export type SufficientStatistics = LinearStatistics | NaiveBayesStatistics;

/** Options of `fitFromStatistics`: the options of the model kind's trainer. */
export type StatisticsFitOptions = LinearRegressionOptions & Pick<GaussianNBOptions, 'varSmoothing' | 'priors'>;

/** The statistics of a linear-regression accumulator. */
export function linearStatistics(equations: NormalEquations): LinearStatistics {
  const { featureNames, rows, gram, xty, yy } = equations;
  return { kind: 'linear-regression', featureNames: [...featureNames], rows, gram: Array.from(gram), xty: Array.from(xty), yy };
}

/** The statistics of a naive Bayes accumulator. */
export function naiveBayesStatistics(accumulator: GaussianNB): NaiveBayesStatistics {
  const moments = accumulator.moments();
  return { kind: 'gaussian-naive-bayes', featureNames: [...accumulator.featureNames], rows: moments.counts.reduce((a, b) => a + b, 0), ...moments };
}

function sameFeatures(list: readonly SufficientStatistics[], what: string): void {
  const first = list[0]!.featureNames.join(', ');
  const other = list.find((s) => s.featureNames.join(', ') !== first);
  if (other) throw new RangeError(`${what}: the statistics have different features ([${first}] and [${other.featureNames.join(', ')}]); they come from different models`);
}

function linearAccumulator(list: readonly LinearStatistics[]): NormalEquations {
  const total = new NormalEquations(list[0]!.featureNames);
  for (const s of list) {
    const D = s.featureNames.length + 1;
    if (s.gram.length !== D * D || s.xty.length !== D) throw new RangeError(`linear statistics: expected a ${D}×${D} gram and ${D} xty values for ${D - 1} features`);
    s.gram.forEach((v, i) => (total.gram[i]! += v));
    s.xty.forEach((v, i) => (total.xty[i]! += v));
    total.yy += s.yy;
    total.rows += s.rows;
  }
  return total;
}

function naiveBayesAccumulator(list: readonly NaiveBayesStatistics[], options: GaussianNBOptions = {}): GaussianNB {
  const classes = [...new Set(list.flatMap((s) => s.classes))].sort((a, b) => a - b);
  const total = new GaussianNB(list[0]!.featureNames, { ...options, classes });
  for (const s of list) total.mergeMoments(s);
  return total;
}

function checkedKind<K extends SufficientStatistics['kind']>(list: readonly SufficientStatistics[], what: string): K {
  if (list.length === 0) throw new RangeError(`${what}: no statistics given`);
  const kinds = [...new Set(list.map((s) => s.kind))];
  if (kinds.length > 1) throw new RangeError(`${what}: cannot mix model kinds (${kinds.join(' and ')})`);
  sameFeatures(list, what);
  return kinds[0] as K;
}

/** The model a fit on the pooled rows behind `list` gives (merging first when there are several). */
export function fitFromStatistics(list: readonly SufficientStatistics[], options: StatisticsFitOptions = {}): LinearRegressionModel | GaussianNBModel {
  const kind = checkedKind(list, 'fitFromStatistics');
  if (kind === 'linear-regression') return linearAccumulator(list as LinearStatistics[]).solve(options);
  const { varSmoothing, priors } = options;
  return naiveBayesAccumulator(list as NaiveBayesStatistics[], { varSmoothing, priors }).model();
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumbers = (v: unknown, length?: number): v is number[] => Array.isArray(v) && v.every(isNumber) && (length === undefined || v.length === length);

/** Checks parsed JSON as statistics; throws a `TypeError` naming `where` and the first bad field. */
export function parseStatistics(data: unknown, where: string): SufficientStatistics {
  const s = data as Record<string, unknown> | null;
  const bad = (field: string, expected: string): never => {
    throw new TypeError(`${where}: "${field}" must be ${expected}`);
  };
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return bad('statistics', 'a JSON object');
  const names = s.featureNames;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) bad('featureNames', 'a non-empty list of strings');
  if (!(Number.isSafeInteger(s.rows) && (s.rows as number) >= 0)) bad('rows', 'a whole number ≥ 0');
  const d = (names as string[]).length;
  if (s.kind === 'linear-regression') {
    if (!isNumbers(s.gram, (d + 1) ** 2)) bad('gram', `${(d + 1) ** 2} finite numbers`);
    if (!isNumbers(s.xty, d + 1)) bad('xty', `${d + 1} finite numbers`);
    if (!isNumber(s.yy)) bad('yy', 'a finite number');
    return s as unknown as LinearStatistics;
  }
  if (s.kind === 'gaussian-naive-bayes') {
    if (!isNumbers(s.classes) || s.classes.length === 0) bad('classes', 'a non-empty list of numbers');
    const k = (s.classes as number[]).length;
    if (!isNumbers(s.counts, k) || s.counts.some((c) => c < 0)) bad('counts', `${k} counts ≥ 0`);
    for (const field of ['means', 'm2'] as const) {
      const rows = s[field];
      if (!Array.isArray(rows) || rows.length !== k || !rows.every((row) => isNumbers(row, d))) bad(field, `${k} rows of ${d} finite numbers`);
    }
    return s as unknown as NaiveBayesStatistics;
  }
  return bad('kind', '"linear-regression" or "gaussian-naive-bayes"');
}
