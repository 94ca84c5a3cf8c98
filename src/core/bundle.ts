import type { WindowedValue } from './element.js';
import { NO_FIRING, type PaneInfo } from './pane.js';
import { MIN_TIMESTAMP } from './time.js';
import { GLOBAL_WINDOW, type BoundedWindow } from './window.js';

/**
 * A batch of elements as parallel arrays: element `i` is `values[i]` at event time
 * `timestamps[i]` in `windows[i]`, fired as `panes[i]`. Moving data as a few arrays instead of
 * an object per element is what keeps the runner's per-element cost low.
 */
export class Bundle<T> {
  /** Set by `of`: the metadata arrays are shared with other bundles, so must not change. */
  #sharesMetadata = false;

  constructor(
    readonly values: T[] = [],
    readonly timestamps: number[] = [],
    readonly windows: BoundedWindow[] = [],
    readonly panes: PaneInfo[] = [],
  ) {}

  /** `values` in one window, all at `timestamp` (default: the global window, MIN_TIMESTAMP). */
  static of<T>(values: T[], timestamp = MIN_TIMESTAMP, window: BoundedWindow = GLOBAL_WINDOW): Bundle<T> {
    const n = values.length;
    const bundle = new Bundle(values, timestampsOf.filled(n, timestamp), windowsOf.filled(n, window), panesOf.filled(n, NO_FIRING));
    bundle.#sharesMetadata = true;
    return bundle;
  }

  /** A bundle of the given elements. */
  static fromElements<T>(elements: readonly WindowedValue<T>[]): Bundle<T> {
    const bundle = new Bundle<T>();
    for (const e of elements) bundle.push(e.value, e.timestamp, e.window, e.pane);
    return bundle;
  }

  /** The elements of several bundles, in order, as one bundle. */
  static concat<T>(bundles: readonly Bundle<T>[]): Bundle<T> {
    if (bundles.length === 1) return bundles[0]!;
    return new Bundle(
      bundles.flatMap((b) => b.values),
      bundles.flatMap((b) => b.timestamps),
      bundles.flatMap((b) => b.windows),
      bundles.flatMap((b) => b.panes),
    );
  }

  get length(): number {
    return this.values.length;
  }

  /** Appends one element (not to a bundle made by `Bundle.of`, whose metadata is shared). */
  push(value: T, timestamp: number, window: BoundedWindow, pane: PaneInfo): void {
    if (this.#sharesMetadata) throw new TypeError('Bundle.push: a bundle made by Bundle.of shares its metadata arrays and cannot grow; build a new Bundle');
    this.values.push(value);
    this.timestamps.push(timestamp);
    this.windows.push(window);
    this.panes.push(pane);
  }

  /** Element `i` as an object (allocates; for sinks and tests, not hot paths). */
  at(i: number): WindowedValue<T> {
    return { value: this.values[i]!, timestamp: this.timestamps[i]!, window: this.windows[i]!, pane: this.panes[i]! };
  }

  /** All elements as objects (allocates). */
  toElements(): WindowedValue<T>[] {
    return this.values.map((_, i) => this.at(i));
  }
}

/**
 * Arrays of one repeated value, shared by the bundles `Bundle.of` makes: a source reading
 * bundle after bundle of the same size fills its metadata once instead of per bundle (on the
 * pipeline benchmark this cut the runner's time by a sixth, mostly garbage collection). Shared
 * arrays are never written: a bundle is not changed after it is handed on, and `push` refuses
 * bundles made by `of`. (Frozen arrays would say so too, but V8 reads them several times slower.)
 */
class Uniform<V> {
  #value: V | undefined;
  #array: readonly V[] = [];

  filled(n: number, value: V): V[] {
    if (this.#array.length !== n || !Object.is(this.#value, value)) {
      this.#array = new Array<V>(n).fill(value);
      this.#value = value;
    }
    // Typed as mutable only because Bundle's arrays are; see `Bundle.push`.
    return this.#array as V[];
  }
}

const timestampsOf = new Uniform<number>();
const windowsOf = new Uniform<BoundedWindow>();
const panesOf = new Uniform<PaneInfo>();
