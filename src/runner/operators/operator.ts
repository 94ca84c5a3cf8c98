import { Bundle } from '../../core/bundle.js';
import type { BoundedWindow } from '../../core/window.js';

/** Elements an operator emitted during one call, one array per output port. */
export class OutputBuffer {
  ports: Bundle<unknown>[];

  constructor(readonly portCount: number) {
    this.ports = OutputBuffer.#empty(portCount);
  }

  /** Returns what was emitted since the last call and starts empty where something was. */
  take(): Bundle<unknown>[] {
    const taken = this.ports;
    this.ports = taken.map((bundle) => (bundle.length === 0 ? bundle : new Bundle<unknown>()));
    return taken;
  }

  static #empty(n: number): Bundle<unknown>[] {
    return Array.from({ length: n }, () => new Bundle<unknown>());
  }
}

/**
 * A running stage (or fused chain of stages). The executor calls `process` with each bundle of
 * input and `onWatermark` when the input watermark advances; the operator writes its outputs
 * into `output`. Calls return `void` when synchronous, so a bundle costs no promise.
 */
export interface Operator {
  /** The stages this operator runs (one unless fused). */
  readonly stages: readonly string[];
  readonly output: OutputBuffer;
  setup(): void | Promise<void>;
  process(bundle: Bundle<unknown>): void | Promise<void>;
  onWatermark(watermark: number): void | Promise<void>;
  /** Fires what is due at processing time `now` (operators with processing-time triggers). */
  onProcessingTime?(now: number): void;
  teardown(): void | Promise<void>;
}

/**
 * An operator that also takes elements one at a time, unboxed, so that a fused chain of
 * element-wise stages can end in it without allocating a wrapper per element (combiner lifting).
 */
export interface AggregatingOperator extends Operator {
  /** True when the operator aggregates per key (its input must be `{ key, value }` pairs). */
  readonly keyed: boolean;
  /** Takes one input element. */
  accept(value: unknown, timestamp: number, window: BoundedWindow): void;
  /** Takes one keyed element as key and value (keyed operators only). */
  acceptPair(key: unknown, value: unknown, timestamp: number, window: BoundedWindow): void;
}
