import { Pipeline } from '../core/pipeline.js';
import { run } from '../runner/direct-runner.js';
import type { RunOptions } from '../runner/types.js';
import { committedOutputs, type CommittedOutput } from '../store/outbox-queue.js';
import { Store } from '../store/store.js';

/** One row of a durable run's outbox: the stable output id and what was committed with it. */
export type OutboxRow = CommittedOutput;

/** The outbox of the database at `path`, in commit order. */
export function readOutbox(path: string): OutboxRow[] {
  const store = Store.open(path);
  try {
    return committedOutputs(store);
  } finally {
    store.close();
  }
}

/** A built job whose resources (a served model, …) must be closed after each run. */
export interface ClosableJob {
  readonly pipeline: Pipeline;
  close(): Promise<void> | void;
}

/** Options of `runWithStops`: the run's, and a look at the database after each stopped run. */
export interface RunWithStopsOptions extends RunOptions {
  /** Called with the open database after each run that was stopped (e.g. to count held state). */
  readonly onStop?: (store: Store) => void;
}

/**
 * Runs a durable pipeline into the database at `path` again and again, stopping each run between
 * steps after the next number of `stopAfter` steps, and lets the last run finish. Compare its
 * outbox with an uninterrupted run's to show that stops and restarts change nothing. `build`
 * makes the job afresh for each run. Returns how many runs were stopped before their input ended.
 */
export async function runWithStops(path: string, build: () => Pipeline | ClosableJob, stopAfter: Iterable<number>, options: RunWithStopsOptions = {}): Promise<number> {
  const { onStop, ...runOptions } = options;
  let stopped = 0;
  for (const steps of [...stopAfter, Infinity]) {
    const store = Store.open(path);
    const controller = new AbortController();
    const job = build();
    let done = 0;
    try {
      await run(job instanceof Pipeline ? job : job.pipeline, { ...runOptions, store, signal: controller.signal, onProgress: () => ++done >= steps && controller.abort() });
      if (!(job instanceof Pipeline)) await job.close();
      if (controller.signal.aborted) onStop?.(store);
    } finally {
      store.close();
    }
    if (!controller.signal.aborted) break;
    stopped++;
  }
  return stopped;
}
