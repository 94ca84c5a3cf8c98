/**
 * The graph and the runner hold user functions, state specs and models with their types erased
 * (`unknown`, or `never` where a function takes an element). These checks run in `tsc` (the
 * build before `npm test`): typed user code must still fit those erased slots, and the typed API
 * must still infer what it did when the slots were `any`.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { ElementFn } from '../../src/core/graph.js';
import type { ErasedStatefulDoFn, StateOf } from '../../src/core/state.js';
import {
  allOf,
  combiningState,
  count,
  max,
  mean,
  statefulParDo,
  valueState,
  type CombineFn,
  type CombiningState,
  type CombiningStateSpec,
  type MeanAccumulator,
  type PCollection,
  type PTransform,
  type StateSpec,
  type StatefulDoFn,
  type TimerSpec,
  type ValueState,
} from '../../src/index.js';
import {
  OnnxModelHandler,
  keyedModelHandler,
  runInference,
  runStatefulInference,
  servedModel,
  type Example,
  type PredictionResult,
  type RunInference,
  type StatefulInference,
} from '../../src/ml/infer/index.js';

describe('erased types', () => {
  it('take typed functions, specs and DoFns', () => {
    expectTypeOf((x: number) => String(x)).toExtend<ElementFn<unknown>>();
    expectTypeOf((s: string) => s.length > 0).toExtend<ElementFn<boolean>>();
    expectTypeOf(combiningState(mean())).toExtend<StateSpec>();
    expectTypeOf(valueState<{ n: number }>()).toExtend<StateSpec>();
    expectTypeOf(mean()).toExtend<CombineFn<unknown, unknown, unknown>>();
  });

  it('keep the state accessors typed', () => {
    expectTypeOf<StateOf<ReturnType<typeof combiningState<number, { sum: number; count: number }, number>>>>().toEqualTypeOf<CombiningState<number, number>>();
    expectTypeOf<StateOf<ReturnType<typeof valueState<string>>>>().toEqualTypeOf<ValueState<string>>();
    const fn = {
      state: { total: combiningState(mean()), last: valueState<number>() },
      process(value: number, context: { state: { total: CombiningState<number, number>; last: ValueState<number> } }) {
        context.state.total.add(value);
        context.state.last.write(value);
      },
    };
    expectTypeOf(statefulParDo<string, number, number, typeof fn.state, Record<string, never>>(fn)).toEqualTypeOf<
      PTransform<PCollection<{ readonly key: string; readonly value: number }>, PCollection<number>>
    >();
    expectTypeOf<StatefulDoFn<string, number, number, { total: CombiningStateSpec<number, MeanAccumulator, number> }, { flush: TimerSpec }>>().toExtend<ErasedStatefulDoFn>();
  });

  it('infer allOf outputs per field', () => {
    expectTypeOf(allOf({ mean: mean(), max: max() })).toEqualTypeOf<CombineFn<number, Record<string, unknown>, { mean: number; max: number }>>();
    expectTypeOf(allOf({ n: count(), mean: mean() }))
      .toHaveProperty('extractOutput')
      .returns.toEqualTypeOf<{ n: number; mean: number }>();
  });

  it('accept any model load options in runInference and runStatefulInference', () => {
    const served = servedModel(new OnnxModelHandler(), new Uint8Array(1));
    expectTypeOf(runInference(served)).toEqualTypeOf<RunInference<Example, PredictionResult<Example>>>();
    const keyed = keyedModelHandler(new OnnxModelHandler(), { model: (_sensor: string) => ({ bytes: new Uint8Array(1), options: {} }) });
    expectTypeOf(runInference(keyed)).toEqualTypeOf<
      RunInference<{ readonly key: string; readonly value: Example }, { readonly key: string; readonly value: PredictionResult<Example> }>
    >();
    expectTypeOf(runStatefulInference<string>(served, { state: { h0: 'hn' } })).toEqualTypeOf<StatefulInference<string, Example>>();
  });
});
