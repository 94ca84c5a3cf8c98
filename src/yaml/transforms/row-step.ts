import type { DoFn, ProcessContext } from '../../core/do-fn.js';
import { TupleTag } from '../../core/do-fn.js';
import type { PCollection } from '../../core/pcollection.js';
import { parDoWithOutputs } from '../../transforms/par-do.js';
import { describe, type ConfigReader } from '../config.js';
import type { Row } from '../expressions.js';
import type { StepOutputs } from './yaml-transform.js';

/** Where a row step sends what it makes of one row. */
export interface RowOutput {
  /** To the main output; with `timestamp` (ms since the epoch), at that event time. */
  emit(row: Row, timestamp?: number): void;
  /** To the named output `name`, one of those the step was applied with. */
  emitTo(name: string, row: Row): void;
}

/** What a row-at-a-time transform does with one row; a throw is that row's failure. */
export type RowStep = (row: Row, out: RowOutput) => void;

/** The main output's name when a transform has an error output, as in Beam (`MapToFields.good`). */
export const GOOD = 'good';

/**
 * The name `error_handling: { output: … }` gives the transform's error output, or undefined
 * without `error_handling`. Beam's other keys (`threshold`) are refused: Runnel has no failure
 * threshold; a run fails on a bad row only with `runnel run --fail-fast`.
 */
export function errorOutputOf(config: ConfigReader): string | undefined {
  if (!config.has('error_handling')) return undefined;
  const handling = config.mapping('error_handling').allowOnly(['output']);
  const name = handling.string('output');
  if (name.includes('.')) throw handling.error('output', `an output name cannot contain ".", got ${describe(name)}`);
  return name;
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
  options: { readonly errorOutput?: string | undefined; readonly named?: readonly string[]; readonly main?: boolean } = {},
): StepOutputs {
  const { errorOutput, named = [], main = true } = options;
  if (errorOutput === undefined && named.length === 0) return { main: input.parDo(new RowStepFn(step, new Map(), undefined), stage), named: new Map() };
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
type Held = { readonly row: Row; readonly timestamp: number | undefined; readonly tag: TupleTag<Row> | undefined };

class RowStepFn implements DoFn<Row, Row> {
  constructor(
    private readonly step: RowStep,
    private readonly tags: ReadonlyMap<string, TupleTag<Row>>,
    private readonly errorTag: TupleTag<Row> | undefined,
  ) {}

  process(row: Row, context: ProcessContext<Row>): void {
    if (!this.errorTag) {
      this.step(row, this.#direct(context));
      return;
    }
    const held: Held[] = [];
    try {
      this.step(row, {
        emit: (r, timestamp) => held.push({ row: r, timestamp, tag: undefined }),
        emitTo: (name, r) => held.push({ row: r, timestamp: undefined, tag: this.#tag(name) }),
      });
    } catch (error) {
      context.outputTo(this.errorTag, errorRecord(row, error));
      return;
    }
    for (const h of held) {
      if (h.tag) context.outputTo(h.tag, h.row);
      else if (h.timestamp === undefined) context.output(h.row);
      else context.outputWithTimestamp(h.row, h.timestamp);
    }
  }

  #direct(context: ProcessContext<Row>): RowOutput {
    return {
      emit: (r, timestamp) => (timestamp === undefined ? context.output(r) : context.outputWithTimestamp(r, timestamp)),
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
