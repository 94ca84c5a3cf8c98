/**
 * The CLI as a device runs it: compiled JS on plain node (npm test builds dist/ first). The demo
 * runs twice on one folder: the first run must ingest, predict, promote a model whose manifest
 * matches its ONNX file (which onnxruntime loads and runs), and dead-letter the malformed
 * payloads (counts checked against what the sensors say they sent); the second must serve that model from its store,
 * resume the offsets (no window computed twice) and publish the predictions both runs left in
 * the outbox.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { OnnxModelHandler, frameOf } from '../../src/ml/infer/index.js';
import { FEATURES } from '../../src/demo/model.js';
import type { ModelManifest } from '../../src/sync/manifest.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Publishes once at QoS 1 with mosquitto_pub, retrying while nothing listens on `port` yet. */
async function publishWhenListening(port: number, topic: string, message: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', '-q', '1', '-t', topic, '-m', message]);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const figure = (text: string, pattern: RegExp): number => Number(pattern.exec(text)?.[1]?.replace(/,/g, '') ?? NaN);

describe('runnel CLI', () => {
  it('--help lists the commands; demo --help lists every option', async () => {
    const { stdout } = await run('node', [CLI, '--help']);
    expect(stdout).toMatch(/Usage: runnel <command>/);
    expect(stdout).toMatch(/demo\s+run the demo job/);
    const demo = await run('node', [CLI, 'demo', '--help']);
    for (const option of [
      '--duration <s>',
      '--sensors <n>',
      '--rate <n>',
      '--dir <path>',
      '--registry <where>',
      '--pull-every <s>',
      '--retrain-every <s>',
      '--device <profile>',
      '--port <n>',
      '--host <address>',
      '--allow-anonymous-on-network',
      '--no-publish',
      '--seed <n>',
    ])
      expect(demo.stdout).toContain(option);
  });

  it('a bad option or command exits 2 with a hint', async () => {
    await expect(run('node', [CLI, 'demo', '--sensors', '0'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--sensors must be a positive integer/) as unknown });
    await expect(run('node', [CLI, 'demo', '--device', 'toaster'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/device profile "toaster" not found/) as unknown,
    });
    await expect(run('node', [CLI, 'demo', '--pull-every', '0'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--pull-every must be a positive number/) as unknown,
    });
    await expect(run('node', [CLI, 'frobnicate'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) as unknown });
    await expect(run('node', [CLI, 'demo', '--host', '0.0.0.0'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--host 0\.0\.0\.0 lets other devices connect, and the demo's broker checks nobody: add --allow-anonymous-on-network/) as unknown,
    });
  });

  it('demo with a missing or corrupt kernels file exits 1 with the path and the fix, before it opens the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-demo-'));
    const corrupt = join(dir, 'corrupt.wasm');
    writeFileSync(corrupt, 'not WebAssembly');
    for (const [file, code] of [
      [join(dir, 'missing.wasm'), 'KERNELS_MISSING'],
      [corrupt, 'KERNELS_INVALID'],
    ] as const) {
      const failed = run('node', [CLI, 'demo', '--duration', '5', '--dir', dir], { env: { ...process.env, RUNNEL_KERNELS: file } });
      await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(file) as unknown });
      await expect(failed).rejects.toMatchObject({ stderr: expect.stringMatching(new RegExp(`npm run build:wasm.*\\(${code}\\)`)) as unknown });
    }
    expect(existsSync(join(dir, 'runnel.db'))).toBe(false); // nothing ingested, nothing dead-lettered
  });

  it('demo: the full loop on compiled JS, then a second start on the same folder resumes', { timeout: 40_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-demo-'));
    const first = await run('node', [CLI, 'demo', '--duration', '8', '--retrain-every', '2', '--dir', dir, '--no-publish', '--device', 'raspberry-pi-4']);
    const out = first.stdout;
    expect(out).toMatch(/serving the persistence baseline/);
    const db = new Database(join(dir, 'runnel.db'), { readonly: true });
    try {
      // Ingest: every reading the sensors sent was committed or dead-lettered by the broker.
      const sent = figure(out, /([\d,]+) readings sent/);
      const ingested = figure(out, /([\d,]+) messages committed to the inbox/);
      const malformed = { notJson: figure(out, /not JSON (\d+)/), noTime: figure(out, /no event time (\d+)/), notNumber: figure(out, /temperature not a number (\d+)/) };
      expect(ingested).toBeGreaterThan(500);
      const letters = db.prepare('SELECT stage, reason FROM dead_letters').all() as { stage: string; reason: string }[];
      const count = (stage: string, reason: RegExp) => letters.filter((l) => l.stage === stage && reason.test(l.reason)).length;
      expect(count('sensors', /not valid JSON/)).toBe(malformed.notJson);
      expect(count('sensors', /field "at" is missing/)).toBe(malformed.noTime);
      expect(ingested + malformed.notJson + malformed.noTime).toBe(sent);
      // A temperature of "ERR" is rejected by the feature stage, unless it arrived after its window closed (late).
      expect(count('windowFeatures/check', /feature "temp" must be a number/) + letters.filter((l) => /late/.test(l.reason)).length).toBeGreaterThanOrEqual(malformed.notNumber);
      // Predictions in the outbox, one per window, each from a served version.
      const predictions = db
        .prepare("SELECT payload FROM outbox WHERE stage = 'predictions'")
        .all()
        .map((r) => JSON.parse((r as { payload: string }).payload) as { sensor: string; windowStart: number; model: string; nextTempMean: number });
      expect(predictions.length).toBe(figure(out, /([\d,]+) made/));
      expect(predictions.length).toBeGreaterThan(50);
      expect(new Set(predictions.map((p) => `${p.sensor}@${p.windowStart}`)).size).toBe(predictions.length);
      expect(predictions.every((p) => /^next-window-temp@\d+$/.test(p.model) && Number.isFinite(p.nextTempMean))).toBe(true);
    } finally {
      db.close();
    }
    // At least one promoted model pushed to the registry, its manifest matching the file; the ONNX loads and runs.
    const local = figure(out, /model\s+v(\d+)/);
    expect(local).toBeGreaterThanOrEqual(2); // v1 is the persistence baseline
    const pushed = [...out.matchAll(/^sync: pushed next-window-temp as registry v(\d+) \(v\d+ here\) to .*\/registry$/gm)].map((m) => Number(m[1]));
    expect(pushed.length).toBeGreaterThanOrEqual(1);
    const version = Math.max(...pushed);
    const vdir = join(dir, 'registry', 'next-window-temp', String(version));
    const bytes = new Uint8Array(readFileSync(join(vdir, 'model.onnx')));
    const manifest = JSON.parse(readFileSync(join(vdir, 'manifest.json'), 'utf8')) as ModelManifest;
    expect(manifest).toMatchObject({ name: 'next-window-temp', version, approved: true, inputs: [{ name: 'features', features: FEATURES }] });
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(manifest.metrics['rmse']).toBeLessThan(manifest.metrics['championRmse']! * 0.98);
    const model = await new OnnxModelHandler().load(bytes);
    const x = new Float32Array(FEATURES.map((f) => (f.startsWith('temp') ? 30 : 1)));
    const y = (await model.run(frameOf(x, FEATURES)))['prediction']!.data[0]!;
    expect(y).toBeGreaterThan(10); // a next-window temperature, not garbage
    expect(y).toBeLessThan(60);
    await model.release();

    // Second start: pulls the model, resumes offsets (no window twice), publishes what waited;
    // on --port, a reading from Mosquitto's own client joins the simulated ones.
    const port = await freePort();
    const [second] = await Promise.all([
      run('node', [CLI, 'demo', '--duration', '5', '--retrain-every', '2', '--dir', dir, '--port', String(port), '--host', '0.0.0.0', '--allow-anonymous-on-network']),
      publishWhenListening(port, 'sensors/from-mosquitto-pub/readings', 'not JSON, from mosquitto_pub'),
    ]);
    expect(second.stdout).toContain(`broker listening on mqtt://0.0.0.0:${port}`);
    expect(second.stdout).toMatch(/warning: .*host "0\.0\.0\.0" lets other devices connect.*anyone on the network can publish readings/);
    expect(second.stdout).toMatch(new RegExp(`store: serving next-window-temp v${local} \\(`));
    expect(figure(second.stdout, /([\d,]+) steps committed in all runs/)).toBeGreaterThan(figure(out, /([\d,]+) steps committed in all runs/));
    expect(figure(second.stdout, /([\d,]+) published to predictions/)).toBeGreaterThan(figure(out, /([\d,]+) made/));
    const reopened = new Database(join(dir, 'runnel.db'), { readonly: true });
    try {
      expect(reopened.prepare("SELECT count(*) AS n FROM dead_letters WHERE stage = 'sensors' AND payload LIKE '%sensors/from-mosquitto-pub/readings%'").get()).toEqual({ n: 1 });
      // No window computed twice across the two runs: one prediction and one training sample per sensor and window.
      const windows = reopened
        .prepare(
          "SELECT count(*) AS n, count(DISTINCT json_extract(payload, '$.sensor') || '@' || json_extract(payload, '$.windowStart')) AS d FROM outbox WHERE stage = 'predictions'",
        )
        .get() as { n: number; d: number };
      expect(windows.n).toBe(windows.d);
      expect(reopened.prepare("SELECT count(*) AS n FROM samples WHERE model = 'next-window-temp'").get()).toEqual({
        n: figure(second.stdout, /([\d,]+) training samples stored/),
      });
    } finally {
      reopened.close();
    }
  });
});
