// Linear-memory helpers. The host owns allocation: it bump-allocates weights and plans one arena
// above heap_base(), growing memory itself; kernels never allocate.

/** First byte the host may use: the end of the module's static data. */
export function heap_base(): usize {
  return __heap_base;
}

/** y[i] = x[i] for i < n; the ranges may overlap. */
export function copy_f32(x: usize, y: usize, n: i32): void {
  memory.copy(y, x, <usize>n << 2);
}

/** y[i] = v for i < n. */
export function fill_f32(y: usize, n: i32, v: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vv = f32x4.splat(v);
    for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), vv);
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), v);
}
