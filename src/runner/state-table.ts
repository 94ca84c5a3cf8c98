import type { BoundedWindow } from '../core/window.js';
import { windowFromId } from '../core/window.js';
import { decodeJson, encodeJson } from '../store/json-codec.js';
import type { Slot } from './keyed-slots.js';
import type { StateEntry } from './operators/operator.js';
import { WindowedTable, type WindowEntry } from './windowed-table.js';

/** State that records its creation order, so it can be re-created in that order. */
export interface Sequenced {
  seq: number;
}

/** A restored key's state, with its window. */
export interface RestoredSlot<S> {
  readonly window: BoundedWindow;
  readonly key: unknown;
  readonly state: S;
}

/**
 * Keyed state per window for stateful operators, with change tracking for durable runs:
 * what changed since the last commit comes out of `takeChanges` as state-table rows, and
 * `restore` rebuilds the table from them in the original creation order (so that keys fire in
 * the same order after a restart as before it).
 */
export class StateTable<S extends Sequenced> {
  readonly #table: WindowedTable<unknown, S>;
  readonly #dirty = new Map<Slot<unknown, S>, BoundedWindow>();
  #deleted: { window: string; key: unknown }[] = [];
  #nextSeq = 0;

  constructor(
    /** A fresh state; its `seq` is overwritten with the creation order. */
    initial: () => S,
    /** Track changes (durable runs only; costs a map update per changed key). */
    private readonly tracking: boolean,
  ) {
    this.#table = new WindowedTable<unknown, S>(() => {
      const state = initial();
      state.seq = this.#nextSeq++;
      return state;
    });
  }

  entryFor(window: BoundedWindow): WindowEntry<unknown, S> {
    return this.#table.entryFor(window);
  }

  get(windowId: string): WindowEntry<unknown, S> | undefined {
    return this.#table.get(windowId);
  }

  ended(watermark: number): WindowEntry<unknown, S>[] {
    return this.#table.ended(watermark);
  }

  values(): IterableIterator<WindowEntry<unknown, S>> {
    return this.#table.values();
  }

  /** Records that a key's state in `window` changed. */
  touch(slot: Slot<unknown, S>, window: BoundedWindow): void {
    if (this.tracking) this.#dirty.set(slot, window);
  }

  /** Removes a key's state from a window (the window too when it becomes empty); returns it. */
  removeKey(windowId: string, key: unknown): S | undefined {
    const entry = this.#table.get(windowId);
    const slot = entry?.slots.get(key);
    if (!entry || !slot) return undefined;
    this.#forget(slot, entry.window);
    entry.slots.delete(key);
    if (entry.slots.size === 0) this.#table.delete(windowId);
    return slot.state;
  }

  /** Removes a window and every key's state in it. */
  removeWindow(entry: WindowEntry<unknown, S>): void {
    this.#table.delete(entry.window.id);
    if (this.tracking) for (const slot of entry.slots) this.#forget(slot, entry.window);
  }

  /** Rows for what changed since the last call, plus the operator's `meta` row. */
  takeChanges(meta: object): StateEntry[] {
    // Deletions first: a window dropped and re-created within one step keeps its new state.
    const entries: StateEntry[] = this.#deleted.map((d) => ({ window: d.window, key: encodeJson(d.key), value: null }));
    for (const [slot, window] of this.#dirty) entries.push({ window: window.id, key: encodeJson(slot.key), value: encodeJson(slot.state) });
    entries.push({ window: '', key: 'meta', value: encodeJson({ ...meta, nextSeq: this.#nextSeq }) });
    this.#dirty.clear();
    this.#deleted = [];
    return entries;
  }

  /** Rebuilds the table from persisted rows; returns the operator's meta and the restored slots. */
  restore(entries: readonly StateEntry[]): { meta: Record<string, unknown> | undefined; slots: RestoredSlot<S>[] } {
    let meta: Record<string, unknown> | undefined;
    const slots: RestoredSlot<S>[] = [];
    for (const { window, key, value } of entries) {
      if (value === null) continue;
      if (window === '') meta = decodeJson(value) as Record<string, unknown>;
      else slots.push({ window: windowFromId(window), key: decodeJson(key), state: decodeJson(value) as S });
    }
    if (meta) this.#nextSeq = meta['nextSeq'] as number;
    slots.sort((a, b) => a.state.seq - b.state.seq);
    for (const { window, key, state } of slots) this.#table.entryFor(window).slots.slot(key).state = state;
    return { meta, slots };
  }

  #forget(slot: Slot<unknown, S>, window: BoundedWindow): void {
    if (!this.tracking) return;
    this.#dirty.delete(slot);
    this.#deleted.push({ window: window.id, key: slot.key });
  }
}
