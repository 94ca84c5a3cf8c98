/** The state kept for one key: the original key and a mutable state value. */
export interface Slot<K, S> {
  readonly key: K;
  state: S;
}

/**
 * A map from keys to slots that compares keys by value: strings, numbers, booleans, null and
 * undefined directly; objects and arrays by their JSON form (so `{a: 1}` twice is one key).
 */
export class KeyedSlots<K, S> {
  readonly #primitive = new Map<unknown, Slot<K, S>>();
  readonly #structural = new Map<string, Slot<K, S>>();

  constructor(private readonly initial: () => S) {}

  /** The slot of `key`, created with the initial state on first use. */
  slot(key: K): Slot<K, S> {
    const structural = typeof key === 'object' && key !== null;
    const map: Map<unknown, Slot<K, S>> = structural ? this.#structural : this.#primitive;
    const id = structural ? JSON.stringify(key) : key;
    let slot = map.get(id);
    if (slot === undefined) {
      slot = { key, state: this.initial() };
      map.set(id, slot);
    }
    return slot;
  }

  /** The slot of `key` if it exists. */
  get(key: K): Slot<K, S> | undefined {
    return typeof key === 'object' && key !== null ? this.#structural.get(JSON.stringify(key)) : this.#primitive.get(key);
  }

  /** Removes the slot of `key`; true when there was one. */
  delete(key: K): boolean {
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
}
