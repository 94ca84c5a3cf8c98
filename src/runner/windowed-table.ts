import type { BoundedWindow } from '../core/window.js';
import { KeyedSlots } from './keyed-slots.js';

/** The keyed state of one window. */
export interface WindowEntry<K, S> {
  readonly window: BoundedWindow;
  readonly slots: KeyedSlots<K, S>;
}

/** Keyed state per window, handed out window by window as the watermark passes their ends. */
export class WindowedTable<K, S> {
  readonly #windows = new Map<string, WindowEntry<K, S>>();
  #last: WindowEntry<K, S> | undefined;

  constructor(private readonly initial: () => S) {}

  /** The slots of `window`, created on first use. */
  slotsFor(window: BoundedWindow): KeyedSlots<K, S> {
    // Consecutive elements are usually in the same window: skip the map lookup then.
    const last = this.#last;
    if (last !== undefined && last.window.id === window.id) return last.slots;
    let entry = this.#windows.get(window.id);
    if (entry === undefined) {
      entry = { window, slots: new KeyedSlots<K, S>(this.initial) };
      this.#windows.set(window.id, entry);
    }
    this.#last = entry;
    return entry.slots;
  }

  /** Removes and returns the windows that end at or before `watermark`, earliest end first. */
  takeExpired(watermark: number): WindowEntry<K, S>[] {
    const expired: WindowEntry<K, S>[] = [];
    for (const [id, entry] of this.#windows) {
      if (entry.window.maxTimestamp() < watermark) {
        expired.push(entry);
        this.#windows.delete(id);
      }
    }
    if (expired.length > 0) this.#last = undefined;
    return expired.sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start);
  }

  get windowCount(): number {
    return this.#windows.size;
  }
}
