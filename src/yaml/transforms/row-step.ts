import type { DoFn, ProcessContext } from '../../core/do-fn.js';
import { TupleTag } from '../../core/do-fn.js';
import type { PCollection } from '../../core/pcollection.js';
import { parDoWithOutputs } from '../../transforms/par-do.js';
import type { ConfigReader } from '../config.js';
import type { Row } from '../expressions.js';
import { GOOD } from '../schema/parts.js';
import type { StepOutputs } from './yaml-transform.js';

/** Where a row step sends what it makes of one row. */
export interface RowOutput {
  /** To the main output. */
  emit(row: Row): void;
  /** To the named output `name`, one of those the step was applied with. */
  emitTo(name: string, row: Row): void;
}

/** What a row-at-a-time transform does with one row; a throw is that row's failure. */
export type RowStep = (row: Row, out: RowOutput) => void;

/**
 * The name `error_handling: { output: … }` (schema `ERROR_HANDLING`) gives the transform's error
 * output, or undefined without `error_handling`.
 */
export function errorOutputOf(config: ConfigReader): string | undefined {
  return config.has('error_handling') ? config.child('error_handling').string('output') : undefined;
}

/**
 * What a row-at-a-time transform does, in the form of the Runnel stage that does it fastest:
 * a row to a row, a predicate, a row to rows, or a row to its event time (ms since the epoch).
 */
export type RowFunction =
  | { readonly map: (row: Row) => Row }
  | { readonly filter: (row: Row) => boolean }
  | { readonly flatMap: (row: Row) => Iterable<Row> }
  | { readonly timestamp: (row: Row) => number };

/**
 * Applies `fn` to each row as the stage `stage`. Without `errorOutput` it is Runnel's own stage of
 * that kind, and a row it throws on is a dead letter; with it, see `applyRowStep`.
 */
export function applyRowFunction(input: PCollection<Row>, stage: string, fn: RowFunction, errorOutput: string | undefined): PCollection<Row> | StepOutputs {
  if (errorOutput === undefined) {
    if ('map' in fn) return input.map(fn.map, stage);
    if ('filter' in fn) return input.filter(fn.filter, stage);
    if ('flatMap' in fn) return input.flatMap(fn.flatMap, stage);
    return input.withTimestamps(fn.timestamp, stage);
  }
  if ('timestamp' in fn) {
    // The step only computes each row's time (its failures go to the error output); a
    // withTimestamps stage sets it, so run() still sees where event times are set (and refuses
    // them after a source that stamps arrival time).
    const outputs = applyRowStep(input, stage, (row, out) => out.emit({ row, at: fn.timestamp(row) }), { errorOutput });
    const timed = outputs.main!.withTimestamps((timed) => timed['at'] as number, `${stage}-time`).map((timed) => timed['row'] as Row, `${stage}-row`);
    return { ...outputs, main: timed, named: new Map([...outputs.named, [GOOD, timed]]) };
  }
  return applyRowStep(input, stage, stepOf(fn), { errorOutput });
}

function stepOf(fn: Exclude<RowFunction, { readonly timestamp: unknown }>): RowStep {
  if ('map' in fn) return (row, out) => out.emit(fn.map(row));
  if ('filter' in fn) return (row, out) => void (fn.filter(row) && out.emit(row));
  return (row, out) => {
    for (const r of fn.flatMap(row)) out.emit(r);
  };
}

/**
 * Applies `step` to each row as the stage `stage`, with the named outputs `named` besides the
 * main one (`main: false` when the step has none, as `Partition`). Without `errorOutput` a row the
 * step throws on is a dead letter, as everywhere in Runnel. With it, the row goes to that output
 * as Beam's error record `{ element, msg, stack }` and nothing the step emitted for it is kept;
 * the main output is then also named `good`.
 */
export function applyRowStep(
  input: PCollection<Row>,
  stage: string,
  step: RowStep,
  options: { readonly errorOutput?: string | undefined; readonly named?: readonly string[]; readonly main?: boolean },
): StepOutputs {
  const { errorOutput, named = [], main = true } = options;
  const tags = new Map(named.map((name) => [name, new TupleTag<Row>(`out:${name}`)]));
  const errorTag = errorOutput === undefined ? undefined : new TupleTag<Row>(`error:${errorOutput}`);
  const tagged: Record<string, TupleTag<unknown>> = Object.fromEntries([...tags].map(([name, t]) => [`out:${name}`, t]));
  if (errorTag) tagged[errorTag.id] = errorTag;
  const outputs = input.apply(parDoWithOutputs(new RowStepFn(step, tags, errorTag), tagged).withName(stage)) as Record<string, PCollection<Row>>;
  const byName = new Map<string, PCollection<Row>>([...tags.keys()].map((name) => [name, outputs[`out:${name}`]!]));
  if (main && errorOutput !== undefined) byName.set(GOOD, outputs.main!);
  if (errorTag) byName.set(errorOutput!, outputs[errorTag.id]!);
  return { ...(main ? { main: outputs.main! } : {}), named: byName, ...(errorOutput === undefined ? {} : { errorOutput }) };
}

/** One emitted row, held until the step returns (so a failing row leaves nothing behind). */
type Held = { readonly row: Row; readonly tag: TupleTag<Row> | undefined };

class RowStepFn implements DoFn<Row, Row> {
  constructor(
    private readonly step: RowStep,
    private readonly tags: ReadonlyMap<string, TupleTag<Row>>,
    private readonly errorTag: TupleTag<Row> | undefined,
  ) {}

  /** The runner hands a stage the same context for every element: its `RowOutput` is made once. */
  #context: ProcessContext<Row> | undefined;
  #out: RowOutput | undefined;

  process(row: Row, context: ProcessContext<Row>): void {
    if (!this.errorTag) {
      if (context !== this.#context) [this.#context, this.#out] = [context, this.#direct(context)];
      this.step(row, this.#out!);
      return;
    }
    const held = this.#held;
    held.length = 0;
    try {
      this.step(row, this.#holding);
    } catch (error) {
      context.outputTo(this.errorTag, errorRecord(row, error));
      return;
    }
    for (const h of held) {
      if (h.tag) context.outputTo(h.tag, h.row);
      else context.output(h.row);
    }
  }

  /** What the step emitted for the current row, held until it returns (a stage processes one row at a time). */
  readonly #held: Held[] = [];
  readonly #holding: RowOutput = {
    emit: (row) => void this.#held.push({ row, tag: undefined }),
    emitTo: (name, row) => void this.#held.push({ row, tag: this.#tag(name) }),
  };

  #direct(context: ProcessContext<Row>): RowOutput {
    return {
      emit: (r) => context.output(r),
      emitTo: (name, r) => context.outputTo(this.#tag(name), r),
    };
  }

  #tag(name: string): TupleTag<Row> {
    const tag = this.tags.get(name);
    if (!tag) throw new Error(`no output "${name}"`);
    return tag;
  }
}

/** Beam's record of a failed element: the element, the error's message and its stack. */
function errorRecord(element: Row, error: unknown): Row {
  const msg = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? msg) : msg;
  return { element, msg, stack };
}
