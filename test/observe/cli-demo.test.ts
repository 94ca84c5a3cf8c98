/**
 * `runnel demo --http` through the compiled CLI: while the demo runs, `/readyz` answers 200 and
 * `/metrics` (parsed by a Prometheus text-format parser) counts the embedded broker's ingest, the
 * inbox of its source, the elements the run read, the inference latency histogram and the serving
 * model's version; the server closes when the demo ends.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { eventually, families, get, valueOf, type ParsedFamily } from './prometheus.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

it('runnel demo --http 0: ingest, inbox and elements read while it runs', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-observe-demo-'));
  const child = spawn('node', [CLI, 'demo', '--duration', '6', '--sensors', '3', '--rate', '20', '--dir', dir, '--no-publish', '--http', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  try {
    await eventually(async () => /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(stderr), 'the metrics address on stderr');
    const port = Number(/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)![1]);
    await eventually(async () => (await get(port, '/readyz')).status === 200, '/readyz to answer 200');
    let all = new Map<string, ParsedFamily>();
    await eventually(async () => {
      all = families((await get(port, '/metrics')).body);
      return (valueOf(all, 'runnel_messages_ingested_total', { source: 'sensors' }) ?? 0) >= 20 && (valueOf(all, 'runnel_elements_read_total') ?? 0) >= 20;
    }, 'at least 20 messages ingested and read');
    expect(all.get('runnel_messages_ingested_total')!.type).toBe('COUNTER');
    expect(valueOf(all, 'runnel_inbox_depth', { source: 'sensors' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(all, 'runnel_outbox_depth')).toBeGreaterThanOrEqual(0);
    expect(all.get('runnel_dead_letters_total')!.type).toBe('COUNTER');
    expect(valueOf(all, 'runnel_messages_dead_lettered_total', { source: 'sensors' })).toBeGreaterThanOrEqual(0);
    // A fresh folder serves the persistence baseline, the store's version 1, until a retrain promotes one.
    expect(valueOf(all, 'runnel_model_version', { model: 'next-window-temp' })).toBe(1);
    await eventually(async () => {
      all = families((await get(port, '/metrics')).body);
      return Number(all.get('runnel_inference_latency_seconds')?.metrics[0]?.count ?? 0) > 0;
    }, 'a timed inference batch');
    const latency = all.get('runnel_inference_latency_seconds')!;
    expect(latency.type).toBe('HISTOGRAM');
    expect(latency.metrics[0]!.buckets!['+Inf']).toBe(latency.metrics[0]!.count);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    await expect(get(port, '/healthz')).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

it('serves its status page without --http (on a free port); --http off serves none, and --http-host then is a usage error', { timeout: 60_000 }, async () => {
  const exec = promisify(execFile);
  const demo = (...args: string[]) =>
    exec('node', [CLI, 'demo', '--duration', '1', '--sensors', '1', '--rate', '5', '--no-publish', '--dir', mkdtempSync(join(tmpdir(), 'runnel-observe-demo-')), ...args]);
  expect((await demo()).stderr).toMatch(/status page on http:\/\/127\.0\.0\.1:\d+\/, metrics on/);
  expect((await demo('--http', 'off')).stderr).not.toContain('status page');
  await expect(demo('--http', 'off', '--http-host', '0.0.0.0')).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringMatching(/--http-host needs --http <port>, not off/) as unknown,
  });
  await expect(demo('--http', 'of')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--http: expected a port from 0 to 65535 or off, got of/) as unknown });
});
