/**
 * Runner overhead: 1e6 elements through map → filter → withKeys → combinePerKey(sum) over
 * 1,000 keys, against a hand-written loop doing the same work in the same run.
 */
import { Pipeline, create, sum, collect, run as runDirect, type KV } from '../src/index.js';
import { measure, printTable } from './harness.js';

const N = 1_000_000;
const KEYS = 1_000;

const double = (x: number): number => x * 2;
const notMultipleOf3 = (x: number): boolean => x % 3 !== 0;
const keyOf = (x: number): number => x % KEYS;

function handWritten(input: readonly number[]): Map<number, number> {
  const sums = new Map<number, number>();
  for (let i = 0; i < input.length; i++) {
    const v = double(input[i]!);
    if (!notMultipleOf3(v)) continue;
    const k = keyOf(v);
    sums.set(k, (sums.get(k) ?? 0) + v);
  }
  return sums;
}

async function viaRunner(input: readonly number[], bundleSize: number): Promise<Map<number, number>> {
  const p = new Pipeline();
  const out = collect<KV<number, KV<number, number>['value']>>();
  p.apply(create(input)).map(double).filter(notMultipleOf3).withKeys(keyOf).combinePerKey(sum()).apply(out);
  await runDirect(p, { bundleSize });
  return new Map(out.values.map((e) => [e.key, e.value]));
}

export async function run(): Promise<void> {
  const input = Array.from({ length: N }, (_, i) => i);
  const reference = handWritten(input);
  const check = await viaRunner(input, 1000);
  for (const [k, v] of reference) if (check.get(k) !== v) throw new Error(`runner disagrees with the loop at key ${k}`);

  const loop = await measure(() => handWritten(input), { warmup: 2, runs: 7 });
  const rows: (string | number)[][] = [['hand-written loop', '—', loop.medianMs, N / (loop.medianMs / 1000), 1]];
  for (const bundleSize of [100, 1000, 10_000]) {
    const m = await measure(() => viaRunner(input, bundleSize), { warmup: 2, runs: 7 });
    rows.push([`runner`, bundleSize, m.medianMs, N / (m.medianMs / 1000), m.medianMs / loop.medianMs]);
  }
  printTable(
    `map → filter → withKeys → combinePerKey(sum), ${N.toLocaleString('en-US')} elements, ${KEYS} keys`,
    ['implementation', 'bundle size', 'median ms', 'elements/s', 'time ÷ loop'],
    rows,
  );
}
