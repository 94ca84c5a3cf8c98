/**
 * `runnel models`: on a store with a baseline (v1), a promoted fit (v2) and a rejected one (v3),
 * list shows each with status and why, show the champion in full, export writes its exact bytes
 * (and never overwrites), promote and rollback change the champion as the loop would, refusing
 * with the reason what cannot be done; list works beside a job that holds the store's lock.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { modelsCommand } from '../../src/cli/commands/models.js';
import { VirtualClock } from '../../src/core/clock.js';
import type { FrameLike } from '../../src/kernels/frame.js';
import { ModelVersionTable } from '../../src/store/model-versions.js';
import { SampleTable } from '../../src/store/samples.js';
import { Store } from '../../src/store/store.js';
import { lifecycleOn, MODEL, REGIME_A, ridge, series } from '../ml/lifecycle/series.js';

/** Exit code and what the command printed (stdout and stderr). */
async function runnel(args: string[]): Promise<{ code: number; out: string; err: string }> {
  vi.restoreAllMocks();
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const code = (await modelsCommand.run(args)) ?? 0;
  const text = (spy: typeof log) => spy.mock.calls.map((c) => c.join(' ')).join('\n');
  return { code, out: text(log), err: text(error) };
}

/** A store with v1 (baseline, retired), v2 (champion), v3 (rejected). */
async function storeWithVersions(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'runnel-models-cli-')), 'runnel.db');
  const store = Store.open(path);
  new SampleTable(store).add(series(1, 4, 0, 60, REGIME_A), [], 0);
  let worse = false;
  const lifecycle = lifecycleOn(store, new VirtualClock(1_765_000_000_000), { trainer: (frame: FrameLike, y: Float64Array) => ridge(frame, worse ? y.map((v) => -v) : y) });
  expect(await lifecycle.retrain()).toMatchObject({ action: 'promoted', version: 2 });
  worse = true;
  expect(await lifecycle.retrain()).toMatchObject({ action: 'rejected', version: 3 });
  await lifecycle.close();
  store.close();
  return path;
}

describe('runnel models', () => {
  afterEach(() => vi.restoreAllMocks());

  it('list, show and export read the versions, beside a job holding the lock', async () => {
    const path = await storeWithVersions();
    const job = Store.open(path); // a running job
    try {
      const list = await runnel(['list', path]);
      expect(list.code).toBe(0);
      const lines = list.out.split('\n');
      expect(lines[0]).toMatch(/^model\s+version\s+status\s+metrics\s+trained on\s+created\s+why/);
      expect(lines[2]).toMatch(new RegExp(`^${MODEL}\\s+v1\\s+retired\\s+-\\s+0\\s+2025-12-06T05:46:40.000Z\\s+replaced by v2`));
      expect(lines[3]).toMatch(new RegExp(`^${MODEL}\\s+v2\\s+champion\\s+rmse 0\\.0\\d+, championRmse \\d.*, heldOut 59\\s+177\\s+.*promoted \\(asked for\\): rmse`));
      expect(lines[4]).toMatch(new RegExp(`^${MODEL}\\s+v3\\s+rejected\\s+.*not better by the margin`));

      const show = await runnel(['show', path, '--model', MODEL]);
      const champion = new ModelVersionTable(job).champion(MODEL)!;
      expect(show.out).toContain(`${MODEL} v2: champion`);
      expect(show.out).toContain(`SHA-256 ${champion.sha256}`);
      expect(show.out).toMatch(/parent {8}v1/);
      expect(show.out).toMatch(/statistics {4}\{"features":\["a","b","c"\],"mean":\[/);

      const out = join(mkdtempSync(join(tmpdir(), 'runnel-models-out-')), 'v2.onnx');
      expect((await runnel(['export', path, '--model', MODEL, '--out', out])).out).toContain(`wrote ${MODEL} v2 (champion) to ${out}`);
      expect(new Uint8Array(readFileSync(out))).toEqual(champion.onnx);
      await expect(runnel(['export', path, '--model', MODEL, '--version', '3', '--out', out])).rejects.toThrow(UsageError);
      expect(await runnel(['show', path, '--model', MODEL, '--version', '9'])).toMatchObject({ code: 1, err: expect.stringContaining('has no version 9 of model') as unknown });
    } finally {
      job.close();
    }
  });

  it('promote and rollback change the champion with reasons; impossible ones are refused with the reason', async () => {
    const path = await storeWithVersions();
    expect(await runnel(['promote', path, '--model', MODEL, '--version', '3'])).toMatchObject({
      code: 0,
      out: `${MODEL} v3 is the champion now (was v2, now retired); a job serves it from its next start`,
    });
    // v3 was fitted against v2: rolling back puts v2 back and rejects v3.
    expect(await runnel(['rollback', path, '--model', MODEL])).toMatchObject({
      code: 0,
      out: `${MODEL} v2 is the champion now (was v3, now rejected); a job serves it from its next start`,
    });
    const store = Store.open(path);
    const table = new ModelVersionTable(store);
    expect(table.get(MODEL, 3)).toMatchObject({ status: 'rejected', reason: 'rolled back by hand (runnel models rollback)' });
    expect(table.get(MODEL, 2)).toMatchObject({ status: 'champion', reason: 'restored by hand (runnel models rollback) from v3' });
    store.close();
    expect(await runnel(['promote', path, '--model', MODEL, '--version', '2'])).toMatchObject({ code: 1, err: `runnel models promote: ${MODEL} v2 is already the champion` });
    expect(await runnel(['promote', path, '--model', MODEL, '--version', '1'])).toMatchObject({ code: 0 });
    expect(await runnel(['rollback', path, '--model', MODEL])).toMatchObject({
      code: 1,
      err: `runnel models rollback: ${MODEL} v1 replaced no earlier version: there is nothing to roll back to`,
    });
    await expect(runnel(['promote', path, '--model', MODEL])).rejects.toThrow('--version is required');
    await expect(runnel(['retire', path])).rejects.toThrow('expected a subcommand (list, show, promote, rollback, export), got "retire"');
    const missing = join(mkdtempSync(join(tmpdir(), 'runnel-models-none-')), 'runnel.db');
    expect(await runnel(['promote', missing, '--model', MODEL, '--version', '1'])).toMatchObject({ code: 1, err: expect.stringContaining(`${missing} does not exist`) as unknown });
    expect(existsSync(missing)).toBe(false); // not created by the refusal
    await expect(runnel(['list', join(path, '..')])).rejects.toThrow(/folder/);
  });
});
