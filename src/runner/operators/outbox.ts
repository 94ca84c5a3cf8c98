import type { Bundle } from '../../core/bundle.js';
import { OutputBuffer, type Operator, type OutboxEntry } from './operator.js';

/** Collects a step's elements for the outbox table; the durable runner commits them with the step. */
export class OutboxOperator implements Operator {
  readonly output = new OutputBuffer(0);
  readonly stages: readonly string[];
  #pending: OutboxEntry[] = [];

  constructor(private readonly name: string) {
    this.stages = [name];
  }

  setup(): void {}

  process(bundle: Bundle<unknown>): void {
    const { values, timestamps, windows, panes } = bundle;
    for (let i = 0; i < values.length; i++) {
      this.#pending.push({ stage: this.name, value: values[i], timestamp: timestamps[i]!, window: windows[i]!, pane: panes[i]! });
    }
  }

  onWatermark(): void {}

  takeOutbox(): OutboxEntry[] {
    const taken = this.#pending;
    this.#pending = [];
    return taken;
  }

  teardown(): void {}
}
