/**
 * MQTT through a real Mosquitto: ingest throughput into committed inbox rows (QoS 0 and 1) vs a
 * bare mqtt.js subscriber that only counts and vs better-sqlite3 batched inserts alone; and the
 * filter-and-forward job (issue 11) run by a hand-written mqtt.js process, by Runnel durably and,
 * with RUNNEL_BENCH_NODE_RED=1, by Node-RED 4 (installed into a temp folder), each measured from
 * outside (see forward-job.ts). Every side runs in its own child process on compiled JS, with the
 * publisher in another. Environment: RUNNEL_BENCH_MQTT_MESSAGES (default 100,000),
 * RUNNEL_BENCH_MQTT_RUNS (forward runs per system and QoS, default 3), RUNNEL_BENCH_RUNNEL_FLAGS
 * (node flags of the Runnel job, e.g. "--max-old-space-size=64").
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { run as runDirect } from '../src/runner/direct-runner.js';
import { compareForward, type ForwardComparison } from './forward-compare.js';
import { spawnNode } from './forward-job.js';
import { printTable } from './harness.js';
import { installNodeRed, NODE_RED_HOME, nodeRedArgs } from './node-red.js';

type Qos = 0 | 1;

/** What a measured child reports. */
interface Figures {
  /** From the first message received to the last one done (stored, or forwarded and confirmed). */
  readonly ms: number;
  /** User + system CPU of the child from subscribed to done, in seconds. */
  readonly cpuS: number;
  /** Peak resident set size of the child, MiB. */
  readonly peakRssMiB: number;
  readonly received: number;
  /** False when messages stopped coming before the end (QoS 0 may lose some). */
  readonly complete: boolean;
}

const MESSAGES = Number(process.env['RUNNEL_BENCH_MQTT_MESSAGES'] ?? 100_000);
/** Runs per system and QoS of the forward job (medians reported). */
const RUNS = Number(process.env['RUNNEL_BENCH_MQTT_RUNS'] ?? 3);
const FILE = fileURLToPath(import.meta.url);

/** Message `i`: ~60 bytes of JSON; temperatures cycle through 0.0–99.9 so about half are above 50. */
function reading(i: number): { topic: string; payload: string; hot: boolean } {
  const device = `d${i % 50}`;
  const temperature = ((i * 7919) % 1000) / 10;
  return { topic: `sensors/${device}`, payload: JSON.stringify({ device, temperature, seq: i, ts: 1_700_000_000_000 + i }), hot: temperature > 50 };
}

function expectedAlerts(n: number): number {
  let hot = 0;
  for (let i = 0; i < n; i++) if (reading(i).hot) hot++;
  return hot;
}

// ---- children -------------------------------------------------------------------------------

