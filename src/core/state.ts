import type { CombineFn } from './combine-fn.js';
import type { BoundedWindow } from './window.js';

/** Declares a value cell: one value per key and window. */
export interface ValueStateSpec<T> {
  readonly kind: 'value';
  readonly __type?: T;
}

/** Declares a bag: values added per key and window, read back in order. */
export interface BagStateSpec<T> {
  readonly kind: 'bag';
  readonly __type?: T;
}

/** Declares a combining cell: inputs folded with a CombineFn, read as its output. */
export interface CombiningStateSpec<I, A, O> {
  readonly kind: 'combining';
  readonly fn: CombineFn<I, A, O>;
}

/** Any state declaration (every typed spec is assignable to it; `StateOf` recovers the types). */
export type StateSpec = ValueStateSpec<unknown> | BagStateSpec<unknown> | CombiningStateSpec<unknown, unknown, unknown>;

/** A value cell. */
export interface ValueState<T> {
  read(): T | undefined;
  write(value: T): void;
  clear(): void;
}

/** A bag of values. */
export interface BagState<T> {
  read(): readonly T[];
  add(value: T): void;
  clear(): void;
}

/** A combining cell. */
export interface CombiningState<I, O> {
  read(): O;
  add(value: I): void;
  clear(): void;
}

/** The accessor type of a state declaration. */
export type StateOf<S> =
  S extends ValueStateSpec<infer T>
    ? ValueState<T>
    : S extends BagStateSpec<infer T>
      ? BagState<T>
      : S extends CombiningStateSpec<infer I, unknown, infer O>
        ? CombiningState<I, O>
        : never;

/** Declares a value cell (JSON-serialisable values, so a durable run can persist it). */
export function valueState<T>(): ValueStateSpec<T> {
  return { kind: 'value' };
}

/** Declares a bag. */
export function bagState<T>(): BagStateSpec<T> {
  return { kind: 'bag' };
}

/** Declares a combining cell folded with `fn`. */
export function combiningState<I, A, O>(fn: CombineFn<I, A, O>): CombiningStateSpec<I, A, O> {
  return { kind: 'combining', fn };
}

/** Event-time timers fire when the watermark passes their time; processing-time ones when the clock does. */
export type TimerDomain = 'eventTime' | 'processingTime';

/** Declares a timer. */
export interface TimerSpec {
  readonly domain: TimerDomain;
}

/** Declares an event-time timer. */
export function eventTimer(): TimerSpec {
  return { domain: 'eventTime' };
}

/** Declares a processing-time timer. */
export function processingTimer(): TimerSpec {
  return { domain: 'processingTime' };
}

/** A timer of the current key and window; setting it again moves it. */
export interface Timer {
  set(time: number): void;
  clear(): void;
}

/** What a stateful DoFn sees: the key, window, its state and timers, and the output. */
export interface StatefulContext<K, Out, S extends Record<string, StateSpec>, T extends Record<string, TimerSpec>> {
  readonly key: K;
  readonly window: BoundedWindow;
  /** Event time of the element, or of the firing timer. */
  readonly timestamp: number;
  /** The run's processing time now (its injected clock): set processing-time timers from it. */
  readonly processingTime: number;
  readonly state: { readonly [N in keyof S]: StateOf<S[N]> };
  readonly timers: { readonly [N in keyof T]: Timer };
  /** Emits at `timestamp` in `window`. */
  output(value: Out): void;
}

/**
 * What a stateful DoFn's `finishBundle` sees: it can re-enter a key's state (e.g. to write what
 * an async call computed for elements held since `process`) and reject held elements.
 */
export interface StatefulBundleContext<K, Out, S extends Record<string, StateSpec>, T extends Record<string, TimerSpec>> {
  /** Runs `body` synchronously with the state and timers of `key` in `window`; its outputs get `timestamp`. */
  withKey(key: K, window: BoundedWindow, timestamp: number, body: (context: StatefulContext<K, Out, S, T>) => void): void;
  /** Sends an element held since `process` to the dead letters with `reason`. */
  reject(reason: unknown, value: unknown, timestamp: number): void;
}

/**
 * A DoFn with per-key (and per-window) state and timers, as Beam's state API. Its input must be
 * `{ key, value }` pairs; `process` gets the value, the key is `context.key`.
 */
export interface StatefulDoFn<K, V, Out, S extends Record<string, StateSpec> = Record<string, never>, T extends Record<string, TimerSpec> = Record<string, never>> {
  readonly state?: S;
  readonly timers?: T;
  setup?(): void | Promise<void>;
  process(value: V, context: StatefulContext<K, Out, S, T>): void;
  onTimer?(timer: keyof T & string, context: StatefulContext<K, Out, S, T>): void;
  /**
   * Called after each bundle's elements were processed, before the step commits; may be async
   * (run a model on what `process` collected). State written here is committed with the step.
   */
  finishBundle?(context: StatefulBundleContext<K, Out, S, T>): void | Promise<void>;
  teardown?(): void | Promise<void>;
}

/** A stateful DoFn as the graph and the runner hold it, its types erased. */
export type ErasedStatefulDoFn = StatefulDoFn<unknown, unknown, unknown, Record<string, StateSpec>, Record<string, TimerSpec>>;
