// Register tiles of GEMM: C[4 x 8] = bias + A[4 x K] * Bpanel[K x 8], eight f32x4 accumulators.
// Bpanel is one packed panel: 8 bias values, then K rows of 8 weights (see src/backends/wasm/pack.ts).
// A rows come either strided (gemm) or through a table of row pointers per tap (indirect conv).
// igemm: rows past `mr` repeat the last row (computed, never stored); columns past `nc` are never stored.
import { act4 } from '../activation';
import { store8 } from './store';
import { madd } from './madd';

// @ts-ignore: decorator
@inline export function epilogue4x8(y: usize, ldy: usize, mr: i32, nc: i32, accumulate: bool, code: i32, p0: v128, p1: v128,
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  const y1 = y + ldy, y2 = y1 + ldy, y3 = y2 + ldy;
  if (accumulate) {
    // y already holds beta*C (Gemm with a full C matrix): add it before the activation.
    c00 = f32x4.add(c00, v128.load(y)); c01 = f32x4.add(c01, v128.load(y, 16));
    if (mr > 1) { c10 = f32x4.add(c10, v128.load(y1)); c11 = f32x4.add(c11, v128.load(y1, 16)); }
    if (mr > 2) { c20 = f32x4.add(c20, v128.load(y2)); c21 = f32x4.add(c21, v128.load(y2, 16)); }
    if (mr > 3) { c30 = f32x4.add(c30, v128.load(y3)); c31 = f32x4.add(c31, v128.load(y3, 16)); }
  }
  if (code != 0) {
    c00 = act4(c00, code, p0, p1); c01 = act4(c01, code, p0, p1);
    c10 = act4(c10, code, p0, p1); c11 = act4(c11, code, p0, p1);
    c20 = act4(c20, code, p0, p1); c21 = act4(c21, code, p0, p1);
    c30 = act4(c30, code, p0, p1); c31 = act4(c31, code, p0, p1);
  }
  store8(y, c00, c01, nc);
  if (mr > 1) store8(y1, c10, c11, nc);
  if (mr > 2) store8(y2, c20, c21, nc);
  if (mr > 3) store8(y3, c30, c31, nc);
}

/**
 * One tile of `rows` (1..4, a constant at every call site, so the unused rows fold away) by 8 with A
 * rows at a + r*lda (bytes); accumulate also reads y past column nc (the host keeps slack).
 */
// @ts-ignore: decorator
@inline export function gemmTileRx8(rows: i32, nc: i32, K: i32, a: usize, lda: usize, w: usize, y: usize, ldy: usize,
  accumulate: bool, code: i32, p0: v128, p1: v128): void {
  let a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
  let c00 = v128.load(w), c01 = v128.load(w, 16);
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  w += 32;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(w), b1 = v128.load(w, 16);
    const v0 = v128.load32_splat(a0);
    c00 = madd(v0, b0, c00); c01 = madd(v0, b1, c01);
    if (rows > 1) { const v1 = v128.load32_splat(a1); c10 = madd(v1, b0, c10); c11 = madd(v1, b1, c11); }
    if (rows > 2) { const v2 = v128.load32_splat(a2); c20 = madd(v2, b0, c20); c21 = madd(v2, b1, c21); }
    if (rows > 3) { const v3 = v128.load32_splat(a3); c30 = madd(v3, b0, c30); c31 = madd(v3, b1, c31); }
    a0 += 4; a1 += 4; a2 += 4; a3 += 4;
    w += 32;
  }
  epilogue4x8(y, ldy, rows, nc, accumulate, code, p0, p1, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * One 4x8 tile of an indirect (implicit im2col) GEMM: for tap t, row r reads cpg floats at
 * load<i32>(ind + (r*T + t)*4) + goff, a pointer into the input or into a zero block for padding.
 */
// @ts-ignore: decorator
@inline export function igemmTile4x8(mr: i32, nc: i32, T: i32, cpg: i32, ind: usize, goff: usize, w: usize, y: usize, ldy: usize,
  code: i32, p0: v128, p1: v128): void {
  const rs = <usize>T << 2;
  const i0 = ind;
  const i1 = mr > 1 ? i0 + rs : i0;
  const i2 = mr > 2 ? i1 + rs : i1;
  const i3 = mr > 3 ? i2 + rs : i2;
  let c00 = v128.load(w), c01 = v128.load(w, 16);
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  w += 32;
  for (let t = 0; t < T; t++) {
    const o = <usize>t << 2;
    let a0 = <usize>load<i32>(i0 + o) + goff, a1 = <usize>load<i32>(i1 + o) + goff;
    let a2 = <usize>load<i32>(i2 + o) + goff, a3 = <usize>load<i32>(i3 + o) + goff;
    for (let k = 0; k < cpg; k++) {
      const b0 = v128.load(w), b1 = v128.load(w, 16);
      const v0 = v128.load32_splat(a0), v1 = v128.load32_splat(a1), v2 = v128.load32_splat(a2), v3 = v128.load32_splat(a3);
      c00 = madd(v0, b0, c00); c01 = madd(v0, b1, c01);
      c10 = madd(v1, b0, c10); c11 = madd(v1, b1, c11);
      c20 = madd(v2, b0, c20); c21 = madd(v2, b1, c21);
      c30 = madd(v3, b0, c30); c31 = madd(v3, b1, c31);
      a0 += 4; a1 += 4; a2 += 4; a3 += 4;
      w += 32;
    }
  }
  epilogue4x8(y, ldy, mr, nc, false, code, p0, p1, c00, c01, c10, c11, c20, c21, c30, c31);
}
