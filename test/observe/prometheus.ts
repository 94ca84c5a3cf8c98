/** Scraping and parsing `/metrics` with a real Prometheus text-format parser (parse-prometheus-text-format). */
import { createRequire } from 'node:module';

/** A metric family as the parser gives it (values are strings). */
export interface ParsedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: readonly {
    readonly value?: string;
    readonly labels?: Record<string, string>;
    readonly buckets?: Record<string, string>;
    readonly count?: string;
    readonly sum?: string;
  }[];
}

export const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

/** The families of `text` by name. */
export function families(text: string): Map<string, ParsedFamily> {
  return new Map(parsePrometheus(text).map((f) => [f.name, f]));
}

/** The one value of an unlabelled counter or gauge, or of the series with `labels`. */
export function valueOf(all: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const same = (given: Record<string, string> = {}): boolean =>
    Object.keys(given).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => given[k] === v);
  const series = all.get(name)?.metrics.find((m) => same(m.labels));
  return series?.value === undefined ? undefined : Number(series.value);
}

/** GET `path` on 127.0.0.1:`port`: status and body. */
export async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: response.status, body: await response.text() };
}

/** Polls `condition` every 20 ms until it holds; rejects naming `what` after `ms`. */
export async function eventually(condition: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
