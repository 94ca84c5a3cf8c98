/**
 * Ingest through the embedded broker: QoS 1 messages from a publisher process into an in-process
 * aedes whose ingest commits each batch to the inbox before the PUBACKs go out (`process` and
 * `power` durability), against a bare aedes with no ingest, same run. The publisher (a child
 * process, MQTT 3.1.1, at most 1,000 unacknowledged) times from its first publish to its last
 * PUBACK. RUNNEL_BENCH_EMBEDDED_MESSAGES sets the count (default 20,000). Compiled JS only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../src/io/mqtt/embedded-broker.js';
import type { Durability } from '../src/io/mqtt/ingest.js';
import { Store } from '../src/store/store.js';
import { bestOf, printTable } from './harness.js';

const FILE = fileURLToPath(import.meta.url);
const MESSAGES = Number(process.env['RUNNEL_BENCH_EMBEDDED_MESSAGES'] ?? 20_000);

interface Figures {
  readonly ms: number;
  readonly commits: number;
}

/** Child: publishes `n` readings of ~60 bytes at QoS 1, at most 1000 unacknowledged; prints the ms from first publish to last PUBACK. */
async function publisher(url: string, n: number): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `embedded-bench-pub-${process.pid}` });
  let next = 0;
  let open = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (open < 1000 && next < n) {
        const i = next++;
        const device = `d${i % 50}`;
        open++;
        client.publish(`sensors/${device}`, JSON.stringify({ device, temperature: (i % 900) / 10, seq: i, ts: 1_700_000_000_000 + i }), { qos: 1 }, (error) => {
          if (error) return reject(error);
          open--;
          if (next === n && open === 0) resolve();
          else if (open < 500) pump();
        });
      }
    };
    pump();
  });
  console.log(JSON.stringify({ ms: performance.now() - t0 }));
  await client.endAsync();
}

async function publish(url: string, n: number): Promise<number> {
  const child = spawn(process.execPath, [FILE, '--child', url, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`publisher exited with ${code}`);
  return (JSON.parse(out) as { ms: number }).ms;
}

async function bare(n: number): Promise<Figures> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ms = await publish(`mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`, n);
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { ms, commits: 0 };
}

async function embedded(n: number, durability: Durability): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-bench-embedded-'));
  const store = Store.open(join(dir, 'runnel.db'));
  const broker = await startEmbeddedBroker({ store, name: 'bench', port: 0, topics: 'sensors/+device', durability });
  const ms = await publish(broker.url, n);
  const { stored, commits } = broker.stats;
  await broker.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  if (stored !== n) throw new Error(`embedded broker stored ${stored} of ${n} acknowledged messages`);
  return { ms, commits };
}

export async function run(): Promise<void> {
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ');
  const atStart = load();
  const cases: [string, () => Promise<Figures>][] = [
    ['bare aedes, no ingest (baseline)', () => bare(MESSAGES)],
    ['embedded broker, process', () => embedded(MESSAGES, 'process')],
    ['embedded broker, power', () => embedded(MESSAGES, 'power')],
  ];
  const rows: (string | number)[][] = [];
  let baseline = 0;
  for (const [name, fn] of cases) {
    const best = await bestOf(3, fn);
    const rate = (MESSAGES / best.ms) * 1000;
    if (baseline === 0) baseline = rate;
    rows.push([name, rate, best.commits ? MESSAGES / best.commits : '–', `${((rate / baseline) * 100).toFixed(0)}%`]);
  }
  printTable(
    `Embedded broker ingest, QoS 1, ${MESSAGES.toLocaleString('en-US')} messages of ~60 bytes from one publisher process, first publish to last PUBACK (best of 3; load average ${atStart} at start, shared machine)`,
    ['case', 'msgs/s', 'msgs per commit', 'vs bare'],
    rows,
  );
  console.log(`\nLoad average (1/5/15 min) at end: ${load()}`);
}

if (process.argv[1] === FILE && process.argv[2] === '--child') {
  publisher(process.argv[3]!, Number(process.argv[4])).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