/** Publishes `n` readings at `qos`, keeping at most 1000 unacknowledged (QoS 1) or unwritten (QoS 0). */
async function publisher(url: string, qos: Qos, n: number): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}`, protocolVersion: 5 });
  let next = 0;
  let open = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (open < 1000 && next < n) {
        const { topic, payload } = reading(next++);
        open++;
        client.publish(topic, payload, { qos }, (error) => {
          if (error) return reject(error);
          open--;
          if (next === n && open === 0) resolve();
          else if (open < 500) pump();
        });
      }
    };
    pump();
  });
  await client.endAsync();
}

/** Starts measuring at the first message: CPU and time from there to `done()`. */
class Meter {
  #t0 = 0;
  #cpu0: NodeJS.CpuUsage = process.cpuUsage();
  received = 0;

  /** Resets the CPU baseline once subscribed, so connecting and imports are not counted. */
  ready(): void {
    this.#cpu0 = process.cpuUsage();
    console.log('ready');
  }

  first(): void {
    if (this.#t0 !== 0) return;
    this.#t0 = performance.now();
    // QoS 0 has no promise: if messages stop coming, report what arrived instead of waiting forever.
    let seen = -1;
    let last = this.#t0;
    const guard = setInterval(() => {
      const now = this.progress();
      if (now !== seen) {
        seen = now;
        last = performance.now();
      } else if (performance.now() - last > 5000) {
        this.received = now;
        this.done(last, false);
        process.exit(0);
      }
    }, 500);
    guard.unref();
  }

  /** What counts as progress (messages received by default). */
  progress: () => number = () => this.received;

  done(at = performance.now(), complete = true): void {
    const cpu = process.cpuUsage(this.#cpu0);
    const figures: Figures = {
      ms: at - this.#t0,
      cpuS: (cpu.user + cpu.system) / 1e6,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      received: this.received,
      complete,
    };
    console.log(JSON.stringify(figures));
  }
}

/** (a) A bare mqtt.js subscriber that only counts. */
async function bareCounter(url: string, qos: Qos, n: number): Promise<void> {
  const meter = new Meter();
  const client = await mqtt.connectAsync(url, { clientId: `bench-count-${process.pid}`, protocolVersion: 5 });
  client.on('message', () => {
    meter.first();
    if (++meter.received === n) {
      meter.done();
      void client.endAsync();
    }
  });
  await client.subscribeAsync('sensors/#', { qos });
  meter.ready();
}

/** Runnel's durable ingest: each message committed to the inbox before its PUBACK. */
async function runnelIngest(url: string, qos: Qos, n: number, db: string): Promise<void> {
  const { Store } = await import('../src/store/store.js');
  const { MqttIngest } = await import('../src/io/mqtt/ingest.js');
  const meter = new Meter();
  const store = Store.open(db);
  const ingest = await MqttIngest.start(store, { name: 'bench', connection: { url, clientId: `bench-ingest-${process.pid}` }, topics: 'sensors/#', qos });
  meter.progress = () => ingest.stats.stored;
  meter.ready();
  await untilTrue(() => ingest.stats.received > 0, 1);
  meter.first();
  await untilTrue(() => ingest.stats.stored + ingest.stats.deadLettered >= n, 2);
  meter.received = ingest.stats.stored;
  meter.done();
  await ingest.close();
  store.close();
}

/** (b) better-sqlite3 alone: the same rows inserted 1000 per transaction, no MQTT. */
function sqliteBatches(n: number, db: string): void {
  const meter = new Meter();
  const sqlite = new Database(db);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.exec('CREATE TABLE inbox (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, arrived_at REAL NOT NULL)');
  const insert = sqlite.prepare('INSERT INTO inbox (topic, payload, qos, arrived_at) VALUES (?, ?, ?, ?)');
  const batch = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const { topic, payload } = reading(i);
      insert.run(topic, Buffer.from(payload), 1, Date.now());
    }
  });
  meter.ready();
  meter.first();
  for (let i = 0; i < n; i += 1000) batch(i, Math.min(n, i + 1000));
  meter.received = n;
  meter.done();
  sqlite.close();
}

/** The filter-and-forward job in memory: keep temperature > 50, publish to alerts/<device>. Runs until killed. */
async function bareForward(url: string, qos: Qos): Promise<void> {
  const client: MqttClient = await mqtt.connectAsync(url, { clientId: `bench-fwd-${process.pid}`, protocolVersion: 5 });
  client.on('message', (_topic, payload) => {
    const r = JSON.parse(payload.toString()) as { device: string; temperature: number };
    if (r.temperature > 50) client.publish(`alerts/${r.device}`, payload, { qos });
  });
  await client.subscribeAsync('sensors/#', { qos });
}

/** The same job run by Runnel durably: inbox → pipeline (filter) → outbox → MQTT sink. Runs until killed. */
async function runnelForward(url: string, qos: Qos, db: string): Promise<void> {
  const { Pipeline, Store, writeOutbox } = await import('../src/index.js');
  const { mqttSource } = await import('../src/io/mqtt/source.js');
  const { connectMqtt } = await import('../src/io/mqtt/connection.js');
  const { MqttSink } = await import('../src/io/mqtt/sink.js');
  type Alert = { device: string; temperature: number };
  const store = Store.open(db);
  // Sessions that expire a second after the job is stopped: a dead job's session would otherwise
  // queue every later run's messages at the broker.
  const sessionExpirySeconds = 1;
  const out = await connectMqtt({ url, clientId: `bench-sink-${process.pid}`, sessionExpirySeconds });
  const sink = new MqttSink<Alert>(store, { client: out.client, topic: (a) => `alerts/${a.device}`, qos }).start();
  const p = new Pipeline();
  p.apply(mqttSource(store, { name: 'sensors', connection: { url, clientId: `bench-src-${process.pid}`, sessionExpirySeconds }, topics: 'sensors/#', qos }))
    .filter((r) => (r['temperature'] as number) > 50, 'hot')
    .apply(writeOutbox());
  await runDirect(p, { store, onProgress: () => sink.notify() });
}

async function untilTrue(condition: () => boolean, everyMs: number): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, everyMs));
}

// ---- parent ---------------------------------------------------------------------------------

/** Starts the measured child, waits until it has subscribed, runs the publisher, returns the child's figures. */
async function measureChild(role: string, args: string[], url: string, qos: Qos, n: number): Promise<Figures> {
  const child = spawn(process.execPath, [FILE, '--child', role, url, String(qos), String(n), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let figures: Figures | undefined;
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  lines.on('line', (line) => {
    if (line === 'ready') ready();
    else if (line.startsWith('{')) figures = JSON.parse(line) as Figures;
  });
  await Promise.race([isReady, exited]);
  if (role !== 'sqlite') {
    const pub = spawn(process.execPath, [FILE, '--child', 'publish', url, String(qos), String(n)], { stdio: 'inherit' });
    await new Promise((resolve) => pub.once('exit', resolve));
  }
  const code = await exited;
  if (!figures) throw new Error(`bench child "${role}" exited (${code}) without figures`);
  return figures;
}

/**
 * The forward job: hand-written vs Runnel (whose node flags come from RUNNEL_BENCH_RUNNEL_FLAGS,
 * e.g. "--max-old-space-size=64"), and Node-RED when RUNNEL_BENCH_NODE_RED=1.
 */
async function forwardJob(url: string, db: () => string): Promise<void> {
  const job = (role: string, qos: Qos, ...args: string[]): string[] => ['--child', role, url, String(qos), String(MESSAGES), ...args];
  const runnelFlags = (process.env['RUNNEL_BENCH_RUNNEL_FLAGS'] ?? '').split(/\s+/).filter((f) => f !== '');
  const jobs: ForwardComparison['jobs'] = {
    'hand-written mqtt.js': (qos) => spawnNode([], FILE, job('forward-bare', qos)),
    'Runnel durable': (qos) => spawnNode(runnelFlags, FILE, job('forward-runnel', qos, db())),
  };
  const skipped: ForwardComparison['skipped'] = {};
  if (process.env['RUNNEL_BENCH_NODE_RED'] === '1') {
    const version = installNodeRed();
    console.log(`Node-RED ${version} from ${NODE_RED_HOME}`);
    jobs['Node-RED'] = (qos) => {
      const userDir = mkdtempSync(join(tmpdir(), 'runnel-bench-node-red-flow-'));
      const [script, ...args] = nodeRedArgs(userDir, url, qos);
      const child = spawnNode([], script!, args);
      child.once('exit', () => rmSync(userDir, { recursive: true, force: true }));
      return child;
    };
  } else skipped['Node-RED'] = 'opt-in: RUNNEL_BENCH_NODE_RED=1 npm run bench -- mqtt (installs node-red@4 into a temp folder)';
  if (runnelFlags.length > 0) console.log(`Runnel child flags: ${runnelFlags.join(' ')}`);
  const publish = (qos: Qos): Promise<unknown> => new Promise((resolve) => spawnNode([], FILE, ['--child', 'publish', url, String(qos), String(MESSAGES)]).once('exit', resolve));
  await compareForward({ jobs, skipped, publish, url, messages: MESSAGES, alerts: expectedAlerts(MESSAGES), runs: RUNS });
}

/** Suite entry point. */
export async function run(): Promise<void> {
  if (!FILE.endsWith('.js')) {
    console.log('\n(mqtt: run on compiled JS: `npx tsc -p tsconfig.json && node dist/bench/run.js mqtt`)');
    return;
  }
  const { startMosquitto, mosquittoBinary } = await import('../test/support/mosquitto.js');
  if (!mosquittoBinary) {
    console.log('\n(mqtt: skipped: mosquitto is not installed; apt-get install mosquitto)');
    return;
  }
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
  console.log(`\nLoad average (1/5/15 min) at start: ${load()} · ${MESSAGES.toLocaleString('en-US')} messages per case`);
  const dir = mkdtempSync(join(tmpdir(), 'runnel-bench-mqtt-'));
  let dbs = 0;
  const db = (): string => join(dir, `run-${dbs++}.db`);
  const broker = await startMosquitto();
  try {
    const ingestRows: (string | number)[][] = [];
    for (const qos of [0, 1] as const) {
      const bare = await measureChild('count', [], broker.url, qos, MESSAGES);
      const runnel = await measureChild('ingest', [db()], broker.url, qos, MESSAGES);
      const sqlite = await measureChild('sqlite', [db()], broker.url, qos, MESSAGES);
      const rate = (f: Figures): number => (f.received / f.ms) * 1000;
      ingestRows.push([
        `QoS ${qos}`,
        rate(bare),
        rate(runnel),
        `${((rate(runnel) / rate(bare)) * 100).toFixed(0)} %`,
        rate(sqlite),
        runnel.complete && runnel.received === MESSAGES ? 'all' : `${runnel.received} of ${MESSAGES}`,
      ]);
    }
    printTable(
      'Ingest through Mosquitto into committed inbox rows (msgs/s; publisher, broker and subscriber share the cores)',
      ['QoS', '(a) bare mqtt.js counter', 'Runnel inbox (process)', 'Runnel / (a)', '(b) better-sqlite3 batches of 1000 alone', 'stored'],
      ingestRows,
    );
    await forwardJob(broker.url, db);
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nLoad average at end: ${load()}`);
}

async function child(role: string, [url, qosText, nText, ...rest]: string[]): Promise<void> {
  const qos = Number(qosText) as Qos;
  const n = Number(nText);
  if (role === 'publish') return publisher(url!, qos, n);
  if (role === 'count') return bareCounter(url!, qos, n);
  if (role === 'ingest') return runnelIngest(url!, qos, n, rest[0]!);
  if (role === 'sqlite') return sqliteBatches(n, rest[0]!);
  if (role === 'forward-bare') return bareForward(url!, qos);
  if (role === 'forward-runnel') return runnelForward(url!, qos, rest[0]!);
  throw new Error(`unknown bench child role "${role}"`);
}

if (process.argv[1] === FILE && process.argv[2] === '--child') {
  // The forward jobs run until the parent stops them: exit normally then, so `--cpu-prof` writes its profile.
  process.once('SIGTERM', () => process.exit(0));
  child(process.argv[3]!, process.argv.slice(4)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
