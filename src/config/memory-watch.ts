/** Options of `watchMemory`. */
export interface MemoryWatchOptions {
  /** Resident memory the process should stay within, MiB (a device profile's `memoryBudgetMiB`). */
  readonly budgetMiB: number;
  /** Told once each time RSS rises past `warnAt` of the budget, and once when it falls back below `clearAt`. */
  readonly log: (line: string) => void;
  /** Share of the budget that warns (default 0.9). */
  readonly warnAt?: number;
  /** Share of the budget below which a warning is cleared (default 0.8). */
  readonly clearAt?: number;
  /** How often RSS is read, ms (default 1000). */
  readonly everyMs?: number;
  /** Reads RSS in bytes (default `process.memoryUsage.rss`). */
  readonly rss?: () => number;
}

/**
 * Watches resident memory against a budget and says so, once per episode, when it nears the
 * budget and when it is back below; returns a function that stops watching. The timer does not
 * keep the process alive.
 */
export function watchMemory(options: MemoryWatchOptions): () => void {
  const { budgetMiB, log, warnAt = 0.9, clearAt = 0.8, everyMs = 1000, rss = () => process.memoryUsage.rss() } = options;
  let warned = false;
  const check = (): void => {
    const usedMiB = rss() / 2 ** 20;
    if (!warned && usedMiB >= warnAt * budgetMiB) {
      warned = true;
      log(
        `memory: resident ${usedMiB.toFixed(0)} MiB is ${((100 * usedMiB) / budgetMiB).toFixed(0)} % of the device budget of ${budgetMiB} MiB; ` +
          `large payloads or a deep inbox backlog are the usual cause (runnel inspect shows the inbox); if it persists, lower bundle.maxElements or the payload limits`,
      );
    } else if (warned && usedMiB < clearAt * budgetMiB) {
      warned = false;
      log(`memory: resident ${usedMiB.toFixed(0)} MiB, back below ${Math.round(clearAt * 100)} % of the budget of ${budgetMiB} MiB`);
    }
  };
  const timer = setInterval(check, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
