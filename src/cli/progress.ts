/** A one-line progress bar on a TTY; on other outputs (CI logs) a line every 10 %. */
export class ProgressBar {
  #lastPercent = -1;
  #lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Shows `done` of `total`; cheap to call often (redraws at most every 100 ms). */
  update(done: number, note = ''): void {
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const percent = Math.floor(fraction * 100);
    if (this.out.isTTY) {
      const now = Date.now();
      if (now - this.#lastDraw < 100 && fraction < 1) return;
      this.#lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.out.write(`\r${this.label} ${bar} ${String(percent).padStart(3)}% ${note}\x1b[K`);
    } else if (percent >= this.#lastPercent + 10 || (fraction === 1 && this.#lastPercent < 100)) {
      this.#lastPercent = percent;
      this.out.write(`${this.label} ${percent}% ${note}\n`);
    }
  }

  /** Completes the bar and ends its line. */
  finish(note = ''): void {
    this.update(this.total, note);
    if (this.out.isTTY) this.out.write('\n');
  }
}
