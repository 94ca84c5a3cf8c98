/** A `runnel` subcommand. */
export interface Command {
  readonly name: string;
  /** One line for `runnel --help`. */
  readonly summary: string;
  /** Full `--help` text of the command. */
  readonly help: string;
  run(args: string[]): Promise<void>;
}

/** A usage error: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
