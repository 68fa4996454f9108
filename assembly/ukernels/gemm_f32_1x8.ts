// The scalar build's GEMM tiles: one row by eight columns in eight f32 accumulators, over the same
// packed panels as gemm_f32_4x8 (8 bias values, then K rows of 8 weights).
import { act1 } from '../activation';

// @ts-ignore: decorator
@inline function finish(y: usize, nc: i32, accumulate: bool, code: i32, p0: f32, p1: f32,
  c0: f32, c1: f32, c2: f32, c3: f32, c4: f32, c5: f32, c6: f32, c7: f32): void {
  if (accumulate) {
    c0 += load<f32>(y); c1 += load<f32>(y, 4); c2 += load<f32>(y, 8); c3 += load<f32>(y, 12);
    c4 += load<f32>(y, 16); c5 += load<f32>(y, 20); c6 += load<f32>(y, 24); c7 += load<f32>(y, 28);
  }
  store<f32>(y, act1(c0, code, p0, p1));
  if (nc > 1) store<f32>(y, act1(c1, code, p0, p1), 4);
  if (nc > 2) store<f32>(y, act1(c2, code, p0, p1), 8);
  if (nc > 3) store<f32>(y, act1(c3, code, p0, p1), 12);
  if (nc > 4) store<f32>(y, act1(c4, code, p0, p1), 16);
  if (nc > 5) store<f32>(y, act1(c5, code, p0, p1), 20);
  if (nc > 6) store<f32>(y, act1(c6, code, p0, p1), 24);
  if (nc > 7) store<f32>(y, act1(c7, code, p0, p1), 28);
}

/** y[0..nc) = act(bias + a[0..K) * panel [+ y]); a is contiguous. */
// @ts-ignore: decorator
@inline export function gemmRow1x8(nc: i32, K: i32, a: usize, w: usize, y: usize, accumulate: bool, code: i32, p0: f32, p1: f32): void {
  let c0 = load<f32>(w), c1 = load<f32>(w, 4), c2 = load<f32>(w, 8), c3 = load<f32>(w, 12);
  let c4 = load<f32>(w, 16), c5 = load<f32>(w, 20), c6 = load<f32>(w, 24), c7 = load<f32>(w, 28);
  w += 32;
  for (let k = 0; k < K; k++) {
    const v = load<f32>(a);
    c0 += v * load<f32>(w); c1 += v * load<f32>(w, 4); c2 += v * load<f32>(w, 8); c3 += v * load<f32>(w, 12);
    c4 += v * load<f32>(w, 16); c5 += v * load<f32>(w, 20); c6 += v * load<f32>(w, 24); c7 += v * load<f32>(w, 28);
    a += 4;
    w += 32;
  }
  finish(y, nc, accumulate, code, p0, p1, c0, c1, c2, c3, c4, c5, c6, c7);
}

/** The indirect-conv row: tap t reads cpg floats at load<i32>(ind + t*4) + goff. */
// @ts-ignore: decorator
@inline export function igemmRow1x8(nc: i32, T: i32, cpg: i32, ind: usize, goff: usize, w: usize, y: usize, code: i32, p0: f32, p1: f32): void {
  let c0 = load<f32>(w), c1 = load<f32>(w, 4), c2 = load<f32>(w, 8), c3 = load<f32>(w, 12);
  let c4 = load<f32>(w, 16), c5 = load<f32>(w, 20), c6 = load<f32>(w, 24), c7 = load<f32>(w, 28);
  w += 32;
  for (let t = 0; t < T; t++) {
    let a = <usize>load<i32>(ind + (<usize>t << 2)) + goff;
    for (let k = 0; k < cpg; k++) {
      const v = load<f32>(a);
      c0 += v * load<f32>(w); c1 += v * load<f32>(w, 4); c2 += v * load<f32>(w, 8); c3 += v * load<f32>(w, 12);
      c4 += v * load<f32>(w, 16); c5 += v * load<f32>(w, 20); c6 += v * load<f32>(w, 24); c7 += v * load<f32>(w, 28);
      a += 4;
      w += 32;
    }
  }
  finish(y, nc, false, code, p0, p1, c0, c1, c2, c3, c4, c5, c6, c7);
}
