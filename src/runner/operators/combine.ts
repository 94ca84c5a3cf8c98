import type { CombineFn } from '../../core/combine-fn.js';
import type { WindowedValue } from '../../core/element.js';
import { messageOf } from '../../core/errors.js';
import { ON_TIME_AND_ONLY_FIRING } from '../../core/pane.js';
import { END_OF_GLOBAL_WINDOW } from '../../core/time.js';
import { GLOBAL_WINDOW } from '../../core/window.js';
import type { DeadLetters } from '../dead-letters.js';
import { WindowedTable } from '../windowed-table.js';
import { isKV, notKeyedReason } from './keyed-input.js';
import { OutputBuffer, type Operator } from './operator.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- CombineFn types are erased in the graph */

/** What the combine operator groups by: per key (`combinePerKey`) or the whole window. */
export type CombineScope = 'perKey' | 'globally';

const GLOBAL_KEY = Symbol('all elements');

/**
 * Keeps one accumulator per key and window and emits `extractOutput` when the window closes.
 * `globally` emits bare values, and one default output when a globally windowed input was empty.
 */
export class CombineOperator implements Operator {
  readonly output = new OutputBuffer(1);
  readonly stages: readonly string[];
  readonly #table: WindowedTable<unknown, any>;
  #emittedGlobalWindow = false;

  constructor(
    private readonly name: string,
    private readonly fn: CombineFn<any, any, any>,
    private readonly scope: CombineScope,
    private readonly deadLetters: DeadLetters,
  ) {
    this.stages = [name];
    this.#table = new WindowedTable<unknown, any>(() => fn.createAccumulator());
  }

  setup(): void {}

  process(elements: WindowedValue<unknown>[]): void {
    const fn = this.fn;
    const perKey = this.scope === 'perKey';
    for (const element of elements) {
      const input = element.value;
      if (perKey && !isKV(input)) {
        this.deadLetters.reject(this.name, notKeyedReason(element), input, element.timestamp);
        continue;
      }
      const slot = this.#table.slotsFor(element.window).slot(perKey ? (input as { key: unknown }).key : GLOBAL_KEY);
      try {
        slot.state = fn.addInput(slot.state, perKey ? (input as { value: unknown }).value : input);
      } catch (error) {
        this.deadLetters.reject(this.name, error, input, element.timestamp);
      }
    }
  }

  onWatermark(watermark: number): void {
    const out = this.output.ports[0]!;
    for (const { window, slots } of this.#table.takeExpired(watermark)) {
      if (window === GLOBAL_WINDOW) this.#emittedGlobalWindow = true;
      const timestamp = window.maxTimestamp();
      for (const { key, state } of slots) {
        const result = this.#extract(state);
        if (result === FAILED) continue;
        const value = this.scope === 'perKey' ? { key, value: result } : result;
        out.push({ value, timestamp, window, pane: ON_TIME_AND_ONLY_FIRING });
      }
    }
    if (this.scope === 'globally' && watermark > END_OF_GLOBAL_WINDOW && !this.#emittedGlobalWindow) {
      this.#emittedGlobalWindow = true;
      const result = this.#extract(this.fn.createAccumulator());
      if (result !== FAILED) {
        out.push({ value: result, timestamp: END_OF_GLOBAL_WINDOW, window: GLOBAL_WINDOW, pane: ON_TIME_AND_ONLY_FIRING });
      }
    }
  }

  teardown(): void {}

  #extract(accumulator: unknown): unknown {
    try {
      return this.fn.extractOutput(accumulator);
    } catch (error) {
      this.deadLetters.reject(this.name, `extractOutput failed: ${messageOf(error)}`, accumulator);
      return FAILED;
    }
  }
}

const FAILED = Symbol('failed');
