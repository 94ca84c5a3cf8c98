import type { Bundle } from '../../core/bundle.js';
import type { Clock } from '../../core/clock.js';
import { NO_FIRING } from '../../core/pane.js';
import type { ErasedStatefulDoFn, StatefulBundleContext, StatefulContext, StateSpec, Timer, TimerDomain } from '../../core/state.js';
import type { BoundedWindow } from '../../core/window.js';
import type { WindowingStrategy } from '../../core/windowing/strategy.js';
import type { DeadLetters } from '../dead-letters.js';
import type { Slot } from '../keyed-slots.js';
import { StateTable } from '../state-table.js';
import type { WindowEntry } from '../windowed-table.js';
import { isKV, notKeyedReason } from './keyed-input.js';
import { OutputBuffer, type DurableState, type Operator, type StateEntry } from './operator.js';

/** The state of one key in one window: the DoFn's cells and its set timers. */
interface KeyState {
  cells: Record<string, unknown>;
  timers: Record<string, { domain: TimerDomain; time: number }>;
  seq: number;
}

type Context = StatefulContext<unknown, unknown, Record<string, StateSpec>, Record<string, { domain: TimerDomain }>>;
type BundleContext = StatefulBundleContext<unknown, unknown, Record<string, StateSpec>, Record<string, { domain: TimerDomain }>>;

/** Timer firings per watermark or clock advance before the operator assumes a timer loop. */
const MAX_TIMER_ROUNDS = 10_000;

/** Options of the stateful operator. */
export interface StatefulOptions {
  readonly name: string;
  readonly fn: ErasedStatefulDoFn;
  readonly windowing: WindowingStrategy;
  readonly deadLetters: DeadLetters;
  readonly clock: Clock;
  readonly durable: boolean;
}

/**
 * Runs a stateful DoFn: one state record per key and window; timers fire in time order as the
 * watermark (event time) or the clock (processing time) passes them; a window's state is
 * dropped when the watermark passes its end plus the allowed lateness.
 */
export class StatefulOperator implements Operator {
  readonly output = new OutputBuffer(1);
  readonly stages: readonly string[];
  readonly durable: DurableState | undefined;
  readonly #o: StatefulOptions;
  readonly #table: StateTable<KeyState>;
  readonly #context: Context;
  readonly #bundleContext: BundleContext;
  #slot: Slot<unknown, KeyState> | undefined;
  #window: BoundedWindow | undefined;
  #timestamp = 0;
  #watermark = -Infinity;

  constructor(options: StatefulOptions) {
    this.#o = options;
    this.stages = [options.name];
    this.#table = new StateTable<KeyState>(() => ({ cells: {}, timers: {}, seq: 0 }), options.durable);
    this.#context = this.#makeContext();
    this.#bundleContext = {
      withKey: (key, window, timestamp, body) => {
        const slot = this.#table.entryFor(window).slots.slot(key);
        this.#enter(slot, window, timestamp);
        body(this.#context);
        this.#table.touch(slot, window);
      },
      reject: (reason, value, timestamp) => options.deadLetters.reject(options.name, reason, value, timestamp),
    };
    this.durable = options.durable
      ? {
          stage: options.name,
          takeChanges: (): StateEntry[] => this.#table.takeChanges({ watermark: this.#watermark }),
          restore: (entries) => {
            const { meta } = this.#table.restore(entries);
            if (meta) this.#watermark = meta['watermark'] as number;
          },
        }
      : undefined;
  }

  async setup(): Promise<void> {
    await this.#o.fn.setup?.();
  }

  async teardown(): Promise<void> {
    await this.#o.fn.teardown?.();
  }

  process(bundle: Bundle<unknown>): void | Promise<void> {
    this.#processElements(bundle);
    return this.#o.fn.finishBundle?.(this.#bundleContext);
  }

  #processElements(bundle: Bundle<unknown>): void {
    const { name, deadLetters, windowing, fn } = this.#o;
    const { values, timestamps, windows } = bundle;
    for (let i = 0; i < values.length; i++) {
      const input = values[i];
      const timestamp = timestamps[i]!;
      const window = windows[i]!;
      if (!isKV(input)) {
        deadLetters.reject(name, notKeyedReason(input), input, timestamp, 'NOT_KEYED');
        continue;
      }
      if (window.maxTimestamp() + windowing.allowedLateness < this.#watermark) {
        deadLetters.reject(name, `late: window ${String(window)} has expired (watermark ${new Date(this.#watermark).toISOString()})`, input, timestamp, 'LATE');
        continue;
      }
      const entry = this.#table.entryFor(window);
      this.#enter(entry.slots.slot(input.key), window, timestamp);
      try {
        fn.process(input.value, this.#context);
      } catch (error) {
        deadLetters.reject(name, error, input, timestamp);
      }
      this.#table.touch(this.#slot!, window);
    }
  }

