// Canonical NaNs. WebAssembly leaves the sign and payload of a NaN made by arithmetic to the
// engine: V8 on x64 gives 0xFFF8… (negative), on arm64 0x7FF8…, and its two compilers may disagree
// too. So every kernel writes a NaN result as the canonical quiet NaN — 0x7FF8000000000000 (f64),
// 0x7FC00000 (f32) — by a select on `x != x` where it stores its results. A `select` and a
// constant are not arithmetic, so their bits are exact everywhere. Internal: not exported from
// index.ts.

/** x, or the canonical f64 NaN when x is NaN. */
@inline export function canon(x: f64): f64 {
  return select<f64>(NaN, x, x != x);
}

/** x, or the canonical f32 NaN when x is NaN. */
@inline export function canonf(x: f32): f32 {
  return select<f32>(<f32>NaN, x, x != x);
}

/** Four f32 lanes with every NaN lane made canonical. */
@inline export function canonF32x4(v: v128): v128 {
  return v128.bitselect(f32x4.splat(<f32>NaN), v, f32x4.ne(v, v));
}

/** Two f64 lanes with every NaN lane made canonical. */
@inline export function canonF64x2(v: v128): v128 {
  return v128.bitselect(f64x2.splat(NaN), v, f64x2.ne(v, v));
}

/** Makes every NaN among the `len` f64 at `p` canonical, in place (one pass, 2 lanes at a time). */
export function canonF64s(p: usize, len: i32): void {
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const q = p + (<usize>i << 3);
    v128.store(q, canonF64x2(v128.load(q)));
  }
  if (i < len) store<f64>(p + (<usize>i << 3), canon(load<f64>(p + (<usize>i << 3))));
}

/** Makes every NaN among the `len` f32 at `p` canonical, in place (one pass, 4 lanes at a time). */
export function canonF32s(p: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, canonF32x4(v128.load(q)));
  }
  for (; i < len; i++) store<f32>(p + (<usize>i << 2), canonf(load<f32>(p + (<usize>i << 2))));
}
