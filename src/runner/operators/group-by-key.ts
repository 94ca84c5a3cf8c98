import type { Bundle } from '../../core/bundle.js';
import { ON_TIME_AND_ONLY_FIRING } from '../../core/pane.js';
import type { DeadLetters } from '../dead-letters.js';
import { WindowedTable } from '../windowed-table.js';
import { isKV, notKeyedReason } from './keyed-input.js';
import type { BoundedWindow } from '../../core/window.js';
import { OutputBuffer, type AggregatingOperator } from './operator.js';

/** Buffers values per key and window; emits `{ key, value: values[] }` when a window closes. */
export class GroupByKeyOperator implements AggregatingOperator {
  readonly stages: readonly string[];
  readonly keyed = true;
  readonly #table = new WindowedTable<unknown, unknown[]>(() => []);

  constructor(
    private readonly name: string,
    private readonly deadLetters: DeadLetters,
    readonly output = new OutputBuffer(1),
  ) {
    this.stages = [name];
  }

  setup(): void {}

  process(bundle: Bundle<unknown>): void {
    const { values, timestamps, windows } = bundle;
    for (let i = 0; i < values.length; i++) this.accept(values[i], timestamps[i]!, windows[i]!);
  }

  accept(pair: unknown, timestamp: number, window: BoundedWindow): void {
    if (!isKV(pair)) {
      this.deadLetters.reject(this.name, notKeyedReason(pair), pair, timestamp);
      return;
    }
    this.acceptPair(pair.key, pair.value, timestamp, window);
  }

  acceptPair(key: unknown, value: unknown, _timestamp: number, window: BoundedWindow): void {
    this.#table.slotsFor(window).slot(key).state.push(value);
  }

  onWatermark(watermark: number): void {
    const out = this.output.ports[0]!;
    for (const { window, slots } of this.#table.takeExpired(watermark)) {
      const timestamp = window.maxTimestamp();
      for (const { key, state } of slots) {
        out.push({ key, value: state }, timestamp, window, ON_TIME_AND_ONLY_FIRING);
      }
    }
  }

  teardown(): void {}
}
