import { deadLetterCodeOf, type DeadLetterCode } from '../common/dead-letter-codes.js';
import { messageOf, RunnelError } from '../common/errors.js';
import type { Clock } from '../core/clock.js';
import type { DeadLetter } from './types.js';

/** Thrown through user code to stop a `failFast` run; never dead-lettered itself. */
export class RunAborted extends RunnelError {}

/** Collects dead letters for a run, or aborts it when `failFast` is set. */
export class DeadLetters {
  readonly kept: DeadLetter[] = [];
  count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: {
      failFast: boolean;
      maxKept: number;
      /** False in a durable run: the store keeps every payload, the result keeps stage, reason and time. */
      keepPayloads: boolean;
      onDeadLetter?: ((d: DeadLetter) => void) | undefined;
    },
  ) {}

  /**
   * Records that `stage` rejected `payload` because of `error`. The code is `code` when given,
   * else the error's own (a `RejectedInput` or `RunnelError`), else `USER_CODE`: what else
   * throws in a stage is the user's function.
   */
  reject(stage: string, error: unknown, payload: unknown, timestamp?: number, code?: DeadLetterCode): void {
    if (error instanceof RunAborted) throw error;
    const reason = messageOf(error);
    if (this.options.failFast) {
      throw new RunAborted('USER_CODE_FAILED', `${reason} (element: ${preview(payload)})`, { stage, cause: error });
    }
    const fields = { stage, reason, code: code ?? deadLetterCodeOf(error, 'USER_CODE'), payload };
    const letter: DeadLetter = timestamp === undefined ? { ...fields, at: this.clock.now() } : { ...fields, timestamp, at: this.clock.now() };
    this.count++;
    if (this.kept.length < this.options.maxKept) this.kept.push(this.options.keepPayloads ? letter : { ...letter, payload: undefined });
    this.options.onDeadLetter?.(letter);
  }
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
