/**
 * Reusable WASM blocks for the feature transforms: each transform instance keeps a few blocks in
 * the kernels arena and grows them (doubling) when a bundle or pane is larger than any before,
 * so steady-state processing allocates nothing in WASM memory. The blocks go back to the arena
 * (and FFT plans are freed) when the workspace (its transform) is garbage-collected.
 */
import type { F32Block, F64Block } from '../kernels/arena.js';
import { FftPlan, type FftWindow } from '../kernels/fft-plan.js';
import { kernels, type Kernels } from '../kernels/module.js';

type Blocks = { k: Kernels; f32: Map<string, F32Block>; f64: Map<string, F64Block>; plans: Map<string, FftPlan> };

const release = new FinalizationRegistry<Blocks>(({ k, f32, f64, plans }) => {
  for (const block of [...f32.values(), ...f64.values()]) k.arena.free(block);
  for (const plan of plans.values()) plan.free();
});

/** Named, growable f32/f64 blocks of one transform. */
export class Workspace {
  readonly k: Kernels = kernels();
  readonly #f32 = new Map<string, F32Block>();
  readonly #f64 = new Map<string, F64Block>();
  readonly #plans = new Map<string, FftPlan>();

  constructor() {
    release.register(this, { k: this.k, f32: this.#f32, f64: this.#f64, plans: this.#plans });
  }

  /** An FFT plan for `size` points and `window`, made once. */
  fftPlan(size: number, window: FftWindow): FftPlan {
    const id = `${size}/${window}`;
    let plan = this.#plans.get(id);
    if (!plan) this.#plans.set(id, (plan = new FftPlan(this.k, size, window)));
    return plan;
  }

  /** An f32 block of at least `length` values under `name` (contents unspecified). */
  f32(name: string, length: number): F32Block {
    return this.#grow(this.#f32, name, length, (n) => this.k.arena.allocF32(n));
  }

  /** An f64 block of at least `length` values under `name` (contents unspecified). */
  f64(name: string, length: number): F64Block {
    return this.#grow(this.#f64, name, length, (n) => this.k.arena.allocF64(n));
  }

  #grow<B extends F32Block | F64Block>(blocks: Map<string, B>, name: string, length: number, alloc: (n: number) => B): B {
    const block = blocks.get(name);
    if (block && block.length >= length) return block;
    if (block) this.k.arena.free(block);
    const grown = alloc(Math.max(length, 2 * (block?.length ?? 0), 16));
    blocks.set(name, grown);
    return grown;
  }

  /** An f64 block holding `values` (for per-column parameters). */
  f64Of(name: string, values: ArrayLike<number>): F64Block {
    const block = this.f64(name, values.length);
    block.view.set(values);
    return block;
  }
}
