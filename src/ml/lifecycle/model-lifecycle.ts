/**
 * The learning loop of one model on the device. Samples arrive in the store (`writeSamples`);
 * `tick()`, called on a schedule, decides on the injected clock whether to retrain (every
 * interval, every N new samples, on drift), fits a challenger on the recent labelled samples but
 * the newest slice, scores champion and challenger on that same held-out slice through the
 * handler that serves them (the champion under a lease, not loaded again), and promotes the
 * challenger only past the margin, swapping in the already-loaded model. In shadow mode the
 * challenger first scores live samples beside the champion without serving. A promoted model
 * whose live metric falls below its predecessor's within the rollback window is rolled back.
 * Every version is a row of `model_versions` (see store/model-versions.ts); at most `keep` stay.
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { frameOf, type FrameLike } from '../../kernels/frame.js';
import { ModelVersionTable, type ModelVersion } from '../../store/model-versions.js';
import { SampleTable } from '../../store/samples.js';
import type { Store } from '../../store/store.js';
import type { ModelManifest, TensorSpec } from '../../sync/manifest.js';
import type { PushDetails } from '../../sync/registry.js';
import type { FrameModelOptions } from '../infer/frame-settings.js';
import { servedModel, type ServedModel } from '../infer/served-model.js';
import type { FrameModel } from '../infer/types.js';
import type { SufficientStatistics } from '../train/sufficient-statistics.js';
import type { TrainedModel } from '../train/types.js';
import { driftReason, featureStatistics, largestShift, type FeatureStatistics } from './drift.js';
import { scoreModel, scoreServed, splitHeldOut, type Slice } from './evaluation.js';
import { fitterOf, statisticsOf } from './fleet-statistics.js';
import { beats, checkMetric, worse, type LifecycleMetric } from './metric.js';
import type { LifecycleEvent, ModelLifecycleOptions } from './options.js';

export type { FleetOptions, LifecycleEvent, LifecycleTrainer, ModelLifecycleOptions, PromotionOptions, RetrainPolicy } from './options.js';

interface Pending {
  readonly version: number;
  readonly model: FrameModel;
  /** Live samples are those with an event time after this. */
  readonly liveFrom: number;
}

interface Watch {
  readonly parent: number;
  readonly until: number;
  readonly liveFrom: number;
  model?: FrameModel;
}

/**
 * What a registry's manifest says of version `v` besides what the registry adds (name, number,
 * hash). Only a fitted version has one: a manifest says what its model was trained on, so a
 * baseline (or an adopted version without a training window) is refused with a RangeError.
 */
export function pushDetails(v: ModelVersion, tensors: { readonly inputs: readonly TensorSpec[]; readonly outputs: readonly TensorSpec[] }): PushDetails {
  if (v.trainedFrom === undefined || v.trainedTo === undefined) {
    throw new RangeError(`${v.model} v${v.version} was not fitted here (${v.reason}), so it has no training window for a manifest; a registry takes the versions this loop trains`);
  }
  return { inputs: tensors.inputs, outputs: tensors.outputs, metrics: v.metrics, trainedOn: { samples: v.trainedRows, from: v.trainedFrom, to: v.trainedTo } };
}

/** The learning loop of one model; see the module comment. */
export class ModelLifecycle {
  /** The model serving now: pass it to `runInference`. */
  readonly served: ServedModel<FrameModelOptions, FrameModel>;
  readonly #o: ModelLifecycleOptions;
  readonly #clock: Clock;
  readonly #samples: SampleTable;
  readonly #versions: ModelVersionTable;
  readonly #metric: LifecycleMetric;
  readonly #fit: (frame: FrameLike, labels: Float64Array) => TrainedModel;
  readonly #statistics: ((frame: FrameLike, labels: Float64Array) => SufficientStatistics) | undefined;
  #champion: ModelVersion;
  #shadow: Pending | undefined;
  #watch: Watch | undefined;
  #lastFitAt: number;
  #lastFitSample: number;
  #maxRows: number;
  #busy = false;

