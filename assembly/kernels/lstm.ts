// LSTM over a whole sequence for one direction (ONNX semantics, batch-first; gates i, o, f, c).
// The host has computed P = X W^T (+ biases) for every step: row n*T + t, this direction's 4H columns,
// row stride ldp. acts: 9 f64 (code, alpha, beta of f, g, h). Two forms of the recurrence, by R's packing:
// - blocked (SIMD builds only): per block of 8 units, the panels of its i, o, f and c rows side by side;
//   each step runs, per entry, one 1x32 tile per block and the cell math on its result while it is in
//   registers and L1, the states double-buffered (the product reads all of h while blocks write the next h).
// - rows: R packed gate after gate; each step is one gemm_f32 of the states [N, H] (R read once for up to
//   4 entries), then the cell math row by row.
import { gemm } from './gemm';
import { loadState, maxLength, storeFinal } from './recurrent';
import { RA_SIGMOID, RA_TANH } from '../codes.gen';
import { clip1, clip4, ract1, ract4 } from '../recurrent-activation';
import { gemvTile1x32 } from '../ukernels/gemv_f32_1x32';
import { storeLanes } from '../ukernels/store';
import { madd } from '../ukernels/madd';

/**
 * The cell of 4 units from their pre-activations without bias (P + h R^T): updates c, writes h to h and y.
 * o: byte offset of the first unit in H-long vectors (bx, peep, c, h, y); n (1..4): units to store.
 */
// @ts-ignore: decorator
@inline function cell4(ai: v128, ao: v128, af: v128, ac: v128, o: usize, hB: usize, n: i32, bx: usize, peep: usize,
  c: usize, h: usize, y: usize, clip: f32, inputForget: bool,
  fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64, hc: i32, ha: f64, hb: f64): void {
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
  const ft = inputForget ? f32x4.sub(f32x4.splat(1), it) : ract4(clip4(af, clip), fc, fa, fb);
  const ct = ract4(clip4(ac, clip), gc, ga, gb);
  const cn = madd(ft, cp, f32x4.mul(it, ct));
  // The output gate's peephole sees the new cell state.
  if (peep != 0) ao = madd(v128.load(peep + hB + o), cn, ao);
  const hn = f32x4.mul(ract4(clip4(ao, clip), fc, fa, fb), ract4(cn, hc, ha, hb));
  storeLanes(c + o, cn, n);
  storeLanes(h + o, hn, n);
  storeLanes(y + o, hn, n);
}

