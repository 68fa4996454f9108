// One row of GEMM against one packed panel (8 bias values, then K rows of 8 weights): the tile for a
// lone row (M = 1, or a batch-1 recurrent step), where the 4x8 tile would compute three dead rows.
// Even and odd k go to separate accumulators so four add chains run in parallel.
import { madd } from './madd';
import { epilogue4x8 } from './gemm_f32_4x8';

/** y[0..nc) = act(bias + a[0..K) * panel [+ y]); a contiguous. */
// @ts-ignore: decorator
@inline export function gemvTile1x8(nc: i32, K: i32, a: usize, w: usize, y: usize, accumulate: bool, code: i32, p0: v128, p1: v128): void {
  let c0 = v128.load(w), c1 = v128.load(w, 16);
  let e0 = f32x4.splat(0), e1 = e0;
  w += 32;
  let k = 0;
  for (; k + 2 <= K; k += 2) {
    const v0 = v128.load32_splat(a), v1 = v128.load32_splat(a, 4);
    c0 = madd(v0, v128.load(w), c0); c1 = madd(v0, v128.load(w, 16), c1);
    e0 = madd(v1, v128.load(w, 32), e0); e1 = madd(v1, v128.load(w, 48), e1);
    a += 8;
    w += 64;
  }
  if (k < K) {
    const v0 = v128.load32_splat(a);
    c0 = madd(v0, v128.load(w), c0); c1 = madd(v0, v128.load(w, 16), c1);
  }
  c0 = f32x4.add(c0, e0);
  c1 = f32x4.add(c1, e1);
  epilogue4x8(y, 0, 1, nc, accumulate, code, p0, p1, c0, c1, c0, c1, c0, c1, c0, c1);
}
