/**
 * The pipeline graph as the status page draws it: one node per operator the runner runs (a fused
 * chain of stages is one), with the operators or sources it reads from and its element counts.
 */
import type { Pipeline } from '../core/pipeline.js';
import type { OperatorMetrics } from '../runner/types.js';

/** One operator: its stages, what it reads from, and what went through it. */
export interface GraphOperator {
  /** The stages it runs, in order (one unless fused). */
  readonly stages: readonly string[];
  /** What it reads from: the first stage of another operator, or a source's name. */
  readonly from: readonly string[];
  readonly elementsIn: number;
  readonly elementsOut: number;
}

/** Each stage's upstream stages (sources included), from the pipeline's nodes. */
export function upstreamStages(pipeline: Pipeline): ReadonlyMap<string, readonly string[]> {
  const producer = new Map<number, string>();
  for (const node of pipeline.nodes) for (const output of node.outputs) producer.set(output.id, node.name);
  return new Map(pipeline.nodes.map((node) => [node.name, node.inputs.map((input) => producer.get(input.id)!)]));
}

/** The operators with their edges: a stage's upstream inside another operator is named by that operator's first stage. */
export function graphOperators(upstream: ReadonlyMap<string, readonly string[]>, operators: readonly OperatorMetrics[]): GraphOperator[] {
  const operatorOf = new Map<string, string>();
  for (const o of operators) for (const stage of o.stages) operatorOf.set(stage, o.stages[0]!);
  return operators.map((o) => {
    const own = new Set(o.stages);
    const from = new Set<string>();
    for (const stage of o.stages) for (const up of upstream.get(stage) ?? []) if (!own.has(up)) from.add(operatorOf.get(up) ?? up);
    return { stages: o.stages, from: [...from], elementsIn: o.elementsIn, elementsOut: o.elementsOut };
  });
}
