import type { Trigger } from './triggers.js';

/**
 * Where a trigger stands for one key and window: plain JSON, so a durable run saves it with the
 * pane's state. Each node of the trigger tree has one, children in `c`.
 */
export interface TriggerState {
  /** The node has finished (a fire-once trigger that fired). */
  f?: 1;
  /** `afterCount`: elements counted. */
  n?: number;
  /** Processing-time triggers: the deadline, set by the first element of the pane. */
  d?: number;
  /** `afterEach`: the step now in charge; `afterWatermark`: 1 once the end of the window passed. */
  i?: number;
  c?: TriggerState[];
}

/** What a trigger sees when it is asked: the input watermark, the clock and its window's end. */
export interface TriggerContext {
  readonly watermark: number;
  readonly now: number;
  /** The window's `maxTimestamp()`: the end of the window is reached when the watermark is past it. */
  readonly maxTimestamp: number;
}

/**
 * A trigger compiled to Beam's trigger state machine. The aggregation calls `onElement` for
 * each element, asks `shouldFire` after each bundle (and when the watermark passes the window's
 * end, or a processing-time deadline is due), and calls `onFire` when it emits the pane.
 */
export interface TriggerMachine {
  init(): TriggerState;
  onElement(state: TriggerState, context: TriggerContext): void;
  shouldFire(state: TriggerState, context: TriggerContext): boolean;
  onFire(state: TriggerState, context: TriggerContext): void;
  /** The state of a window merged from windows with these states (sessions). */
  merge(states: readonly TriggerState[], context: TriggerContext): TriggerState;
}

/** True when the trigger has finished: the window takes no more data. */
export function isFinished(state: TriggerState): boolean {
  return state.f === 1;
}

/** True when a processing-time deadline somewhere in the trigger is due at `now`. */
export function deadlineDue(state: TriggerState, now: number): boolean {
  if (state.d !== undefined && state.d <= now && state.f !== 1) return true;
  return state.c?.some((child) => deadlineDue(child, now)) ?? false;
}

const endReached = (c: TriggerContext): boolean => c.watermark > c.maxTimestamp;
const anyFinished = (states: readonly TriggerState[]): boolean => states.some(isFinished);
const finish = (state: TriggerState, done: boolean): void => {
  if (done) state.f = 1;
};

/** Compiles a trigger into its state machine. */
export function triggerMachine(trigger: Trigger): TriggerMachine {
  switch (trigger.kind) {
    case 'default':
      return stateless(endReached);
    case 'never':
      return stateless(() => false);
    case 'afterCount':
      return afterCountMachine(trigger.count);
    case 'afterProcessingTime': {
      const { delay, alignment } = trigger;
      return processingTimeMachine((now) => (alignment ? align(now + delay, alignment.period, alignment.offset) : now + delay));
    }
    case 'afterSynchronizedProcessingTime':
      return processingTimeMachine((now) => now);
    case 'afterWatermark':
      return afterWatermarkMachine(trigger.early && triggerMachine(trigger.early), trigger.late && triggerMachine(trigger.late));
    case 'repeatedly':
      return repeatedlyMachine(triggerMachine(trigger.trigger));
    case 'afterAny':
      return afterAnyMachine(trigger.triggers.map(triggerMachine));
    case 'afterAll':
      return afterAllMachine(trigger.triggers.map(triggerMachine));
    case 'afterEach':
      return afterEachMachine(trigger.triggers.map(triggerMachine));
    case 'orFinally':
      return orFinallyMachine(triggerMachine(trigger.main), triggerMachine(trigger.until));
    default:
      throw new TypeError(`not a trigger: ${JSON.stringify(trigger)}; build triggers with afterWatermark(), afterCount(), repeatedly(), …`);
  }
}

/** `default` and `never`: no state; `default` never finishes, so late data fires again. */
function stateless(fires: (context: TriggerContext) => boolean): TriggerMachine {
  return { init: () => ({}), onElement: () => {}, shouldFire: (_s, c) => fires(c), onFire: () => {}, merge: () => ({}) };
}