  onWatermark(watermark: number): void {
    this.#watermark = watermark;
    this.#fireTimers('eventTime', (time) => time < watermark);
    const lateness = this.#o.windowing.allowedLateness;
    for (const entry of this.#table.ended(watermark)) {
      if (entry.window.maxTimestamp() + lateness < watermark) this.#table.removeWindow(entry);
    }
  }

  onProcessingTime(now: number): void {
    this.#fireTimers('processingTime', (time) => time <= now);
  }

  #fireTimers(domain: TimerDomain, due: (time: number) => boolean): void {
    for (let round = 0; ; round++) {
      const firing = this.#dueTimers(domain, due);
      if (firing.length === 0) return;
      if (round >= MAX_TIMER_ROUNDS) {
        throw new Error(`[${this.#o.name}] timers keep re-arming themselves as due (${MAX_TIMER_ROUNDS} rounds); set them to a later time`);
      }
      for (const { entry, slot, name, time } of firing) {
        if (slot.state.timers[name]?.time !== time) continue; // cleared or moved by an earlier firing
        delete slot.state.timers[name];
        const timestamp = domain === 'eventTime' ? time : Math.min(entry.window.maxTimestamp(), Math.max(entry.window.start, this.#watermark));
        this.#enter(slot, entry.window, timestamp);
        try {
          this.#o.fn.onTimer!(name, this.#context);
        } catch (error) {
          this.#o.deadLetters.reject(this.#o.name, error, { key: slot.key, timer: name, time }, timestamp);
        }
        this.#table.touch(slot, entry.window);
      }
    }
  }

  #dueTimers(domain: TimerDomain, due: (time: number) => boolean) {
    const firing: { entry: WindowEntry<unknown, KeyState>; slot: Slot<unknown, KeyState>; name: string; time: number }[] = [];
    for (const entry of this.#table.values()) {
      for (const slot of entry.slots) {
        for (const [name, timer] of Object.entries(slot.state.timers)) {
          if (timer.domain === domain && due(timer.time)) firing.push({ entry, slot, name, time: timer.time });
        }
      }
    }
    return firing.sort((a, b) => a.time - b.time || a.slot.state.seq - b.slot.state.seq);
  }

  #enter(slot: Slot<unknown, KeyState>, window: BoundedWindow, timestamp: number): void {
    this.#slot = slot;
    this.#window = window;
    this.#timestamp = timestamp;
  }

  #makeContext(): Context {
    const cells = (): Record<string, unknown> => this.#slot!.state.cells;
    const state: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(this.#o.fn.state ?? {})) state[name] = cellAccessor(name, spec, cells);
    const timers: Record<string, Timer> = {};
    for (const [name, spec] of Object.entries(this.#o.fn.timers ?? {})) {
      timers[name] = {
        set: (time) => {
          if (!Number.isFinite(time)) throw new RangeError(`timer "${name}": time must be a finite number of ms, got ${time}`);
          this.#slot!.state.timers[name] = { domain: spec.domain, time };
        },
        clear: () => {
          delete this.#slot!.state.timers[name];
        },
      };
    }
    const output = this.output;
    const clock = this.#o.clock;
    // The getters read the operator's current key, window and time (set by #enter).
    const key = (): unknown => this.#slot!.key;
    const window = (): BoundedWindow => this.#window!;
    const timestamp = (): number => this.#timestamp;
    return {
      get key() {
        return key();
      },
      get window() {
        return window();
      },
      get timestamp() {
        return timestamp();
      },
      get processingTime() {
        return clock.now();
      },
      state: state as Context['state'],
      timers,
      output: (value) => output.ports[0]!.push(value, timestamp(), window(), NO_FIRING),
    };
  }
}

function cellAccessor(name: string, spec: StateSpec, cells: () => Record<string, unknown>): unknown {
  switch (spec.kind) {
    case 'value':
      return {
        read: () => cells()[name],
        write: (value: unknown) => void (cells()[name] = value),
        clear: () => void delete cells()[name],
      };
    case 'bag':
      return {
        read: () => (cells()[name] as unknown[] | undefined) ?? [],
        add: (value: unknown) => {
          const bag = (cells()[name] as unknown[] | undefined) ?? [];
          bag.push(value);
          cells()[name] = bag;
        },
        clear: () => void delete cells()[name],
      };
    case 'combining': {
      const fn = spec.fn;
      const acc = () => (name in cells() ? cells()[name] : fn.createAccumulator());
      return {
        read: () => fn.extractOutput(acc()),
        add: (value: unknown) => void (cells()[name] = fn.addInput(acc(), value)),
        clear: () => void delete cells()[name],
      };
    }
  }
}
