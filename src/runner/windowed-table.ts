import type { BoundedWindow } from '../core/window.js';
import { KeyedSlots } from './keyed-slots.js';

/** The keyed state of one window. */
export interface WindowEntry<K, S> {
  readonly window: BoundedWindow;
  readonly slots: KeyedSlots<K, S>;
}

/** Keyed state grouped by window, so windows can be fired and dropped as a whole. */
export class WindowedTable<K, S> {
  readonly #windows = new Map<string, WindowEntry<K, S>>();
  #last: WindowEntry<K, S> | undefined;

  constructor(private readonly initial: () => S) {}

  /** The entry of `window`, created on first use. */
  entryFor(window: BoundedWindow): WindowEntry<K, S> {
    // Consecutive elements are usually in the same window: skip the map lookup then.
    const last = this.#last;
    if (last !== undefined && last.window.id === window.id) return last;
    let entry = this.#windows.get(window.id);
    if (entry === undefined) {
      entry = { window, slots: new KeyedSlots<K, S>(this.initial) };
      this.#windows.set(window.id, entry);
    }
    this.#last = entry;
    return entry;
  }

  /** The entry of the window with id `windowId`, if any. */
  get(windowId: string): WindowEntry<K, S> | undefined {
    return this.#windows.get(windowId);
  }

  /** Drops a window and all its keys' state. */
  delete(windowId: string): void {
    this.#windows.delete(windowId);
    if (this.#last?.window.id === windowId) this.#last = undefined;
  }

  /** Windows whose end is before `watermark` (max timestamp < watermark), earliest end first. */
  ended(watermark: number): WindowEntry<K, S>[] {
    const ended: WindowEntry<K, S>[] = [];
    for (const entry of this.#windows.values()) if (entry.window.maxTimestamp() < watermark) ended.push(entry);
    return ended.sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start);
  }

  /** All windows, in creation order. */
  values(): IterableIterator<WindowEntry<K, S>> {
    return this.#windows.values();
  }

  get windowCount(): number {
    return this.#windows.size;
  }
}
