import type { Bundle } from '../../core/bundle.js';
import type { TrainingRow } from '../../core/graph.js';
import type { DeadLetters } from '../dead-letters.js';
import { OutputBuffer, type Operator } from './operator.js';

/**
 * Turns a step's elements into training samples or labels; the durable runner commits them with
 * the step. An element the row function refuses (a missing feature, say) becomes a dead letter.
 */
export class TrainingOperator implements Operator {
  readonly output = new OutputBuffer(0);
  readonly stages: readonly string[];
  #pending: TrainingRow[] = [];

  constructor(
    private readonly name: string,
    private readonly row: (value: never, timestamp: number) => TrainingRow,
    private readonly deadLetters: DeadLetters,
  ) {
    this.stages = [name];
  }

  setup(): void {}

  process(bundle: Bundle<unknown>): void {
    const { values, timestamps } = bundle;
    for (let i = 0; i < values.length; i++) {
      try {
        this.#pending.push(this.row(values[i] as never, timestamps[i]!));
      } catch (error) {
        this.deadLetters.reject(this.name, error, values[i], timestamps[i]);
      }
    }
  }

  onWatermark(): void {}

  takeTraining(): TrainingRow[] {
    const taken = this.#pending;
    this.#pending = [];
    return taken;
  }

  teardown(): void {}
}
