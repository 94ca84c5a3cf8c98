import { messageOf } from '../../common/errors.js';
import type { Bundle } from '../../core/bundle.js';
import type { Clock } from '../../core/clock.js';
import { ON_TIME_AND_ONLY_FIRING } from '../../core/pane.js';
import { END_OF_GLOBAL_WINDOW, MIN_TIMESTAMP } from '../../core/time.js';
import { GLOBAL_WINDOW, type IntervalWindow, type BoundedWindow } from '../../core/window.js';
import type { WindowingStrategy } from '../../core/windowing/strategy.js';
import { combineHold, type TimestampCombiner } from '../../core/windowing/timestamp-combiner.js';
import { deadlineDue, isFinished, triggerMachine, type TriggerMachine } from '../../core/windowing/trigger-machine.js';
import { canFireEarly, describeTrigger, usesProcessingTime } from '../../core/windowing/triggers.js';
import type { Aggregation } from '../aggregation.js';
import type { DeadLetters } from '../dead-letters.js';
import type { Slot } from '../keyed-slots.js';
import { KeyedSlots } from '../keyed-slots.js';
import { StateTable } from '../state-table.js';
import type { WindowEntry } from '../windowed-table.js';
import { isKV, notKeyedReason } from './keyed-input.js';
import { OutputBuffer, type AggregatingOperator, type DurableState, type StateEntry } from './operator.js';
import { initialPaneState, mergePaneStates, OperatorTriggerContext, outputTime, paneTiming, type PaneState } from './pane-state.js';

/** Options of an aggregation operator. */
export interface AggregateOptions {
  readonly name: string;
  readonly aggregation: Aggregation;
  /** Per key (input must be `{ key, value }`), or over all elements of a window. */
  readonly keyed: boolean;
  readonly windowing: WindowingStrategy;
  readonly deadLetters: DeadLetters;
  readonly clock: Clock;
  /** Track state changes for a durable run (`durable.takeChanges()`). */
  readonly durable?: boolean;
}

/** The one key of an unkeyed aggregation (a string, so it persists as JSON). */
const ALL = '*';

/**
 * `groupByKey`, `combinePerKey` and `combineGlobally`: state per key and window, panes fired by
 * the windowing strategy's trigger, late data checked against the allowed lateness, session
 * windows merged per key, the output watermark held by pending panes (the timestamp combiner).
 *
 * Triggers are asked where Beam asks them: after all of a bundle's elements for a key and window
 * have been added (`endBundle`), when the watermark passes a window's end, and when a
 * processing-time deadline is due; never per element.
 */
export class AggregateOperator implements AggregatingOperator {
  readonly stages: readonly string[];
  readonly keyed: boolean;
  readonly #o: AggregateOptions;
  readonly #trigger: TriggerMachine;
  readonly #context: OperatorTriggerContext;
  readonly #table: StateTable<PaneState>;
  /** Active session windows per key (merging window functions only). */
  readonly #sessions = new KeyedSlots<unknown, IntervalWindow[]>(() => []);
  /** Panes that took elements in the current bundle, asked whether to fire at its end. */
  readonly #touched = new Map<Slot<unknown, PaneState>, WindowEntry<unknown, PaneState>>();
  #watermark = MIN_TIMESTAMP;
  #outputWatermark = MIN_TIMESTAMP;
  /** The earliest hold of any pane (`Infinity`: none); `#holdsStale` when a pane that may have had it fired. */
  #minHold = Infinity;
  #holdsStale = false;
  #sawGlobalWindow = false;
  /** True while global-window elements can take the batch path (`#addGlobal`). */
  #globalOpen: boolean;
  /**
   * The global window's keys, looked up once: while `#globalOpen`, the window cannot expire, so
   * its table entry stays the same.
   */
  #globalSlots: KeyedSlots<unknown, PaneState> | undefined;
  readonly #allowedLateness: number;
  readonly #merging: boolean;
  readonly #combiner: TimestampCombiner;
  readonly #canFireEarly: boolean;
  readonly #usesProcessingTime: boolean;
  readonly #aggregation: Aggregation;
  readonly durable: DurableState | undefined;

