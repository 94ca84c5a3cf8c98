/**
 * `npm run soak:crash [-- <kills>]`: the crash-recovery check of the tests, at length. Runs the
 * durable windowed job of test/runner/fixtures, killing it with SIGKILL at random points until
 * it has been killed at least <kills> times (default 200, restarting the job from a fresh
 * database when it finishes), and checks every finished database against an uncrashed run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Store, run } from '../src/index.js';
import { runWithKills, seededRandom } from '../src/testing/index.js';
import { buildPipeline } from '../test/runner/fixtures/windowed-job.js';

const JOB = fileURLToPath(new URL('../test/runner/fixtures/windowed-job.js', import.meta.url));

function outbox(path: string): unknown[] {
  const store = Store.open(path);
  const rows = store.db.prepare('SELECT output_id, payload, window, pane, event_time FROM outbox ORDER BY id').all();
  store.close();
  return rows;
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === '--help' || arg === '-h') {
    console.log('Usage: npm run soak:crash [-- <kills>]\nKills the durable test job at random points (default 200 kills) and checks it recovers exactly.');
    return;
  }
  const target = Number(arg ?? 200);
  if (!Number.isInteger(target) || target < 1) throw new Error(`kills must be a positive integer, got "${arg}"`);
  const dir = mkdtempSync(join(tmpdir(), 'runnel-soak-'));
  const reference = Store.open(join(dir, 'reference.db'));
  await run(buildPipeline(), { store: reference });
  reference.close();
  const expected = outbox(join(dir, 'reference.db'));
  const random = seededRandom(Date.now() % 2 ** 31);
  let kills = 0;
  for (let job = 1; kills < target; job++) {
    const path = join(dir, `job-${job}.db`);
    const result = await runWithKills({ command: process.execPath, args: [JOB, path, '1'], random });
    kills += result.kills;
    const same = isDeepStrictEqual(outbox(path), expected);
    console.log(`job ${job}: killed ${result.kills} times, outputs ${same ? 'identical to' : 'DIFFERENT from'} the uncrashed run (${kills}/${target} kills)`);
    if (!same) throw new Error(`recovery failed: compare ${path} with ${join(dir, 'reference.db')}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
