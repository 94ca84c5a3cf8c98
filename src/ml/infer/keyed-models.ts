/**
 * A model per key (Beam's KeyedModelHandler), e.g. one per sensor type: loaded on a key's first
 * example, at most `maxLoaded` sessions at once (least recently used released first), each
 * hot-swappable on its own.
 */
import { RunInferenceMetrics } from './metrics.js';
import { ServedModel, type ModelLease, type ModelProvider, type ModelBytes } from './served-model.js';
import type { FrameModel, ModelHandler } from './types.js';

/** Options of `keyedModelHandler`. */
export interface KeyedModelOptions<K, O> {
  /** The model of a key: its bytes and load options (fetched when the key is first seen or after eviction). */
  model: (key: K) => ModelBytes<O> | Promise<ModelBytes<O>>;
  /** Sessions kept loaded; default 8. A bundle's keys beyond it load again when needed. */
  maxLoaded?: number;
  /** Metrics to record into; default a new one. */
  metrics?: RunInferenceMetrics;
}

/** Models by key with an LRU cap; pass to `runInference` for `{ key, value }` input. */
export class KeyedModels<K, O, M extends FrameModel> implements ModelProvider<K, M> {
  readonly metrics: RunInferenceMetrics;
  readonly maxLoaded: number;
  /** Insertion order is recency order: the first entry is the least recently used. */
  readonly #slots = new Map<string, { key: K; served: ServedModel<O, M> }>();
  readonly #closing = new Set<Promise<void>>();

  constructor(
    private readonly handler: ModelHandler<O, M>,
    private readonly options: KeyedModelOptions<K, O>,
  ) {
    if (typeof options.model !== 'function') throw new TypeError('keyedModelHandler: option model must be a function (key) => { bytes, options }');
    this.maxLoaded = options.maxLoaded ?? 8;
    if (!Number.isInteger(this.maxLoaded) || this.maxLoaded < 1) throw new RangeError(`keyedModelHandler: maxLoaded must be a positive integer, got ${options.maxLoaded}`);
    this.metrics = options.metrics ?? new RunInferenceMetrics();
  }

  /** Keys whose models are loaded (or loading), least recently used first. */
  get loadedKeys(): K[] {
    return [...this.#slots.values()].map((s) => s.key);
  }

  async lease(key: K): Promise<ModelLease<M>> {
    const slot = this.#slot(key);
    try {
      return await slot.served.lease();
    } catch (error) {
      // A key whose model does not load is tried again on its next bundle.
      if (this.#slots.get(keyId(key)) === slot) this.#drop(keyId(key));
      throw error;
    }
  }

  /** Hot-swaps the model of `key` (see `ServedModel.swap`). */
  swap(key: K, bytes: Uint8Array, options?: O): Promise<M> {
    return this.#slot(key).served.swap(bytes, options);
  }

  async close(): Promise<void> {
    for (const id of [...this.#slots.keys()]) this.#drop(id);
    await Promise.all(this.#closing);
  }

  #slot(key: K): { key: K; served: ServedModel<O, M> } {
    const id = keyId(key);
    let slot = this.#slots.get(id);
    if (slot) {
      this.#slots.delete(id);
    } else {
      slot = { key, served: new ServedModel(this.handler, () => this.options.model(key), { metrics: this.metrics }) };
    }
    this.#slots.set(id, slot);
    this.#evict(id);
    return slot;
  }

  /** Releases least recently used models beyond the cap, skipping `keep` and models a bundle holds. */
  #evict(keep: string): void {
    for (const [id, { served }] of this.#slots) {
      if (this.#slots.size <= this.maxLoaded) return;
      if (id !== keep && !served.leased) this.#drop(id);
    }
  }

  #drop(id: string): void {
    const slot = this.#slots.get(id);
    if (!slot) return;
    this.#slots.delete(id);
    const closing = slot.served.close();
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing)).catch(() => undefined);
  }
}

function keyId(key: unknown): string {
  return JSON.stringify(key) ?? String(key);
}

/** A model per key with at most `maxLoaded` sessions; pass it to `runInference` for `{ key, value }` input. */
export function keyedModelHandler<K, O, M extends FrameModel>(handler: ModelHandler<O, M>, options: KeyedModelOptions<K, O>): KeyedModels<K, O, M> {
  return new KeyedModels(handler, options);
}
