/**
 * Live progress for long-running commands: on a terminal, a block of lines redrawn in place with
 * one-off event lines scrolling above it; on other outputs (CI logs, pipes), every update and
 * event as plain lines.
 */
export class LiveBlock {
  #drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  /** True when the block is redrawn in place. */
  get live(): boolean {
    return this.out.isTTY === true;
  }

  /** Replaces the block (on a terminal) or prints its lines (elsewhere). */
  update(lines: readonly string[]): void {
    if (!this.live) {
      this.out.write(`${lines.join('\n')}\n`);
      return;
    }
    this.#clear();
    const width = this.out.columns || 120; // 0 where the terminal has no size (a pseudo-terminal without one)
    this.out.write(`${lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)).join('\n')}\n`);
    this.#drawn = lines.length;
  }

  /** Prints a line above the block. */
  event(line: string): void {
    this.#clear();
    this.out.write(`${line}\n`);
    this.#drawn = 0;
  }

  /** Leaves the last block on screen; later output goes below it. */
  finish(): void {
    this.#drawn = 0;
  }

  #clear(): void {
    if (this.live && this.#drawn > 0) this.out.write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }
}
