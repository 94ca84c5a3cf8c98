import type { WindowedValue } from '../../core/element.js';

/** Elements an operator emitted during one call, one array per output port. */
export class OutputBuffer {
  ports: WindowedValue<unknown>[][];

  constructor(readonly portCount: number) {
    this.ports = OutputBuffer.#empty(portCount);
  }

  /** Returns what was emitted since the last call and starts empty arrays. */
  take(): WindowedValue<unknown>[][] {
    const taken = this.ports;
    this.ports = OutputBuffer.#empty(this.portCount);
    return taken;
  }

  static #empty(n: number): WindowedValue<unknown>[][] {
    return Array.from({ length: n }, () => []);
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
  process(elements: WindowedValue<unknown>[]): void | Promise<void>;
  onWatermark(watermark: number): void | Promise<void>;
  teardown(): void | Promise<void>;
}
