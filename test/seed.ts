/**
 * The seed of this test run, one for the whole suite: every randomised test derives its data from
 * it and prints it (in test names or failure messages). `RUNNEL_TEST_SEED=<integer>` replays a
 * run; unset, the seed is fresh each run (vitest.config.ts draws one per `vitest` invocation and
 * hands it to every worker, so all files of a run share it). `npm run test:seeds` runs the seeded
 * tests over many fresh seeds; see docs/testing.md.
 */

/** The environment variable that holds the seed. */
export const SEED_VARIABLE = 'RUNNEL_TEST_SEED';

/** Reads a seed from its environment-variable text: a decimal integer (safe range), or undefined when unset. */
export function parseSeed(text: string | undefined, variable: string = SEED_VARIABLE): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(value)) {
    throw new Error(`${variable} must be an integer (e.g. ${variable}=123456789), got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A fresh seed in [0, 1e9). */
export function freshSeed(): number {
  return Math.floor(Math.random() * 1e9);
}

/** The seed of this run. */
export const SEED: number = parseSeed(process.env[SEED_VARIABLE]) ?? freshSeed();
