// LSTM over a whole sequence for one direction (ONNX semantics, batch-first; gates i, o, f, c).
// The host has computed P = X W^T (+ biases) for every step: row n*T + t, this direction's 4H columns,
// row stride ldp. Each step multiplies the states [N, H] by the packed R (gemm_f32), then runs the
// gate math row by row for the entries still inside their length. acts: 9 f64 (code, alpha, beta of f, g, h).
import { gemm_f32 } from './gemm';
import { loadState, maxLength, storeFinal } from './recurrent';
import { ract1, ract4, RA_SIGMOID, RA_TANH } from '../recurrent-activation';
import { madd } from '../ukernels/madd';

// @ts-ignore: decorator
@inline function clip4(x: v128, clip: f32): v128 {
  return clip > 0 ? f32x4.min(f32x4.max(x, f32x4.splat(-clip)), f32x4.splat(clip)) : x;
}

// @ts-ignore: decorator
@inline function clip1(x: f32, clip: f32): f32 {
  return clip > 0 ? min<f32>(max<f32>(x, -clip), clip) : x;
}

/** One entry's gates for one step: updates h and c in place, writes h to y. pr, gr: 4H pre-activations. */
// @ts-ignore: decorator
@inline function lstmRow(H: i32, pr: usize, gr: usize, bx: usize, peep: usize, h: usize, c: usize, y: usize,
  clip: f32, inputForget: bool, fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64, hc: i32, ha: f64, hb: f64): void {
  const hB = <usize>H << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      let ai = f32x4.add(v128.load(pr + o), v128.load(gr + o));
      let ao = f32x4.add(v128.load(pr + hB + o), v128.load(gr + hB + o));
      let af = f32x4.add(v128.load(pr + 2 * hB + o), v128.load(gr + 2 * hB + o));
      let ac = f32x4.add(v128.load(pr + 3 * hB + o), v128.load(gr + 3 * hB + o));
      if (bx != 0) {
        ai = f32x4.add(ai, v128.load(bx + o)); ao = f32x4.add(ao, v128.load(bx + hB + o));
        af = f32x4.add(af, v128.load(bx + 2 * hB + o)); ac = f32x4.add(ac, v128.load(bx + 3 * hB + o));
      }
      const cp = v128.load(c + o);
      if (peep != 0) {
        ai = madd(v128.load(peep + o), cp, ai);
        af = madd(v128.load(peep + 2 * hB + o), cp, af);
      }
      const it = ract4(clip4(ai, clip), fc, fa, fb);
      const ft = inputForget ? f32x4.sub(one, it) : ract4(clip4(af, clip), fc, fa, fb);
      const ct = ract4(clip4(ac, clip), gc, ga, gb);
      const cn = madd(ft, cp, f32x4.mul(it, ct));
      v128.store(c + o, cn);
      // The output gate's peephole sees the new cell state.
      if (peep != 0) ao = madd(v128.load(peep + hB + o), cn, ao);
      const hn = f32x4.mul(ract4(clip4(ao, clip), fc, fa, fb), ract4(cn, hc, ha, hb));
      v128.store(h + o, hn);
      v128.store(y + o, hn);
    }
  }
  for (; j < H; j++) {
    const o = <usize>j << 2;
    let ai = load<f32>(pr + o) + load<f32>(gr + o);
    let ao = load<f32>(pr + hB + o) + load<f32>(gr + hB + o);
    let af = load<f32>(pr + 2 * hB + o) + load<f32>(gr + 2 * hB + o);
    let ac = load<f32>(pr + 3 * hB + o) + load<f32>(gr + 3 * hB + o);
    if (bx != 0) {
      ai += load<f32>(bx + o); ao += load<f32>(bx + hB + o);
      af += load<f32>(bx + 2 * hB + o); ac += load<f32>(bx + 3 * hB + o);
    }
    const cp = load<f32>(c + o);
    if (peep != 0) {
      ai += load<f32>(peep + o) * cp;
      af += load<f32>(peep + 2 * hB + o) * cp;
    }
    const it = ract1(clip1(ai, clip), fc, fa, fb);
    const ft = inputForget ? <f32>1 - it : ract1(clip1(af, clip), fc, fa, fb);
    const ct = ract1(clip1(ac, clip), gc, ga, gb);
    const cn = ft * cp + it * ct;
    store<f32>(c + o, cn);
    if (peep != 0) ao += load<f32>(peep + hB + o) * cn;
    const hn = ract1(clip1(ao, clip), fc, fa, fb) * ract1(cn, hc, ha, hb);
    store<f32>(h + o, hn);
    store<f32>(y + o, hn);
  }
}

// @ts-ignore: decorator
@inline function lstmSeq(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, r: usize,
  h0: usize, c0: usize, peep: usize, bx: usize, y: usize, yh: usize, yc: usize, work: usize, clip: f32, inputForget: bool,
  fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64, hc: i32, ha: f64, hb: f64): void {
  const GH = 4 * H;
  const hB = <usize>H << 2, gB = <usize>GH << 2;
  const h = work, c = h + <usize>N * hB, g = c + <usize>N * hB;
  loadState(h, h0, N, H, D);
  loadState(c, c0, N, H, D);
  const ldpB = <usize>ldp << 2, ldyB = <usize>(D * H) << 2;
  const steps = maxLength(lens, N);
  for (let s = 0; s < steps; s++) {
    gemm_f32(N, GH, H, h, H, r, g, GH, false, 0, 0, 0);
    for (let n = 0; n < N; n++) {
      const len = load<i32>(lens + (<usize>n << 2));
      if (s >= len) continue;
      const row = <usize>(n * T + (reverse ? len - 1 - s : s));
      lstmRow(H, p + row * ldpB, g + <usize>n * gB, bx, peep, h + <usize>n * hB, c + <usize>n * hB, y + row * ldyB,
        clip, inputForget, fc, fa, fb, gc, ga, gb, hc, ha, hb);
    }
  }
  storeFinal(yh, h, lens, N, H, D);
  storeFinal(yc, c, lens, N, H, D);
}

/**
 * One direction. lens: i32[N]; h0, c0, peep (this direction's [3H]: i, o, f), bx (4H bias added per
 * step) may be 0 = absent. y, yh, yc: this direction's slices of Y [N,T,D,H], Y_h, Y_c [N,D,H].
 * work: N*6H floats. clip <= 0: no clipping.
 */
export function lstm_f32(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, r: usize,
  h0: usize, c0: usize, peep: usize, bx: usize, y: usize, yh: usize, yc: usize, work: usize, acts: usize,
  clip: f32, inputForget: bool): void {
  const fc = <i32>load<f64>(acts), gc = <i32>load<f64>(acts, 24), hc = <i32>load<f64>(acts, 48);
  if (fc == RA_SIGMOID && gc == RA_TANH && hc == RA_TANH) {
    // ONNX's defaults: a copy with the activations known at compile time.
    lstmSeq(N, T, H, D, lens, reverse, p, ldp, r, h0, c0, peep, bx, y, yh, yc, work, clip, inputForget,
      RA_SIGMOID, 0, 0, RA_TANH, 0, 0, RA_TANH, 0, 0);
  } else {
    lstmSeq(N, T, H, D, lens, reverse, p, ldp, r, h0, c0, peep, bx, y, yh, yc, work, clip, inputForget,
      fc, load<f64>(acts, 8), load<f64>(acts, 16), gc, load<f64>(acts, 32), load<f64>(acts, 40), hc, load<f64>(acts, 56), load<f64>(acts, 64));
  }
}
