import { messageOf, RunnelError } from '../../common/errors.js';
import type { Bundle } from '../../core/bundle.js';
import type { SinkWriter } from '../../core/sink.js';
import { fileFullCode, freeSpace } from '../../store/disk-full.js';
import type { DeadLetters } from '../dead-letters.js';
import type { DiskFullPause } from '../disk-full.js';
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
    /** A durable run's: a write that hits a full disk waits for space and writes again. */
    private readonly diskFull?: DiskFullPause,
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

  process(bundle: Bundle<unknown>): void | Promise<void> {
    const { values, timestamps } = bundle;
    for (let i = 0; i < values.length; i++) {
      try {
        this.#writer.write(values[i]);
      } catch (error) {
        this.deadLetters.reject(this.name, error, values[i], timestamps[i]);
      }
    }
    // A durable run fsyncs here, so a full disk pauses the step before its commit; the
    // checkpoint taken at the commit then has nothing left to write.
    const write = (): void => {
      this.#writer.flush();
      if (this.durable) this.#writer.checkpoint();
    };
    try {
      write();
    } catch (error) {
      if (!this.diskFull) throw this.#failed(error);
      return this.diskFull.retry(error, `writing sink "${this.name}"`, write, this.#writer.path).catch((again: unknown) => {
        throw again instanceof RunnelError && again.code === 'DISK_FULL' ? again : this.#failed(again);
      });
    }
  }

  #failed(error: unknown): RunnelError {
    const full = fileFullCode(error) ? ` The disk holding it is full (${freeSpace(this.#writer.path)}): free some space and run again.` : '';
    return new RunnelError('SINK_FAILED', `cannot write "${this.#writer.path}": ${messageOf(error)}.${full}`, { stage: this.name, cause: error });
  }

  onWatermark(): void {}

  teardown(): void {
    this.#writer.close();
  }
}
