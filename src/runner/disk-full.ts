import { setTimeout as sleep } from 'node:timers/promises';
import { RunnelError } from '../common/errors.js';
import { freeSpace, isDiskFull } from '../store/disk-full.js';

/** Options of `DiskFullPause`. */
export interface DiskFullPauseOptions {
  /** The database file, for the log lines and the free space of its folder. */
  readonly path: string;
  readonly log: (message: string) => void;
  /** First retry delay in ms, doubled per failure up to `MAX_RETRY_MS` (default 100). */
  readonly retryMs?: number;
  /** Ends the wait: the step stays uncommitted and the run fails with `DISK_FULL`. */
  readonly signal?: AbortSignal;
}

/** The longest wait between two retries: space freed by hand is noticed within this. */
const MAX_RETRY_MS = 5000;

/**
 * Waits out a full disk for a durable run. A write that failed with `SQLITE_FULL` was one
 * transaction, rolled back whole, so it is retried as it was, with backoff, until it succeeds:
 * the run pauses instead of dying, and resumes by itself when space returns. Logs once when an
 * episode starts (the database, the free space of its folder, what to do) and once when it ends.
 */
export class DiskFullPause {
  readonly #options: DiskFullPauseOptions;
  #since: number | undefined;

  constructor(options: DiskFullPauseOptions) {
    this.#options = options;
  }

  /**
   * Called with what `attempt` threw: rethrows it unless it is `SQLITE_FULL`; otherwise retries
   * `attempt` until it succeeds (or fails otherwise) and returns its result.
   */
  async retry<T>(error: unknown, what: string, attempt: () => T | Promise<T>): Promise<T> {
    if (!isDiskFull(error)) throw error;
    const { path, log, signal } = this.#options;
    let since = this.#since;
    if (since === undefined) {
      since = this.#since = performance.now();
      log(
        `[runnel] durable run paused: the disk holding ${path} is full (SQLITE_FULL while ${what}; ${freeSpace(path)}). ` +
          `Nothing of the step was written; ingest into this database stops acknowledging too. Free some space on that disk (or move the database to a larger one): the run resumes by itself.`,
      );
    }
    for (let failures = 1; ; failures++) {
      try {
        await sleep(Math.min(MAX_RETRY_MS, (this.#options.retryMs ?? 100) * 2 ** Math.min(failures - 1, 16)), undefined, { signal });
      } catch {
        throw new RunnelError('DISK_FULL', `stopped while the disk holding ${path} was full: the last step was not committed; it is read again on the next start`, {
          cause: error,
        });
      }
      try {
        const result = await attempt();
        log(`[runnel] durable run resumed after ${((performance.now() - since) / 1000).toFixed(1)} s: space is back (${freeSpace(path)})`);
        this.#since = undefined;
        return result;
      } catch (again) {
        if (!isDiskFull(again)) throw again;
      }
    }
  }
}
