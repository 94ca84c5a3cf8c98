/** Seeded randomness for the feature tests (fresh seed each run, in test names; RUNNEL_TEST_SEED replays). */
import { seededRandom } from '../../src/testing/index.js';
import { SEED } from '../seed.js';

/** The seed of this run (test/seed.ts), re-exported for the feature tests. */
export { SEED };

/** A PRNG for one test, derived from the run's seed and a salt so tests do not share a sequence. */
export function rngFor(salt: number): () => number {
  return seededRandom(SEED * 31 + salt);
}

/** Standard normal (Box–Muller). */
export function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Largest |a − b| over finite pairs; Infinity when NaN-ness differs. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    m = Math.max(m, Math.abs(x - y));
  }
  return m;
}
