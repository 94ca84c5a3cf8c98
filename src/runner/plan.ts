import type { GraphNode } from '../core/graph.js';
import type { Pipeline } from '../core/pipeline.js';
import type { Source } from '../core/source.js';
import type { DeadLetters } from './dead-letters.js';
import { CombineOperator } from './operators/combine.js';
import { FlattenOperator } from './operators/flatten.js';
import { FusedOperator, type FusedStage } from './operators/fused.js';
import { GroupByKeyOperator } from './operators/group-by-key.js';
import type { Operator } from './operators/operator.js';

/** A source of the plan and the collection it produces. */
export interface PlannedSource {
  readonly name: string;
  readonly source: Source<unknown>;
  readonly output: number;
}

/** An operator with the collections it reads and the collection each output port produces. */
export interface PlannedOperator {
  readonly operator: Operator;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/** A pipeline turned into sources and operators in topological order. */
export interface Plan {
  readonly sources: readonly PlannedSource[];
  readonly operators: readonly PlannedOperator[];
}

/**
 * Plans a pipeline: fuses each maximal chain of element-wise stages (where every link's main
 * output feeds exactly one consumer, the next element-wise stage) into one operator.
 */
export function plan(pipeline: Pipeline, deadLetters: DeadLetters): Plan {
  const consumers = new Map<number, GraphNode[]>();
  for (const node of pipeline.nodes) {
    for (const input of node.inputs) consumers.set(input.id, [...(consumers.get(input.id) ?? []), node]);
  }
  const fused = new Set<GraphNode>();
  const sources: PlannedSource[] = [];
  const operators: PlannedOperator[] = [];
  const ids = (node: GraphNode): number[] => node.outputs.map((o) => o.id);
  const inputIds = (node: GraphNode): number[] => node.inputs.map((i) => i.id);

  for (const node of pipeline.nodes) {
    if (fused.has(node)) continue;
    const { spec, name } = node;
    switch (spec.kind) {
      case 'read':
        sources.push({ name, source: spec.source, output: node.outputs[0]!.id });
        break;
      case 'elementwise':
        operators.push(fuseChain(node, consumers, fused, deadLetters));
        break;
      case 'groupByKey':
        operators.push({ operator: new GroupByKeyOperator(name, deadLetters), inputs: inputIds(node), outputs: ids(node) });
        break;
      case 'combinePerKey':
      case 'combineGlobally': {
        const scope = spec.kind === 'combinePerKey' ? 'perKey' : 'globally';
        const operator = new CombineOperator(name, spec.fn, scope, deadLetters);
        operators.push({ operator, inputs: inputIds(node), outputs: ids(node) });
        break;
      }
      case 'flatten':
        operators.push({ operator: new FlattenOperator(name), inputs: inputIds(node), outputs: ids(node) });
        break;
    }
  }
  return { sources, operators };
}

function fuseChain(
  head: GraphNode,
  consumers: Map<number, GraphNode[]>,
  fused: Set<GraphNode>,
  deadLetters: DeadLetters,
): PlannedOperator {
  const chain = [head];
  for (;;) {
    const next = consumers.get(chain.at(-1)!.outputs[0]!.id);
    if (next?.length !== 1 || next[0]!.spec.kind !== 'elementwise') break;
    chain.push(next[0]!);
  }
  const outputs = [chain.at(-1)!.outputs[0]!.id];
  const stages: FusedStage[] = chain.map((node) => {
    fused.add(node);
    if (node.spec.kind !== 'elementwise') throw new Error('unreachable: chain of non-element-wise nodes');
    const tagPorts = node.outputs.slice(1).map((tagged) => outputs.push(tagged.id) - 1);
    return { name: node.name, stage: node.spec.stage, tagPorts };
  });
  return { operator: new FusedOperator(stages, outputs.length, deadLetters), inputs: [head.inputs[0]!.id], outputs };
}