  /** Opens the loop: a challenger a crash left undecided is rejected, and the champion (or `baseline`) serves. */
  constructor(options: ModelLifecycleOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#metric = checkMetric(options.promotion?.metric ?? 'rmse');
    this.#fit = fitterOf(options.trainer);
    this.#statistics = options.fleet ? statisticsOf(options.trainer, options.model) : undefined;
    this.#samples = new SampleTable(options.store);
    this.#versions = new ModelVersionTable(options.store);
    this.#maxRows = options.policy?.maxSamples ?? 5000;
    const now = this.#clock.now();
    for (const v of this.#versions.list(options.model)) {
      if (v.status === 'challenger') this.#versions.setStatus(options.model, v.version, 'rejected', 'interrupted: the process stopped before this challenger was decided', now);
    }
    this.#champion = this.#versions.champion(options.model) ?? this.#startWith(options.baseline, options.baselineReason ?? 'baseline: the starting model', now);
    const all = this.#versions.list(options.model);
    this.#lastFitAt = Math.max(...all.map((v) => v.createdAt));
    this.#lastFitSample = Math.max(...all.map((v) => v.lastSample));
    const { rollback } = options;
    const parent = this.#champion.parent;
    if (rollback && parent !== undefined && this.#versions.get(options.model, parent) && now < (this.#champion.promotedAt ?? 0) + rollback.windowMs) {
      this.#watch = { parent, until: (this.#champion.promotedAt ?? 0) + rollback.windowMs, liveFrom: this.#champion.metrics['liveFrom'] ?? -Infinity };
    }
    this.served = servedModel(options.handler, this.#champion.onnx, this.#loadOptions(this.#champion.version));
  }

  /** Whether `store` holds a champion of `model` (then `baseline` is not needed). */
  static hasChampion(store: Store, model: string): boolean {
    return new ModelVersionTable(store).champion(model) !== undefined;
  }

  /** The version serving now. */
  get champion(): ModelVersion {
    return this.#champion;
  }

  /** The metric promotions are decided on. */
  get metric(): LifecycleMetric {
    return this.#metric;
  }

  /** The challenger scoring live data in shadow mode, if any. */
  get shadowVersion(): number | undefined {
    return this.#shadow?.version;
  }

  /** Prunes samples, checks a rollback and a challenger in shadow, and retrains when the policy says so. */
  async tick(): Promise<LifecycleEvent> {
    if (this.#busy) return this.#event('busy', 'a tick is still running');
    this.#busy = true;
    try {
      const now = this.#clock.now();
      if (this.#o.caps) this.#samples.prune(this.#o.model, this.#o.caps, now);
      const rolledBack = await this.#checkRollback(now);
      if (rolledBack) return rolledBack;
      if (this.#shadow) return await this.#checkShadow(this.#shadow);
      const trigger = await this.#trigger(now);
      return trigger ? await this.#retrain(trigger.reason, trigger.after) : this.#event('none', 'no retrain due');
    } finally {
      this.#busy = false;
    }
  }

  /** Retrains now, whatever the policy says (a tick may not be running). */
  async retrain(reason = 'asked for'): Promise<LifecycleEvent> {
    if (this.#busy) return this.#event('busy', 'a tick is still running');
    this.#busy = true;
    try {
      return await this.#retrain(reason, undefined);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Serves a version made elsewhere (pulled from a registry after its signature and SHA-256
   * were checked): stored as the next version with `reason`, loaded, and promoted over the
   * champion without a held-out check (its publisher vouched for it) and without a push back;
   * the rollback window then watches it as it watches a promotion here, and the retrain schedule
   * counts from it as from a fit. One that fails to load
   * is stored as rejected and the champion keeps serving. Throws while a tick or retrain runs
   * (a sync queue retries).
   */
  async adopt(onnx: Uint8Array, origin: { readonly reason: string; readonly metrics?: Readonly<Record<string, number>>; readonly trainedRows?: number }): Promise<LifecycleEvent> {
    if (this.#busy) throw new Error(`model "${this.#o.model}": cannot adopt a version while a tick is running; try again once it is done`);
    this.#busy = true;
    try {
      const version = this.#versions.nextVersion(this.#o.model);
      const base = { model: this.#o.model, parent: this.#champion.version, onnx, preprocessing: null, metrics: origin.metrics ?? {}, trainedRows: origin.trainedRows ?? 0 };
      const lastSample = this.#samples.newestId(this.#o.model);
      let model: FrameModel;
      try {
        model = await this.#o.handler.load(onnx, this.#loadOptions(version));
      } catch (error) {
        this.#store({ ...base, lastSample, status: 'rejected', reason: `${origin.reason}; failed to load: ${(error as Error).message}` });
        return this.#event('rejected', `v${version} (${origin.reason}) rejected: it failed to load (${(error as Error).message}); v${this.#champion.version} keeps serving`, {
          version,
        });
      }
      this.#store({ ...base, lastSample, status: 'challenger', reason: origin.reason });
      // It counts as a fit for the schedule: it serves a whole retrain period before a challenger is fitted against it.
      this.#lastFitAt = this.#clock.now();
      this.#lastFitSample = lastSample;
      await this.#promote(version, model, origin.reason, this.#labelled({ limit: 1 }).at[0] ?? -Infinity, false);
      return this.#event('promoted', `v${version} adopted: ${origin.reason}`, { version });
    } finally {
      this.#busy = false;
    }
  }

  /** Stops serving and releases every loaded model. */
  async close(): Promise<void> {
    await this.#shadow?.model.release();
    await this.#watch?.model?.release();
    this.#shadow = undefined;
    this.#watch = undefined;
    await this.served.close();
  }

  #startWith(baseline: Uint8Array | undefined, reason: string, now: number): ModelVersion {
    const { model } = this.#o;
    if (!baseline) throw new RangeError(`model "${model}" has no champion in ${this.#o.store.path} and no baseline was given: pass options.baseline (the first model to serve)`);
    return this.#versions.insert(
      {
        model,
        status: 'champion',
        reason,
        onnx: baseline,
        preprocessing: null,
        metrics: {},
        trainedRows: 0,
        lastSample: this.#samples.newestId(model),
      },
      now,
    );
  }

  #loadOptions(version: number): FrameModelOptions {
    return { id: `${this.#o.model}@${version}` };
  }

  #event(action: LifecycleEvent['action'], summary: string, more: Partial<LifecycleEvent> = {}): LifecycleEvent {
    if (action !== 'none' && action !== 'busy' && action !== 'waiting') this.#o.log?.(summary);
    return { action, champion: this.#champion.version, summary, ...more };
  }

  /** Why a retrain is due now, and from which event time its samples are taken; undefined when none is. */
  async #trigger(now: number): Promise<{ readonly reason: string; readonly after?: number } | undefined> {
    const policy = this.#o.policy ?? {};
    const fresh = this.#samples.countAfter(this.#o.model, this.#lastFitSample);
    if (policy.everyMs !== undefined && now - this.#lastFitAt >= policy.everyMs) return { reason: `${policy.everyMs} ms since the last fit` };
    if (policy.everySamples !== undefined && fresh >= policy.everySamples) return { reason: `${fresh} new samples` };
    if (!policy.drift || fresh === 0) return undefined;
    const recent = this.#labelled({ limit: policy.drift.window ?? 200 });
    if (recent.rows < Math.min(policy.drift.window ?? 200, policy.minSamples ?? 40)) return undefined;
    const rolling = await scoreServed(this.served, recent, this.#o.features, this.#output(), this.#metric);
    const stats = this.#champion.preprocessing as FeatureStatistics | null;
    const why = driftReason(policy.drift, this.#metric, rolling, this.#champion.metrics[this.#metric], stats ? largestShift(stats, recent.x, recent.rows) : undefined);
    // After a regime change the older samples describe the old regime: fit on the drifted window on.
    return why ? { reason: `drift: ${why}`, after: recent.at[0]! - 1 } : undefined;
  }

  #output(): string {
    return this.#o.output ?? 'prediction';
  }

  #labelled(query: { limit?: number; after?: number }): ReturnType<SampleTable['labelled']> {
    return this.#samples.labelled(this.#o.model, this.#o.labels, this.#o.features.length, query);
  }

  async #retrain(trigger: string, after: number | undefined): Promise<LifecycleEvent> {
    const { model, features, policy = {}, promotion = {} } = this.#o;
    const minSamples = policy.minSamples ?? 40;
    const newest = this.#samples.newestId(model);
    let data = this.#labelled({ limit: this.#maxRows, ...(after === undefined ? {} : { after }) });
    if (data.rows < minSamples && after !== undefined) data = this.#labelled({ limit: this.#maxRows });
    if (data.rows < minSamples) return this.#event('waiting', `waiting for samples (${data.rows} labelled, ${minSamples} needed)`, { trigger });
    const { train, heldOut } = splitHeldOut(data, promotion.heldOutFraction ?? 0.25, promotion.minHeldOut ?? 10);
    const timer = this.#o.timer ?? (() => performance.now());
    const started = timer();
    // A failed fit counts as a fit for the schedule: it is not retried before the next trigger.
    this.#lastFitAt = this.#clock.now();
    this.#lastFitSample = newest;
    let fitted: TrainedModel;
    let onnx: Uint8Array;
    const frame = frameOf(train.x, features);
    try {
      fitted = this.#fit(frame, train.y);
      onnx = fitted.toOnnx({ graphName: model });
    } catch (error) {
      return this.#event('rejected', `the fit failed (${trigger}): ${(error as Error).message}; v${this.#champion.version} keeps serving`, { trigger });
    }
    this.#shareStatistics(frame, train);
    const fitMs = timer() - started;
    this.#budget(fitMs, train.rows);
    const version = this.#versions.nextVersion(model);
    const base = {
      model,
      parent: this.#champion.version,
      onnx,
      preprocessing: featureStatistics(train.x, train.rows, features),
      trainedRows: train.rows,
      trainedFrom: train.at[0],
      trainedTo: train.at[train.rows - 1],
      lastSample: newest,
    };
    let challenger: FrameModel;
    try {
      challenger = await this.#o.handler.load(onnx, this.#loadOptions(version));
    } catch (error) {
      this.#store({ ...base, status: 'rejected', reason: `failed to load: ${(error as Error).message}`, metrics: { fitMs } });
      return this.#event('rejected', `v${version} rejected: it failed to load (${(error as Error).message}); v${this.#champion.version} keeps serving`, {
        version,
        trigger,
        fitMs,
      });
    }
    const metric = this.#metric;
    let championScore: number;
    let challengerScore: number;
    try {
      championScore = await scoreServed(this.served, heldOut, features, this.#output(), metric);
      challengerScore = await scoreModel(challenger, heldOut, features, this.#output(), metric);
    } catch (error) {
      await challenger.release();
      this.#store({ ...base, status: 'rejected', reason: `failed to score: ${(error as Error).message}`, metrics: { fitMs } });
      return this.#event('rejected', `v${version} rejected: scoring failed (${(error as Error).message}); v${this.#champion.version} keeps serving`, { version, trigger, fitMs });
    }
    const scores = { champion: championScore, challenger: challengerScore, samples: heldOut.rows };
    // `champion` + the metric's name (`championRmse`): the champion's score on the same slice.
    const metrics = {
      [metric]: challengerScore,
      [`champion${metric[0]!.toUpperCase()}${metric.slice(1)}`]: championScore,
      heldOut: heldOut.rows,
      fitMs,
      liveFrom: heldOut.at[heldOut.rows - 1]!,
    };
    const words = `${metric} ${challengerScore.toFixed(4)} vs v${this.#champion.version}'s ${championScore.toFixed(4)} on the same ${heldOut.rows} held-out samples${fitted.warnings.map((w) => ` (warning: ${w})`).join('')}`;
    const more = { version, trigger, scores, fitMs };
    if (!beats(metric, challengerScore, championScore, promotion.margin ?? 0.02)) {
      await challenger.release();
      this.#store({ ...base, status: 'rejected', reason: `not better by the margin: ${words}`, metrics });
      return this.#event('rejected', `v${version} rejected (${trigger}): ${words}; v${this.#champion.version} keeps serving`, more);
    }
    if (this.#o.shadow) {
      await this.#supersedeShadow(version);
      this.#store({ ...base, status: 'challenger', reason: `in shadow after ${words}`, metrics });
      this.#shadow = { version, model: challenger, liveFrom: heldOut.at[heldOut.rows - 1]! };
      return this.#event('shadow', `v${version} in shadow (${trigger}): ${words}; scoring ${this.#o.shadow.minSamples} live samples before it may serve`, more);
    }
    this.#store({ ...base, status: 'challenger', reason: `passed the held-out check: ${words}`, metrics });
    const published = await this.#promote(version, challenger, `promoted (${trigger}): ${words}`, heldOut.at[heldOut.rows - 1]!);
    return this.#event('promoted', `v${version} promoted (${trigger}): ${words}`, { ...more, ...(published ? { published } : {}) });
  }

  /** Hands the statistics of a fit's training rows to `options.fleet`, if given; a failure is logged. */
  #shareStatistics(frame: FrameLike, train: Slice): void {
    if (!this.#statistics || !this.#o.fleet) return;
    try {
      this.#o.fleet.publish(this.#statistics(frame, train.y), train.at[0]!, train.at[train.rows - 1]!);
    } catch (error) {
      this.#o.log?.(`the statistics of the fit on ${train.rows} samples were not handed on for fleet learning: ${(error as Error).message}`);
    }
  }

  #store(v: Parameters<ModelVersionTable['insert']>[0]): void {
    this.#versions.insert(v, this.#clock.now());
    this.#prune();
  }

  /** Shrinks the next fit's samples when this one overran the budget. */
  #budget(fitMs: number, rows: number): void {
    const budget = this.#o.policy?.budgetMs;
    if (budget === undefined || fitMs <= budget) return;
    const next = Math.max(this.#o.policy?.minSamples ?? 40, Math.floor(((rows * budget) / fitMs) * 0.9));
    this.#o.log?.(`fit of ${rows} samples took ${fitMs.toFixed(0)} ms, over the ${budget} ms budget: the next fit uses at most ${next} samples`);
    this.#maxRows = Math.min(this.#maxRows, next);
  }

  async #promote(version: number, model: FrameModel, reason: string, liveFrom: number, publish = true): Promise<ModelManifest | undefined> {
    const now = this.#clock.now();
    const previous = this.#champion.version;
    this.#versions.promote(this.#o.model, version, reason, { status: 'retired', reason: `replaced by v${version}` }, now);
    await this.served.adopt(model);
    this.#champion = this.#versions.get(this.#o.model, version)!;
    await this.#watch?.model?.release();
    this.#watch = this.#o.rollback ? { parent: previous, until: now + this.#o.rollback.windowMs, liveFrom } : undefined;
    this.#prune();
    return publish ? this.#publish(this.#champion) : undefined;
  }

