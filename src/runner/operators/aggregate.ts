import { messageOf } from '../../common/errors.js';
import type { Bundle } from '../../core/bundle.js';
import type { Clock } from '../../core/clock.js';
import type { PaneTiming } from '../../core/pane.js';
import { END_OF_GLOBAL_WINDOW } from '../../core/time.js';
import { GLOBAL_WINDOW, type IntervalWindow, type BoundedWindow } from '../../core/window.js';
import type { WindowingStrategy } from '../../core/windowing/strategy.js';
import { planTrigger, type Condition, type TriggerPlan } from '../../core/windowing/triggers.js';
import type { Aggregation } from '../aggregation.js';
import type { DeadLetters } from '../dead-letters.js';
import type { Slot } from '../keyed-slots.js';
import { KeyedSlots } from '../keyed-slots.js';
import { StateTable } from '../state-table.js';
import type { WindowEntry } from '../windowed-table.js';
import { isKV, notKeyedReason } from './keyed-input.js';
import { OutputBuffer, type AggregatingOperator, type DurableState, type StateEntry } from './operator.js';

/** The state of one key in one window: the accumulator and where its trigger stands. */
export interface PaneState {
  acc: unknown;
  /** Elements added since the last pane. */
  pending: number;
  /** Processing time when the first pending element arrived. */
  firstPendingAt: number | undefined;
  /** Panes emitted so far. */
  panes: number;
  onTimeFired: boolean;
  /** A fire-once trigger has fired: the window takes no more data. */
  closed: boolean;
  /** Creation order, so that keys fire in the same order after a restart as before. */
  seq: number;
}

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
 * the windowing strategy's trigger (early, on time, late), late data checked against the
 * allowed lateness, session windows merged per key.
 */
export class AggregateOperator implements AggregatingOperator {
  readonly stages: readonly string[];
  readonly keyed: boolean;
  readonly #o: AggregateOptions;
  readonly #plan: TriggerPlan;
  readonly #table: StateTable<PaneState>;
  /** Active session windows per key (merging window functions only). */
  readonly #sessions = new KeyedSlots<unknown, IntervalWindow[]>(() => []);
  #watermark = -Infinity;
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
  readonly #aggregation: Aggregation;
  readonly durable: DurableState | undefined;

