import { Bundle } from '../../core/bundle.js';
import { OutputBuffer, type Operator } from './operator.js';

/** Passes every input bundle through unchanged; the watermark is the minimum of its inputs. */
export class FlattenOperator implements Operator {
  readonly output = new OutputBuffer(1);
  readonly stages: readonly string[];

  constructor(name: string) {
    this.stages = [name];
  }

  setup(): void {}

  process(bundle: Bundle<unknown>): void {
    const port = this.output.ports[0]!;
    this.output.ports[0] = port.length === 0 ? bundle : Bundle.concat([port, bundle]);
  }

  onWatermark(): void {}

  teardown(): void {}
}
