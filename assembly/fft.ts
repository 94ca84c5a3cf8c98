// Real FFT for power-of-two sizes n >= 4: an n/2-point complex radix-2 FFT of the packed input
// (even samples real, odd samples imaginary) followed by the real-split step. Everything that
// depends only on n (window, twiddles, bit reversal) is precomputed by fftInit into a
// caller-owned table of fftTableLen(n) f32, so rfft allocates nothing and calls no cos/sin.
//
// Spectrum layout: n/2 + 1 bins, interleaved (re, im), n + 2 f32, unnormalised:
// X[k] = Σ_t w[t]·x[t]·e^{-2πi·k·t/n}.
// NaN/Inf policy: IEEE arithmetic; one non-finite input sample makes every bin NaN (or ±Inf).
// Every NaN written is the canonical one (see nan.ts): the last step that writes each output does it.
import { canon, canonf } from "./nan";

// Table layout in f32 slots (n >= 8; h = n/2):
//   [0, n)               window w[t]
//   [n, n+h+4)           split twiddles (cos, sin)(2πk/n) for k = 0..h/2
//   [n+h+4, n+2h+4)      bit-reversal permutation of h (i32)
//   [n+2h+4, …)          per-stage twiddles for stages with half >= 2, two per 8 slots:
//                        (wr0, wr0, wr1, wr1) and (-wi0, wi0, -wi1, wi1) with w = e^{-2πi j/len}
//   the rest (2 slots after the split twiddles, 12 at the end) is padding, written as 0 so that
//   the table's bytes depend only on n and the window.

@inline function splitOff(n: i32): usize {
  return <usize>n;
}
@inline function revOff(n: i32): usize {
  return <usize>(n + (n >> 1) + 4);
}
@inline function stageOff(n: i32): usize {
  return <usize>(n + n + 4);
}

@inline function isPow2(n: i32): bool {
  return n >= 4 && (n & (n - 1)) == 0;
}

/** Number of f32 slots the table for an n-point rfft needs (0 if n is not a power of two >= 4). */
export function fftTableLen(n: i32): i32 {
  return isPow2(n) ? 4 * n + 8 : 0;
}

/**
 * Fills `table` (fftTableLen(n) f32) for n-point real FFTs with window 0 rectangular, 1 Hann,
 * 2 Hamming (periodic forms: w[t] = a - (1 - a)·cos(2πt/n)). Returns 0, or -1 for a bad n or window.
 */
export function fftInit(n: i32, window: i32, table: usize): i32 {
  if (!isPow2(n) || window < 0 || window > 2) return -1;
  const h = n >> 1;
  memory.fill(table, 0, <usize>fftTableLen(n) << 2);
  const a: f64 = window == 1 ? 0.5 : 0.54;
  for (let t = 0; t < n; t++) {
    const w = window == 0 ? 1.0 : a - (1 - a) * Math.cos((2 * Math.PI * <f64>t) / <f64>n);
    store<f32>(table + (<usize>t << 2), <f32>w);
  }
  const sp = table + (splitOff(n) << 2);
  for (let k = 0; k <= (h >> 1); k++) {
    const th = (2 * Math.PI * <f64>k) / <f64>n;
    store<f32>(sp + (<usize>k << 3), <f32>Math.cos(th));
    store<f32>(sp + (<usize>k << 3), <f32>Math.sin(th), 4);
  }
  const rp = table + (revOff(n) << 2);
  let bits = 0;
  while ((1 << bits) < h) bits++;
  for (let i = 0; i < h; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    store<i32>(rp + (<usize>i << 2), r);
  }
  let q = table + (stageOff(n) << 2);
  for (let half = 2; half < h; half <<= 1) {
    const len = half << 1;
    for (let j = 0; j < half; j += 2) {
      const t0 = (-2 * Math.PI * <f64>j) / <f64>len;
      const t1 = (-2 * Math.PI * <f64>(j + 1)) / <f64>len;
      const c0 = <f32>Math.cos(t0), s0 = <f32>Math.sin(t0);
      const c1 = <f32>Math.cos(t1), s1 = <f32>Math.sin(t1);
      v128.store(q, f32x4(c0, c0, c1, c1));
      v128.store(q, f32x4(-s0, s0, -s1, s1), 16);
      q += 32;
    }
  }
  return 0;
}

