/**
 * Forward fill (`impute({ strategy: 'last' })`): a missing or non-finite feature becomes the last
 * finite value of the same key, with the `imputeLast` kernel once per key and bundle, starting from
 * the key's last values kept in state (so the fill carries across bundles and restarts).
 */
import { valueState } from '../core/state.js';
import { KeyedBundleFn, type HeldRows, type KeyedState } from './keyed-bundle.js';

type FillState = { last: ReturnType<typeof valueState<number[]>> };

/** Forward-fills features per key. */
export class ForwardFillFn extends KeyedBundleFn<FillState> {
  readonly state: FillState = { last: valueState<number[]>() };

  constructor(features: readonly string[]) {
    super(features, features, 'keep', true);
  }

  protected compute(rows: HeldRows, state: KeyedState<FillState>): Float32Array {
    const d = this.features.length;
    const n = rows.records.length;
    const block = this.ws.f32('rows', n * d);
    block.view.set(rows.values);
    const last = this.ws.f64Of('last', state.last.read() ?? Array.from({ length: d }, () => NaN));
    this.ws.k.exports.imputeLast(block.ptr, n, d, last.ptr, block.ptr);
    state.last.write(Array.from(last.view.subarray(0, d)));
    return block.view;
  }
}
