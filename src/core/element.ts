import type { PaneInfo } from './pane.js';
import type { BoundedWindow } from './window.js';

/** An element as the runner moves it: the value with its event time, window and pane. */
export interface WindowedValue<T> {
  readonly value: T;
  /** Event time in ms since the epoch. */
  readonly timestamp: number;
  readonly window: BoundedWindow;
  readonly pane: PaneInfo;
}

/** A key/value pair, the element type of keyed transforms (`groupByKey`, `combinePerKey`). */
export interface KV<K, V> {
  readonly key: K;
  readonly value: V;
}

/** Makes a `KV`. */
export function kv<K, V>(key: K, value: V): KV<K, V> {
  return { key, value };
}
