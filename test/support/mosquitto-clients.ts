/** Mosquitto's own clients as a test drives them: mosquitto_pub, and mosquitto_sub collecting lines. */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { until } from './until.js';

const exec = promisify(execFile);

/** Publishes `value` as JSON at QoS 1 with mosquitto_pub. */
export function publishJson(port: number, topic: string, value: unknown): Promise<unknown> {
  return exec('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', JSON.stringify(value)]);
}

/** Publishes each of `values` as JSON at QoS 1, in order, with one mosquitto_pub (`-l`: a message per stdin line). */
export async function publishLines(port: number, topic: string, values: readonly unknown[]): Promise<void> {
  const child = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-l'], { stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin.end(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`mosquitto_pub -l exited with ${code}`);
}

/** A running mosquitto_sub (`-v`): each message as a line `<topic> <payload>`, in arrival order. */
export interface Subscriber {
  readonly lines: string[];
  stop(): void;
}

/** Starts mosquitto_sub on `filter` at QoS 1, line-buffered (it holds its output back when piped). */
export function subscribeLines(port: number, filter: string): Subscriber {
  const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', filter, '-v'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  child.stdout.on('data', (chunk: Buffer) =>
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line !== ''),
    ),
  );
  return { lines, stop: () => void child.kill() };
}

/**
 * Publishes `value` to `topic` every 300 ms until `arrived()` holds: a publish made before a
 * job's subscription stands goes nowhere, so a job is ready once a probe came through it.
 */
export async function probeUntil(port: number, topic: string, value: unknown, arrived: () => boolean, what: string): Promise<void> {
  const probing = setInterval(() => void publishJson(port, topic, value), 300);
  try {
    await until(arrived, what, 20_000);
  } finally {
    clearInterval(probing);
  }
}

/** The `source:` of a chain pipeline (YAML lines) reading `topic` from the test broker as `ReadFromMqtt` named `sensors`. */
export function mqttSourceYaml(port: number, topic: string, clientId: string): string[] {
  return [
    '  source:',
    '    type: ReadFromMqtt',
    '    name: sensors',
    '    config:',
    '      connection_configuration:',
    `        server_uri: tcp://127.0.0.1:${port}`,
    `        topic: ${topic}`,
    `        client_id: ${clientId}`,
  ];
}
