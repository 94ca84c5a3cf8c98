import { Writable } from 'node:stream';
import type { RunProgress } from '../runner/types.js';
import { LiveBlock } from './progress.js';
import { formatDuration, formatTable } from './table.js';

/** How often the block is redrawn at most: a run takes many steps a second. */
const REDRAW_MS = 250;

/** Operators listed; the rest are counted in one line. */
const SHOWN_OPERATORS = 12;

/**
 * The live progress of `runnel run` on a terminal: elapsed time, elements read and their rate,
 * dead letters, and elements in and out per stage, redrawn in place (at most every 250 ms) on
 * `out`, which is stderr: stdout holds only what LogForTesting prints. Lines the run logs go
 * above the block (`event`).
 */
export class RunProgressView {
  readonly #block: LiveBlock;
  /** When the run started: the first step's start (loading the pipeline does not count). */
  #started: number | undefined;
  #last: RunProgress | undefined;
  #drawnAt = -Infinity;

  constructor(
    private readonly title: string,
    out: NodeJS.WriteStream,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#block = new LiveBlock(out);
  }

  /** Takes the progress after a step; redraws when the last draw is old enough. */
  update(progress: RunProgress): void {
    this.#started ??= this.now() - progress.stepMs;
    this.#last = progress;
    if (this.now() - this.#drawnAt >= REDRAW_MS) this.#draw();
  }

  /** Prints a line above the block. */
  event(line: string): void {
    this.#block.event(line);
    this.#drawnAt = -Infinity; // the block was cleared: draw it again with the next step
  }

  /** A log destination whose lines go above the block. */
  readonly logDestination = new Writable({
    write: (chunk: Buffer | string, _encoding, done: () => void): void => {
      for (const line of String(chunk).trimEnd().split('\n')) this.event(line);
      done();
    },
  });

  /** Draws the final counts and leaves them on screen. */
  finish(): void {
    if (this.#last) this.#draw();
    this.#block.finish();
  }

  #draw(): void {
    this.#drawnAt = this.now();
    this.#block.update(progressLines(this.title, this.#last!, this.#drawnAt - this.#started!));
  }
}

/** The block's lines: a summary line, then a table of operators (a fused chain of stages is one). */
export function progressLines(title: string, progress: RunProgress, elapsedMs: number): string[] {
  const rate = elapsedMs > 0 ? Math.round((progress.elementsRead * 1000) / elapsedMs) : 0;
  const summary =
    `${title}: ${formatDuration(elapsedMs)}, ${progress.elementsRead.toLocaleString('en-US')} read (${rate.toLocaleString('en-US')}/s), ` +
    `${progress.deadLetters.toLocaleString('en-US')} dead letters`;
  const shown = progress.operators.slice(0, SHOWN_OPERATORS);
  const rows = shown.map((o) => [o.elementsIn, o.elementsOut, o.stages.join(' → ')] as const);
  const more = progress.operators.length - shown.length;
  return [summary, ...formatTable(['in', 'out', 'stages'], rows).split('\n'), ...(more > 0 ? [`… and ${more} more`] : [])];
}
