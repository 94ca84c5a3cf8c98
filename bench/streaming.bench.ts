/**
 * The streaming runner: 1e6 timestamped events, 1,000 keys, 10 s fixed windows,
 * combinePerKey(mean()); durable (state committed to SQLite per step) against in-memory
 * state only, same run, over several bundle sizes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline, Store, fixedWindows, kv, mean, run as runDirect, type KV, type Synchronous } from '../src/index.js';
import { eventStream, seededRandom, timestamped, type TimestampedValue } from '../src/testing/index.js';
import { printTable } from './harness.js';

const N = Number(process.env['RUNNEL_BENCH_EVENTS'] ?? 1_000_000);
const KEYS = 1_000;

function events(): TimestampedValue<KV<number, number>>[] {
  const random = seededRandom(1);
  // One event per millisecond of event time: 100 windows of 10 s, each with all keys.
  return Array.from({ length: N }, (_, i) => timestamped(kv(Math.floor(random() * KEYS), random() * 100), i));
}

async function runOnce(input: TimestampedValue<KV<number, number>>[], bundleSize: number, synchronous?: Synchronous): Promise<{ ms: number; outputs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-bench-'));
  const store = synchronous ? Store.open(join(dir, 'bench.db'), { synchronous }) : undefined;
  let outputs = 0;
  const p = new Pipeline();
  p.apply(eventStream(input, { maxLateness: 0 }))
    .windowInto(fixedWindows(10_000))
    .combinePerKey(mean())
    .map(() => void outputs++);
  const started = performance.now();
  await runDirect(p, { bundleSize, ...(store ? { store } : {}) });
  const ms = performance.now() - started;
  store?.close();
  rmSync(dir, { recursive: true, force: true });
  return { ms, outputs };
}

export async function run(): Promise<void> {
  const input = events();
  const rows: (string | number)[][] = [];
  for (const bundleSize of [1000, 5000, 20_000]) {
    // One warm-up, then the median of three runs of each mode.
    const median = async (sync?: Synchronous) => {
      await runOnce(input, bundleSize, sync);
      const times: number[] = [];
      let outputs = 0;
      for (let r = 0; r < 3; r++) {
        const result = await runOnce(input, bundleSize, sync);
        times.push(result.ms);
        outputs = result.outputs;
      }
      return { ms: times.sort((a, b) => a - b)[1]!, outputs };
    };
    const memory = await median();
    const normal = await median('NORMAL');
    const full = await median('FULL');
    if (normal.outputs !== memory.outputs || full.outputs !== memory.outputs) throw new Error('durable and in-memory runs disagree');
    rows.push([bundleSize, N / (memory.ms / 1000), N / (normal.ms / 1000), N / (full.ms / 1000), normal.ms / memory.ms, N / bundleSize]);
  }
  printTable(
    `1,000,000 events, ${KEYS} keys, 10 s fixed windows, combinePerKey(mean()): events/s`,
    ['bundle size', 'in-memory state', 'durable, synchronous=NORMAL', 'durable, synchronous=FULL', 'NORMAL time ÷ in-memory', 'commits'],
    rows,
  );
}
