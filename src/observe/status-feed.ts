/**
 * The status page's live feed: while at least one page listens, reads the run's status once per
 * interval, turns counters into rates, and sends each listener the point to plot and the status
 * for the tables. The newest points are kept, so a page opened later starts with a history.
 */
import type { RunStatus } from './status.js';

/**
 * One plotted moment: `[t (s since the epoch), ingested/s, read/s, inbox, outbox, latency p50 ms,
 * p99 ms, model metric, CPU %, RSS MiB]`; null where the run has no such value.
 */
export type StatusPoint = [number, ...(number | null)[]];

/** What a listener gets each interval: the point and the status with each operator's input rate. */
export interface StatusMessage {
  readonly point: StatusPoint;
  readonly status: RunStatus;
  /** Elements per second into each of `status.operators`. */
  readonly operatorRates: readonly number[];
}

/** Options of `StatusFeed`. */
export interface StatusFeedOptions {
  /** Between two points, ms (default 1000). */
  readonly intervalMs?: number;
  /** Points kept for a page opened later (default 600: ten minutes at 1 s). */
  readonly keep?: number;
}

const sum = (record: Readonly<Record<string, number>>): number => Object.values(record).reduce((a, b) => a + b, 0);

export class StatusFeed {
  readonly #read: () => RunStatus;
  readonly #intervalMs: number;
  readonly #keep: number;
  readonly #history: StatusPoint[] = [];
  readonly #listeners = new Set<(message: StatusMessage) => void>();
  #previous: RunStatus | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(read: () => RunStatus, options: StatusFeedOptions = {}) {
    this.#read = read;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#keep = options.keep ?? 600;
  }

  /** The points kept so far, oldest first. */
  get history(): readonly StatusPoint[] {
    return this.#history;
  }

  /** Sends `listener` a message now and each interval until the returned function is called. */
  listen(listener: (message: StatusMessage) => void): () => void {
    this.#listeners.add(listener);
    this.#timer ??= setInterval(() => this.#tick(), this.#intervalMs);
    listener(this.#next());
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  /** Stops reading until someone listens again. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const message = this.#next();
    for (const listener of this.#listeners) listener(message);
  }

  /** Reads the status, and the rates since the previous read. */
  #next(): StatusMessage {
    const status = this.#read();
    const previous = this.#previous;
    const seconds = previous ? (status.at - previous.at) / 1000 : 0;
    const rate = (now: number, before: number | undefined): number | null => (seconds > 0 && before !== undefined ? Math.max(0, now - before) / seconds : null);
    const model = status.models[0]?.metric?.value ?? null;
    const point: StatusPoint = [
      status.at / 1000,
      rate(sum(status.ingested), previous && sum(previous.ingested)),
      rate(status.elementsRead, previous?.elementsRead),
      status.outbox === null ? null : sum(status.inbox),
      status.outbox,
      status.latencyMs?.p50 ?? null,
      status.latencyMs?.p99 ?? null,
      model,
      rate(status.cpuSeconds * 100, previous && previous.cpuSeconds * 100),
      status.rssBytes / 2 ** 20,
    ];
    const inBefore = new Map(previous?.operators.map((o) => [o.stages[0], o.elementsIn]));
    const operatorRates = status.operators.map((o) => rate(o.elementsIn, inBefore.get(o.stages[0])) ?? 0);
    this.#previous = status;
    this.#history.push(point);
    if (this.#history.length > this.#keep) this.#history.shift();
    return { point, status, operatorRates };
  }
}
