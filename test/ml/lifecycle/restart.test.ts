/**
 * A restart in the middle of a retrain never serves a half-written model: (1) in process, a
 * challenger left in shadow when the store is reopened is rejected as interrupted and the champion
 * serves; (2) a child process retraining in a loop is killed with SIGKILL at random points (inside
 * a fit, an insert or a promotion) and restarted until it finishes: on every start it checks the
 * champion it is about to serve (bytes match their SHA-256, it loads and predicts, no challenger
 * undecided; it exits 1 otherwise), and at the end the store holds one champion among whole versions.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/random.js';
import { VirtualClock } from '../../../src/core/clock.js';
import { ModelVersionTable } from '../../../src/store/model-versions.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import { runWithKills } from '../../../src/testing/crash-loop.js';
import { SEED } from '../../seed.js';
import { lifecycleOn, MODEL, REGIME_A, series } from './series.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'runnel-lifecycle-')), 'runnel.db');
// Compiled JS, as a device runs it (npm test builds dist/ first).
const JOB = join(import.meta.dirname, '..', '..', '..', 'dist', 'test', 'ml', 'lifecycle', 'fixtures', 'retrain-job.js');

describe(`lifecycle: restarts (seed ${SEED})`, () => {
  it('a challenger in shadow when the store is reopened is rejected as interrupted; the champion serves', async () => {
    const path = tempDb();
    const store = Store.open(path);
    new SampleTable(store).add(series(SEED, 4, 0, 60, REGIME_A), [], 0);
    const first = lifecycleOn(store, new VirtualClock(0), { shadow: { minSamples: 1000 } });
    expect(await first.retrain()).toMatchObject({ action: 'shadow', version: 2 });
    store.close(); // the process stops here, the challenger undecided

    const reopened = Store.open(path);
    const second = lifecycleOn(reopened, new VirtualClock(0));
    expect(second.champion.version).toBe(1);
    expect(new ModelVersionTable(reopened).get(MODEL, 2)).toMatchObject({ status: 'rejected', reason: 'interrupted: the process stopped before this challenger was decided' });
    expect((await second.served.lease()).model.id).toBe(`${MODEL}@1`);
    await second.close();
    reopened.close();
  });

  it('SIGKILL at random points of a retrain loop: every restart serves a whole champion, and the loop completes', async () => {
    const path = tempDb();
    const rounds = 12;
    const { kills } = await runWithKills({ command: process.execPath, args: [JOB, path, String(SEED), String(rounds)], random: seededRandom(SEED), maxStepsPerLife: 6 });
    expect(kills).toBeGreaterThan(0);
    const store = Store.open(path);
    const versions = new ModelVersionTable(store).list(MODEL);
    expect(versions.filter((v) => v.status === 'champion')).toHaveLength(1);
    expect(versions.filter((v) => v.status === 'challenger')).toHaveLength(0);
    for (const v of versions) expect(createHash('sha256').update(v.onnx).digest('hex')).toBe(v.sha256);
    expect(new ModelVersionTable(store).nextVersion(MODEL)).toBe(rounds + 2);
    store.close();
  }, 300_000);
});
