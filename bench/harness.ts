/**
 * A small benchmark harness: run a case repeatedly, report the median, print tables.
 * Benchmarks measure speed; tests never do.
 */
import { cpus, totalmem } from 'node:os';

/** Options for `measure`. */
export interface MeasureOptions {
  /** Untimed runs before measuring (default 3). */
  warmup?: number;
  /** Timed runs; the median is reported (default 9). */
  runs?: number;
}

/** Result of timing one case. */
export interface Measurement {
  medianMs: number;
  minMs: number;
  runs: number;
}

/** Times `fn` (sync or async) `runs` times after `warmup` runs; reports the median in ms. */
export async function measure(fn: () => unknown, options: MeasureOptions = {}): Promise<Measurement> {
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 9;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]!, runs };
}

/** Prints a Markdown table (so results paste straight into docs/benchmarks.md). */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cell = (v: string | number): string => (typeof v === 'number' ? formatNumber(v) : v);
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.map(cell).join(' | ')} |`);
}

/** Formats a number with 3 significant digits, thousands separated for large values. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(3)).toString();
}

/** One line describing the machine and runtime, for the record. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${new Date().toISOString().slice(0, 10)} · ${cpu} · ${cpus().length} cores · ${Math.round(totalmem() / 2 ** 30)} GiB · Node ${process.version} · ${process.platform}/${process.arch}`;
}

/** Runs `fn` `runs` times and keeps the fastest result: another process's burst of load should not decide a cell. */
export async function bestOf<T extends { readonly ms: number }>(runs: number, fn: () => Promise<T>): Promise<T> {
  let best = await fn();
  for (let i = 1; i < runs; i++) {
    const next = await fn();
    if (next.ms < best.ms) best = next;
  }
  return best;
}
