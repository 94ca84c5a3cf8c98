import type { Clock } from '../../core/clock.js';
import type { PaneTiming } from '../../core/pane.js';
import { MIN_TIMESTAMP } from '../../core/time.js';
import type { BoundedWindow } from '../../core/window.js';
import { combineHold, type TimestampCombiner } from '../../core/windowing/timestamp-combiner.js';
import type { TriggerContext, TriggerMachine, TriggerState } from '../../core/windowing/trigger-machine.js';
import type { Aggregation } from '../aggregation.js';

/** The state of one key in one window: the accumulator, its trigger's state, its hold and its panes so far. */
export interface PaneState {
  acc: unknown;
  /** Elements added since the last pane (0: the pane is empty). */
  pending: number;
  /** Where the trigger stands (counts, deadlines, phase, finished). */
  trigger: TriggerState;
  /**
   * The watermark hold: the pending elements' output times combined by the timestamp combiner,
   * for those not already behind the output watermark when they came; undefined when none holds.
   */
  hold?: number;
  /** Panes emitted so far. */
  panes: number;
  /** Panes emitted that were not early (on time or late). */
  nonSpeculative: number;
  /** The trigger was asked once the watermark had passed the window's end (Beam's end-of-window timer). */
  endChecked: boolean;
  /** Creation order, so that keys fire in the same order after a restart as before. */
  seq: number;
}

/** A fresh pane state for `trigger`. */
export function initialPaneState(aggregation: Aggregation, trigger: TriggerMachine): PaneState {
  return { acc: aggregation.create(), pending: 0, trigger: trigger.init(), panes: 0, nonSpeculative: 0, endChecked: false, seq: 0 };
}

/**
 * The timing of the next pane, as Beam's PaneInfoTracker decides it: late once the output
 * watermark has passed the end of the window or a pane that was not early has been emitted;
 * otherwise early while the input watermark has not passed the end of the window; else on time.
 */
export function paneTiming(state: PaneState, window: BoundedWindow, inputWatermark: number, outputWatermark: number): PaneTiming {
  const maxTimestamp = window.maxTimestamp();
  if (outputWatermark > maxTimestamp || state.nonSpeculative > 0) return 'late';
  return inputWatermark > maxTimestamp ? 'onTime' : 'early';
}

/** The output time of an element at `timestamp` in `window` under `combiner`. */
export function outputTime(combiner: TimestampCombiner, timestamp: number, window: BoundedWindow): number {
  return combiner === 'endOfWindow' ? window.maxTimestamp() : timestamp;
}

/**
 * The state of a session merged from `states` (in creation order) into `window`: accumulators
 * and trigger states merged, holds combined (at the merged window's end for `endOfWindow`),
 * pane counters carried on, and the end-of-window check due again for the new window.
 */
export function mergePaneStates(
  states: readonly PaneState[],
  window: BoundedWindow,
  parts: { aggregation: Aggregation; trigger: TriggerMachine; combiner: TimestampCombiner; context: TriggerContext },
): PaneState {
  const holds = states.flatMap((s) => (s.hold === undefined ? [] : [s.hold]));
  let hold: number | undefined;
  if (holds.length > 0) hold = parts.combiner === 'endOfWindow' ? window.maxTimestamp() : holds.reduce((h, t) => combineHold(parts.combiner, h, t));
  return {
    acc: parts.aggregation.merge(states.map((s) => s.acc)),
    pending: states.reduce((n, s) => n + s.pending, 0),
    trigger: parts.trigger.merge(
      states.map((s) => s.trigger),
      parts.context,
    ),
    ...(hold === undefined ? {} : { hold }),
    panes: Math.max(...states.map((s) => s.panes)),
    nonSpeculative: Math.max(...states.map((s) => s.nonSpeculative)),
    endChecked: false,
    seq: Math.min(...states.map((s) => s.seq)),
  };
}

/**
 * The context a trigger is asked in. One mutable object per operator, so the per-element path
 * allocates nothing; the clock is read at most once per bundle, and only if a trigger asks.
 */
export class OperatorTriggerContext implements TriggerContext {
  watermark = MIN_TIMESTAMP;
  maxTimestamp = 0;
  #now: number | undefined;

  constructor(private readonly clock: Clock) {}

  get now(): number {
    return (this.#now ??= this.clock.now());
  }

  /** Sets the time the next questions are asked at (`undefined`: read the clock when needed). */
  at(now: number | undefined): this {
    this.#now = now;
    return this;
  }

  /** Points the context at `window`. */
  in(window: BoundedWindow): this {
    this.maxTimestamp = window.maxTimestamp();
    return this;
  }
}
