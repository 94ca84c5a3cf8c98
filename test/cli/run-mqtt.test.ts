/**
 * `runnel run --db` of a Beam YAML pipeline that reads MQTT (compiled CLI, real Mosquitto,
 * Mosquitto's own mosquitto_pub): it ingests durably, runs until SIGTERM, stops cleanly, and a
 * restart on the same database picks up what the broker held for it meanwhile, and nothing twice.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../support/mosquitto.js';
import { mqttSourceYaml, probeUntil, publishJson, subscribeLines } from '../support/mosquitto-clients.js';
import { until } from '../support/until.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

/** A running `runnel run`, its stdout lines and stderr as they come. */
function runnelRun(args: string[]): { child: ChildProcess; lines: string[]; stderr: () => string } {
  const child = spawn('node', [CLI, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += String(chunk);
    const parts = out.split('\n');
    out = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => (err += String(chunk)));
  return { child, lines, stderr: () => err };
}

describeWithMosquitto('runnel run: a YAML pipeline reading MQTT', () => {
  let broker: TestBroker;
  let dir: string;
  let pipeline: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'runnel-run-mqtt-'));
    pipeline = join(dir, 'hot.yaml');
    writeFileSync(
      pipeline,
      [
        'pipeline:',
        '  type: chain',
        ...mqttSourceYaml(broker.port, 'sensors/+device/temp', 'runnel-yaml-test'),
        '  transforms:',
        '    - type: Filter',
        '      config:',
        '        language: javascript',
        '        keep: temp > 20',
        '  sink:',
        '    type: LogForTesting',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const publish = (device: string, temp: number): Promise<unknown> => publishJson(broker.port, `sensors/${device}/temp`, { temp });

  it('ingests, filters and logs until SIGTERM; a restart gets what was published while it was down, and nothing twice', { timeout: 60_000 }, async () => {
    const db = join(dir, 'runnel.db');
    const first = runnelRun([pipeline, '--db', db]);
    await probeUntil(broker.port, 'sensors/probe/temp', { temp: 99 }, () => first.lines.some((line) => line.includes('"device":"probe"')), 'the first probe through the pipeline');
    await publish('a', 25);
    await publish('b', 10);
    await publish('c', 30);
    await until(() => first.lines.some((line) => line.includes('"device":"c"')), 'the readings of a and c', 10_000);
    first.child.kill('SIGTERM');
    const [code] = (await once(first.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(first.stderr()).toMatch(/stopping: finishing the current step/);
    expect(first.lines.filter((line) => !line.includes('probe')).map((line) => JSON.parse(line) as unknown)).toEqual([
      { temp: 25, device: 'a' },
      { temp: 30, device: 'c' },
    ]);

    await publish('d', 40); // while nothing runs: the broker keeps it for the session
    const second = runnelRun([pipeline, '--db', db]);
    await until(() => second.lines.some((line) => line.includes('"device":"d"')), 'the reading published while stopped', 20_000);
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    expect(second.lines.filter((line) => !line.includes('probe'))).toEqual(['{"temp":40,"device":"d"}']);
  });

  it('the forward job in YAML: MQTT in, filter, MQTT out to a topic per device, received by mosquitto_sub', { timeout: 60_000 }, async () => {
    const forward = join(dir, 'forward.yaml');
    writeFileSync(
      forward,
      [
        'pipeline:',
        '  type: chain',
        '  source:',
        '    type: ReadFromMqtt',
        '    config:',
        `      connection_configuration: { server_uri: "tcp://127.0.0.1:${broker.port}", topic: "plant/+device/temp", client_id: runnel-forward-in }`,
        '  transforms:',
        '    - type: Filter',
        '      config: { language: javascript, keep: "temp > 50" }',
        '  sink:',
        '    type: WriteToMqtt',
        '    config:',
        `      connection_configuration: { server_uri: "tcp://127.0.0.1:${broker.port}", topic: "alerts/{device}", client_id: runnel-forward-out }`,
        '',
      ].join('\n'),
    );
    const alerts = subscribeLines(broker.port, 'alerts/#');
    const job = runnelRun([forward, '--db', join(dir, 'forward.db')]);
    try {
      await probeUntil(broker.port, 'plant/probe/temp', { temp: 99 }, () => alerts.lines.some((line) => line.startsWith('alerts/probe ')), 'a probe forwarded to alerts/probe');
      for (const [device, temp] of [
        ['m1', 70],
        ['m2', 20],
        ['m3', 51],
      ] as const)
        await publishJson(broker.port, `plant/${device}/temp`, { temp });
      await until(() => alerts.lines.some((line) => line.startsWith('alerts/m3 ')), 'the alert of m3', 10_000);
      job.child.kill('SIGTERM');
      const [code] = (await once(job.child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(alerts.lines.filter((line) => !line.startsWith('alerts/probe '))).toEqual(['alerts/m1 {"temp":70,"device":"m1"}', 'alerts/m3 {"temp":51,"device":"m3"}']);
    } finally {
      job.child.kill('SIGKILL');
      alerts.stop();
    }
  });

  it('without --db it says ReadFromMqtt needs a database, with the place in the file, and exits 1', async () => {
    await expect(exec('node', [CLI, 'run', pipeline])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/hot\.yaml:\d+:\d+: ReadFromMqtt "sensors".*runnel run <pipeline\.yaml> --db <file>/) as unknown,
    });
  });
});

it.each([
  ['', '    - type: LogForTesting'],
  [' with error_handling', '    - type: LogForTesting\n      input: AssignTimestamps\n    - type: LogForTesting\n      name: bad\n      input: AssignTimestamps.bad'],
])('AssignTimestamps%s after a ReadFromMqtt that stamps arrival time is refused before connecting, naming event_time_field', async (errorHandling, sinks) => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-run-mqtt-'));
  const file = join(dir, 'late.yaml');
  const wired = errorHandling !== '';
  const config = wired ? '{ timestamp: at, error_handling: { output: bad } }' : '{ timestamp: at }';
  writeFileSync(
    file,
    [
      'pipeline:',
      ...(wired ? [] : ['  type: chain']),
      '  transforms:',
      '    - type: ReadFromMqtt',
      '      config:',
      '        connection_configuration: { server_uri: "tcp://127.0.0.1:1", topic: "sensors/#", client_id: late }',
      '    - type: AssignTimestamps',
      ...(wired ? ['      input: ReadFromMqtt'] : []),
      `      config: ${config}`,
      sinks,
      '',
    ].join('\n'),
  );
  await expect(exec('node', [CLI, 'run', file, '--db', join(dir, 'runnel.db')], { timeout: 20_000 })).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/stamps each message with its arrival time.*event_time_field: at in ReadFromMqtt's config.*\(PIPELINE_INVALID\)/) as unknown,
  });
});
