/** k-fold cross-validation of any trainer. */
import type { FrameLike, Trainer } from '../train/types.js';
import { score, type ScoreName } from './scoring.js';
import { kFold, takeLabels, takeRows } from './split.js';

/** Options of `crossValidate`. */
export interface CrossValidateOptions<O extends object> {
  /** Number of folds; default 5. */
  folds?: number;
  /** Seed of the fold assignment; default 0. */
  seed?: number;
  /** Stratify folds by the labels (classification); default false. */
  stratify?: boolean;
  /** Score to compute on each held-out fold; default `accuracy` if stratified, else `r2`. */
  score?: ScoreName;
  /** Trainer options. */
  options?: O;
  /** Clock in ms for the fit times; default `performance.now`. */
  now?: () => number;
}

/** Per-fold scores and their summary. */
export interface CrossValidation {
  score: ScoreName;
  scores: number[];
  mean: number;
  /** Population standard deviation over folds. */
  std: number;
  /** Mean fit time per fold, ms. */
  fitMs: number;
}

/** Fits `trainer` on k-1 folds and scores it on the held-out fold, k times. */
export function crossValidate<O extends object>(trainer: Trainer<O>, frame: FrameLike, labels: ArrayLike<number>, options: CrossValidateOptions<O> = {}): CrossValidation {
  const name = options.score ?? (options.stratify ? 'accuracy' : 'r2');
  const now = options.now ?? (() => performance.now());
  const splits = kFold(frame.rows, { folds: options.folds ?? 5, seed: options.seed ?? 0, ...(options.stratify ? { stratify: labels } : {}) });
  const scores: number[] = [];
  let fitMs = 0;
  for (const { train, test } of splits) {
    const start = now();
    const model = trainer.fit(takeRows(frame, train), takeLabels(labels, train), options.options);
    fitMs += now() - start;
    scores.push(score(name, model, takeRows(frame, test), takeLabels(labels, test)));
  }
  const mean = scores.reduce((s, v) => s + v, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((s, v) => s + (v - mean) ** 2, 0) / scores.length);
  return { score: name, scores, mean, std, fitMs: fitMs / splits.length };
}
