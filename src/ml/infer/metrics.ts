/**
 * Inference metrics under Beam's RunInference names: inference count, batch latency percentiles
 * over a sliding window of recent batches, model load latency, model byte size, failures.
 */

/** A snapshot of one model's metrics. */
export interface InferenceMetrics {
  /** Rows inferred (Beam: num_inferences). */
  numInferences: number;
  /** Batches run successfully. */
  numBatches: number;
  /** Batches that failed validation or inference (Beam: failed_batches_counter). */
  failedBatches: number;
  /** Median batch latency over the recent window, ms (Beam: inference_batch_latency_micro_secs). */
  batchLatencyP50Ms: number;
  /** 99th percentile batch latency over the recent window, ms. */
  batchLatencyP99Ms: number;
  /** Time to create the session, ms (Beam: load_model_latency_milli_secs). */
  loadLatencyMs: number;
  /** Size of the model blob (Beam: model_byte_size). */
  modelByteSize: number;
}

/** One model's batch counts and latencies, reported as `InferenceMetrics`. */
export class ModelBatchStats {
  private readonly latency = new LatencyWindow();
  private rows = 0;
  private batches = 0;
  private failed = 0;

  /** A batch of `rows` that ran in `ms`. */
  ran(rows: number, ms: number): void {
    this.rows += rows;
    this.batches++;
    this.latency.record(ms);
  }

  /** A batch that failed. */
  fail(): void {
    this.failed++;
  }

  /** The model's metrics, with its load latency and size. */
  metrics(loadLatencyMs: number, modelByteSize: number): InferenceMetrics {
    return {
      numInferences: this.rows,
      numBatches: this.batches,
      failedBatches: this.failed,
      batchLatencyP50Ms: this.latency.percentile(50),
      batchLatencyP99Ms: this.latency.percentile(99),
      loadLatencyMs,
      modelByteSize,
    };
  }
}

/** The last `capacity` latencies in a ring; percentiles by nearest rank. */
export class LatencyWindow {
  private readonly values: Float64Array;
  private count = 0;
  private next = 0;

  constructor(capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LatencyWindow capacity must be a positive integer, got ${capacity}`);
    this.values = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    this.count = Math.min(this.count + 1, this.values.length);
  }

  /** The p-th percentile (0 < p ≤ 100) of the recorded values; NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const sorted = this.values.slice(0, this.count).sort();
    return sorted[Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1))]!;
  }
}

/** Metrics of a RunInference transform and its models (what `RunInferenceMetrics.snapshot` returns). */
export interface RunInferenceSnapshot extends InferenceMetrics {
  /** Examples sent to the dead letters: bad input, or a member of a failed batch. */
  failedExamples: number;
  /** Models loaded successfully (first loads, hot swaps, keyed loads). */
  modelLoads: number;
  /** Loads rejected (corrupt or unsupported models); the model before keeps serving. */
  failedLoads: number;
  /** Sessions released (swapped out or evicted). */
  releasedModels: number;
}

/**
 * Counters shared by a RunInference transform and the models it serves. `loadLatencyMs` and
 * `modelByteSize` are those of the latest model loaded.
 */
export class RunInferenceMetrics {
  private readonly latency: LatencyWindow;
  private readonly counts = { rows: 0, batches: 0, failedBatches: 0, failedExamples: 0, loads: 0, failedLoads: 0, released: 0 };
  private lastLoad = { ms: NaN, bytes: 0 };
  private readonly batchListeners: ((rows: number, ms: number) => void)[] = [];

  constructor(latencyWindow = 1024) {
    this.latency = new LatencyWindow(latencyWindow);
  }

  /** A batch of `rows` examples ran in `ms`. */
  batch(rows: number, ms: number): void {
    this.counts.rows += rows;
    this.counts.batches++;
    this.latency.record(ms);
    for (const listener of this.batchListeners) listener(rows, ms);
  }

  /** Calls `listener` after each batch that ran, with its rows and latency (e.g. for a latency histogram). */
  onBatch(listener: (rows: number, ms: number) => void): void {
    this.batchListeners.push(listener);
  }

  /** A batch failed as a whole (its examples are dead letters). */
  failedBatch(): void {
    this.counts.failedBatches++;
  }

  /** `n` examples went to the dead letters. */
  failedExample(n = 1): void {
    this.counts.failedExamples += n;
  }

  /** A model of `bytes` loaded in `ms`. */
  load(ms: number, bytes: number): void {
    this.counts.loads++;
    this.lastLoad = { ms, bytes };
  }

  /** A model failed to load. */
  failedLoad(): void {
    this.counts.failedLoads++;
  }

  /** A session was released. */
  released(): void {
    this.counts.released++;
  }

  snapshot(): RunInferenceSnapshot {
    const c = this.counts;
    return {
      numInferences: c.rows,
      numBatches: c.batches,
      failedBatches: c.failedBatches,
      batchLatencyP50Ms: this.latency.percentile(50),
      batchLatencyP99Ms: this.latency.percentile(99),
      loadLatencyMs: this.lastLoad.ms,
      modelByteSize: this.lastLoad.bytes,
      failedExamples: c.failedExamples,
      modelLoads: c.loads,
      failedLoads: c.failedLoads,
      releasedModels: c.released,
    };
  }
}
