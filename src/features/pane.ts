/**
 * The machinery of the per-window features (`windowStats`, `fftBands`, `lags`, `rolling`):
 * records are checked one by one (a bad one is a dead letter), grouped per key and window, and
 * each pane is copied once, sorted by event time, into a WASM frame [n × d] that the feature's
 * kernels run over in one call per statistic. Apply `windowInto` first; in the global window
 * a pane is the whole (bounded) input.
 */
import { kv, type KV } from '../core/element.js';
import type { PCollection } from '../core/pcollection.js';
import { composite, type PTransform } from '../core/ptransform.js';
import type { BoundedWindow } from '../core/window.js';
import { checkFeatureNames, readFeatures, type FeatureRecord, type NonFinitePolicy } from './records.js';
import { Workspace } from './workspace.js';

/** Options of every per-window feature transform. */
export interface PaneOptions {
  /** Numeric fields to compute on. */
  readonly features: readonly string[];
  /** Groups records per key within each window (default: one group per window). */
  readonly key?: (record: FeatureRecord) => unknown;
  /** NaN/±Inf in a feature: `'reject'` (dead letter, the default) or `'keep'` (the kernels' NaN rules apply). */
  readonly nonFinite?: NonFinitePolicy;
}

/** One pane in WASM memory, rows sorted by event time. */
export interface Pane {
  readonly key: unknown;
  readonly window: BoundedWindow;
  /** Rows and feature columns of the frame at `ptr`. */
  readonly n: number;
  readonly d: number;
  /** Byte offset of the row-major f32 frame [n × d]. */
  readonly ptr: number;
  /** The frame's values (a view re-created after memory growth: read it after allocating). */
  readonly view: Float32Array;
  /** Event time of each row. */
  readonly times: readonly number[];
  /** The original records (only when the transform asked to keep them). */
  readonly records: readonly FeatureRecord[];
}

/** A checked row as grouped. */
interface PaneRow {
  readonly t: number;
  readonly values: number[];
  readonly record?: FeatureRecord;
}

/** Builds a per-window transform from `compute`, which turns one pane into outputs. */
export function paneTransform<Out>(
  name: string,
  options: PaneOptions,
  keepRecords: boolean,
  compute: (pane: Pane, ws: Workspace) => Iterable<Out>,
): PTransform<PCollection<FeatureRecord>, PCollection<Out>> {
  const { features } = options;
  checkFeatureNames(name, features);
  const policy = options.nonFinite ?? 'reject';
  if (policy !== 'reject' && policy !== 'keep') throw new TypeError(`${name}: options.nonFinite must be 'reject' or 'keep', got ${JSON.stringify(policy)}`);
  const key = options.key ?? (() => null);
  const d = features.length;
  let ws: Workspace | undefined;
  return composite(name, (input: PCollection<FeatureRecord>) =>
    input
      .parDo<KV<unknown, PaneRow>>(
        {
          process(record, ctx) {
            const values = new Array<number>(d);
            readFeatures(record, features, policy, values, 0);
            ctx.output(kv(key(record), keepRecords ? { t: ctx.timestamp, values, record } : { t: ctx.timestamp, values }));
          },
        },
        'check',
      )
      .groupByKey('group')
      .parDo<Out>(
        {
          process({ key: k, value: rows }, ctx) {
            ws ??= new Workspace();
            const sorted = [...rows].sort((a, b) => a.t - b.t);
            const block = ws.f32('pane', sorted.length * d);
            const view = block.view;
            sorted.forEach((r, i) => view.set(r.values, i * d));
            const records = keepRecords ? sorted.map((r) => r.record!) : [];
            const n = sorted.length;
            const pane: Pane = {
              key: k, window: ctx.window, n, d, ptr: block.ptr, times: sorted.map((r) => r.t), records,
              get view() {
                return block.view.subarray(0, n * d);
              },
            };
            return compute(pane, ws);
          },
        },
        'compute',
      ),
  );
}
