/**
 * The machinery of the per-window features (`windowStats`, `fftBands`, `lags`, `rolling`):
 * records are checked one by one (a bad one is a dead letter), grouped per key and window, and
 * each pane is copied once, sorted by event time, into a WASM frame [n × d] that the feature's
 * kernels run over in one call per statistic. Apply `windowInto` first; in the global window
 * a pane is the whole (bounded) input.
 */
import type { PCollection } from '../core/pcollection.js';
import { composite, type PTransform } from '../core/ptransform.js';
import type { BoundedWindow } from '../core/window.js';
import { checkFeatureNames, readFeatures, type FeatureRecord, type NonFinitePolicy } from './records.js';
import { Workspace } from './workspace.js';

/** Options of every per-window feature transform. */
export interface PaneOptions<R = FeatureRecord> {
  /** Numeric fields to compute on. */
  readonly features: readonly string[];
  /** Groups records per key within each window (default: one group per window). */
  readonly key?: (record: R) => unknown;
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
  /** The records, in the same order as the rows. */
  readonly records: readonly FeatureRecord[];
}

/** A checked record and its event time, as grouped. */
interface PaneRow {
  readonly t: number;
  readonly record: FeatureRecord;
}

/** Builds a per-window transform from `compute`, which turns one pane into outputs. */
export function paneTransform<Out>(
  name: string,
  options: PaneOptions,
  compute: (pane: Pane, ws: Workspace) => Iterable<Out>,
): PTransform<PCollection<FeatureRecord>, PCollection<Out>> {
  const { features } = options;
  checkFeatureNames(name, features);
  const policy = options.nonFinite ?? 'reject';
  if (policy !== 'reject' && policy !== 'keep') throw new TypeError(`${name}: options.nonFinite must be 'reject' or 'keep', got ${JSON.stringify(policy)}`);
  const key = options.key ?? (() => null);
  const d = features.length;
  const row = new Float64Array(d);
  let ws: Workspace | undefined;
  return composite(name, (input: PCollection<FeatureRecord>) =>
    input
      .parDo<PaneRow>(
        {
          process(record, ctx) {
            readFeatures(record, features, policy, row, 0);
            ctx.output({ t: ctx.timestamp, record });
          },
        },
        'check',
      )
      // withKeys straight into groupByKey: the runner passes key and value without a pair object.
      .withKeys((r) => key(r.record), 'key')
      .groupByKey('group')
      .parDo<Out>(
        {
          // The kernels load here, when the run sets up: a missing or bad kernels file fails the run
          // before it reads input instead of turning every pane into a dead letter.
          setup() {
            ws ??= new Workspace();
          },
          process({ key: k, value: rows }, ctx) {
            ws ??= new Workspace();
            // The group is this transform's own intermediate value: sorting it in place is safe.
            if (!isSorted(rows)) rows.sort((a, b) => a.t - b.t);
            const n = rows.length;
            const block = ws.f32('pane', n * d);
            const view = block.view;
            for (let i = 0; i < n; i++) readFeatures(rows[i]!.record, features, 'keep', view, i * d); // checked on the way in
            const pane: Pane = {
              key: k,
              window: ctx.window,
              n,
              d,
              ptr: block.ptr,
              times: rows.map((r) => r.t),
              records: rows.map((r) => r.record),
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

function isSorted(rows: readonly PaneRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i]!.t < rows[i - 1]!.t) return false;
  return true;
}

/** A per-window output: the group's key, the window, and the named features. */
export interface WindowFeatures {
  readonly key: unknown;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly [feature: string]: unknown;
}

/** A per-window transform that also says which features it outputs. */
export type WindowFeatureTransform<R = FeatureRecord> = PTransform<PCollection<R>, PCollection<WindowFeatures>> & { readonly featureNames: readonly string[] };

/** One family of per-window features: its output names and how it adds them to a pane's record. */
export interface PaneFeature {
  readonly names: readonly string[];
  into(record: Record<string, unknown>, pane: Pane, ws: Workspace): void;
}

/** A transform emitting one record per pane with the features of every part. */
export function windowTransform(name: string, options: PaneOptions, parts: readonly PaneFeature[]): WindowFeatureTransform {
  const transform = paneTransform<WindowFeatures>(name, options, (pane, ws) => {
    const record: Record<string, unknown> = { key: pane.key, windowStart: pane.window.start, windowEnd: pane.window.end };
    for (const part of parts) part.into(record, pane, ws);
    return [record as WindowFeatures];
  });
  return Object.assign(transform, { featureNames: parts.flatMap((p) => p.names) });
}
