import { Bundle } from '../../core/bundle.js';
import type { TrainingRow } from '../../core/graph.js';
import type { PaneInfo } from '../../core/pane.js';
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

/** One persisted entry of an operator's state; `value` null deletes it. */
export interface StateEntry {
  readonly window: string;
  readonly key: string;
  readonly value: string | null;
}

/** An operator's keyed state, saved with each step's commit and loaded on restart. */
export interface DurableState {
  /** The stage whose state this is (the `operator` column of the state table). */
  readonly stage: string;
  /** Entries changed since the last call, serialised; called once per committed step. */
  takeChanges(): StateEntry[];
  /** Loads persisted entries, before the first bundle. */
  restore(entries: readonly StateEntry[]): void;
}

/** An element bound for the outbox: the sink stage and the element. */
export interface OutboxEntry {
  readonly stage: string;
  readonly value: unknown;
  readonly timestamp: number;
  readonly window: BoundedWindow;
  readonly pane: PaneInfo;
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
  /**
   * The watermark of the operator's outputs given its input watermark; absent means the same.
   * Aggregations hold it back for panes not yet emitted (Beam's watermark holds).
   */
  outputWatermark?(inputWatermark: number): number;
  /** Present on operators with state a durable run must save. */
  readonly durable?: DurableState | undefined;
  /** Elements this operator sent to the outbox since the last call (outbox sinks only). */
  takeOutbox?(): OutboxEntry[];
  /** Training samples and labels this operator wrote since the last call (training sinks only). */
  takeTraining?(): TrainingRow[];
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
  /** The bundle's elements are all in: triggers are asked now, as Beam asks them once per bundle. */
  endBundle(): void;
}
