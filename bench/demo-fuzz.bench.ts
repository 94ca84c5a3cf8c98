/**
 * The demo under hostile input, measured as a device sees it: `runnel demo --device
 * raspberry-pi-zero-2w` (compiled JS, a child process) while this process publishes fuzzed
 * payloads at QoS 1 to its broker next to the simulated sensors: valid readings, deeply nested
 * arrays and objects of ~235 KB, wide objects, arrays of many values, long strings, payloads
 * over the size limit, random bytes, wrong types, NaN, empty. Reports the child's peak RSS
 * (VmHWM) against the profile's memory budget, with and without the profile's V8 heap flags
 * (what `runnel demo --device` applies by itself), and the dead letters by code.
 * RUNNEL_BENCH_FUZZ_PAYLOADS sets the count (default 10,000). Compiled JS only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { seededRandom } from '../src/common/random.js';
import { loadDeviceProfile } from '../src/config/device-profile.js';
import { heapFlags } from '../src/config/heap-flags.js';
import { printTable } from './harness.js';

const CLI = join(fileURLToPath(import.meta.url), '..', '..', 'src', 'cli', 'main.js');
const PAYLOADS = Number(process.env['RUNNEL_BENCH_FUZZ_PAYLOADS'] ?? 10_000);
const PROFILE = 'raspberry-pi-zero-2w';
const BIG = 235_000;

/** The fuzz: each kind with its share of the payloads and how to make one. */
const KINDS: readonly { readonly name: string; readonly share: number; readonly make: (random: () => number) => Buffer }[] = [
  { name: 'valid reading', share: 0.4, make: (r) => json({ at: Date.now(), temp: 20 + 30 * r(), vibration: r() }) },
  { name: 'nested arrays ~235 KB', share: 0.03, make: () => Buffer.from(`${'['.repeat(BIG / 2)}${']'.repeat(BIG / 2)}`) },
  { name: 'nested objects ~235 KB', share: 0.03, make: () => Buffer.from(`${'{"a":'.repeat(BIG / 6)}0${'}'.repeat(BIG / 6)}`) },
  { name: 'wide object ~235 KB', share: 0.02, make: () => json(Object.fromEntries(Array.from({ length: BIG / 12 }, (_, i) => [`k${i}`, i]))) },
  { name: 'array of 117k values', share: 0.02, make: () => Buffer.from(`[${Array.from({ length: BIG / 2 }, () => '0').join(',')}]`) },
  { name: 'long string ~235 KB', share: 0.02, make: () => json({ at: Date.now(), temp: 'x'.repeat(BIG), vibration: 0 }) },
  { name: 'over the size limit (300 KB)', share: 0.02, make: (r) => Buffer.from(Array.from({ length: 300_000 }, () => Math.floor(r() * 256))) },
  { name: 'random bytes', share: 0.15, make: (r) => Buffer.from(Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 256))) },
  { name: 'wrong types', share: 0.15, make: (r) => json({ at: 'yesterday', temp: r() < 0.5, vibration: [] }) },
  { name: 'NaN and Infinity', share: 0.03, make: () => Buffer.from('{"at": 1, "temp": NaN, "vibration": Infinity}') },
  { name: 'empty', share: 0.03, make: () => Buffer.alloc(0) },
];

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Peak resident memory of a process so far, MiB (VmHWM), or undefined once it is gone. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

/** Resolves with the broker URL once the demo says where it listens; keeps reading its output after. */
async function brokerUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += String(chunk);
      const url = /broker listening on (mqtt:\/\/[\d.]+:\d+)/.exec(output)?.[1];
      if (url) {
        child.stdout!.off('data', onData).resume();
        resolve(url);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => reject(new Error(`the demo ended before its broker listened:\n${output}`)));
  });
}

/** Publishes the fuzz at QoS 1, at most 64 unacknowledged; returns how many of each kind went out. */
async function publishFuzz(url: string, count: number): Promise<Map<string, number>> {
  const random = seededRandom(20261206);
  const client = await mqtt.connectAsync(url, { clientId: 'fuzz', protocolVersion: 4 });
  const sent = new Map<string, number>();
  let open = 0;
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (open < 64 && next < count) {
        let pick = random();
        const kind = KINDS.find((k) => (pick -= k.share) < 0) ?? KINDS[0]!;
        sent.set(kind.name, (sent.get(kind.name) ?? 0) + 1);
        open++;
        client.publish(`sensors/fuzz-${String(next++ % 10).padStart(3, '0')}/readings`, kind.make(random), { qos: 1 }, (error) => {
          if (error) return reject(error);
          open--;
          if (next === count && open === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  await client.endAsync();
  return sent;
}

interface FuzzRun {
  readonly peakMiB: number;
  readonly deadLetters: Map<string, number>;
  readonly sent: Map<string, number>;
  readonly seconds: number;
}

async function fuzzDemo(nodeFlags: readonly string[]): Promise<FuzzRun> {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-fuzz-'));
  const child = spawn(process.execPath, [...nodeFlags, CLI, 'demo', '--device', PROFILE, '--duration', '3600', '--dir', dir, '--no-publish'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // Already applied (or deliberately not): the demo must not relaunch itself under other flags.
    env: { ...process.env, RUNNEL_HEAP_FLAGS: 'applied' },
  });
  let peakMiB = 0;
  const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, peakRssMiB(child.pid!) ?? 0)), 100);
  try {
    const url = await brokerUrl(child);
    const t0 = performance.now();
    const sent = await publishFuzz(url, PAYLOADS);
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 5000)); // the pipeline drains the inbox
    peakMiB = Math.max(peakMiB, peakRssMiB(child.pid!) ?? 0);
    child.kill('SIGINT');
    await once(child, 'exit');
    const db = new Database(join(dir, 'runnel.db'), { readonly: true });
    const rows = db.prepare("SELECT coalesce(code, 'reason') AS code, count(*) AS n FROM dead_letters GROUP BY code ORDER BY n DESC").all() as { code: string; n: number }[];
    db.close();
    return { peakMiB, deadLetters: new Map(rows.map((r) => [r.code, r.n])), sent, seconds };
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const profile = loadDeviceProfile(PROFILE);
  const flags = heapFlags(profile);
  console.log(
    `\n${PAYLOADS.toLocaleString('en-US')} fuzzed payloads at QoS 1 into \`runnel demo --device ${PROFILE}\` (memory budget ${profile.memoryBudgetMiB} MiB); load average ${loadavg()[0]!.toFixed(1)}`,
  );
  const runs = [
    { name: `profile's heap flags (${flags.join(' ')})`, result: await fuzzDemo(flags) },
    { name: 'no heap flags (V8 defaults)', result: await fuzzDemo([]) },
  ];
  printTable(
    'Demo peak RSS under fuzz',
    ['node flags', 'peak RSS MiB', 'budget MiB', 'within budget', 'publish s'],
    runs.map(({ name, result }) => [name, result.peakMiB, profile.memoryBudgetMiB, result.peakMiB <= profile.memoryBudgetMiB ? 'yes' : 'no', result.seconds]),
  );
  const first = runs[0]!.result;
  printTable(
    'What was sent',
    ['payload kind', 'count'],
    [...first.sent].map(([kind, n]) => [kind, n]),
  );
  printTable(
    "Dead letters by code (profile's flags run)",
    ['code', 'count'],
    [...first.deadLetters].map(([code, n]) => [code, n]),
  );
}
