/**
 * Exponential backoff: `initialMs`, times `factor` per failed attempt, at most `maxMs`, less a
 * random share of up to `jitter` of it, so that devices that lost one server together do not all
 * come back at the same instant. Used by MQTT reconnects and the model sync queue.
 */
export interface Backoff {
  /** Default 500 ms. */
  readonly initialMs?: number;
  /** Default 30 s. */
  readonly maxMs?: number;
  /** Default 2. */
  readonly factor?: number;
  /** Default 0.5: each delay is drawn from [delay × (1 − jitter), delay]. */
  readonly jitter?: number;
}

/** The delay before retry `attempt` (0-based); `random` draws the jitter. */
export function backoffDelay(attempt: number, backoff: Backoff = {}, random: () => number = Math.random): number {
  const initial = backoff.initialMs ?? 500;
  const max = backoff.maxMs ?? 30_000;
  const delay = Math.min(max, initial * (backoff.factor ?? 2) ** attempt);
  return Math.round(delay * (1 - (backoff.jitter ?? 0.5) * random()));
}
