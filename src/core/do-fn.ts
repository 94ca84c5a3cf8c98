import type { PaneInfo } from './pane.js';
import type { BoundedWindow } from './window.js';

/** Names one output of a multi-output `parDo`; `T` is the type of that output's elements. */
export class TupleTag<T> {
  declare readonly __type?: T;

  constructor(readonly id: string) {
    if (!id) throw new TypeError('TupleTag(id): id must be a non-empty string');
  }
}

/** Makes a `TupleTag`. */
export function tag<T>(id: string): TupleTag<T> {
  return new TupleTag<T>(id);
}

/** What `process` sees besides the element, and where it sends outputs. */
export interface ProcessContext<Out> {
  /** Event time of the current element. */
  readonly timestamp: number;
  readonly window: BoundedWindow;
  readonly pane: PaneInfo;
  /** Emits to the main output with the current element's timestamp and window. */
  output(value: Out): void;
  /** Emits to a tagged side output. */
  outputTo<T>(tag: TupleTag<T>, value: T): void;
  /**
   * Emits to the main output with another event time (same window). As in Beam, it may not be
   * earlier than the current element's timestamp by more than the DoFn's
   * `allowedTimestampSkewMs` (default 0): such an output can be behind the watermark, and
   * dropped as late downstream. The element then fails (a dead letter) saying so.
   */
  outputWithTimestamp(value: Out, timestamp: number): void;
}

/** What `finishBundle` can emit with: an explicit timestamp and window are required there. */
export interface FinishBundleContext<Out> {
  output(value: Out, timestamp: number, window: BoundedWindow): void;
  outputTo<T>(tag: TupleTag<T>, value: T, timestamp: number, window: BoundedWindow): void;
  /** Sends an element held since `process` to the dead letters with `reason` (an error or a message). */
  reject(reason: unknown, value: unknown, timestamp: number): void;
}

/**
 * A user function applied by `parDo`, with Beam's lifecycle: `setup` once per instance,
 * `startBundle` / `finishBundle` around each bundle, `process` per element, `teardown` at the
 * end. `process` is synchronous (the hot path); `setup`, `startBundle`, `finishBundle` and
 * `teardown` may be async (load a model, flush a batch). Values returned from `process` as an
 * iterable (a generator, an array) go to the main output too.
 */
export interface DoFn<In, Out> {
  /**
   * How far `outputWithTimestamp` may move an element back in event time, ms (Beam's
   * `getAllowedTimestampSkew`; default 0). Moving it back risks it being late downstream.
   */
  readonly allowedTimestampSkewMs?: number;
  setup?(): void | Promise<void>;
  startBundle?(): void | Promise<void>;
  process(element: In, context: ProcessContext<Out>): Iterable<Out> | void;
  finishBundle?(context: FinishBundleContext<Out>): void | Promise<void>;
  teardown?(): void | Promise<void>;
}
