import { defineConfig } from 'vitest/config';
import { SEED_VARIABLE, freshSeed, parseSeed } from './test/seed.js';

// One seed for the whole run: when RUNNEL_TEST_SEED is unset, draw it here, in the main process,
// so that every worker (each test file runs in its own fork, which copies this environment)
// reads the same one. A malformed value fails here, before any test runs. See test/seed.ts.
if (parseSeed(process.env[SEED_VARIABLE]) === undefined) process.env[SEED_VARIABLE] = String(freshSeed());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
