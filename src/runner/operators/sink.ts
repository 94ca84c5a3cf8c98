import { messageOf, RunnelError } from '../../common/errors.js';
import type { Bundle } from '../../core/bundle.js';
import type { SinkWriter } from '../../core/sink.js';
import type { DeadLetters } from '../dead-letters.js';
import { OutputBuffer, type DurableState, type Operator, type StateEntry } from './operator.js';

/**
 * Runs a sink that writes outside the store (a file). In a durable run the writer's checkpoint
 * (a file's committed length) is the stage's state, committed with each step and handed back to
 * the writer when the run resumes. An element the writer refuses becomes a dead letter.
 */
export class SinkOperator implements Operator {
  readonly output = new OutputBuffer(0);
  readonly stages: readonly string[];
  readonly durable: DurableState | undefined;
  readonly #writer: SinkWriter;
  #committed: unknown;
  #saved = '';

  constructor(
    private readonly name: string,
    writer: () => SinkWriter,
    private readonly deadLetters: DeadLetters,
    durable: boolean,
  ) {
    this.stages = [name];
    this.#writer = writer();
    this.durable = durable
      ? {
          stage: name,
          takeChanges: (): StateEntry[] => {
            const value = JSON.stringify(this.#writer.checkpoint());
            if (value === this.#saved) return [];
            this.#saved = value;
            return [{ window: '', key: '', value }];
          },
          restore: (entries) => {
            const saved = entries.find((e) => e.window === '' && e.key === '')?.value;
            if (saved === undefined || saved === null) return;
            this.#saved = saved;
            this.#committed = JSON.parse(saved) as unknown;
          },
        }
      : undefined;
  }

  setup(): void {
    try {
      this.#writer.open(this.#committed);
    } catch (error) {
      throw new RunnelError('SINK_FAILED', `cannot open sink: ${messageOf(error)}`, { stage: this.name, cause: error });
    }
  }

  process(bundle: Bundle<unknown>): void {
    const { values, timestamps } = bundle;
    for (let i = 0; i < values.length; i++) {
      try {
        this.#writer.write(values[i]);
      } catch (error) {
        this.deadLetters.reject(this.name, error, values[i], timestamps[i]);
      }
    }
    this.#writer.flush();
  }

  onWatermark(): void {}

  teardown(): void {
    this.#writer.close();
  }
}
