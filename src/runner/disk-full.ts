import { setTimeout as sleep } from 'node:timers/promises';
import { RunnelError } from '../common/errors.js';
import { fileFullCode, freeSpace, isDiskFull } from '../store/disk-full.js';

/** Options of `DiskFullPause`. */
export interface DiskFullPauseOptions {
  /** The database file, for the log lines and the free space of its folder (a sink's file is passed to `retry`). */
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
 * transaction, rolled back whole, and a file sink's write of an uncommitted step is cut back and
 * written again, so either is retried as it was, with backoff, until it succeeds:
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
   * Called with what `attempt` threw: rethrows it unless it is `SQLITE_FULL` (or, with `file`,
   * `ENOSPC`/`EDQUOT` writing that file); otherwise retries `attempt` until it succeeds (or fails
   * otherwise) and returns its result.
   */
  async retry<T>(error: unknown, what: string, attempt: () => T | Promise<T>, file?: string): Promise<T> {
    const full = (e: unknown): string | undefined => (file === undefined ? (isDiskFull(e) ? 'SQLITE_FULL' : undefined) : fileFullCode(e));
    const code = full(error);
    if (code === undefined) throw error;
    const { log, signal } = this.#options;
    const path = file ?? this.#options.path;
    let since = this.#since;
    if (since === undefined) {
      since = this.#since = performance.now();
      const effect =
        file === undefined
          ? 'Nothing of the step was written; ingest into this database stops acknowledging too. Free some space on that disk (or move the database to a larger one)'
          : `The step was not committed; it writes its lines again from the file's committed length. Free some space on that disk`;
      log(`[runnel] durable run paused: the disk holding ${path} is full (${code} while ${what}; ${freeSpace(path)}). ${effect}: the run resumes by itself.`);
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
        if (full(again) === undefined) throw again;
      }
    }
  }
}
