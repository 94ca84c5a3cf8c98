/**
 * A restart in the middle of a retrain never serves a half-written model: (1) in process, a
 * challenger left in shadow when the store is reopened is rejected as interrupted and the champion
 * serves; (2) a child process retraining in a loop is killed with SIGKILL at random points (inside
 * a fit, an insert or a promotion) and restarted until it finishes: on every start it checks the
 * champion it is about to serve (bytes match their SHA-256, it loads and predicts, no challenger
 * undecided; it exits 1 otherwise), which is the last promotion it reported before the kill (or
 * one it committed but could not report); at the end the store holds that champion among whole versions.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/random.js';
import { VirtualClock } from '../../../src/core/clock.js';
import { ModelVersionTable } from '../../../src/store/model-versions.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
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

  it('SIGKILL at random points of a retrain loop: every restart serves a whole champion, the last promotion it reported or a newer one', async () => {
    const path = tempDb();
    const rounds = 12;
    const random = seededRandom(SEED);
    let lastPromoted = 1; // the baseline
    let kills = 0;
    for (let life = 0; life < 60; life++) {
      const child = spawn(process.execPath, [JOB, path, String(SEED), String(rounds)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const killAfter = 1 + Math.floor(random() * 6);
      const lines: string[] = [];
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        // A moment after the chosen line: inside the next fit, insert or promotion.
        if (lines.length >= killAfter && child.exitCode === null) setTimeout(() => child.kill('SIGKILL'), random() * 3);
      });
      const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
      expect(code === 0 || signal === 'SIGKILL', stderr).toBe(true);
      // What it served on start: a whole version (the child checked), and no older than the last promotion it reported.
      const [, version, why] = /^serving v(\d+): (.*)$/.exec(lines[0] ?? '') ?? [];
      if (lines.length > 0) {
        // The last promotion it reported, or one it committed but was killed before reporting.
        expect(Number(version) === lastPromoted || (Number(version) > lastPromoted && why!.startsWith('promoted')), lines[0]).toBe(true);
      }
      for (const line of lines) {
        const promoted = /: promoted v(\d+)$/.exec(line);
        if (promoted) lastPromoted = Number(promoted[1]);
      }
      if (code === 0) break;
      kills++;
    }
    expect(kills).toBeGreaterThan(0);
    const store = Store.open(path);
    const versions = new ModelVersionTable(store).list(MODEL);
    expect(versions.filter((v) => v.status === 'champion').map((v) => v.version)).toEqual([lastPromoted]);
    expect(versions.filter((v) => v.status === 'challenger')).toHaveLength(0);
    for (const v of versions) expect(createHash('sha256').update(v.onnx).digest('hex')).toBe(v.sha256);
    expect(new ModelVersionTable(store).nextVersion(MODEL)).toBe(rounds + 2);
    store.close();
  }, 300_000);
});