function afterCountMachine(count: number): TriggerMachine {
  return {
    init: () => ({ n: 0 }),
    onElement: (s) => {
      s.n = (s.n ?? 0) + 1;
    },
    shouldFire: (s) => (s.n ?? 0) >= count,
    onFire: (s) => finish(s, true),
    merge: (states) => ({ n: states.reduce((n, s) => n + (s.n ?? 0), 0), ...(anyFinished(states) ? { f: 1 } : {}) }),
  };
}

function processingTimeMachine(deadline: (now: number) => number): TriggerMachine {
  return {
    init: () => ({}),
    onElement: (s, c) => {
      s.d ??= deadline(c.now);
    },
    shouldFire: (s, c) => s.d !== undefined && c.now >= s.d,
    onFire: (s) => finish(s, true),
    merge: (states) => {
      const deadlines = states.flatMap((s) => (s.d === undefined ? [] : [s.d]));
      return { ...(deadlines.length > 0 ? { d: Math.min(...deadlines) } : {}), ...(anyFinished(states) ? { f: 1 } : {}) };
    },
  };
}

/**
 * Beam's AfterWatermark with optional early and late firings (each implicitly repeated): in the
 * early phase it fires when `early` would or the end of the window is reached (the on-time pane),
 * which starts the late phase; there it fires when `late` would, and without `late` it is done.
 */
function afterWatermarkMachine(early: TriggerMachine | undefined, late: TriggerMachine | undefined): TriggerMachine {
  const fresh = (): TriggerState[] => [early?.init() ?? {}, late?.init() ?? {}];
  const children = (s: TriggerState): TriggerState[] => (s.c ??= fresh());
  return {
    init: () => ({ c: fresh() }),
    onElement: (s, c) => {
      if (s.i !== 1) early?.onElement(children(s)[0]!, c);
      else late?.onElement(children(s)[1]!, c);
    },
    shouldFire: (s, c) => {
      if (s.i !== 1) return endReached(c) || (early !== undefined && early.shouldFire(children(s)[0]!, c));
      return late !== undefined && late.shouldFire(children(s)[1]!, c);
    },
    onFire: (s, c) => {
      const kids = children(s);
      if (s.i !== 1 && !endReached(c)) {
        early?.onFire(kids[0]!, c);
        if (early && isFinished(kids[0]!)) kids[0] = early.init();
      } else if (s.i !== 1) {
        s.i = 1;
        s.c = fresh();
        finish(s, late === undefined);
      } else {
        late?.onFire(kids[1]!, c);
        if (late && isFinished(kids[1]!)) kids[1] = late.init();
      }
    },
    merge: (states, c) => {
      // As Beam: the merged window is in its late phase only if every merged window was and the
      // watermark is past the merged window's end; otherwise it fires on time again.
      const latePhase = states.length > 0 && states.every((s) => s.i === 1) && endReached(c);
      const kids = states.map(children);
      const merged: TriggerState = {
        c: [
          early
            ? early.merge(
                kids.map((k) => k[0]!),
                c,
              )
            : {},
          late
            ? late.merge(
                kids.map((k) => k[1]!),
                c,
              )
            : {},
        ],
      };
      if (latePhase) merged.i = 1;
      finish(merged, latePhase && late === undefined);
      return merged;
    },
  };
}

function repeatedlyMachine(inner: TriggerMachine): TriggerMachine {
  return {
    init: () => ({ c: [inner.init()] }),
    onElement: (s, c) => inner.onElement(s.c![0]!, c),
    shouldFire: (s, c) => inner.shouldFire(s.c![0]!, c),
    onFire: (s, c) => {
      inner.onFire(s.c![0]!, c);
      if (isFinished(s.c![0]!)) s.c![0] = inner.init();
    },
    merge: (states, c) => ({
      c: [
        stripFinished(
          inner.merge(
            states.map((s) => s.c![0]!),
            c,
          ),
        ),
      ],
    }),
  };
}

/** A repeated trigger restarts when it finishes, so a merge never leaves it finished. */
function stripFinished(state: TriggerState): TriggerState {
  delete state.f;
  return state;
}

