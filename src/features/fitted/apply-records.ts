/**
 * The DoFn behind impute, clip and the scalers: `process` checks and copies each record's
 * features into a buffer (a bad record is a dead letter there), `finishBundle` runs one kernel call
 * per run of consecutive records sharing an artifact (normally one per bundle, or one per key when a
 * warm-up fitter feeds it), and emits the records with the features replaced.
 */
import type { DoFn, FinishBundleContext, ProcessContext } from '../../core/do-fn.js';
import type { BoundedWindow } from '../../core/window.js';
import { applyParams } from './fit.js';
import type { FittedStatistics } from './artifact.js';
import { readFeatures, type FeatureRecord, type NonFinitePolicy } from '../records.js';
import { Workspace } from '../workspace.js';

/** How the DoFn finds the record and its artifact in an input element. */
export interface ApplySource<In> {
  record(input: In): FeatureRecord;
  fitted(input: In): FittedStatistics;
}

/** Applies fitted statistics to records, batched per bundle. */
export class ApplyFittedFn<In> implements DoFn<In, FeatureRecord> {
  readonly #ws = new Workspace();
  readonly #d: number;
  #values = new Float32Array(0);
  #records: FeatureRecord[] = [];
  #fitted: FittedStatistics[] = [];
  #timestamps: number[] = [];
  #windows: BoundedWindow[] = [];

  constructor(
    private readonly features: readonly string[],
    private readonly policy: NonFinitePolicy,
    private readonly source: ApplySource<In>,
    private readonly missingIsNaN = false,
  ) {
    this.#d = features.length;
  }

  startBundle(): void {
    this.#records = [];
    this.#fitted = [];
    this.#timestamps = [];
    this.#windows = [];
  }

  process(input: In, ctx: ProcessContext<FeatureRecord>): void {
    const record = this.source.record(input);
    const i = this.#records.length;
    if (this.#values.length < (i + 1) * this.#d) {
      const grown = new Float32Array(Math.max(64, 2 * this.#values.length, (i + 1) * this.#d));
      grown.set(this.#values);
      this.#values = grown;
    }
    readFeatures(record, this.features, this.policy, this.#values, i * this.#d, this.missingIsNaN);
    this.#records.push(record);
    this.#fitted.push(this.source.fitted(input));
    this.#timestamps.push(ctx.timestamp);
    this.#windows.push(ctx.window);
  }

  finishBundle(ctx: FinishBundleContext<FeatureRecord>): void {
    const n = this.#records.length;
    if (n === 0) return;
    const d = this.#d;
    const block = this.#ws.f32('bundle', n * d);
    block.view.set(this.#values.subarray(0, n * d));
    for (let start = 0; start < n;) {
      const fitted = this.#fitted[start]!;
      let end = start + 1;
      while (end < n && this.#fitted[end] === fitted) end++;
      applyParams(this.#ws, fitted, block.ptr + start * d * 4, end - start);
      start = end;
    }
    const out = block.view;
    for (let i = 0; i < n; i++) {
      const record: Record<string, unknown> = { ...this.#records[i] };
      for (let j = 0; j < d; j++) record[this.features[j]!] = out[i * d + j];
      ctx.output(record, this.#timestamps[i]!, this.#windows[i]!);
    }
    this.startBundle();
  }
}
