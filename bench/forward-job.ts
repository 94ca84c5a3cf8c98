/**
 * Measures one run of the filter-and-forward job in any process, from outside: start time (spawn
 * until a probe message comes out forwarded), idle RSS, then CPU seconds (from /proc, idle
 * before the publisher starts → last alert seen), peak RSS (VmHWM) and the rate seen by an
 * observer subscribed to `alerts/#`. Every system (hand-written, Runnel, Node-RED) is measured
 * by the same code, so none reports on itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import mqtt from 'mqtt';
import { cpuSeconds, memoryMiB } from './proc-stats.js';

/** One measured run of the forward job. */
export interface ForwardFigures {
  /** From spawn until the job forwarded its first (probe) message, s. */
  readonly startS: number;
  /** RSS once started and idle, MiB. */
  readonly idleRssMiB: number;
  /** CPU seconds from idle (before the publisher starts) to the last alert seen. */
  readonly cpuS: number;
  /** Peak RSS over the whole process life (VmHWM), MiB. */
  readonly peakRssMiB: number;
  /** Input messages per second, from the first alert seen to the last. */
  readonly rate: number;
  /** Alerts seen (the probe's not counted). */
  readonly alerts: number;
  /** False when alerts stopped coming before all were seen (QoS 0 may lose some). */
  readonly complete: boolean;
}

/** What to run and how. */
export interface ForwardRun {
  /** Starts the job; it must subscribe to `sensors/#` and forward to `alerts/<device>`. */
  readonly start: () => ChildProcess;
  /** Starts the publisher of the `messages` readings and resolves when it exits. */
  readonly publish: () => Promise<unknown>;
  readonly url: string;
  readonly qos: 0 | 1;
  /** Alerts the publisher's readings make. */
  readonly alerts: number;
  /** Messages the publisher sends (for the rate). */
  readonly messages: number;
}

/** How long without a new alert, after the publisher is done, ends a run as incomplete. */
const STALL_MS = 15_000;
/** A probe every this many ms until one comes out: the job is subscribed and working end to end. */
const PROBE_EVERY_MS = 25;
/** How long a job may take to forward its first probe. */
const PROBE_TIMEOUT_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the job once and measures it; the job's process is stopped at the end. */
export async function measureForward(run: ForwardRun): Promise<ForwardFigures> {
  const observer = await mqtt.connectAsync(run.url, { clientId: `bench-observer-${process.pid}`, protocolVersion: 5 });
  let probed = false;
  let seen = 0;
  let first = 0;
  let last = 0;
  observer.on('message', (topic) => {
    if (topic === 'alerts/probe') {
      probed = true;
      return;
    }
    last = performance.now();
    if (seen++ === 0) first = last;
  });
  await observer.subscribeAsync('alerts/#', { qos: run.qos });
  const t0 = performance.now();
  const job = run.start();
  const exited = new Promise<void>((resolve) => job.once('exit', () => resolve()));
  let dead = false;
  void exited.then(() => (dead = true));
  try {
    for (let i = 0; !probed; i++) {
      if (dead) throw new Error(`the forward job exited (code ${job.exitCode}) before it forwarded a probe message`);
      if (performance.now() - t0 > PROBE_TIMEOUT_MS)
        throw new Error(`the forward job forwarded no probe message (sensors/probe → alerts/probe) within ${PROBE_TIMEOUT_MS / 1000} s of its start`);
      if (i % 5 === 0) observer.publish('sensors/probe', JSON.stringify({ device: 'probe', temperature: 99, seq: -1 - i, ts: Date.now() }), { qos: run.qos });
      await sleep(PROBE_EVERY_MS / 5);
    }
    const startS = (performance.now() - t0) / 1000;
    await sleep(500);
    const pid = job.pid!;
    const idleRssMiB = memoryMiB(pid).rss;
    const cpu0 = cpuSeconds(pid);
    let published = false;
    void run.publish().then(() => (published = true));
    let lastProgress = performance.now();
    let lastSeen = 0;
    while (seen < run.alerts && !dead) {
      await sleep(5);
      if (seen !== lastSeen || !published) {
        lastSeen = seen;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > STALL_MS) break;
    }
    if (dead) throw new Error(`the forward job exited (code ${job.exitCode}) during the run`);
    const cpuS = cpuSeconds(pid) - cpu0;
    const peakRssMiB = memoryMiB(pid).peak;
    while (!published) await sleep(10);
    return { startS, idleRssMiB, cpuS, peakRssMiB, rate: (run.messages / (last - first)) * 1000, alerts: seen, complete: seen >= run.alerts };
  } finally {
    if (!dead) {
      job.kill('SIGTERM');
      const killer = setTimeout(() => job.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await observer.endAsync();
  }
}

/** Spawns `node [flags] script args…` with the job's output on ours (stderr) and its stdout ignored. */
export function spawnNode(flags: readonly string[], script: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [...flags, script, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}
