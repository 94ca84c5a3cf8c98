/**
 * The streaming fitter: a stateful DoFn that buffers each key's first `warmUp` valid records,
 * fits the statistics on them with the kernels (one call per statistic), stores the artifact as
 * the key's state, and from then on tags every record with it (or, to export the fit, emits the
 * artifact once per key). In a durable run the state is persisted with each step, so after a
 * restart the fitted statistics are restored, not refitted.
 */
import { kv, type KV } from '../../core/element.js';
import type { StatefulContext, StatefulDoFn, TimerSpec } from '../../core/state.js';
import { bagState, eventTimer, valueState } from '../../core/state.js';
import { fitParams, fitsFiniteRowsOnly, type FittableKind } from './fit.js';
import { fittedStatistics, type FittedStatistics } from './artifact.js';
import { readFeatures, type FeatureRecord, type NonFinitePolicy } from '../records.js';
import { Workspace } from '../workspace.js';

/** Default warm-up length of the streaming fitters (records per key). */
export const DEFAULT_WARM_UP = 1000;

/** A record with the artifact to apply to it. */
export interface FittedRecord {
  readonly record: FeatureRecord;
  readonly fitted: FittedStatistics;
}

/** A buffered warm-up record and its event time. */
interface Buffered {
  readonly record: FeatureRecord;
  readonly t: number;
}

type WarmUpState = { fitted: ReturnType<typeof valueState<FittedStatistics>>; buffer: ReturnType<typeof bagState<Buffered>> };
type WarmUpTimers = { end: TimerSpec };
/** What the fitter emits: the records tagged with their fit, or each key's fit once. */
export type WarmUpOutput<K> = FittedRecord | KV<K, FittedStatistics>;
type Context<K> = StatefulContext<K, WarmUpOutput<K>, WarmUpState, WarmUpTimers>;

/**
 * Fits `kind` per key (and window) on the first `warmUp` records, then tags records with the fit.
 * A key whose window ends (for the global window: the input ends) before `warmUp` records came is
 * fitted on the records it has, so nothing buffered is left behind.
 */
export class WarmUpFitFn<K> implements StatefulDoFn<K, FeatureRecord, WarmUpOutput<K>, WarmUpState, WarmUpTimers> {
  readonly state: WarmUpState = { fitted: valueState<FittedStatistics>(), buffer: bagState<Buffered>() };
  readonly timers: WarmUpTimers = { end: eventTimer() };
  readonly #row: Float64Array;
  #ws: Workspace | undefined;

  constructor(
    private readonly kind: FittableKind,
    private readonly features: readonly string[],
    private readonly warmUp: number,
    private readonly policy: NonFinitePolicy,
    /** `'records'`: every record with its fit; `'fitted'`: `{ key, value: fit }` once per key. */
    private readonly emit: 'records' | 'fitted' = 'records',
  ) {
    this.#row = new Float64Array(features.length);
  }

  /** Loads the kernels when the run sets up, so a missing kernels file fails it before any input is read. */
  setup(): void {
    this.#ws ??= new Workspace();
  }

  process(record: FeatureRecord, ctx: Context<K>): void {
    const fitted = ctx.state.fitted.read();
    if (fitted && this.#matches(fitted)) {
      if (this.emit === 'records') ctx.output({ record, fitted });
      return;
    }
    // Checked now, so the buffer holds only records the fit can use (a bad one is a dead letter).
    readFeatures(record, this.features, this.policy, this.#row, 0, !fitsFiniteRowsOnly(this.kind));
    ctx.state.buffer.add({ record, t: ctx.timestamp });
    const buffered = ctx.state.buffer.read();
    if (buffered.length === 1) ctx.timers.end.set(ctx.window.maxTimestamp());
    if (buffered.length >= this.warmUp) this.#fitAndRelease(ctx);
  }

  /** The window (the input, for the global window) ended during the warm-up: fit on what came. */
  onTimer(_timer: 'end', ctx: Context<K>): void {
    if (ctx.state.buffer.read().length > 0) this.#fitAndRelease(ctx);
  }

  #fitAndRelease(ctx: Context<K>): void {
    const buffered = ctx.state.buffer.read();
    const fit = this.#fit(buffered);
    ctx.state.fitted.write(fit);
    ctx.state.buffer.clear();
    ctx.timers.end.clear();
    if (this.emit === 'fitted') ctx.output(kv(ctx.key, fit));
    else for (const b of buffered) ctx.output({ record: b.record, fitted: fit });
  }

  /** A restored artifact from another configuration (features or kind changed) is refitted. */
  #matches(fitted: FittedStatistics): boolean {
    return fitted.kind === this.kind && fitted.featureNames.length === this.features.length && fitted.featureNames.every((f, i) => f === this.features[i]);
  }

  #fit(buffered: readonly Buffered[]): FittedStatistics {
    this.#ws ??= new Workspace();
    const d = this.features.length;
    const block = this.#ws.f32('warmUp', buffered.length * d);
    const view = block.view;
    const finiteRows = fitsFiniteRowsOnly(this.kind);
    let n = 0;
    let from = Infinity;
    let to = -Infinity;
    for (const b of buffered) {
      readFeatures(b.record, this.features, 'keep', this.#row, 0, !finiteRows);
      if (finiteRows && !this.#row.every(Number.isFinite)) continue;
      view.set(this.#row, n++ * d);
      from = Math.min(from, b.t);
      to = Math.max(to, b.t);
    }
    const params = fitParams(this.#ws, this.kind, block.ptr, n, d);
    return fittedStatistics(this.kind, this.features, params, { rows: n, from: n > 0 ? from : null, to: n > 0 ? to : null });
  }
}
