import type { GraphNode } from '../core/graph.js';
import type { Pipeline } from '../core/pipeline.js';
import type { Source } from '../core/source.js';
import type { DeadLetters } from './dead-letters.js';
import type { Clock } from '../core/clock.js';
import { combineAggregation, groupAggregation } from './aggregation.js';
import { AggregateOperator } from './operators/aggregate.js';
import { FlattenOperator } from './operators/flatten.js';
import { OutboxOperator } from './operators/outbox.js';
import { TrainingOperator } from './operators/training.js';
import { SinkOperator } from './operators/sink.js';
import type { DiskFullPause } from './disk-full.js';
import { StatefulOperator } from './operators/stateful.js';
import { FusedOperator, type FusedStage } from './operators/fused.js';
import { OutputBuffer, type AggregatingOperator, type Operator } from './operators/operator.js';
import { refuseTimestampsAfterArrivalTime } from './event-time-check.js';

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

/** Options of `plan`. */
export interface PlanOptions {
  /** Track operator state changes for a durable run. */
  readonly durable?: boolean;
  /** A durable run's: a file sink whose write hits a full disk waits for space and writes again. */
  readonly diskFull?: DiskFullPause;
}

/**
 * Plans a pipeline: fuses each maximal chain of element-wise stages (where every link's main
 * output feeds exactly one consumer, the next element-wise stage) into one operator.
 */
export function plan(pipeline: Pipeline, deadLetters: DeadLetters, clock: Clock, options: PlanOptions = {}): Plan {
  const durable = options.durable ?? false;
  refuseTimestampsAfterArrivalTime(pipeline);
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
        operators.push(fuseChain(node, consumers, fused, deadLetters, clock, durable));
        break;
      case 'groupByKey':
      case 'combinePerKey':
      case 'combineGlobally':
        operators.push({ operator: aggregator(node, deadLetters, clock, durable, new OutputBuffer(1))!, inputs: inputIds(node), outputs: ids(node) });
        break;
      case 'flatten':
        operators.push({ operator: new FlattenOperator(name), inputs: inputIds(node), outputs: ids(node) });
        break;
      case 'statefulParDo': {
        const operator = new StatefulOperator({ name, fn: spec.fn, windowing: node.inputs[0]!.windowing, deadLetters, clock, durable });
        operators.push({ operator, inputs: inputIds(node), outputs: ids(node) });
        break;
      }
      case 'outbox':
        if (!durable) throw new TypeError(`"${name}" writes to the outbox, which needs a durable run: run(pipeline, { store })`);
        operators.push({ operator: new OutboxOperator(name), inputs: inputIds(node), outputs: [] });
        break;
      case 'sink':
        operators.push({ operator: new SinkOperator(name, spec.writer, deadLetters, durable, options.diskFull), inputs: inputIds(node), outputs: [] });
        break;
      case 'training':
        if (!durable) throw new TypeError(`"${name}" writes training samples to the store, which needs a durable run: run(pipeline, { store })`);
        operators.push({ operator: new TrainingOperator(name, spec.row, deadLetters), inputs: inputIds(node), outputs: [] });
        break;
    }
  }
  return { sources, operators };
}

/** The keyed aggregation operator of `node`, or undefined when `node` is not one. */
function aggregator(node: GraphNode, deadLetters: DeadLetters, clock: Clock, durable: boolean, output: OutputBuffer): AggregatingOperator | undefined {
  const { spec, name } = node;
  const common = { name, deadLetters, clock, durable, windowing: node.inputs[0]!.windowing };
  switch (spec.kind) {
    case 'groupByKey':
      return new AggregateOperator({ ...common, aggregation: groupAggregation, keyed: true }, output);
    case 'combinePerKey':
      return new AggregateOperator({ ...common, aggregation: combineAggregation(spec.fn), keyed: true }, output);
    case 'combineGlobally':
      return new AggregateOperator({ ...common, aggregation: combineAggregation(spec.fn), keyed: false }, output);
    default:
      return undefined;
  }
}

/**
 * Fuses the chain starting at `head`. When the chain's main output feeds only a keyed
 * aggregation, that aggregation joins the chain as its tail (combiner lifting).
 */
function fuseChain(head: GraphNode, consumers: Map<number, GraphNode[]>, fused: Set<GraphNode>, deadLetters: DeadLetters, clock: Clock, durable: boolean): PlannedOperator {
  const chain = [head];
  for (;;) {
    const next = consumers.get(chain.at(-1)!.outputs[0]!.id);
    if (next?.length !== 1 || next[0]!.spec.kind !== 'elementwise') break;
    chain.push(next[0]!);
  }
  const mainConsumers = consumers.get(chain.at(-1)!.outputs[0]!.id);
  const tailNode = mainConsumers?.length === 1 && mainConsumers[0]!.inputs.length === 1 ? mainConsumers[0]! : undefined;
  // A sink (the outbox) has no outputs: the chain's own output is the port until `aggregator` says otherwise.
  const outputs = [(tailNode?.outputs[0] ?? chain.at(-1)!.outputs[0]!).id];
  const stages: FusedStage[] = chain.map((node) => {
    fused.add(node);
    if (node.spec.kind !== 'elementwise') throw new Error('unreachable: chain of non-element-wise nodes');
    const tagPorts = node.outputs.slice(1).map((tagged) => outputs.push(tagged.id) - 1);
    return { name: node.name, stage: node.spec.stage, tagPorts };
  });
  const output = new OutputBuffer(outputs.length);
  const tail = tailNode && aggregator(tailNode, deadLetters, clock, durable, output);
  if (tail) fused.add(tailNode);
  else outputs[0] = chain.at(-1)!.outputs[0]!.id;
  return { operator: new FusedOperator(stages, output, deadLetters, tail), inputs: [head.inputs[0]!.id], outputs };
}
