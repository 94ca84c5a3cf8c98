/** What the status page shows: the run's counters at one moment, and where its parts come from. */
import type { DeadLetterCount } from './dead-letter-tally.js';
import type { GraphOperator } from './pipeline-graph.js';

/** Whether a run can take work, and why not. */
export interface Readiness {
  readonly ready: boolean;
  /** One line: `running`, or why the run is not ready. */
  readonly reason: string;
}

/** Inference batches to time: a RunInference's `metrics` (`RunInferenceMetrics`) fits. */
export interface InferenceSource {
  /** Calls `listener` after each batch with its rows and latency in ms. */
  onBatch(listener: (rows: number, ms: number) => void): void;
  /** Batches so far and latency percentiles over the recent ones, ms. */
  snapshot(): { readonly numBatches: number; readonly batchLatencyP50Ms: number; readonly batchLatencyP99Ms: number };
}

/** A change of the model serving: which version, what happened, and its score if it has one. */
export interface ModelEvent {
  readonly model: string;
  readonly version: number;
  /** `serving`: the version the run started with; `kept`: a challenger lost and this version stays. */
  readonly kind: 'serving' | 'promoted' | 'kept' | 'rolled-back';
  /** The version's score where it was measured, e.g. `{ name: 'rmse', value: 0.41 }`. */
  readonly metric?: { readonly name: string; readonly value: number };
  /** When, ms since the epoch. */
  readonly at: number;
}

/** The run at one moment (`RunMetrics.status()`): counters are cumulative since the process started. */
export interface RunStatus {
  /** When it was read, ms since the epoch. */
  readonly at: number;
  readonly readiness: Readiness;
  readonly elementsRead: number;
  /** MQTT messages committed to the inbox, by source. */
  readonly ingested: Readonly<Record<string, number>>;
  /** Messages waiting in the inbox, by source (durable runs). */
  readonly inbox: Readonly<Record<string, number>>;
  /** Outputs waiting in the outbox; null without a store. */
  readonly outbox: number | null;
  /** Inference batch latency percentiles over the recent batches, ms; null before the first batch. */
  readonly latencyMs: { readonly p50: number; readonly p99: number } | null;
  /** The latest event of each model. */
  readonly models: readonly ModelEvent[];
  /** The newest model events, oldest first. */
  readonly modelEvents: readonly ModelEvent[];
  /** The largest groups of dead letters since the start. */
  readonly deadLetters: readonly DeadLetterCount[];
  readonly operators: readonly GraphOperator[];
  readonly rssBytes: number;
  readonly cpuSeconds: number;
}
