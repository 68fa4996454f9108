// GRU over a whole sequence for one direction (ONNX semantics, batch-first; gates z, r, h).
// P as in lstm.ts (3H columns per row). linear_before_reset: one product states x R (3H columns, the
// packed h block carrying Rb_h as its bias) per step. Otherwise two: states x R_zr (2H), then
// (r * states) x R_h (H), whose input needs r first. acts: 6 f64 (code, alpha, beta of f, g).
import { gemm } from './gemm';
import { loadState, maxLength, storeFinal } from './recurrent';
import { RA_SIGMOID, RA_TANH } from '../codes.gen';
import { clip1, clip4, ract1, ract4 } from '../recurrent-activation';
import { madd } from '../ukernels/madd';

// @ts-ignore: decorator
@inline function ld4(p: usize, o: usize, extra: usize): v128 {
  return extra != 0 ? f32x4.add(v128.load(p + o), v128.load(extra + o)) : v128.load(p + o);
}

// @ts-ignore: decorator
@inline function ld1(p: usize, o: usize, extra: usize): f32 {
  return extra != 0 ? load<f32>(p + o) + load<f32>(extra + o) : load<f32>(p + o);
}

/**
 * z and r of one entry: z is written over the z block of gr; with `q` set (two-product form), q = r * h.
 * Otherwise (linear_before_reset) the h block of gr becomes r * (gr_h + br).
 */
// @ts-ignore: decorator
@inline function gruGates(H: i32, pr: usize, gr: usize, bx: usize, br: usize, h: usize, q: usize, clip: f32, fc: i32, fa: f64, fb: f64): void {
  const hB = <usize>H << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      const z = ract4(clip4(f32x4.add(ld4(pr, o, bx), v128.load(gr + o)), clip), fc, fa, fb);
      const r = ract4(clip4(f32x4.add(ld4(pr + hB, o, bx != 0 ? bx + hB : 0), v128.load(gr + hB + o)), clip), fc, fa, fb);
      v128.store(gr + o, z);
      if (q != 0) v128.store(q + o, f32x4.mul(r, v128.load(h + o)));
      else v128.store(gr + 2 * hB + o, f32x4.mul(r, ld4(gr + 2 * hB, o, br)));
    }
  }
  for (; j < H; j++) {
    const o = <usize>j << 2;
    const z = ract1(clip1(ld1(pr, o, bx) + load<f32>(gr + o), clip), fc, fa, fb);
    const r = ract1(clip1(ld1(pr + hB, o, bx != 0 ? bx + hB : 0) + load<f32>(gr + hB + o), clip), fc, fa, fb);
    store<f32>(gr + o, z);
    if (q != 0) store<f32>(q + o, r * load<f32>(h + o));
    else store<f32>(gr + 2 * hB + o, r * ld1(gr + 2 * hB, o, br));
  }
}

/** h = (1 - z) * g(pr_h + gr_h) + z * h, z from gruGates; writes h to y. */
// @ts-ignore: decorator
@inline function gruUpdate(H: i32, pr: usize, gr: usize, bx: usize, h: usize, y: usize, clip: f32, gc: i32, ga: f64, gb: f64): void {
  const hB = <usize>H << 2;
  const ph = pr + 2 * hB, gh = gr + 2 * hB, bh = bx != 0 ? bx + 2 * hB : 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      const ht = ract4(clip4(f32x4.add(ld4(ph, o, bh), v128.load(gh + o)), clip), gc, ga, gb);
      const z = v128.load(gr + o);
      const hn = madd(z, v128.load(h + o), f32x4.mul(f32x4.sub(one, z), ht));
      v128.store(h + o, hn);
      v128.store(y + o, hn);
    }
  }
  for (; j < H; j++) {
    const o = <usize>j << 2;
    const ht = ract1(clip1(ld1(ph, o, bh) + load<f32>(gh + o), clip), gc, ga, gb);
    const z = load<f32>(gr + o);
    const hn = (<f32>1 - z) * ht + z * load<f32>(h + o);
    store<f32>(h + o, hn);
    store<f32>(y + o, hn);
  }
}

// @ts-ignore: decorator
@inline function gruSeq(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, rzr: usize, rh: usize,
  h0: usize, bx: usize, br: usize, y: usize, yh: usize, work: usize, clip: f32, lbr: bool,
  fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64): void {
  const GH = 3 * H;
  const hB = <usize>H << 2, gB = <usize>GH << 2;
  const h = work, q = h + <usize>N * hB, g = q + <usize>N * hB;
  loadState(h, h0, N, H, D);
  // Rows of q for entries past their length are multiplied but never read: keep them finite.
  memory.fill(q, 0, <usize>N * hB);
  const ldpB = <usize>ldp << 2, ldyB = <usize>(D * H) << 2;
  const steps = maxLength(lens, N);
  for (let s = 0; s < steps; s++) {
    gemm(N, lbr ? GH : 2 * H, H, h, H, rzr, g, GH, false, 0, 0, 0);
    for (let n = 0; n < N; n++) {
      const len = load<i32>(lens + (<usize>n << 2));
      if (s >= len) continue;
      const row = <usize>(n * T + (reverse ? len - 1 - s : s));
      gruGates(H, p + row * ldpB, g + <usize>n * gB, bx, br, h + <usize>n * hB, lbr ? 0 : q + <usize>n * hB, clip, fc, fa, fb);
    }
    if (!lbr) gemm(N, H, H, q, H, rh, g + 2 * hB, GH, false, 0, 0, 0);
    for (let n = 0; n < N; n++) {
      const len = load<i32>(lens + (<usize>n << 2));
      if (s >= len) continue;
      const row = <usize>(n * T + (reverse ? len - 1 - s : s));
      gruUpdate(H, p + row * ldpB, g + <usize>n * gB, bx, h + <usize>n * hB, y + row * ldyB, clip, gc, ga, gb);
    }
  }
  storeFinal(yh, h, lens, N, H, D);
}

/**
 * One direction. lens: i32[N]; h0, bx (3H bias added per step), br (Rb_h, H floats, added before the
 * reset gate with linear_before_reset) may be 0. rzr: packed R (3H columns) with lbr, else its z, r rows
 * (2H columns) and rh its h rows (H columns). work: N*5H floats. clip <= 0: no clipping.
 */
export function gru_f32(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, rzr: usize, rh: usize,
  h0: usize, bx: usize, br: usize, y: usize, yh: usize, work: usize, acts: usize, clip: f32, lbr: bool): void {
  const fc = <i32>load<f64>(acts), gc = <i32>load<f64>(acts, 24);
  if (fc == RA_SIGMOID && gc == RA_TANH) {
    gruSeq(N, T, H, D, lens, reverse, p, ldp, rzr, rh, h0, bx, br, y, yh, work, clip, lbr, RA_SIGMOID, 0, 0, RA_TANH, 0, 0);
  } else {
    gruSeq(N, T, H, D, lens, reverse, p, ldp, rzr, rh, h0, bx, br, y, yh, work, clip, lbr,
      fc, load<f64>(acts, 8), load<f64>(acts, 16), gc, load<f64>(acts, 32), load<f64>(acts, 40));
  }
}
