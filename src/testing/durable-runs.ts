import type { Pipeline } from '../core/pipeline.js';
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

/**
 * Runs a durable pipeline into the database at `path` again and again, stopping each run between
 * steps after the next number of `stopAfter` steps, and lets the last run finish. Compare its
 * outbox with an uninterrupted run's to show that stops and restarts change nothing. Returns
 * how many runs were stopped before their input ended.
 */
export async function runWithStops(path: string, build: () => Pipeline, stopAfter: Iterable<number>, options: RunOptions = {}): Promise<number> {
  let stopped = 0;
  for (const steps of [...stopAfter, Infinity]) {
    const store = Store.open(path);
    const controller = new AbortController();
    let done = 0;
    try {
      await run(build(), { ...options, store, signal: controller.signal, onProgress: () => ++done >= steps && controller.abort() });
    } finally {
      store.close();
    }
    if (!controller.signal.aborted) break;
    stopped++;
  }
  return stopped;
}