/** In-place complex radix-2 FFT of h points in `z` (interleaved), already in bit-reversed order. */
function complexStages(z: usize, h: i32, tw: usize): void {
  // half = 1: twiddle 1; one butterfly per v128 (a, b) -> (a + b, a - b).
  const sgn = f32x4(1, 1, -1, -1);
  for (let i = 0; i < h; i += 2) {
    const p = z + (<usize>i << 3);
    const v = v128.load(p);
    const lo = v128.shuffle<f32>(v, v, 0, 1, 0, 1);
    const hi = v128.shuffle<f32>(v, v, 2, 3, 2, 3);
    v128.store(p, f32x4.add(lo, f32x4.mul(hi, sgn)));
  }
  let q = tw;
  for (let half = 2; half < h; half <<= 1) {
    const len = half << 1;
    for (let j = 0; j < half; j += 2) {
      const wr = v128.load(q);
      const wi = v128.load(q, 16);
      q += 32;
      for (let s = j; s < h; s += len) {
        const pa = z + (<usize>s << 3);
        const pb = pa + (<usize>half << 3);
        const a = v128.load(pa);
        const b = v128.load(pb);
        const t = f32x4.add(f32x4.mul(b, wr), f32x4.mul(v128.shuffle<f32>(b, b, 1, 0, 3, 2), wi));
        v128.store(pa, f32x4.add(a, t));
        v128.store(pb, f32x4.sub(a, t));
      }
    }
  }
}

/**
 * n-point real FFT of `x` (n f32) with the table's window; writes n/2 + 1 complex bins to `out`
 * (n + 2 f32, interleaved re/im), which is also the work space. `x` is not modified.
 */
export function rfft(x: usize, n: i32, table: usize, out: usize): void {
  const h = n >> 1;
  // Window and pack: complex z[m] = (w·x)[2m] + i (w·x)[2m+1], stored bit-reversed.
  const rp = table + (revOff(n) << 2);
  for (let m = 0; m < h; m++) {
    const src = <usize>m << 3;
    const dst = out + (<usize>load<i32>(rp + (<usize>m << 2)) << 3);
    store<f32>(dst, load<f32>(x + src) * load<f32>(table + src));
    store<f32>(dst, load<f32>(x + src, 4) * load<f32>(table + src, 4), 4);
  }
  if (h >= 2) complexStages(out, h, table + (stageOff(n) << 2));
  // Split: X[k] = E + W^k·O with E = (Z[k] + conj Z[h-k]) / 2, O = -i (Z[k] - conj Z[h-k]) / 2.
  const z0r = load<f32>(out), z0i = load<f32>(out, 4);
  store<f32>(out, canonf(z0r + z0i));
  store<f32>(out, 0, 4);
  store<f32>(out + (<usize>h << 3), canonf(z0r - z0i));
  store<f32>(out + (<usize>h << 3), 0, 4);
  const sp = table + (splitOff(n) << 2);
  for (let k = 1; k <= (h >> 1); k++) {
    const pk = out + (<usize>k << 3);
    const pm = out + (<usize>(h - k) << 3);
    const ar = load<f32>(pk), ai = load<f32>(pk, 4);
    const br = load<f32>(pm), bi = load<f32>(pm, 4);
    const er = (ar + br) * 0.5, ei = (ai - bi) * 0.5;
    const or = (ai + bi) * 0.5, oi = (br - ar) * 0.5;
    const c = load<f32>(sp + (<usize>k << 3)), s = load<f32>(sp + (<usize>k << 3), 4);
    // W^k = c - i s; W^k·O = (c·or + s·oi) + i (c·oi - s·or).
    const tr = c * or + s * oi, ti = c * oi - s * or;
    store<f32>(pk, canonf(er + tr));
    store<f32>(pk, canonf(ei + ti), 4);
    // X[h-k] = conj(E) + W^{h-k}·conj-partner: equals conj(E - W^k·O)... written out:
    store<f32>(pm, canonf(er - tr));
    store<f32>(pm, canonf(ti - ei), 4);
  }
}

/** out[k] = |X[k]| for `bins` interleaved complex bins at `spec`; out may equal spec only if bins <= 1. */
export function spectrumMagnitude(spec: usize, bins: i32, out: usize): void {
  for (let k = 0; k < bins; k++) {
    const re = load<f32>(spec + (<usize>k << 3));
    const im = load<f32>(spec + (<usize>k << 3), 4);
    store<f32>(out + (<usize>k << 2), canonf(Mathf.sqrt(re * re + im * im)));
  }
}

/**
 * Band energies of an n-point spectrum (n/2 + 1 interleaved bins at `spec`) sampled at `fs` Hz:
 * out[b] = Σ |X[k]|² over bins with edges[b] <= k·fs/n < edges[b+1] (`edges`: nb + 1 ascending f64 Hz).
 */
export function bandEnergies(spec: usize, n: i32, fs: f64, edges: usize, nb: i32, out: usize): void {
  const bins = (n >> 1) + 1;
  for (let b = 0; b < nb; b++) {
    const lo = load<f64>(edges + (<usize>b << 3));
    const hi = load<f64>(edges + (<usize>(b + 1) << 3));
    let acc: f64 = 0;
    for (let k = 0; k < bins; k++) {
      const f = (<f64>k * fs) / <f64>n;
      if (f < lo || f >= hi) continue;
      const re = <f64>load<f32>(spec + (<usize>k << 3));
      const im = <f64>load<f32>(spec + (<usize>k << 3), 4);
      acc += re * re + im * im;
    }
    store<f64>(out + (<usize>b << 3), canon(acc));
  }
}
