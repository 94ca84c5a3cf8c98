import type { F32Block } from './arena.js';
import type { Kernels } from './module.js';

/** Window applied before the FFT (periodic forms). */
export type FftWindow = 'rect' | 'hann' | 'hamming';

const WINDOW_CODE: Record<FftWindow, number> = { rect: 0, hann: 1, hamming: 2 };

/**
 * An n-point real FFT with its twiddle table, input and spectrum blocks allocated once;
 * `transform()` then runs without allocating.
 */
export class FftPlan {
  /** Write n samples here before `transform()`. */
  readonly input: F32Block;
  /** n/2 + 1 interleaved complex bins after `transform()`. */
  readonly spectrum: F32Block;
  readonly #table: F32Block;

  constructor(
    private readonly k: Kernels,
    /** Transform size, a power of two >= 4. */
    readonly size: number,
    /** Window applied to the input. */
    readonly window: FftWindow = 'hann',
  ) {
    const len = k.exports.fftTableLen(size);
    if (len === 0) throw new RangeError(`FftPlan: size must be a power of two >= 4, got ${size}`);
    if (!(window in WINDOW_CODE)) throw new RangeError(`FftPlan: window must be 'rect', 'hann' or 'hamming', got ${window}`);
    this.#table = k.arena.allocF32(len);
    this.input = k.arena.allocF32(size);
    this.spectrum = k.arena.allocF32(size + 2);
    k.exports.fftInit(size, WINDOW_CODE[window], this.#table.ptr);
  }

  /** Number of bins, n/2 + 1. */
  get bins(): number {
    return this.size / 2 + 1;
  }

  /** Transforms `input` (optionally copying `samples` into it first); returns the spectrum view. */
  transform(samples?: ArrayLike<number>): Float32Array {
    if (samples !== undefined) this.input.view.set(samples);
    this.k.exports.rfft(this.input.ptr, this.size, this.#table.ptr, this.spectrum.ptr);
    return this.spectrum.view;
  }

  /** Frees the plan's blocks. */
  free(): void {
    this.k.arena.free(this.#table);
    this.k.arena.free(this.input);
    this.k.arena.free(this.spectrum);
  }
}