/** Children of a composite, merged child by child; the composite is finished if it was in any window. */
function mergeChildren(machines: readonly TriggerMachine[], states: readonly TriggerState[], c: TriggerContext): TriggerState {
  const merged: TriggerState = {
    c: machines.map((m, i) =>
      m.merge(
        states.map((s) => s.c![i]!),
        c,
      ),
    ),
  };
  finish(merged, anyFinished(states));
  return merged;
}

function afterAnyMachine(machines: readonly TriggerMachine[]): TriggerMachine {
  return {
    init: () => ({ c: machines.map((m) => m.init()) }),
    onElement: (s, c) => machines.forEach((m, i) => !isFinished(s.c![i]!) && m.onElement(s.c![i]!, c)),
    shouldFire: (s, c) => machines.some((m, i) => !isFinished(s.c![i]!) && m.shouldFire(s.c![i]!, c)),
    onFire: (s, c) => {
      machines.forEach((m, i) => {
        // As Beam: a part that is not ready loses what it was counting, since the pane is gone.
        if (m.shouldFire(s.c![i]!, c)) m.onFire(s.c![i]!, c);
        else s.c![i] = m.init();
      });
      finish(s, s.c!.some(isFinished));
    },
    merge: (states, c) => mergeChildren(machines, states, c),
  };
}

function afterAllMachine(machines: readonly TriggerMachine[]): TriggerMachine {
  return {
    init: () => ({ c: machines.map((m) => m.init()) }),
    onElement: (s, c) => machines.forEach((m, i) => !isFinished(s.c![i]!) && m.onElement(s.c![i]!, c)),
    shouldFire: (s, c) => machines.every((m, i) => isFinished(s.c![i]!) || m.shouldFire(s.c![i]!, c)),
    onFire: (s, c) => {
      machines.forEach((m, i) => !isFinished(s.c![i]!) && m.shouldFire(s.c![i]!, c) && m.onFire(s.c![i]!, c));
      finish(s, s.c!.every(isFinished));
    },
    merge: (states, c) => mergeChildren(machines, states, c),
  };
}

function afterEachMachine(machines: readonly TriggerMachine[]): TriggerMachine {
  const current = (s: TriggerState): number => s.i ?? 0;
  return {
    init: () => ({ i: 0, c: machines.map((m) => m.init()) }),
    onElement: (s, c) => {
      const i = current(s);
      if (i < machines.length) machines[i]!.onElement(s.c![i]!, c);
    },
    shouldFire: (s, c) => {
      const i = current(s);
      return i < machines.length && machines[i]!.shouldFire(s.c![i]!, c);
    },
    onFire: (s, c) => {
      const i = current(s);
      machines[i]!.onFire(s.c![i]!, c);
      if (isFinished(s.c![i]!)) s.i = i + 1;
      finish(s, current(s) >= machines.length);
    },
    merge: (states, c) => {
      // As Beam's Python SDK: the merged window continues from the furthest step.
      const merged = mergeChildren(machines, states, c);
      merged.i = Math.max(0, ...states.map(current));
      return merged;
    },
  };
}

function orFinallyMachine(main: TriggerMachine, until: TriggerMachine): TriggerMachine {
  const machines = [main, until];
  return {
    init: () => ({ c: [main.init(), until.init()] }),
    onElement: (s, c) => {
      main.onElement(s.c![0]!, c);
      until.onElement(s.c![1]!, c);
    },
    shouldFire: (s, c) => main.shouldFire(s.c![0]!, c) || until.shouldFire(s.c![1]!, c),
    onFire: (s, c) => {
      if (until.shouldFire(s.c![1]!, c)) {
        until.onFire(s.c![1]!, c);
        finish(s, true);
        return;
      }
      main.onFire(s.c![0]!, c);
      finish(s, isFinished(s.c![0]!));
    },
    merge: (states, c) => mergeChildren(machines, states, c),
  };
}

/** `t` rounded up to the next `offset + k × period` (unchanged when it is one). */
function align(t: number, period: number, offset: number): number {
  const since = (((t - offset) % period) + period) % period;
  return since === 0 ? t : t + period - since;
}
