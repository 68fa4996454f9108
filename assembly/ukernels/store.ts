// Partial stores of f32x4 lanes, for tiles cut short by the matrix edge.

/** Stores the first n (0..4) lanes of v at p. */
// @ts-ignore: decorator
@inline export function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Stores the first n (0..8) of the eight lanes lo:hi at p. */
// @ts-ignore: decorator
@inline export function store8(p: usize, lo: v128, hi: v128, n: i32): void {
  if (n >= 8) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
  } else if (n > 4) {
    v128.store(p, lo);
    storeLanes(p + 16, hi, n - 4);
  } else {
    storeLanes(p, lo, n);
  }
}
