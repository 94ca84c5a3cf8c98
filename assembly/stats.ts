// Per-array statistics over f32 data in linear memory. Accumulation is in f64.

/** Sum of `len` f32 values at `ptr`, accumulated in f64 with four SIMD lanes widened pairwise. */
export function sumF32(ptr: usize, len: i32): f64 {
  let acc0: f64 = 0;
  let acc1: f64 = 0;
  let acc2: f64 = 0;
  let acc3: f64 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const p = ptr + (<usize>i << 2);
    acc0 += <f64>load<f32>(p);
    acc1 += <f64>load<f32>(p, 4);
    acc2 += <f64>load<f32>(p, 8);
    acc3 += <f64>load<f32>(p, 12);
  }
  for (; i < len; i++) acc0 += <f64>load<f32>(ptr + (<usize>i << 2));
  return (acc0 + acc1) + (acc2 + acc3);
}

/** Arithmetic mean of `len` f32 values at `ptr`; NaN when `len` is 0. */
export function meanF32(ptr: usize, len: i32): f64 {
  return len == 0 ? NaN : sumF32(ptr, len) / <f64>len;
}
