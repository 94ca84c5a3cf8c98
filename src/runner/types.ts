import type { DeadLetterCode } from '../common/dead-letter-codes.js';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';

/** Input that a stage rejected: what, where, why and when. */
export interface DeadLetter {
  /** Full name of the stage (or source) that rejected the input. */
  readonly stage: string;
  /** Why, in words a user understands (usually the error message). */
  readonly reason: string;
  /** Why, as a stable code to group and count by (`BAD_JSON`, `LATE`, `USER_CODE`, …). */
  readonly code: DeadLetterCode;
  /** The rejected element's value, or the raw input (a CSV line, say). */
  readonly payload: unknown;
  /** Event time of the element, when it had one. */
  readonly timestamp?: number;
  /** Processing time when it was rejected (ms since the epoch). */
  readonly at: number;
}

/** Options of `run(pipeline, options)` / `new DirectRunner(options)`. */
export interface RunOptions {
  /** Elements read from a source per bundle (default 1000). */
  bundleSize?: number;
  /** Stop the run at the first element that fails instead of dead-lettering it (default false). */
  failFast?: boolean;
  /** Processing-time clock (default: the system clock). */
  clock?: Clock;
  /**
   * Dead letters kept in the result (default 10,000); more are counted, not kept. In a durable
   * run they are kept without their payloads: the store's `dead_letters` has every one whole.
   */
  maxDeadLettersInResult?: number;
  /** Called with every dead letter as it happens, e.g. to log or store it. */
  onDeadLetter?: (deadLetter: DeadLetter) => void;
  /** Called after each step (one bundle from each source through the graph), e.g. for a progress bar. */
  onProgress?: (progress: RunProgress) => void;
  /**
   * Makes the run durable: it resumes from the store's last commit, and commits each step —
   * source offsets, state, outbox rows, dead letters — in one SQLite transaction.
   */
  store?: Store;
  /** Stops the run after the current step (an unbounded pipeline runs until this fires). */
  signal?: AbortSignal;
  /** How long to wait when every source is idle before reading again (default 20 ms). */
  idleWaitMs?: number;
  /** Where the run's log lines go, such as the pause on a full disk (default `console.warn`). */
  log?: (message: string) => void;
  /**
   * First wait before a durable run retries a step that failed on a full disk (SQLITE_FULL), in
   * ms (default 100); doubled per failure up to 5 s. The run pauses until space returns.
   */
  diskFullRetryMs?: number;
}

/** Progress of a run so far. */
export interface RunProgress {
  /** Bundles read from sources. */
  readonly bundles: number;
  /** Elements read from sources. */
  readonly elementsRead: number;
  readonly deadLetters: number;
  /** How long the step just run took, in ms: reading, the sweep through the graph, and its commit. */
  readonly stepMs: number;
  /** Per-operator counters so far (a status page's per-stage counts). */
  readonly operators: readonly OperatorMetrics[];
}

/** Counters of one operator (a fused chain of stages counts as one operator). */
export interface OperatorMetrics {
  /** The stages this operator runs, in order. */
  readonly stages: readonly string[];
  readonly elementsIn: number;
  readonly elementsOut: number;
}

/** What a finished run reports. */
export interface PipelineResult {
  /** The first `maxDeadLettersInResult` dead letters. */
  readonly deadLetters: readonly DeadLetter[];
  /** All dead letters, including those not kept. */
  readonly deadLetterCount: number;
  readonly operators: readonly OperatorMetrics[];
  /** Bundles read from sources. */
  readonly bundles: number;
  /** Steps committed to the store in total, over all runs on it (durable runs only). */
  readonly committedSteps?: number;
  readonly elapsedMs: number;
}