  constructor(
    options: AggregateOptions,
    readonly output = new OutputBuffer(1),
  ) {
    this.#o = options;
    this.stages = [options.name];
    this.keyed = options.keyed;
    this.#plan = planTrigger(options.windowing.trigger);
    this.#allowedLateness = options.windowing.allowedLateness;
    this.#merging = options.windowing.windowFn.merging;
    this.#aggregation = options.aggregation;
    this.#globalOpen = this.#globalCannotFire();
    const initial = (): PaneState => ({ acc: options.aggregation.create(), pending: 0, firstPendingAt: undefined, panes: 0, onTimeFired: false, closed: false, seq: 0 });
    this.#table = new StateTable<PaneState>(initial, options.durable ?? false);
    this.durable = options.durable ? { stage: options.name, takeChanges: () => this.#takeChanges(), restore: (entries) => this.#restore(entries) } : undefined;
  }

  setup(): void {}

  teardown(): void {}

  process(bundle: Bundle<unknown>): void {
    const { values, timestamps, windows } = bundle;
    for (let i = 0; i < values.length; i++) this.accept(values[i], timestamps[i]!, windows[i]!);
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

  /**
   * The batch path: while the watermark has not passed the end of the global window, an element
   * there cannot be late and, without early firings, cannot fire a pane, so it only updates the
   * key's accumulator.
   */
  #addGlobal(key: unknown, value: unknown, timestamp: number): void {
    this.#sawGlobalWindow = true;
    const slot = (this.#globalSlots ??= this.#table.entryFor(GLOBAL_WINDOW).slots).slot(key);
    this.#add(slot, GLOBAL_WINDOW, key, value, timestamp);
  }

  /** The general path: lateness, session merging, closed windows, early and late firings. */
  #addWindowed(key: unknown, value: unknown, timestamp: number, window: BoundedWindow): void {
    // Fields are read once into locals, the window's end is computed once.
    const watermark = this.#watermark;
    const maxTimestamp = window.maxTimestamp();
    if (maxTimestamp + this.#allowedLateness < watermark) {
      this.#rejectLate(key, value, timestamp, window);
      return;
    }
    if (window === GLOBAL_WINDOW) this.#sawGlobalWindow = true;
    const entry = this.#merging ? this.#mergeSession(key, window as IntervalWindow) : this.#table.entryFor(window);
    const slot = entry.slots.slot(key);
    const state = slot.state;
    if (state.closed || (state.onTimeFired && this.#plan.late === undefined)) {
      this.#rejectClosed(key, value, timestamp, entry.window, state);
      return;
    }
    if (!this.#add(slot, entry.window, key, value, timestamp)) return;
    const passedEnd = watermark > (this.#merging ? entry.window.maxTimestamp() : maxTimestamp);
    const condition = passedEnd || state.onTimeFired ? this.#plan.late : this.#plan.early;
    if (condition !== undefined && 'count' in condition && state.pending >= condition.count) {
      this.#fire(entry, slot, passedEnd ? 'late' : 'early', false);
    }
  }

  /** Adds `value` to the key's pane in `window`; false when the combiner threw (a dead letter). */
  #add(slot: Slot<unknown, PaneState>, window: BoundedWindow, key: unknown, value: unknown, timestamp: number): boolean {
    const state = slot.state;
    try {
      state.acc = this.#aggregation.add(state.acc, value);
    } catch (error) {
      this.#o.deadLetters.reject(this.#o.name, error, this.#payload(key, value), timestamp);
      return false;
    }
    state.pending++;
    state.firstPendingAt ??= this.#o.clock.now();
    this.#table.touch(slot, window);
    return true;
  }

  /** No early firings, no merging, and the watermark has not passed the end of the global window. */
  #globalCannotFire(): boolean {
    return this.#plan.early === undefined && !this.#merging && this.#watermark <= END_OF_GLOBAL_WINDOW;
  }

  #rejectLate(key: unknown, value: unknown, timestamp: number, window: BoundedWindow): void {
    const { deadLetters, name, windowing } = this.#o;
    deadLetters.reject(name, lateReason(timestamp, window, this.#watermark, windowing.allowedLateness), this.#payload(key, value), timestamp, 'LATE');
  }

  #rejectClosed(key: unknown, value: unknown, timestamp: number, window: BoundedWindow, state: PaneState): void {
    const why = state.closed ? 'its trigger fires only once and has fired' : 'its on-time pane has fired and the trigger has no late firings';
    this.#o.deadLetters.reject(this.#o.name, `late: window ${String(window)} is closed (${why})`, this.#payload(key, value), timestamp, 'LATE');
  }

  onWatermark(watermark: number): void {
    this.#watermark = watermark;
    this.#globalOpen = this.#globalCannotFire();
    if (!this.#globalOpen) this.#globalSlots = undefined;
    const lateness = this.#o.windowing.allowedLateness;
    for (const entry of this.#table.ended(watermark)) {
      const expired = entry.window.maxTimestamp() + lateness < watermark;
      for (const slot of entry.slots) {
        const state = slot.state;
        if (this.#plan.onTime && !state.onTimeFired && !state.closed) {
          // As Beam's default FIRE_ALWAYS: the on-time pane is emitted even if nothing is new.
          this.#fire(entry, slot, 'onTime', expired);
          state.onTimeFired = true;
        } else if (expired && state.pending > 0 && !state.closed) {
          this.#fire(entry, slot, state.onTimeFired ? 'late' : 'onTime', true);
        }
      }
      if (expired) this.#expire(entry);
    }
    if (!this.keyed && this.#o.windowing.windowFn.isGlobal && watermark > END_OF_GLOBAL_WINDOW && !this.#sawGlobalWindow) {
      this.#sawGlobalWindow = true;
      this.#emitEmptyGlobal();
    }
  }

  /** Fires panes whose processing-time condition is due at `now`. */
  onProcessingTime(now: number): void {
    const { early, late } = this.#plan;
    if (!hasDelay(early) && !hasDelay(late)) return;
    for (const entry of this.#table.values()) {
      const passedEnd = this.#watermark > entry.window.maxTimestamp();
      for (const slot of entry.slots) {
        const state = slot.state;
        const condition = passedEnd || state.onTimeFired ? late : early;
        if (!hasDelay(condition) || state.firstPendingAt === undefined || state.closed || state.pending === 0) continue;
        if (now >= state.firstPendingAt + condition.delay) this.#fire(entry, slot, passedEnd ? 'late' : 'early', false);
      }
    }
  }

  #fire(entry: WindowEntry<unknown, PaneState>, slot: Slot<unknown, PaneState>, timing: PaneTiming, isLast: boolean): void {
    const { aggregation, name, deadLetters, windowing } = this.#o;
    const state = slot.state;
    const window = entry.window;
    let result: unknown;
    try {
      result = aggregation.extract(state.acc);
    } catch (error) {
      deadLetters.reject(name, `extractOutput failed: ${messageOf(error)}`, state.acc);
      result = FAILED;
    }
    if (result !== FAILED) {
      const pane = { timing, index: state.panes, isFirst: state.panes === 0, isLast: isLast || this.#plan.once };
      this.output.ports[0]!.push(this.keyed ? { key: slot.key, value: result } : result, window.maxTimestamp(), window, pane);
    }
    state.panes++;
    state.pending = 0;
    state.firstPendingAt = undefined;
    if (windowing.accumulation === 'discarding') state.acc = aggregation.create();
    if (this.#plan.once) state.closed = true;
    this.#table.touch(slot, window);
  }

  #expire(entry: WindowEntry<unknown, PaneState>): void {
    this.#table.removeWindow(entry);
    if (!this.#o.windowing.windowFn.merging) return;
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
      const state = this.#table.removeKey(w.id, key);
      if (state) states.push(state);
    }
    sessions.state = [...sessions.state.filter((w) => !absorbed.includes(w)), merged];
    const entry = this.#table.entryFor(merged);
    // Merge in creation order, so merged values are ordered the same way after a restart.
    if (states.length > 0) entry.slots.slot(key).state = this.#mergeStates(states.sort((x, y) => x.seq - y.seq));
    return entry;
  }

  #mergeStates(states: PaneState[]): PaneState {
    const firsts = states.map((s) => s.firstPendingAt).filter((t): t is number => t !== undefined);
    return {
      acc: this.#o.aggregation.merge(states.map((s) => s.acc)),
      pending: states.reduce((n, s) => n + s.pending, 0),
      firstPendingAt: firsts.length > 0 ? Math.min(...firsts) : undefined,
      panes: Math.max(...states.map((s) => s.panes)),
      onTimeFired: false,
      closed: states.some((s) => s.closed),
      seq: Math.min(...states.map((s) => s.seq)),
    };
  }

  #takeChanges(): StateEntry[] {
    return this.#table.takeChanges({ watermark: this.#watermark, sawGlobalWindow: this.#sawGlobalWindow });
  }

  #restore(entries: readonly StateEntry[]): void {
    const { meta, slots } = this.#table.restore(entries);
    if (meta) {
      this.#watermark = meta['watermark'] as number;
      this.#sawGlobalWindow = meta['sawGlobalWindow'] as boolean;
      this.#globalOpen = this.#globalCannotFire();
    }
    if (this.#o.windowing.windowFn.merging) for (const { window, key } of slots) this.#sessions.slot(key).state.push(window as IntervalWindow);
  }

  #emitEmptyGlobal(): void {
    const { aggregation } = this.#o;
    const result = aggregation.extract(aggregation.create());
    this.output.ports[0]!.push(result, END_OF_GLOBAL_WINDOW, GLOBAL_WINDOW, { timing: 'onTime', index: 0, isFirst: true, isLast: true });
  }

  #payload(key: unknown, value: unknown): unknown {
    return this.keyed ? { key, value } : value;
  }
}

const FAILED = Symbol('failed');

function hasDelay(condition: Condition | undefined): condition is { delay: number } {
  return condition !== undefined && 'delay' in condition;
}

function lateReason(timestamp: number, window: BoundedWindow, watermark: number, lateness: number): string {
  const behind = watermark - window.maxTimestamp() - 1;
  return `late: event time ${new Date(timestamp).toISOString()} in window ${String(window)} arrived ${behind} ms after the window closed (watermark ${new Date(watermark).toISOString()}, allowed lateness ${lateness} ms)`;
}
