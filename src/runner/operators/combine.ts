import type { CombineFn } from '../../core/combine-fn.js';
import type { Bundle } from '../../core/bundle.js';
import { messageOf } from '../../core/errors.js';
import { ON_TIME_AND_ONLY_FIRING } from '../../core/pane.js';
import { END_OF_GLOBAL_WINDOW } from '../../core/time.js';
import { GLOBAL_WINDOW } from '../../core/window.js';
import type { DeadLetters } from '../dead-letters.js';
import { WindowedTable } from '../windowed-table.js';
import { isKV, notKeyedReason } from './keyed-input.js';
import type { BoundedWindow } from '../../core/window.js';
import { OutputBuffer, type AggregatingOperator } from './operator.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- CombineFn types are erased in the graph */

/** What the combine operator groups by: per key (`combinePerKey`) or the whole window. */
export type CombineScope = 'perKey' | 'globally';

const GLOBAL_KEY = Symbol('all elements');

/**
 * Keeps one accumulator per key and window and emits `extractOutput` when the window closes.
 * `globally` emits bare values, and one default output when a globally windowed input was empty.
 */
export class CombineOperator implements AggregatingOperator {
  readonly stages: readonly string[];
  readonly keyed: boolean;
  readonly #table: WindowedTable<unknown, any>;
  #emittedGlobalWindow = false;

  constructor(
    private readonly name: string,
    private readonly fn: CombineFn<any, any, any>,
    private readonly scope: CombineScope,
    private readonly deadLetters: DeadLetters,
    readonly output = new OutputBuffer(1),
  ) {
    this.stages = [name];
    this.keyed = scope === 'perKey';
    this.#table = new WindowedTable<unknown, any>(() => fn.createAccumulator());
  }

  setup(): void {}

  process(bundle: Bundle<unknown>): void {
    const { values, timestamps, windows } = bundle;
    for (let i = 0; i < values.length; i++) this.accept(values[i], timestamps[i]!, windows[i]!);
  }

  accept(input: unknown, timestamp: number, window: BoundedWindow): void {
    if (!this.keyed) this.acceptPair(GLOBAL_KEY, input, timestamp, window);
    else if (isKV(input)) this.acceptPair(input.key, input.value, timestamp, window);
    else this.deadLetters.reject(this.name, notKeyedReason(input), input, timestamp);
  }

  acceptPair(key: unknown, value: unknown, timestamp: number, window: BoundedWindow): void {
    const slot = this.#table.slotsFor(window).slot(key);
    try {
      slot.state = this.fn.addInput(slot.state, value);
    } catch (error) {
      this.deadLetters.reject(this.name, error, this.keyed ? { key, value } : value, timestamp);
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
        out.push(value, timestamp, window, ON_TIME_AND_ONLY_FIRING);
      }
    }
    if (this.scope === 'globally' && watermark > END_OF_GLOBAL_WINDOW && !this.#emittedGlobalWindow) {
      this.#emittedGlobalWindow = true;
      const result = this.#extract(this.fn.createAccumulator());
      if (result !== FAILED) {
        out.push(result, END_OF_GLOBAL_WINDOW, GLOBAL_WINDOW, ON_TIME_AND_ONLY_FIRING);
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
