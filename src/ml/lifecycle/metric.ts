/** The metric champion and challenger are compared on, and which way is better. */
import { accuracy, mae, rmse } from '../evaluate/metrics.js';

/** A metric of the lifecycle: `rmse` and `mae` (lower is better) or `accuracy` (higher is better). */
export type LifecycleMetric = 'rmse' | 'mae' | 'accuracy';

const METRICS: Readonly<Record<LifecycleMetric, (y: ArrayLike<number>, p: ArrayLike<number>) => number>> = { rmse, mae, accuracy };

/** Checks a metric name, naming the choices. */
export function checkMetric(metric: string): LifecycleMetric {
  if (!(metric in METRICS)) throw new RangeError(`metric must be one of ${Object.keys(METRICS).join(', ')}, got ${JSON.stringify(metric)}`);
  return metric as LifecycleMetric;
}

/** `metric` of predictions `p` against labels `y`. */
export function score(metric: LifecycleMetric, y: ArrayLike<number>, p: ArrayLike<number>): number {
  return METRICS[metric](y, p);
}

/** True when `candidate` beats `incumbent` by at least the relative `margin` (0.02: 2 %). */
export function beats(metric: LifecycleMetric, candidate: number, incumbent: number, margin: number): boolean {
  return metric === 'accuracy' ? candidate > incumbent * (1 + margin) : candidate < incumbent * (1 - margin);
}

/** True when `a` is worse than `b` (not merely equal). */
export function worse(metric: LifecycleMetric, a: number, b: number): boolean {
  return metric === 'accuracy' ? a < b : a > b;
}
