import type { WindowedValue } from '../../core/element.js';
import { ON_TIME_AND_ONLY_FIRING } from '../../core/pane.js';
import type { DeadLetters } from '../dead-letters.js';
import { WindowedTable } from '../windowed-table.js';
import { isKV, notKeyedReason } from './keyed-input.js';
import { OutputBuffer, type Operator } from './operator.js';

/** Buffers values per key and window; emits `{ key, value: values[] }` when a window closes. */
export class GroupByKeyOperator implements Operator {
  readonly output = new OutputBuffer(1);
  readonly stages: readonly string[];
  readonly #table = new WindowedTable<unknown, unknown[]>(() => []);

  constructor(
    private readonly name: string,
    private readonly deadLetters: DeadLetters,
  ) {
    this.stages = [name];
  }

  setup(): void {}

  process(elements: WindowedValue<unknown>[]): void {
    for (const element of elements) {
      const pair = element.value;
      if (!isKV(pair)) {
        this.deadLetters.reject(this.name, notKeyedReason(element), element.value, element.timestamp);
        continue;
      }
      this.#table.slotsFor(element.window).slot(pair.key).state.push(pair.value);
    }
  }

  onWatermark(watermark: number): void {
    const out = this.output.ports[0]!;
    for (const { window, slots } of this.#table.takeExpired(watermark)) {
      const timestamp = window.maxTimestamp();
      for (const { key, state } of slots) {
        out.push({ value: { key, value: state }, timestamp, window, pane: ON_TIME_AND_ONLY_FIRING });
      }
    }
  }

  teardown(): void {}
}
