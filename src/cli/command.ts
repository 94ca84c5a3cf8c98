/** A `runnel` subcommand. */
export interface Command {
  readonly name: string;
  /** One line for `runnel --help`. */
  readonly summary: string;
  /** Full `--help` text of the command. */
  readonly help: string;
  /** Runs the command; a number is the exit code to leave with (default 0). */
  run(args: string[]): Promise<number | void>;
}

/** A usage error: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
