/**
 * One run's writer of a sink that writes outside the store (a file). A durable run commits the
 * writer's checkpoint with each step, after `checkpoint` made what it covers durable, and hands
 * the last committed one to `open` when it resumes; a run without a store passes nothing.
 */
export interface SinkWriter {
  /** The file written, for messages. */
  readonly path: string;
  /** Opens for writing: a fresh start without `committed`, a resumed durable run with its last committed checkpoint. */
  open(committed: unknown): void;
  /** Writes one element; throws for one it cannot write (a dead letter). */
  write(value: unknown): void;
  /** Ends a bundle: writes what `write` buffered. After a failed `flush` or `checkpoint`, calling it again writes the whole uncommitted step again. */
  flush(): void;
  /** Makes everything written so far durable (fsync) and returns what to commit with the step; retried after a failure like `flush`. */
  checkpoint(): unknown;
  close(): void;
}
