/**
 * Forward fill (`impute({ strategy: 'last' })`): a missing or non-finite feature becomes the last
 * finite value of the same key. `process` checks and holds a bundle's records; `finishBundle` runs
 * the `imputeLast` kernel once per key over its held rows, starting from the key's last values kept
 * in state (so the fill carries across bundles and, in a durable run, across restarts).
 */
import type { StatefulBundleContext, StatefulContext, StatefulDoFn } from '../core/state.js';
import { valueState } from '../core/state.js';
import type { BoundedWindow } from '../core/window.js';
import { readFeatures, type FeatureRecord } from './records.js';
import { Workspace } from './workspace.js';

type FillState = { last: ReturnType<typeof valueState<number[]>> };

/** The held records of one key in one window, in arrival order. */
interface Group {
  readonly key: unknown;
  readonly window: BoundedWindow;
  readonly records: FeatureRecord[];
  readonly times: number[];
  values: number[];
}

/** Forward-fills features per key, one kernel call per key and bundle. */
export class ForwardFillFn<K> implements StatefulDoFn<K, FeatureRecord, FeatureRecord, FillState> {
  readonly state: FillState = { last: valueState<number[]>() };
  readonly #ws = new Workspace();
  readonly #row: Float64Array;
  #groups = new Map<string, Group>();

  constructor(private readonly features: readonly string[]) {
    this.#row = new Float64Array(features.length);
  }

  process(record: FeatureRecord, ctx: StatefulContext<K, FeatureRecord, FillState, Record<string, never>>): void {
    readFeatures(record, this.features, 'keep', this.#row, 0, true);
    const key = ctx.key as unknown;
    const id = `${ctx.window.id}|${typeof key === 'object' && key !== null ? JSON.stringify(key) : `${typeof key}:${String(key)}`}`;
    let group = this.#groups.get(id);
    if (!group) this.#groups.set(id, (group = { key, window: ctx.window, records: [], times: [], values: [] }));
    group.records.push(record);
    group.times.push(ctx.timestamp);
    for (const v of this.#row) group.values.push(v);
  }

  finishBundle(ctx: StatefulBundleContext<K, FeatureRecord, FillState, Record<string, never>>): void {
    const d = this.features.length;
    const k = this.#ws.k.exports;
    for (const g of this.#groups.values()) {
      const n = g.records.length;
      const block = this.#ws.f32('rows', n * d);
      block.view.set(g.values);
      const last = this.#ws.f64('last', d);
      ctx.withKey(g.key as K, g.window, g.times[n - 1]!, (c) => {
        last.view.set(c.state.last.read() ?? Array.from({ length: d }, () => NaN));
        k.imputeLast(block.ptr, n, d, last.ptr, block.ptr);
        c.state.last.write(Array.from(last.view.subarray(0, d)));
      });
      const filled = block.view;
      for (let i = 0; i < n; i++) {
        const out: Record<string, unknown> = { ...g.records[i] };
        for (let j = 0; j < d; j++) out[this.features[j]!] = filled[i * d + j];
        ctx.withKey(g.key as K, g.window, g.times[i]!, (c) => c.output(out));
      }
    }
    this.#groups = new Map();
  }
}
