// Selection helpers shared by the quantile kernels (internal: not exported from index.ts).
// Input must be NaN-free: NaN breaks the ordering that partitioning relies on.

@inline function get(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline function put(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

/**
 * Moves the values of p[lo..hi) that satisfy `v < pivot` (or `v <= pivot` when `orEqual`) to the
 * front of the range without branches (a mispredicted branch per element is what makes classic
 * quickselect slow); returns the end of that front part.
 */
@inline function partition(p: usize, lo: i32, hi: i32, pivot: f32, orEqual: bool): i32 {
  let j = lo;
  for (let i = lo; i < hi; i++) {
    const v = get(p, i);
    put(p, i, get(p, j));
    put(p, j, v);
    j += orEqual ? <i32>(v <= pivot) : <i32>(v < pivot);
  }
  return j;
}

/**
 * Rearranges p[0..n) so that p[k] holds the k-th smallest value, everything before it is <= it
 * and everything after is >= it (quickselect, median-of-three pivot, three-way partitioning so
 * runs of equal values cost linear time; expected O(n)).
 */
export function selectK(p: usize, n: i32, k: i32): void {
  let lo = 0;
  let hi = n; // exclusive
  while (hi - lo > 1) {
    const pivot = choosePivot(p, lo, hi);
    const lt = partition(p, lo, hi, pivot, false); // [lo, lt) < pivot <= [lt, hi)
    if (k < lt) {
      hi = lt; // the pivot itself is in [lt, hi), so this shrinks the range
    } else if (lt > lo) {
      lo = lt;
    } else {
      // The pivot is the range's minimum: split off the values equal to it so duplicates cannot stall.
      const le = partition(p, lt, hi, pivot, true);
      if (k < le) return;
      lo = le;
    }
  }
}

@inline function median3(a: f32, b: f32, c: f32): f32 {
  return max(min(a, b), min(max(a, b), c));
}

/** Median of three for small ranges, Tukey's ninther (median of three medians) for large ones. */
function choosePivot(p: usize, lo: i32, hi: i32): f32 {
  const len = hi - lo;
  const mid = lo + (len >> 1);
  if (len < 64) return median3(get(p, lo), get(p, mid), get(p, hi - 1));
  const s = len >> 3;
  return median3(
    median3(get(p, lo), get(p, lo + s), get(p, lo + 2 * s)),
    median3(get(p, mid - s), get(p, mid), get(p, mid + s)),
    median3(get(p, hi - 1 - 2 * s), get(p, hi - 1 - s), get(p, hi - 1)),
  );
}

/** Smallest of p[from..to). */
export function minFrom(p: usize, from: i32, to: i32): f32 {
  let m = get(p, from);
  for (let i = from + 1; i < to; i++) m = min(m, get(p, i));
  return m;
}
