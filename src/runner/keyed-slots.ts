/** The state kept for one key: the original key and a mutable state value. */
export interface Slot<K, S> {
  readonly key: K;
  state: S;
}

/** Integer keys in [0, INDEX_MASK] may also be found by position (ids, `x mod n` buckets). */
const INDEX_MASK = 0x3fffffff;
/** Slack of the positional index beyond twice the number of keys, so it stays dense. */
const INDEX_SLACK = 64;

/**
 * A map from keys to slots that compares keys by value: strings, numbers, booleans, null and
 * undefined directly; objects and arrays by their JSON form (so `{a: 1}` twice is one key).
 */
export class KeyedSlots<K, S> {
  readonly #primitive = new Map<unknown, Slot<K, S>>();
  readonly #structural = new Map<string, Slot<K, S>>();
  /**
   * Slots of small non-negative integer keys by position: an array read is several times
   * cheaper than a hash lookup on the per-element path. Kept at most about twice as long as
   * there are keys, so sparse keys cost no memory; those are found through the map.
   */
  readonly #byIndex: (Slot<K, S> | undefined)[] = [];

  constructor(private readonly initial: () => S) {}

  /** The slot of `key`, created with the initial state on first use. */
  slot(key: K): Slot<K, S> {
    const indexable = typeof key === 'number' && (key & INDEX_MASK) === key;
    if (indexable) {
      const slot = this.#byIndex[key];
      if (slot !== undefined) return slot;
    }
    const structural = typeof key === 'object' && key !== null;
    const map: Map<unknown, Slot<K, S>> = structural ? this.#structural : this.#primitive;
    const id = structural ? JSON.stringify(key) : key;
    let slot = map.get(id);
    if (slot === undefined) {
      slot = { key, state: this.initial() };
      map.set(id, slot);
    }
    if (indexable) this.#index(key, slot);
    return slot;
  }

  /** The slot of `key` if it exists. */
  get(key: K): Slot<K, S> | undefined {
    return typeof key === 'object' && key !== null ? this.#structural.get(JSON.stringify(key)) : this.#primitive.get(key);
  }

  /** Removes the slot of `key`; true when there was one. */
  delete(key: K): boolean {
    if (typeof key === 'number' && key < this.#byIndex.length && (key & INDEX_MASK) === key) this.#byIndex[key] = undefined;
    return typeof key === 'object' && key !== null ? this.#structural.delete(JSON.stringify(key)) : this.#primitive.delete(key);
  }

  get size(): number {
    return this.#primitive.size + this.#structural.size;
  }

  /** All slots, primitive keys first, each group in insertion order. */
  *[Symbol.iterator](): IterableIterator<Slot<K, S>> {
    yield* this.#primitive.values();
    yield* this.#structural.values();
  }

  #index(key: number, slot: Slot<K, S>): void {
    const byIndex = this.#byIndex;
    if (key >= 2 * this.#primitive.size + INDEX_SLACK) return;
    // Grown with undefined rather than holes, so reads stay on a packed array.
    while (byIndex.length <= key) byIndex.push(undefined);
    byIndex[key] = slot;
  }
}
