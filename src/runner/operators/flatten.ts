import type { WindowedValue } from '../../core/element.js';
import { OutputBuffer, type Operator } from './operator.js';

/** Passes every input bundle through unchanged; the watermark is the minimum of its inputs. */
export class FlattenOperator implements Operator {
  readonly output = new OutputBuffer(1);
  readonly stages: readonly string[];

  constructor(name: string) {
    this.stages = [name];
  }

  setup(): void {}

  process(elements: WindowedValue<unknown>[]): void {
    const port = this.output.ports[0]!;
    if (port.length === 0) this.output.ports[0] = elements;
    else for (const e of elements) port.push(e);
  }

  onWatermark(): void {}

  teardown(): void {}
}
