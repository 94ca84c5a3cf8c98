/**
 * Grid search with a time budget: every combination of a small parameter grid is
 * cross-validated in turn until the budget is spent; the best one is refitted on all rows.
 * The clock is injectable so budgets are tested without waiting.
 */
import type { FrameLike, TrainedModel, Trainer } from '../train/types.js';
import { crossValidate } from './cross-validate.js';
import { SCORES, type ScoreName } from './scoring.js';

/** Candidate values per option, e.g. `{ l2: [0, 0.1, 1] }`. */
export type ParamGrid<O> = { [K in keyof O]?: readonly O[K][] };

/** Options of `gridSearch`. */
export interface GridSearchOptions<O extends object> {
  grid: ParamGrid<O>;
  /** Options shared by every candidate. */
  base?: O;
  /** Folds per candidate; default 3. */
  folds?: number;
  seed?: number;
  stratify?: boolean;
  /** Default `accuracy` if stratified, else `r2`. */
  score?: ScoreName;
  /** Stop starting new candidates once this many ms have passed; default unlimited. */
  budgetMs?: number;
  /** Refit the best candidate on all rows; default true. */
  refit?: boolean;
  /** Clock in ms; default `performance.now`. */
  now?: () => number;
}

/** One evaluated candidate. */
export interface GridResult<O> {
  options: O;
  mean: number;
  std: number;
  ms: number;
}

/** The outcome of a grid search. */
export interface GridSearch<O, M extends TrainedModel> {
  score: ScoreName;
  results: GridResult<O>[];
  best: GridResult<O>;
  /** Candidates not evaluated because the budget ran out. */
  skipped: O[];
  /** The best candidate refitted on every row (unless `refit: false`). */
  model: M | undefined;
}

/** Every combination of the grid's values, in order (the last option varies fastest). */
export function gridCandidates<O extends object>(grid: ParamGrid<O>, base?: O): O[] {
  let out: Record<string, unknown>[] = [{ ...base }];
  for (const [key, values] of Object.entries<readonly unknown[] | undefined>(grid)) {
    if (!values || values.length === 0) throw new RangeError(`gridSearch: option "${key}" has no candidate values`);
    out = out.flatMap((o) => values.map((v) => ({ ...o, [key]: v })));
  }
  return out as O[];
}

/** Cross-validates each candidate within the budget and returns the best. */
export function gridSearch<O extends object, M extends TrainedModel>(
  trainer: Trainer<O, M>,
  frame: FrameLike,
  labels: ArrayLike<number>,
  options: GridSearchOptions<O>,
): GridSearch<O, M> {
  const name = options.score ?? (options.stratify ? 'accuracy' : 'r2');
  const now = options.now ?? (() => performance.now());
  const budget = options.budgetMs ?? Infinity;
  if (!(budget > 0)) throw new RangeError(`gridSearch: budgetMs must be > 0, got ${options.budgetMs}`);
  const candidates = gridCandidates(options.grid, options.base);
  const start = now();
  const results: GridResult<O>[] = [];
  const skipped: O[] = [];
  for (const candidate of candidates) {
    if (results.length > 0 && now() - start >= budget) {
      skipped.push(candidate);
      continue;
    }
    const t0 = now();
    const cv = crossValidate(trainer, frame, labels, {
      folds: options.folds ?? 3,
      seed: options.seed ?? 0,
      stratify: options.stratify ?? false,
      score: name,
      options: candidate,
      now,
    });
    results.push({ options: candidate, mean: cv.mean, std: cv.std, ms: now() - t0 });
  }
  const sign = SCORES[name].greaterIsBetter ? 1 : -1;
  const best = results.reduce((a, b) => (sign * b.mean > sign * a.mean ? b : a));
  const model = options.refit === false ? undefined : trainer.fit(frame, labels, best.options);
  return { score: name, results, best, skipped, model };
}
