/**
 * The stateful DoFn behind the streaming record features (forward fill, streaming lags and rolling
 * statistics): `process` checks each record and holds it with its key; `finishBundle` orders each
 * key's held rows by event time, runs `compute` once per key (one kernel call, with the key's state,
 * e.g. its last values or its last rows), and emits every record with the computed columns. State
 * is committed with the step, so in a durable run the carried values survive a restart.
 */
import type { StatefulBundleContext, StatefulContext, StatefulDoFn, StateSpec } from '../core/state.js';
import type { BoundedWindow } from '../core/window.js';
import { readFeatures, type FeatureRecord, type NonFinitePolicy } from './records.js';
import { Workspace } from './workspace.js';

/** One key's held rows of a bundle, in event-time order. */
export interface HeldRows {
  readonly key: unknown;
  readonly window: BoundedWindow;
  readonly records: FeatureRecord[];
  readonly times: number[];
  /** The checked features, row-major [n × d]. */
  values: number[];
}

type Context<S extends Record<string, StateSpec>> = StatefulContext<unknown, FeatureRecord, S, Record<string, never>>;

/** The state accessors of one key, as `compute` gets them. */
export type KeyedState<S extends Record<string, StateSpec>> = Context<S>['state'];

/** Holds a bundle's records per key and adds (or replaces) `names` with what `compute` returns. */
export abstract class KeyedBundleFn<S extends Record<string, StateSpec>> implements StatefulDoFn<unknown, FeatureRecord, FeatureRecord, S> {
  abstract readonly state: S;
  protected readonly ws = new Workspace();
  readonly #row: Float64Array;
  #groups = new Map<string, HeldRows>();

  constructor(
    protected readonly features: readonly string[],
    private readonly names: readonly string[],
    private readonly policy: NonFinitePolicy,
    private readonly missingIsNaN: boolean,
  ) {
    this.#row = new Float64Array(features.length);
  }

  /** The output columns [n × names.length] of one key's rows; `state` is the key's state. */
  protected abstract compute(rows: HeldRows, state: KeyedState<S>): ArrayLike<number>;

  process(record: FeatureRecord, ctx: Context<S>): void {
    readFeatures(record, this.features, this.policy, this.#row, 0, this.missingIsNaN);
    const key = ctx.key;
    const id = `${ctx.window.id}|${typeof key === 'object' && key !== null ? JSON.stringify(key) : `${typeof key}:${String(key)}`}`;
    let group = this.#groups.get(id);
    if (!group) this.#groups.set(id, (group = { key, window: ctx.window, records: [], times: [], values: [] }));
    group.records.push(record);
    group.times.push(ctx.timestamp);
    for (const v of this.#row) group.values.push(v);
  }

  finishBundle(ctx: StatefulBundleContext<unknown, FeatureRecord, S, Record<string, never>>): void {
    const width = this.names.length;
    for (const g of this.#groups.values()) {
      sortByTime(g, this.features.length);
      const n = g.records.length;
      let values: ArrayLike<number> = [];
      ctx.withKey(g.key, g.window, g.times[n - 1]!, (c) => (values = this.compute(g, c.state)));
      for (let i = 0; i < n; i++) {
        const out: Record<string, unknown> = { ...g.records[i] };
        for (let j = 0; j < width; j++) out[this.names[j]!] = values[i * width + j];
        ctx.withKey(g.key, g.window, g.times[i]!, (c) => c.output(out));
      }
    }
    this.#groups = new Map();
  }
}

/** Puts a group's rows in event-time order (stable; nothing to do when they arrived in order). */
function sortByTime(g: HeldRows, d: number): void {
  const { times } = g;
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) sorted = times[i]! >= times[i - 1]!;
  if (sorted) return;
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  const [records, ts, values] = [g.records.slice(), times.slice(), g.values.slice()];
  order.forEach((from, to) => {
    g.records[to] = records[from]!;
    g.times[to] = ts[from]!;
    for (let j = 0; j < d; j++) g.values[to * d + j] = values[from * d + j]!;
  });
}