  async #publish(v: ModelVersion): Promise<ModelManifest | undefined> {
    const { publish } = this.#o;
    if (!publish) return undefined;
    try {
      return await publish.registry.push(v.model, v.onnx, pushDetails(v, publish));
    } catch (error) {
      this.#o.log?.(`v${v.version} serves here but could not be pushed to the registry: ${(error as Error).message}`);
      return undefined;
    }
  }

  async #checkShadow(shadow: Pending): Promise<LifecycleEvent> {
    const need = this.#o.shadow?.minSamples ?? 0;
    const live = this.#labelled({ limit: this.#maxRows, after: shadow.liveFrom });
    if (live.rows < need) return this.#event('shadow', `v${shadow.version} in shadow: ${live.rows} of ${need} live samples scored so far`, { version: shadow.version });
    const { champion, challenger } = await this.#scoreLive(live, shadow.model);
    this.#shadow = undefined;
    const scores = { champion, challenger, samples: live.rows };
    const words = `live ${this.#metric} ${challenger.toFixed(4)} vs v${this.#champion.version}'s ${champion.toFixed(4)} on the same ${live.rows} samples`;
    if (!beats(this.#metric, challenger, champion, this.#o.promotion?.margin ?? 0.02)) {
      await shadow.model.release();
      this.#versions.setStatus(this.#o.model, shadow.version, 'rejected', `not better by the margin in shadow: ${words}`, this.#clock.now());
      this.#prune();
      return this.#event('rejected', `v${shadow.version} rejected in shadow: ${words}; v${this.#champion.version} keeps serving`, { version: shadow.version, scores });
    }
    const published = await this.#promote(shadow.version, shadow.model, `promoted after shadow: ${words}`, live.at[live.rows - 1]!);
    return this.#event('promoted', `v${shadow.version} promoted after shadow: ${words}`, { version: shadow.version, scores, ...(published ? { published } : {}) });
  }

  /** A challenger still in shadow when a newer one is fitted (`retrain()` by hand) is rejected and released. */
  async #supersedeShadow(by: number): Promise<void> {
    const old = this.#shadow;
    if (!old) return;
    this.#shadow = undefined;
    await old.model.release();
    this.#versions.setStatus(this.#o.model, old.version, 'rejected', `superseded in shadow by v${by}`, this.#clock.now());
  }

  /** The served champion (leased) and `other` scored on the same live samples. */
  async #scoreLive(live: Slice, other: FrameModel): Promise<{ readonly champion: number; readonly challenger: number }> {
    const { features } = this.#o;
    return {
      champion: await scoreServed(this.served, live, features, this.#output(), this.#metric),
      challenger: await scoreModel(other, live, features, this.#output(), this.#metric),
    };
  }

  async #checkRollback(now: number): Promise<LifecycleEvent | undefined> {
    const watch = this.#watch;
    if (!watch) return undefined;
    if (now > watch.until) {
      this.#watch = undefined;
      await watch.model?.release();
      this.#prune();
      return undefined;
    }
    const live = this.#labelled({ limit: this.#maxRows, after: watch.liveFrom });
    if (live.rows < (this.#o.rollback?.minSamples ?? 30)) return undefined;
    const parent = this.#versions.get(this.#o.model, watch.parent);
    if (!parent) return undefined;
    watch.model ??= await this.#o.handler.load(parent.onnx, this.#loadOptions(parent.version));
    const { champion, challenger: predecessor } = await this.#scoreLive(live, watch.model);
    if (!worse(this.#metric, champion, predecessor)) return undefined;
    const from = this.#champion.version;
    const words = `live ${this.#metric} ${champion.toFixed(4)} of v${from} is worse than v${parent.version}'s ${predecessor.toFixed(4)} on the same ${live.rows} samples`;
    this.#versions.promote(this.#o.model, parent.version, `restored by rollback: ${words}`, { status: 'rejected', reason: `rolled back: ${words}` }, now);
    await this.served.adopt(watch.model);
    this.#watch = undefined;
    this.#champion = this.#versions.get(this.#o.model, parent.version)!;
    this.#prune();
    return this.#event('rolled-back', `v${from} rolled back to v${parent.version}: ${words}`, { version: from, scores: { champion, challenger: predecessor, samples: live.rows } });
  }

  /** Keeps at most `keep` versions, never the champion, a predecessor under watch or a challenger in shadow. */
  #prune(): void {
    const protect = [this.#champion.version, ...(this.#watch ? [this.#watch.parent] : []), ...(this.#shadow ? [this.#shadow.version] : [])];
    this.#versions.prune(this.#o.model, this.#o.keep ?? 10, protect);
  }
}
