/**
 * `runnel run --http` through the compiled CLI: the address on stderr, `/readyz` and `/metrics`
 * (parsed by a Prometheus text-format parser) while a YAML pipeline reads MQTT from a real
 * Mosquitto, and a bind other devices can reach refused without a token.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../support/mosquitto.js';
import { mqttSourceYaml, probeUntil, publishJson } from '../support/mosquitto-clients.js';
import { eventually, families, get, valueOf } from './prometheus.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'runnel-observe-cli-'));

it('refuses --http-host 0.0.0.0 without RUNNEL_HTTP_TOKEN: exit 2, saying what to set', async () => {
  const pipeline = join(dir, 'create.yaml');
  writeFileSync(pipeline, 'pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config:\n        elements: [1, 2]\n    - type: LogForTesting\n');
  const env = { ...process.env };
  delete env.RUNNEL_HTTP_TOKEN;
  const failed = await promisify(execFile)('node', [CLI, 'run', pipeline, '--http', '0', '--http-host', '0.0.0.0'], { env }).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  expect('code' in failed && failed.code).toBe(2);
  expect(failed.stderr).toMatch(/0\.0\.0\.0, which other devices can reach, without a token.*RUNNEL_HTTP_TOKEN/);
  expect(failed.stdout).toBe('');
});

describeWithMosquitto('runnel run --http: a YAML pipeline reading MQTT', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('is ready while it runs and counts what it read; the server closes with the run', { timeout: 60_000 }, async () => {
    const pipeline = join(dir, 'mqtt.yaml');
    writeFileSync(
      pipeline,
      ['pipeline:', '  type: chain', ...mqttSourceYaml(broker.port, 'sensors/+device/temp', 'runnel-observe-test'), '  sink:', '    type: LogForTesting', ''].join('\n'),
    );
    const child = spawn('node', [CLI, 'run', pipeline, '--db', join(dir, 'runnel.db'), '--http', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    const lines = (): string[] => stdout.split('\n').filter((line) => line !== '');
    try {
      await eventually(async () => /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(stderr), 'the metrics address on stderr');
      const port = Number(/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)![1]);
      expect((await get(port, '/healthz')).status).toBe(200);
      await probeUntil(broker.port, 'sensors/probe/temp', { temp: 99 }, () => lines().length > 0, 'the first probe through the pipeline');
      expect(await get(port, '/readyz')).toEqual({ status: 200, body: 'running\n' });
      for (let i = 0; i < 20; i++) await publishJson(broker.port, `sensors/d${i % 3}/temp`, { temp: i });
      await eventually(async () => lines().filter((line) => !line.includes('"probe"')).length === 20, 'the 20 messages logged');
      let all = families('');
      await eventually(async () => {
        all = families((await get(port, '/metrics')).body);
        return valueOf(all, 'runnel_elements_read_total') === lines().length;
      }, 'runnel_elements_read_total to equal the elements logged');
      // Everything logged was ingested first; beyond it only a probe or two still in flight.
      const ingested = valueOf(all, 'runnel_messages_ingested_total', { source: 'sensors' });
      expect(ingested).toBeGreaterThanOrEqual(lines().length);
      expect(ingested).toBeLessThanOrEqual(lines().length + 5);
      expect(valueOf(all, 'runnel_messages_dead_lettered_total', { source: 'sensors' })).toBe(0);
      expect(all.get('runnel_inbox_depth')!.type).toBe('GAUGE');
      expect(valueOf(all, 'runnel_inbox_depth', { source: 'sensors' })).toBeGreaterThanOrEqual(0);
      expect(valueOf(all, 'runnel_outbox_depth')).toBe(0);
      expect(all.get('runnel_dead_letters_total')!.metrics).toEqual([]);
      expect(valueOf(all, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      await expect(get(port, '/healthz')).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
