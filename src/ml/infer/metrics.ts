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
