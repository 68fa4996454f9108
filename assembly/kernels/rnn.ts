// RNN over a whole sequence for one direction (ONNX semantics, batch-first): h = f(clip(P + h R^T)).
// P as in lstm.ts (H columns per row). acts: 3 f64 (code, alpha, beta of f).
import { gemm } from './gemm';
import { loadState, maxLength, storeFinal } from './recurrent';
import { RA_TANH } from '../codes.gen';
import { clip1, clip4, ract1, ract4 } from '../recurrent-activation';

// @ts-ignore: decorator
@inline function rnnRow(H: i32, pr: usize, gr: usize, bx: usize, h: usize, y: usize, clip: f32, fc: i32, fa: f64, fb: f64): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      let a = f32x4.add(v128.load(pr + o), v128.load(gr + o));
      if (bx != 0) a = f32x4.add(a, v128.load(bx + o));
      const hn = ract4(clip4(a, clip), fc, fa, fb);
      v128.store(h + o, hn);
      v128.store(y + o, hn);
    }
  }
  for (; j < H; j++) {
    const o = <usize>j << 2;
    let a = load<f32>(pr + o) + load<f32>(gr + o);
    if (bx != 0) a += load<f32>(bx + o);
    const hn = ract1(clip1(a, clip), fc, fa, fb);
    store<f32>(h + o, hn);
    store<f32>(y + o, hn);
  }
}

// @ts-ignore: decorator
@inline function rnnSeq(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, r: usize,
  h0: usize, bx: usize, y: usize, yh: usize, work: usize, clip: f32, fc: i32, fa: f64, fb: f64): void {
  const hB = <usize>H << 2;
  const h = work, g = h + <usize>N * hB;
  loadState(h, h0, N, H, D);
  const ldpB = <usize>ldp << 2, ldyB = <usize>(D * H) << 2;
  const steps = maxLength(lens, N);
  for (let s = 0; s < steps; s++) {
    gemm(N, H, H, h, H, r, g, H, false, 0, 0, 0);
    for (let n = 0; n < N; n++) {
      const len = load<i32>(lens + (<usize>n << 2));
      if (s >= len) continue;
      const row = <usize>(n * T + (reverse ? len - 1 - s : s));
      rnnRow(H, p + row * ldpB, g + <usize>n * hB, bx, h + <usize>n * hB, y + row * ldyB, clip, fc, fa, fb);
    }
  }
  storeFinal(yh, h, lens, N, H, D);
}

/** One direction; arguments as lstm_f32's. work: N*2H floats. */
export function rnn_f32(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, r: usize,
  h0: usize, bx: usize, y: usize, yh: usize, work: usize, acts: usize, clip: f32): void {
  const fc = <i32>load<f64>(acts);
  if (fc == RA_TANH) rnnSeq(N, T, H, D, lens, reverse, p, ldp, r, h0, bx, y, yh, work, clip, RA_TANH, 0, 0);
  else rnnSeq(N, T, H, D, lens, reverse, p, ldp, r, h0, bx, y, yh, work, clip, fc, load<f64>(acts, 8), load<f64>(acts, 16));
}
