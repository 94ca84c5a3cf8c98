/**
 * The forward job side by side (issue 11): the hand-written mqtt.js process, Runnel's durable
 * job and (opt-in) Node-RED, each run `runs` times per QoS in alternation, medians printed with
 * the targets.
 */
import type { ChildProcess } from 'node:child_process';
import { formatNumber, printTable } from './harness.js';
import { measureForward, type ForwardFigures } from './forward-job.js';

/** The systems compared, in table order. */
export type ForwardSystem = 'hand-written mqtt.js' | 'Node-RED' | 'Runnel durable';

/** What `compareForward` needs. */
export interface ForwardComparison {
  /** How to start each system at a QoS; a system left out is reported as not measured. */
  readonly jobs: Partial<Record<ForwardSystem, (qos: 0 | 1) => ChildProcess>>;
  /** Why a system left out of `jobs` was not measured, and how to include it. */
  readonly skipped: Partial<Record<ForwardSystem, string>>;
  readonly publish: (qos: 0 | 1) => Promise<unknown>;
  readonly url: string;
  readonly messages: number;
  readonly alerts: number;
  readonly runs: number;
}

const SYSTEMS: readonly ForwardSystem[] = ['hand-written mqtt.js', 'Node-RED', 'Runnel durable'];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Medians of one system at one QoS: over complete runs, or over all runs when none completed. */
interface Medians {
  readonly figures: ForwardFigures;
  readonly complete: number;
  readonly runs: number;
}

function medians(runs: readonly ForwardFigures[]): Medians {
  const complete = runs.filter((f) => f.complete);
  const basis = complete.length > 0 ? complete : runs;
  const m = (key: keyof Omit<ForwardFigures, 'complete'>): number => median(basis.map((f) => f[key]));
  return {
    figures: {
      startS: m('startS'),
      idleRssMiB: m('idleRssMiB'),
      cpuS: m('cpuS'),
      peakRssMiB: m('peakRssMiB'),
      rate: m('rate'),
      alerts: m('alerts'),
      complete: complete.length > 0,
    },
    complete: complete.length,
    runs: runs.length,
  };
}

/** Runs the comparison and prints its two tables (figures, then the targets). */
export async function compareForward(c: ForwardComparison): Promise<void> {
  const measured = SYSTEMS.filter((s) => c.jobs[s] !== undefined);
  const results = new Map<string, ForwardFigures[]>();
  for (const qos of [0, 1] as const) {
    for (let r = 0; r < c.runs; r++) {
      for (const system of measured) {
        const figures = await measureForward({ start: () => c.jobs[system]!(qos), publish: () => c.publish(qos), url: c.url, qos, alerts: c.alerts, messages: c.messages });
        const key = `${system}/${qos}`;
        results.set(key, [...(results.get(key) ?? []), figures]);
        const mark = figures.complete ? '' : ` (incomplete: ${figures.alerts} of ${c.alerts} alerts)`;
        console.error(
          `  ${system} QoS ${qos} run ${r + 1}: ${figures.cpuS.toFixed(2)} CPU s, ${figures.peakRssMiB.toFixed(0)} MiB peak, ${Math.round(figures.rate)} msgs/s${mark}`,
        );
      }
    }
  }
  const of = (system: ForwardSystem, qos: 0 | 1): Medians | undefined => {
    const runs = results.get(`${system}/${qos}`);
    return runs ? medians(runs) : undefined;
  };
  const per100k = (cpuS: number): number => (cpuS * 100_000) / c.messages;
  const pair = (system: ForwardSystem, cell: (m: ForwardFigures) => number | string): string => {
    const [q0, q1] = [of(system, 0), of(system, 1)];
    const show = (v: number | string): string => (typeof v === 'number' ? formatNumber(v) : v);
    return q0 && q1 ? `${show(cell(q0.figures))} / ${show(cell(q1.figures))}` : '–';
  };
  const rows = SYSTEMS.map((system) => {
    const q0 = of(system, 0);
    const q1 = of(system, 1);
    if (!q0 || !q1) return [system, `not measured: ${c.skipped[system] ?? 'left out'}`, '', '', '', '', '', ''];
    const both = [q0, q1];
    return [
      system,
      q0.figures.rate,
      q1.figures.rate,
      pair(system, (f) => per100k(f.cpuS)),
      pair(system, (f) => f.peakRssMiB),
      median(both.map((m) => m.figures.idleRssMiB)),
      median(both.map((m) => m.figures.startS)),
      both.map((m) => `${m.complete} of ${m.runs}`).join(' / '),
    ];
  });
  printTable(
    `Forward job (sensors/# → temperature > 50 → alerts/<device>, ${c.messages.toLocaleString('en-US')} messages, ${c.alerts.toLocaleString('en-US')} alerts), medians of ${c.runs} alternating runs per QoS, measured from outside (/proc)`,
    ['system', 'QoS 0 msgs/s', 'QoS 1 msgs/s', 'CPU s per 100k (QoS 0 / 1)', 'peak RSS MiB (QoS 0 / 1)', 'idle RSS MiB', 'start s', 'complete runs (QoS 0 / 1)'],
    rows,
  );
  const targets: (string | number)[][] = [];
  const ratio = (a: Medians | undefined, b: Medians | undefined, cell: (f: ForwardFigures) => number, limit: number, atLeast: boolean): string => {
    if (!a || !b) return 'not measured';
    const x = cell(a.figures) / cell(b.figures);
    const met = atLeast ? x >= limit : x <= limit;
    return `${x.toFixed(2)}× (${met ? 'met' : 'not met'})`;
  };
  const runnel = (qos: 0 | 1): Medians | undefined => of('Runnel durable', qos);
  const bare = (qos: 0 | 1): Medians | undefined => of('hand-written mqtt.js', qos);
  const nodeRed = (qos: 0 | 1): Medians | undefined => of('Node-RED', qos);
  targets.push(['rate ≥ 2× Node-RED', ratio(runnel(0), nodeRed(0), (f) => f.rate, 2, true), ratio(runnel(1), nodeRed(1), (f) => f.rate, 2, true)]);
  targets.push(['CPU per message ≤ 1.5× hand-written', ratio(runnel(0), bare(0), (f) => f.cpuS, 1.5, false), ratio(runnel(1), bare(1), (f) => f.cpuS, 1.5, false)]);
  targets.push(['peak RSS ≤ 1.2× hand-written', ratio(runnel(0), bare(0), (f) => f.peakRssMiB, 1.2, false), ratio(runnel(1), bare(1), (f) => f.peakRssMiB, 1.2, false)]);
  printTable('Issue 11 targets (Runnel durable vs the others, medians above; rates are only fair on an unloaded machine)', ['target', 'QoS 0', 'QoS 1'], targets);
}
