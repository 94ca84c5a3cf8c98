// Selection helpers shared by the quantile kernels (internal: not exported from index.ts).
// Input must be NaN-free: NaN breaks the ordering that partitioning relies on.

@inline function get(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline function put(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

/**
 * Rearranges p[0..n) so that p[k] holds the k-th smallest value, everything before it is <= it
 * and everything after is >= it (Hoare partitioning, median-of-three pivot; expected O(n)).
 */
export function selectK(p: usize, n: i32, k: i32): void {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    // Order p[lo], p[mid], p[hi] so the pivot is their median and the ends are sentinels.
    if (get(p, mid) < get(p, lo)) swap(p, mid, lo);
    if (get(p, hi) < get(p, lo)) swap(p, hi, lo);
    if (get(p, hi) < get(p, mid)) swap(p, hi, mid);
    const pivot = get(p, mid);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (get(p, i) < pivot) i++;
      while (get(p, j) > pivot) j--;
      if (i <= j) {
        swap(p, i, j);
        i++;
        j--;
      }
    }
    // Now p[lo..j] <= pivot, p[i..hi] >= pivot, and p(j..i) == pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

@inline function swap(p: usize, a: i32, b: i32): void {
  const t = get(p, a);
  put(p, a, get(p, b));
  put(p, b, t);
}

/** Smallest of p[from..to). */
export function minFrom(p: usize, from: i32, to: i32): f32 {
  let m = get(p, from);
  for (let i = from + 1; i < to; i++) m = min(m, get(p, i));
  return m;
}
