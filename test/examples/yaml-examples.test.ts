/**
 * Every `examples/*.yaml` runs through the compiled `runnel run`: a file pipeline prints the rows
 * of its `# Expected:` comment; an MQTT one runs against a real Mosquitto (the example's
 * 127.0.0.1:1883 pointed at the test's broker), fed by mosquitto_pub and watched by mosquitto_sub.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedRows, multiset, type Row } from '../support/beam-expected.js';
import { MACHINE_TEMPS } from '../support/machine-temps.js';
import { probeUntil, publishJson, publishLines, subscribeLines } from '../support/mosquitto-clients.js';
import { families, get, valueOf } from '../observe/prometheus.js';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../support/mosquitto.js';
import { until } from '../support/until.js';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const EXAMPLES = readdirSync(join(ROOT, 'examples')).filter((file) => file.endsWith('.yaml'));
const text = (file: string): string => readFileSync(join(ROOT, 'examples', file), 'utf8');
const FILE_EXAMPLES = EXAMPLES.filter((file) => !text(file).includes('type: ReadFromMqtt'));
/** Examples that train a model (`WriteSamples`) have a test of their own below. */
const TRAINING_EXAMPLE = 'next-temperature.yaml';
const MQTT_EXAMPLES = EXAMPLES.filter((file) => text(file).includes('type: ReadFromMqtt') && file !== TRAINING_EXAMPLE);

describe('examples/*.yaml', () => {
  it('there are file and MQTT examples, and runnel validate accepts every one', async () => {
    expect(FILE_EXAMPLES.length).toBeGreaterThan(0);
    expect(MQTT_EXAMPLES.length).toBeGreaterThan(0);
    for (const file of EXAMPLES) expect((await exec('node', [CLI, 'validate', join('examples', file)], { cwd: ROOT })).stdout).toMatch(/: valid \(\d+ transforms\)\n$/);
  });

  it.each(FILE_EXAMPLES)('%s prints the rows of its # Expected: comment', async (file) => {
    const expected = expectedRows(text(file));
    expect(expected.length).toBeGreaterThan(0);
    const { stdout } = await exec('node', [CLI, 'run', join('examples', file)], { cwd: ROOT });
    expect(
      multiset(
        stdout
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as Row),
      ),
    ).toEqual(multiset(expected));
  });
});

describeWithMosquitto('examples/*.yaml over MQTT', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it.each(MQTT_EXAMPLES)('%s forwards hot readings as alerts per machine', { timeout: 60_000 }, async (file) => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-example-'));
    const pipeline = join(dir, file);
    writeFileSync(pipeline, text(file).replaceAll('127.0.0.1:1883', `127.0.0.1:${broker.port}`));
    const alerts = subscribeLines(broker.port, 'alerts/#');
    const job = spawn('node', [CLI, 'run', pipeline, '--db', join(dir, 'forward.db')], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      await probeUntil(broker.port, 'plant/probe/temp', { temp: 99 }, () => alerts.lines.some((line) => line.startsWith('alerts/probe ')), 'a probe forwarded');
      await publishJson(broker.port, 'plant/m1/temp', { temp: 70 });
      await publishJson(broker.port, 'plant/m2/temp', { temp: 20 });
      await until(() => alerts.lines.some((line) => line.startsWith('alerts/m1 ')), 'the alert of m1', 10_000);
      job.kill('SIGTERM');
      expect((await once(job, 'exit'))[0]).toBe(0);
      expect(alerts.lines.filter((line) => !line.startsWith('alerts/probe '))).toEqual(['alerts/m1 {"temp":70,"machine":"m1"}']);
    } finally {
      job.kill('SIGKILL');
      alerts.stop();
    }
  });

  it(
    `${TRAINING_EXAMPLE} predicts each reading (its model and inference latency on /metrics), and at the end of the run retrains on them and promotes v2`,
    { timeout: 90_000 },
    async () => {
      expect(EXAMPLES).toContain(TRAINING_EXAMPLE);
      const dir = mkdtempSync(join(tmpdir(), 'runnel-example-'));
      const pipeline = join(dir, TRAINING_EXAMPLE);
      const db = join(dir, 'next-temp.db');
      writeFileSync(pipeline, text(TRAINING_EXAMPLE).replaceAll('127.0.0.1:1883', `127.0.0.1:${broker.port}`));
      const predictions = subscribeLines(broker.port, 'predictions/#');
      const job = spawn('node', [CLI, 'run', pipeline, '--db', db, '--http', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      job.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
      const readings = (): string[] => predictions.lines.filter((line) => !line.startsWith('predictions/probe '));
      try {
        await probeUntil(broker.port, 'plant/probe/temp', { t: 0, temp: 0, load: 0 }, () => predictions.lines.some((l) => l.startsWith('predictions/probe ')), 'a probe predicted');
        for (const machine of ['m1', 'm2']) {
          await publishLines(
            broker.port,
            `plant/${machine}/temp`,
            MACHINE_TEMPS.filter((r) => r.machine === machine).map(({ t, temp, load }) => ({ t, temp, load })),
          );
        }
        await until(() => readings().length === MACHINE_TEMPS.length, 'every reading predicted', 30_000);
        // The first reading comes before any sample: the baseline predicts the temperature as it is.
        expect(readings()).toContain('predictions/m1 {"machine":"m1","t":0,"next_temp":20,"model":"next_temp@1"}');
        // /metrics shows the declared model's serving version and RunInference's batch latency.
        const metrics = families((await get(Number(/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)![1]), '/metrics')).body);
        expect(valueOf(metrics, 'runnel_model_version', { model: 'next_temp' })).toBe(1);
        expect(Number(metrics.get('runnel_inference_latency_seconds')!.metrics[0]!.count)).toBeGreaterThan(0);
        job.kill('SIGTERM');
        expect((await once(job, 'exit'))[0]).toBe(0);
        expect(stderr).toMatch(/v2 promoted \(\d+ new samples\): rmse [\d.]+ vs v1's [\d.]+ on the same \d+ held-out samples/);
        expect((await exec('node', [CLI, 'models', 'list', db], { cwd: ROOT })).stdout).toMatch(/next_temp\s+v2\s+champion/);
      } finally {
        job.kill('SIGKILL');
        predictions.stop();
      }
    },
  );
});
