/**
 * A hot-swappable model (contract 5 of the design): one version serves at a time. `swap` loads
 * a new version and makes it current only once it loaded, so nothing is ever served by a
 * half-loaded model; a model that fails to load is rejected and the current one keeps serving.
 * RunInference leases the current version for a whole bundle, so a bundle's batches finish on
 * the version they started with; a swapped-out version is released when its last lease ends.
 */
import { RunInferenceMetrics } from './metrics.js';
import type { FrameModel, ModelHandler } from './types.js';

/** ONNX bytes and the options to load them with. */
export interface ModelBytes<O> {
  bytes: Uint8Array;
  options?: O;
}

/** A model held for the duration of a bundle; call `done()` when its batches have finished. */
export interface ModelLease<M> {
  readonly model: M;
  done(): void;
}

/** Where RunInference gets its models: one per key (`keyedModelHandler`) or one for all (`servedModel`). */
export interface ModelProvider<K, M extends FrameModel = FrameModel> {
  /** Shared by the provider and the transforms that use it. */
  readonly metrics: RunInferenceMetrics;
  /** Leases the model that serves `key` now, loading it first if needed. */
  lease(key: K): Promise<ModelLease<M>>;
  /** Releases every session once its leases end. */
  close(): Promise<void>;
}

interface Version<M> {
  readonly model: M;
  leases: number;
  retired: boolean;
}

/** Options of `servedModel`. */
export interface ServedModelOptions {
  /** Metrics to record loads into; default a new one (see `metrics`). */
  metrics?: RunInferenceMetrics;
}

/** One model, swapped atomically between bundles; see the module comment. */
export class ServedModel<O, M extends FrameModel> implements ModelProvider<unknown, M> {
  readonly metrics: RunInferenceMetrics;
  #current: Version<M> | undefined;
  #initial: Promise<Version<M>> | undefined;
  #swaps: Promise<unknown> = Promise.resolve();
  readonly #releases = new Set<Promise<void>>();
  #closed = false;

  constructor(
    private readonly handler: ModelHandler<O, M>,
    /** The first version, or a function that fetches it on first use. */
    private readonly initial: ModelBytes<O> | (() => ModelBytes<O> | Promise<ModelBytes<O>>),
    options: ServedModelOptions = {},
  ) {
    this.metrics = options.metrics ?? new RunInferenceMetrics();
  }

  /** The version serving now; undefined until the first lease or swap has loaded one. */
  get current(): M | undefined {
    return this.#current?.model;
  }

  /** True while some bundle holds a lease on the current version. */
  get leased(): boolean {
    return (this.#current?.leases ?? 0) > 0;
  }

  async lease(): Promise<ModelLease<M>> {
    if (this.#closed) throw new Error('this model was closed; create a new one to serve it again');
    if (!this.#current) await (this.#initial ??= this.#loadInitial());
    const version = this.#current!;
    version.leases++;
    let ended = false;
    return {
      model: version.model,
      done: () => {
        if (ended) return;
        ended = true;
        version.leases--;
        this.#releaseIfIdle(version);
      },
    };
  }

  /**
   * Loads `bytes` (with `options`, default the first version's) and serves it from the next
   * lease on. Rejects with `MODEL_REJECTED` when it fails to load; the current version keeps
   * serving. Swaps apply in the order they were called.
   */
  swap(bytes: Uint8Array, options?: O): Promise<M> {
    const run = this.#swaps.then(async () => {
      if (this.#closed) throw new Error('this model was closed; it cannot take a new version');
      const model = await this.#load({ bytes, ...(options !== undefined ? { options } : await this.#initialOptions()) });
      this.#replace(model);
      return model;
    });
    this.#swaps = run.catch(() => undefined);
    return run;
  }

  /**
   * Serves `model`, already loaded by this provider's handler (a challenger that was scored), from
   * the next lease on, without loading it a second time; the provider releases it when it is
   * swapped out or closed. Applies in order with `swap`.
   */
  adopt(model: M): Promise<void> {
    const run = this.#swaps.then(() => {
      if (this.#closed) throw new Error('this model was closed; it cannot take a new version');
      this.#replace(model);
    });
    this.#swaps = run.catch(() => undefined);
    return run;
  }

  /** Stops serving: releases the current version once its leases end; waits for every release. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#swaps;
    await this.#initial?.catch(() => undefined);
    const current = this.#current;
    this.#current = undefined;
    if (current) {
      current.retired = true;
      this.#releaseIfIdle(current);
    }
    await Promise.all(this.#releases);
  }

  async #initialOptions(): Promise<{ options?: O }> {
    const spec = typeof this.initial === 'function' ? await this.initial() : this.initial;
    return spec.options !== undefined ? { options: spec.options } : {};
  }

  async #loadInitial(): Promise<Version<M>> {
    try {
      const model = await this.#load(typeof this.initial === 'function' ? await this.initial() : this.initial);
      if (!this.#current) this.#current = { model, leases: 0, retired: false };
      else this.#retire({ model, leases: 0, retired: false }); // a swap finished first: it wins
      return this.#current;
    } catch (error) {
      this.#initial = undefined; // the next lease tries again
      throw error;
    }
  }

  #replace(model: M): void {
    const old = this.#current;
    this.#current = { model, leases: 0, retired: false };
    if (old) this.#retire(old);
  }

  #retire(version: Version<M>): void {
    version.retired = true;
    this.#releaseIfIdle(version);
  }

  async #load(spec: ModelBytes<O>): Promise<M> {
    try {
      const model = await this.handler.load(spec.bytes, spec.options);
      this.metrics.load(model.loadLatencyMs, model.byteSize);
      return model;
    } catch (error) {
      this.metrics.failedLoad();
      throw error;
    }
  }

  #releaseIfIdle(version: Version<M>): void {
    if (!version.retired || version.leases > 0) return;
    const releasing = version.model.release().then(() => this.metrics.released());
    this.#releases.add(releasing);
    void releasing.finally(() => this.#releases.delete(releasing)).catch(() => undefined);
  }
}

/** Serves one model (loaded on first use) that can be hot-swapped with `swap`; pass it to `runInference`. */
export function servedModel<O, M extends FrameModel>(handler: ModelHandler<O, M>, bytes: Uint8Array, options?: O, served?: ServedModelOptions): ServedModel<O, M> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('servedModel(handler, bytes): bytes must be a Uint8Array of an ONNX model');
  return new ServedModel(handler, options !== undefined ? { bytes, options } : { bytes }, served);
}