/** One entry's gates for one step in the rows form: updates h and c in place, writes h to y. pr, gr: 4H pre-activations. */
// @ts-ignore: decorator
@inline function lstmRow(H: i32, pr: usize, gr: usize, bx: usize, peep: usize, h: usize, c: usize, y: usize,
  clip: f32, inputForget: bool, fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64, hc: i32, ha: f64, hb: f64): void {
  const hB = <usize>H << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      cell4(f32x4.add(v128.load(pr + o), v128.load(gr + o)), f32x4.add(v128.load(pr + hB + o), v128.load(gr + hB + o)),
        f32x4.add(v128.load(pr + 2 * hB + o), v128.load(gr + 2 * hB + o)), f32x4.add(v128.load(pr + 3 * hB + o), v128.load(gr + 3 * hB + o)),
        o, hB, 4, bx, peep, c, h, y, clip, inputForget, fc, fa, fb, gc, ga, gb, hc, ha, hb);
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

/**
 * One entry's step in the blocked form: hn = cell(pr + h R^T) block by block. g: 32 floats of scratch.
 * Lanes past H in a last, partial block compute on whatever follows pr, bx or peep in memory and are never stored.
 */
// @ts-ignore: decorator
@inline function lstmBlocks(H: i32, r: usize, pr: usize, bx: usize, peep: usize, h: usize, hn: usize, c: usize, y: usize, g: usize,
  clip: f32, inputForget: bool, fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64, hc: i32, ha: f64, hb: f64): void {
  const hB = <usize>H << 2;
  const pb = <usize>(H + 1) << 5, blockB = pb << 2;
  let j = 0;
  for (; j + 8 <= H; j += 8) {
    gemvTile1x32(H, h, r + <usize>(j >> 3) * blockB, pb, g, false);
    lstmBlock(8, <usize>j << 2, hB, pr, g, bx, peep, c, hn, y, clip, inputForget, fc, fa, fb, gc, ga, gb, hc, ha, hb);
  }
  if (j < H) {
    gemvTile1x32(H, h, r + <usize>(j >> 3) * blockB, pb, g, false);
    lstmBlock(H - j, <usize>j << 2, hB, pr, g, bx, peep, c, hn, y, clip, inputForget, fc, fa, fb, gc, ga, gb, hc, ha, hb);
  }
}

/** The cells of one block of n (1..8) units at byte offset o from its product g (i, o, f, c: 8 floats each). */
// @ts-ignore: decorator
@inline function lstmBlock(n: i32, o: usize, hB: usize, pr: usize, g: usize, bx: usize, peep: usize, c: usize, hn: usize, y: usize,
  clip: f32, inputForget: bool, fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64, hc: i32, ha: f64, hb: f64): void {
  const pi = pr + o, po = pi + hB, pf = po + hB, pc = pf + hB;
  cell4(f32x4.add(v128.load(g), v128.load(pi)), f32x4.add(v128.load(g, 32), v128.load(po)),
    f32x4.add(v128.load(g, 64), v128.load(pf)), f32x4.add(v128.load(g, 96), v128.load(pc)),
    o, hB, min(n, 4), bx, peep, c, hn, y, clip, inputForget, fc, fa, fb, gc, ga, gb, hc, ha, hb);
  if (n > 4) {
    cell4(f32x4.add(v128.load(g, 16), v128.load(pi, 16)), f32x4.add(v128.load(g, 48), v128.load(po, 16)),
      f32x4.add(v128.load(g, 80), v128.load(pf, 16)), f32x4.add(v128.load(g, 112), v128.load(pc, 16)),
      o + 16, hB, n - 4, bx, peep, c, hn, y, clip, inputForget, fc, fa, fb, gc, ga, gb, hc, ha, hb);
  }
}

/** Work of the blocked form: g (32 floats), then per entry c, h and the next h, each H8 = H rounded up to 8 floats. */
// @ts-ignore: decorator
@inline function lstmSeqBlocked(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, r: usize,
  h0: usize, c0: usize, peep: usize, bx: usize, y: usize, yh: usize, yc: usize, work: usize, clip: f32, inputForget: bool,
  fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64, hc: i32, ha: f64, hb: f64): void {
  const hB = <usize>H << 2;
  const sB = <usize>((H + 7) & ~7) << 2, entryB = 3 * sB;
  const g = work, states = work + 128;
  const ldpB = <usize>ldp << 2, ldyB = <usize>(D * H) << 2;
  for (let n = 0; n < N; n++) {
    const e = states + <usize>n * entryB, at = <usize>(n * D) * hB;
    // c and h padded with zeros: lanes past H are loaded (never used) by the last block.
    memory.fill(e, 0, entryB);
    if (c0 != 0) memory.copy(e, c0 + at, hB);
    if (h0 != 0) memory.copy(e + sB, h0 + at, hB);
  }
  const steps = maxLength(lens, N);
  for (let s = 0; s < steps; s++) {
    // Step s reads h from the first buffer when s is even and writes the other.
    const from = s & 1 ? 2 * sB : sB, to = s & 1 ? sB : 2 * sB;
    for (let n = 0; n < N; n++) {
      const len = load<i32>(lens + (<usize>n << 2));
      if (s >= len) continue;
      const row = <usize>(n * T + (reverse ? len - 1 - s : s));
      const e = states + <usize>n * entryB;
      lstmBlocks(H, r, p + row * ldpB, bx, peep, e + from, e + to, e, y + row * ldyB, g,
        clip, inputForget, fc, fa, fb, gc, ga, gb, hc, ha, hb);
    }
  }
  for (let n = 0; n < N; n++) {
    const len = load<i32>(lens + (<usize>n << 2));
    const e = states + <usize>n * entryB, at = <usize>(n * D) * hB;
    if (len == 0) {
      memory.fill(yh + at, 0, hB);
      memory.fill(yc + at, 0, hB);
    } else {
      // After len steps the last h is in the second buffer when len is odd.
      memory.copy(yh + at, e + (len & 1 ? 2 * sB : sB), hB);
      memory.copy(yc + at, e, hB);
    }
  }
}

// @ts-ignore: decorator
@inline function lstmSeqRows(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, r: usize,
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
    gemm(N, GH, H, h, H, r, g, GH, false, 0, 0, 0);
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

// @ts-ignore: decorator
@inline function lstmSeq(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, r: usize, blocked: bool,
  h0: usize, c0: usize, peep: usize, bx: usize, y: usize, yh: usize, yc: usize, work: usize, clip: f32, inputForget: bool,
  fc: i32, fa: f64, fb: f64, gc: i32, ga: f64, gb: f64, hc: i32, ha: f64, hb: f64): void {
  if (ASC_FEATURE_SIMD && blocked) {
    lstmSeqBlocked(N, T, H, D, lens, reverse, p, ldp, r, h0, c0, peep, bx, y, yh, yc, work, clip, inputForget,
      fc, fa, fb, gc, ga, gb, hc, ha, hb);
  } else {
    lstmSeqRows(N, T, H, D, lens, reverse, p, ldp, r, h0, c0, peep, bx, y, yh, yc, work, clip, inputForget,
      fc, fa, fb, gc, ga, gb, hc, ha, hb);
  }
}

/**
 * One direction. lens: i32[N]; h0, c0, peep (this direction's [3H]: i, o, f), bx (4H bias added per
 * step) may be 0 = absent. y, yh, yc: this direction's slices of Y [N,T,D,H], Y_h, Y_c [N,D,H].
 * r: packed R^T, blocked (SIMD builds only; ignored in the scalar build, which must be given rows) or rows.
 * work: blocked 32 + 3*N*H8 floats (H8 = H rounded up to 8), rows 6*N*H. clip <= 0: no clipping.
 */
export function lstm_f32(N: i32, T: i32, H: i32, D: i32, lens: usize, reverse: bool, p: usize, ldp: i32, r: usize, blocked: bool,
  h0: usize, c0: usize, peep: usize, bx: usize, y: usize, yh: usize, yc: usize, work: usize, acts: usize,
  clip: f32, inputForget: bool): void {
  const fc = <i32>load<f64>(acts), gc = <i32>load<f64>(acts, 24), hc = <i32>load<f64>(acts, 48);
  if (fc == RA_SIGMOID && gc == RA_TANH && hc == RA_TANH) {
    // ONNX's defaults: copies with the activations known at compile time, one of them also without
    // peepholes, per-step bias, clip and input_forget (branches on those in the cell cost 2x in V8).
    if (peep == 0 && bx == 0 && clip <= 0 && !inputForget) {
      lstmSeq(N, T, H, D, lens, reverse, p, ldp, r, blocked, h0, c0, 0, 0, y, yh, yc, work, 0, false,
        RA_SIGMOID, 0, 0, RA_TANH, 0, 0, RA_TANH, 0, 0);
    } else {
      lstmSeq(N, T, H, D, lens, reverse, p, ldp, r, blocked, h0, c0, peep, bx, y, yh, yc, work, clip, inputForget,
        RA_SIGMOID, 0, 0, RA_TANH, 0, 0, RA_TANH, 0, 0);
    }
  } else {
    lstmSeq(N, T, H, D, lens, reverse, p, ldp, r, blocked, h0, c0, peep, bx, y, yh, yc, work, clip, inputForget,
      fc, load<f64>(acts, 8), load<f64>(acts, 16), gc, load<f64>(acts, 32), load<f64>(acts, 40), hc, load<f64>(acts, 56), load<f64>(acts, 64));
  }
}