  constructor(
    options: AggregateOptions,
    readonly output = new OutputBuffer(1),
  ) {
    const { windowing, aggregation } = options;
    this.#o = options;
    this.stages = [options.name];
    this.keyed = options.keyed;
    this.#trigger = triggerMachine(windowing.trigger);
    this.#context = new OperatorTriggerContext(options.clock);
    this.#allowedLateness = windowing.allowedLateness;
    this.#merging = windowing.windowFn.merging;
    this.#combiner = windowing.timestampCombiner;
    this.#canFireEarly = canFireEarly(windowing.trigger);
    this.#usesProcessingTime = usesProcessingTime(windowing.trigger);
    this.#aggregation = aggregation;
    this.#globalOpen = this.#globalCannotFire();
    this.#table = new StateTable<PaneState>(() => initialPaneState(aggregation, this.#trigger), options.durable ?? false);
    this.durable = options.durable ? { stage: options.name, takeChanges: () => this.#takeChanges(), restore: (entries) => this.#restore(entries) } : undefined;
  }

  setup(): void {}

  teardown(): void {}

  process(bundle: Bundle<unknown>): void {
    const { values, timestamps, windows } = bundle;
    for (let i = 0; i < values.length; i++) this.accept(values[i], timestamps[i]!, windows[i]!);
    this.endBundle();
  }

  accept(input: unknown, timestamp: number, window: BoundedWindow): void {
    if (!this.keyed) this.acceptPair(ALL, input, timestamp, window);
    else if (isKV(input)) this.acceptPair(input.key, input.value, timestamp, window);
    else this.#o.deadLetters.reject(this.#o.name, notKeyedReason(input), input, timestamp, 'NOT_KEYED');
  }

  acceptPair(key: unknown, value: unknown, timestamp: number, window: BoundedWindow): void {
    if (window === GLOBAL_WINDOW && this.#globalOpen) this.#addGlobal(key, value, timestamp);
    else this.#addWindowed(key, value, timestamp, window);
  }

  /** Asks the trigger of every pane the bundle added to whether it fires (Beam: after the bundle, not per element). */
  endBundle(): void {
    const context = this.#context;
    context.watermark = this.#watermark;
    for (const [slot, entry] of this.#touched) {
      if (isFinished(slot.state.trigger)) continue;
      context.in(entry.window);
      if (this.#watermark > context.maxTimestamp) slot.state.endChecked = true;
      if (this.#trigger.shouldFire(slot.state.trigger, context)) this.#fire(entry, slot, false);
    }
    this.#touched.clear();
    context.at(undefined);
  }

  /**
   * The batch path: while the watermark has not passed the end of the global window, an element
   * there cannot be late and, with a trigger that cannot fire before the end of the window, its
   * trigger has nothing to count, so it only updates the key's accumulator.
   */
  #addGlobal(key: unknown, value: unknown, timestamp: number): void {
    this.#sawGlobalWindow = true;
    const slot = (this.#globalSlots ??= this.#table.entryFor(GLOBAL_WINDOW).slots).slot(key);
    this.#add(slot, GLOBAL_WINDOW, key, value, timestamp);
  }

  /** The general path: lateness, session merging, finished triggers, trigger state. */
  #addWindowed(key: unknown, value: unknown, timestamp: number, window: BoundedWindow): void {
    if (window.maxTimestamp() + this.#allowedLateness < this.#watermark) {
      this.#rejectLate(key, value, timestamp, window);
      return;
    }
    if (window === GLOBAL_WINDOW) this.#sawGlobalWindow = true;
    const entry = this.#merging ? this.#mergeSession(key, window as IntervalWindow) : this.#table.entryFor(window);
    const slot = entry.slots.slot(key);
    const state = slot.state;
    if (isFinished(state.trigger)) {
      this.#rejectClosed(key, value, timestamp, entry.window, state);
      return;
    }
    if (!this.#add(slot, entry.window, key, value, timestamp)) return;
    const context = this.#context.in(entry.window);
    context.watermark = this.#watermark;
    this.#trigger.onElement(state.trigger, context);
    // The watermark stands still during a bundle: a trigger that cannot fire early has nothing to say before the end.
    if (this.#canFireEarly || this.#watermark > context.maxTimestamp) this.#touched.set(slot, entry);
  }

  /** Adds `value` to the key's pane in `window` and holds the watermark for it; false when the combiner threw (a dead letter). */
  #add(slot: Slot<unknown, PaneState>, window: BoundedWindow, key: unknown, value: unknown, timestamp: number): boolean {
    const state = slot.state;
    try {
      state.acc = this.#aggregation.add(state.acc, value);
    } catch (error) {
      this.#o.deadLetters.reject(this.#o.name, error, this.#payload(key, value), timestamp);
      return false;
    }
    state.pending++;
    const time = outputTime(this.#combiner, timestamp, window);
    // An element already behind the output watermark cannot hold it (Beam's "known late data").
    if (time >= this.#outputWatermark && time !== state.hold) {
      const hold = combineHold(this.#combiner, state.hold, time);
      state.hold = hold;
      if (hold < this.#minHold) this.#minHold = hold;
    }
    this.#table.touch(slot, window);
    return true;
  }

  /** A trigger that cannot fire before the end of the window, no merging, and the watermark not past the end of the global window. */
  #globalCannotFire(): boolean {
    return !this.#canFireEarly && !this.#merging && this.#watermark <= END_OF_GLOBAL_WINDOW;
  }

  #rejectLate(key: unknown, value: unknown, timestamp: number, window: BoundedWindow): void {
    const { deadLetters, name, windowing } = this.#o;
    deadLetters.reject(name, lateReason(timestamp, window, this.#watermark, windowing.allowedLateness), this.#payload(key, value), timestamp, 'LATE');
  }

  #rejectClosed(key: unknown, value: unknown, timestamp: number, window: BoundedWindow, state: PaneState): void {
    const trigger = this.#o.windowing.trigger;
    const why =
      trigger.kind === 'afterWatermark' && !trigger.late && state.nonSpeculative > 0
        ? 'its on-time pane has fired and the trigger has no late firings'
        : `its trigger ${describeTrigger(trigger)} has fired and finished`;
    this.#o.deadLetters.reject(this.#o.name, `late: window ${String(window)} is closed (${why})`, this.#payload(key, value), timestamp, 'LATE');
  }

  onWatermark(watermark: number): void {
    this.#watermark = watermark;
    this.#globalOpen = this.#globalCannotFire();
    if (!this.#globalOpen) this.#globalSlots = undefined;
    const context = this.#context.at(undefined);
    context.watermark = watermark;
    for (const entry of this.#table.ended(watermark)) {
      const expired = entry.window.maxTimestamp() + this.#allowedLateness < watermark;
      context.in(entry.window);
      for (const slot of entry.slots) {
        const state = slot.state;
        // Beam's end-of-window timer: the trigger is asked once the watermark passes the end.
        if (!state.endChecked && !isFinished(state.trigger)) {
          state.endChecked = true;
          this.#table.touch(slot, entry.window);
          if (this.#trigger.shouldFire(state.trigger, context)) this.#fire(entry, slot, expired);
        }
        // Garbage collection: what is still pending is the last pane.
        if (expired && state.pending > 0 && !isFinished(state.trigger)) this.#emit(entry, slot, true);
      }
      if (expired) this.#expire(entry);
    }
    if (!this.keyed && this.#o.windowing.windowFn.isGlobal && watermark > END_OF_GLOBAL_WINDOW && !this.#sawGlobalWindow) {
      this.#sawGlobalWindow = true;
      this.#emitEmptyGlobal();
    }
  }

  /** Fires panes whose processing-time deadline is due at `now`. */
  onProcessingTime(now: number): void {
    if (!this.#usesProcessingTime) return;
    const context = this.#context.at(now);
    context.watermark = this.#watermark;
    for (const entry of this.#table.values()) {
      context.in(entry.window);
      for (const slot of entry.slots) {
        const trigger = slot.state.trigger;
        if (deadlineDue(trigger, now) && this.#trigger.shouldFire(trigger, context)) this.#fire(entry, slot, false);
      }
    }
    context.at(undefined);
  }

  /**
   * The watermark this operator passes on: its input watermark, held back to the earliest hold of
   * a pending pane so that pane is not late downstream when it fires.
   */
  outputWatermark(inputWatermark: number): number {
    if (this.#holdsStale) this.#minHold = this.#earliestHold();
    this.#outputWatermark = Math.max(this.#outputWatermark, Math.min(inputWatermark, this.#minHold));
    return this.#outputWatermark;
  }

  /** The trigger fired (the context is set to the pane's window): tell it, then emit the pane. */
  #fire(entry: WindowEntry<unknown, PaneState>, slot: Slot<unknown, PaneState>, expired: boolean): void {
    this.#trigger.onFire(slot.state.trigger, this.#context);
    this.#emit(entry, slot, expired || isFinished(slot.state.trigger));
  }

  /**
   * Emits the pending pane (an empty one only when it is the on-time pane, Beam's FIRE_ALWAYS)
   * and starts the next: discarding mode empties the accumulator, the hold is released.
   */
  #emit(entry: WindowEntry<unknown, PaneState>, slot: Slot<unknown, PaneState>, isLast: boolean): void {
    const { aggregation, name, deadLetters, windowing } = this.#o;
    const state = slot.state;
    const window = entry.window;
    const timing = paneTiming(state, window, this.#watermark, this.#outputWatermark);
    if (state.pending > 0 || timing === 'onTime') {
      let result: unknown;
      try {
        result = aggregation.extract(state.acc);
      } catch (error) {
        deadLetters.reject(name, `extractOutput failed: ${messageOf(error)}`, state.acc);
        result = FAILED;
      }
      if (result !== FAILED) {
        const early = timing === 'early';
        const pane = { timing, index: state.panes, nonSpeculativeIndex: early ? -1 : state.nonSpeculative, isFirst: state.panes === 0, isLast };
        const timestamp = this.#combiner === 'endOfWindow' ? window.maxTimestamp() : (state.hold ?? window.maxTimestamp());
        this.output.ports[0]!.push(this.keyed ? { key: slot.key, value: result } : result, timestamp, window, pane);
      }
      state.panes++;
      if (timing !== 'early') state.nonSpeculative++;
    }
    state.pending = 0;
    if (state.hold !== undefined) {
      if (state.hold <= this.#minHold) this.#holdsStale = true;
      delete state.hold;
    }
    if (windowing.accumulation === 'discarding') state.acc = aggregation.create();
    this.#table.touch(slot, window);
  }

  #earliestHold(): number {
    let min = Infinity;
    for (const entry of this.#table.values()) for (const slot of entry.slots) if (slot.state.hold !== undefined && slot.state.hold < min) min = slot.state.hold;
    this.#holdsStale = false;
    return min;
  }

  #expire(entry: WindowEntry<unknown, PaneState>): void {
    this.#table.removeWindow(entry);
    for (const slot of entry.slots) if (slot.state.hold !== undefined && slot.state.hold <= this.#minHold) this.#holdsStale = true;
    if (!this.#merging) return;
    for (const slot of entry.slots) {
      const sessions = this.#sessions.get(slot.key);
      if (!sessions) continue;
      sessions.state = sessions.state.filter((w) => w.id !== entry.window.id);
      if (sessions.state.length === 0) this.#sessions.delete(slot.key);
    }
  }

  /** Merges `window` with the key's overlapping sessions; returns the entry of the result. */
  #mergeSession(key: unknown, window: IntervalWindow): WindowEntry<unknown, PaneState> {
    const sessions = this.#sessions.slot(key);
    let merged = window;
    let absorbed: IntervalWindow[] = [];
    for (let changed = true; changed;) {
      changed = false;
      for (const w of sessions.state) {
        if (!absorbed.includes(w) && w.intersects(merged)) {
          merged = merged.span(w);
          absorbed = [...absorbed, w];
          changed = true;
        }
      }
    }
    if (absorbed.length === 1 && absorbed[0]!.id === merged.id) return this.#table.entryFor(absorbed[0]!);
    const states: PaneState[] = [];
    for (const w of absorbed) {
      const slot = this.#table.get(w.id)?.slots.get(key);
      if (slot) this.#touched.delete(slot);
      const state = this.#table.removeKey(w.id, key);
      if (state) states.push(state);
    }
    sessions.state = [...sessions.state.filter((w) => !absorbed.includes(w)), merged];
    const entry = this.#table.entryFor(merged);
    if (states.length > 0) {
      const context = this.#context.in(merged);
      context.watermark = this.#watermark;
      // Merge in creation order, so merged values are ordered the same way after a restart.
      const parts = { aggregation: this.#aggregation, trigger: this.#trigger, combiner: this.#combiner, context };
      entry.slots.slot(key).state = mergePaneStates(
        states.sort((x, y) => x.seq - y.seq),
        merged,
        parts,
      );
    }
    return entry;
  }

  #takeChanges(): StateEntry[] {
    return this.#table.takeChanges({ watermark: this.#watermark, outputWatermark: this.#outputWatermark, sawGlobalWindow: this.#sawGlobalWindow });
  }

  #restore(entries: readonly StateEntry[]): void {
    const { meta, slots } = this.#table.restore(entries);
    if (meta) {
      this.#watermark = meta['watermark'] as number;
      this.#outputWatermark = (meta['outputWatermark'] as number | undefined) ?? this.#watermark;
      this.#sawGlobalWindow = meta['sawGlobalWindow'] as boolean;
      this.#globalOpen = this.#globalCannotFire();
    }
    for (const { window, key, state } of slots) {
      if (state.trigger === undefined) {
        throw new TypeError(
          `state of stage "${this.#o.name}" was saved by an earlier Runnel without trigger state; finish that job with the earlier version or start this one on a new store`,
        );
      }
      if (this.#merging) this.#sessions.slot(key).state.push(window as IntervalWindow);
    }
    this.#holdsStale = true;
  }

  #emitEmptyGlobal(): void {
    const { aggregation } = this.#o;
    const result = aggregation.extract(aggregation.create());
    this.output.ports[0]!.push(result, END_OF_GLOBAL_WINDOW, GLOBAL_WINDOW, ON_TIME_AND_ONLY_FIRING);
  }

  #payload(key: unknown, value: unknown): unknown {
    return this.keyed ? { key, value } : value;
  }
}

const FAILED = Symbol('failed');

function lateReason(timestamp: number, window: BoundedWindow, watermark: number, lateness: number): string {
  const behind = watermark - window.maxTimestamp() - 1;
  return `late: event time ${new Date(timestamp).toISOString()} in window ${String(window)} arrived ${behind} ms after the window closed (watermark ${new Date(watermark).toISOString()}, allowed lateness ${lateness} ms)`;
}
