// dwconv3x3_f32: depthwise 3x3 conv on NHWC (channel multiplier 1, any stride, dilation and padding),
// MobileNet's depthwise layers. Weights packed per block of 4 channels: 4 bias values, then the 9 taps'
// 4 weights (40 floats a block, channels past C zero). SIMD: channel blocks outside, pixels inside, so a
// block's bias and 9 tap weights stay in registers while it sweeps a band of rows (3x faster in V8 than
// pixels outside, which reloads every weight per pixel; bands keep the input in L2 across the channel
// blocks, where whole-image sweeps fetch every line once per block). Pixels whose window lies inside the input run 9
// unrolled multiply-adds; the others read `zero` (at least C rounded up to 4 zero floats) for taps
// outside. The last, partial block loads up to 3 floats past C (the next pixel, or the host's slack)
// and stores C % 4.
import { act1, act4 } from '../activation';
import { ACT_CLIP, ACT_NONE, ACT_RELU } from '../codes.gen';
import { madd } from '../ukernels/madd';
import { storeLanes } from '../ukernels/store';

/** Pointer to input row iy (at the block's channel offset), or 0 when outside. */
// @ts-ignore: decorator
@inline function rowAt(xn: usize, iy: i32, H: i32, rowB: usize): usize {
  return iy >= 0 && iy < H ? xn + <usize>iy * rowB : 0;
}

/** Pointer to column ix of row r, or the zero block when either is outside. */
// @ts-ignore: decorator
@inline function tapAt(r: usize, ix: i32, W: i32, pixB: usize, zero: usize): usize {
  return r != 0 && ix >= 0 && ix < W ? r + <usize>ix * pixB : zero;
}

/** bias + the 9 taps (rows a, b, c; columns 0..2) times their weights; two add chains, summed at the end. */
// @ts-ignore: decorator
@inline function sum9(a0: usize, a1: usize, a2: usize, b0: usize, b1: usize, b2: usize, c0: usize, c1: usize, c2: usize,
  bias: v128, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128): v128 {
  let s = madd(v128.load(a0), w0, bias);
  let t = f32x4.mul(v128.load(a1), w1);
  s = madd(v128.load(a2), w2, s);
  t = madd(v128.load(b0), w3, t);
  s = madd(v128.load(b1), w4, s);
  t = madd(v128.load(b2), w5, t);
  s = madd(v128.load(c0), w6, s);
  t = madd(v128.load(c1), w7, t);
  s = madd(v128.load(c2), w8, s);
  return f32x4.add(s, t);
}

// @ts-ignore: decorator
@inline function put(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) v128.store(p, v);
  else storeLanes(p, v, lanes);
}

/**
 * `count` output pixels of one block of 4 channels whose windows lie inside the input: tap (0, 0) of the
 * first at a, the others dwB and dhB (bytes) apart, the next pixel's swB on; outputs pixB apart from yp.
 */
// @ts-ignore: decorator
@inline function interior(a: usize, yp: usize, count: i32, wp: usize, pixB: usize, dwB: usize, dhB: usize, swB: usize,
  code: i32, p0: f32, p1: f32): void {
  const v0 = f32x4.splat(p0), v1 = f32x4.splat(p1);
  const bias = v128.load(wp);
  const w0 = v128.load(wp, 16), w1 = v128.load(wp, 32), w2 = v128.load(wp, 48), w3 = v128.load(wp, 64), w4 = v128.load(wp, 80);
  const w5 = v128.load(wp, 96), w6 = v128.load(wp, 112), w7 = v128.load(wp, 128), w8 = v128.load(wp, 144);
  for (let i = 0; i < count; i++) {
    const b = a + dhB, c = b + dhB;
    v128.store(yp, act4(sum9(a, a + dwB, a + 2 * dwB, b, b + dwB, b + 2 * dwB, c, c + dwB, c + 2 * dwB,
      bias, w0, w1, w2, w3, w4, w5, w6, w7, w8), code, v0, v1));
    a += swB;
    yp += pixB;
  }
}

// Separate functions (not inlined into the sweep), one per common activation: inside the sweep's larger
// body V8 keeps fewer of the ten weight vectors in registers (measured 1.5x slower).
function interiorNone(a: usize, yp: usize, count: i32, wp: usize, pixB: usize, dwB: usize, dhB: usize, swB: usize, p0: f32, p1: f32): void {
  interior(a, yp, count, wp, pixB, dwB, dhB, swB, ACT_NONE, p0, p1);
}
function interiorRelu(a: usize, yp: usize, count: i32, wp: usize, pixB: usize, dwB: usize, dhB: usize, swB: usize, p0: f32, p1: f32): void {
  interior(a, yp, count, wp, pixB, dwB, dhB, swB, ACT_RELU, p0, p1);
}
function interiorClip(a: usize, yp: usize, count: i32, wp: usize, pixB: usize, dwB: usize, dhB: usize, swB: usize, p0: f32, p1: f32): void {
  interior(a, yp, count, wp, pixB, dwB, dhB, swB, ACT_CLIP, p0, p1);
}
function interiorAny(a: usize, yp: usize, count: i32, wp: usize, pixB: usize, dwB: usize, dhB: usize, swB: usize,
  code: i32, p0: f32, p1: f32): void {
  interior(a, yp, count, wp, pixB, dwB, dhB, swB, code, p0, p1);
}

/**
 * One block of 4 channels (byte offset co into every pixel, packed weights at wp) over output rows
 * [ohA, ohB) of image n, `lanes` (1..4) of them stored. Full blocks (lanes 4) send each row's interior to
 * the functions above; edge pixels, rows in the padding and a partial block go tap by tap here.
 */
// @ts-ignore: decorator
@inline function block4(n: i32, ohA: i32, ohB: i32, H: i32, W: i32, OH: i32, OW: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padTop: i32, padLeft: i32, pixB: usize, x: usize, wp: usize, zero: usize, y: usize, co: usize, lanes: i32,
  code: i32, p0: f32, p1: f32): void {
  const rowB = <usize>W * pixB, dwB = <usize>dw * pixB, dhB = <usize>dh * rowB, swB = <usize>sw * pixB;
  const v0 = f32x4.splat(p0), v1 = f32x4.splat(p1);
  const bias = v128.load(wp);
  const w0 = v128.load(wp, 16), w1 = v128.load(wp, 32), w2 = v128.load(wp, 48), w3 = v128.load(wp, 64), w4 = v128.load(wp, 80);
  const w5 = v128.load(wp, 96), w6 = v128.load(wp, 112), w7 = v128.load(wp, 128), w8 = v128.load(wp, 144);
  const z = zero + co;
  // Output columns whose window lies inside the input's columns: [owA, owB).
  const owA = min((padLeft + sw - 1) / sw, OW);
  const owB = max(owA, min(OW, (W - 1 - 2 * dw + padLeft) / sw + 1));
  const xn = x + <usize>n * <usize>H * rowB + co;
  for (let oh = ohA; oh < ohB; oh++) {
    const iy = oh * sh - padTop;
    const r0 = rowAt(xn, iy, H, rowB), r1 = rowAt(xn, iy + dh, H, rowB), r2 = rowAt(xn, iy + 2 * dh, H, rowB);
    const yrow = y + (<usize>((n * OH + oh) * OW)) * pixB + co;
    const fast = lanes == 4 && r0 != 0 && r2 != 0 && owB > owA;
    for (let ow = 0; ow < OW; ow++) {
      if (fast && ow == owA) {
        const a = r0 + <usize>(ow * sw - padLeft) * pixB, yp = yrow + <usize>ow * pixB, count = owB - owA;
        if (code == ACT_NONE) interiorNone(a, yp, count, wp, pixB, dwB, dhB, swB, p0, p1);
        else if (code == ACT_RELU) interiorRelu(a, yp, count, wp, pixB, dwB, dhB, swB, p0, p1);
        else if (code == ACT_CLIP) interiorClip(a, yp, count, wp, pixB, dwB, dhB, swB, p0, p1);
        else interiorAny(a, yp, count, wp, pixB, dwB, dhB, swB, code, p0, p1);
        ow = owB;
        if (ow == OW) break;
      }
      const ix = ow * sw - padLeft;
      const s = sum9(tapAt(r0, ix, W, pixB, z), tapAt(r0, ix + dw, W, pixB, z), tapAt(r0, ix + 2 * dw, W, pixB, z),
        tapAt(r1, ix, W, pixB, z), tapAt(r1, ix + dw, W, pixB, z), tapAt(r1, ix + 2 * dw, W, pixB, z),
        tapAt(r2, ix, W, pixB, z), tapAt(r2, ix + dw, W, pixB, z), tapAt(r2, ix + 2 * dw, W, pixB, z),
        bias, w0, w1, w2, w3, w4, w5, w6, w7, w8);
      put(yrow + <usize>ow * pixB, act4(s, code, v0, v1), lanes);
    }
  }
}

/** Input bytes a band of output rows may span: the band stays in L2 while every channel block passes. */
const BAND_BYTES: usize = 256 << 10;

// @ts-ignore: decorator
@inline function run3x3(t0: i32, t1: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padTop: i32, padLeft: i32, x: usize, w: usize, zero: usize, y: usize, code: i32, p0: f32, p1: f32): void {
  const pixB = <usize>C << 2;
  if (ASC_FEATURE_SIMD) {
    // Bands of output rows whose input rows fit BAND_BYTES; each band takes every channel block in turn.
    const inRows = max(<i32>(BAND_BYTES / (<usize>W * pixB)), 2 * dh + 1);
    const band = max(1, (inRows - 2 * dh - 1) / sh + 1);
    for (let n = t0 / OH; n * OH < t1; n++) {
      const first = max(t0 - n * OH, 0), last = min(t1 - n * OH, OH);
      for (let ohA = first; ohA < last; ohA += band) {
        const ohB = min(last, ohA + band);
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          block4(n, ohA, ohB, H, W, OH, OW, sh, sw, dh, dw, padTop, padLeft, pixB, x, w + <usize>(c >> 2) * 160, zero, y,
            <usize>c << 2, 4, code, p0, p1);
        }
        if (c < C) {
          block4(n, ohA, ohB, H, W, OH, OW, sh, sw, dh, dw, padTop, padLeft, pixB, x, w + <usize>(c >> 2) * 160, zero, y,
            <usize>c << 2, C - c, code, p0, p1);
        }
      }
    }
  } else {
    const rowB = <usize>W * pixB;
    for (let row = t0; row < t1; row++) {
      const n = row / OH, oh = row - n * OH;
      const xn = x + <usize>n * <usize>H * rowB;
      const iy = oh * sh - padTop;
      const r0 = rowAt(xn, iy, H, rowB), r1 = rowAt(xn, iy + dh, H, rowB), r2 = rowAt(xn, iy + 2 * dh, H, rowB);
      for (let ow = 0; ow < OW; ow++) {
        const ix = ow * sw - padLeft;
        const a0 = tapAt(r0, ix, W, pixB, zero), a1 = tapAt(r0, ix + dw, W, pixB, zero), a2 = tapAt(r0, ix + 2 * dw, W, pixB, zero);
        const b0 = tapAt(r1, ix, W, pixB, zero), b1 = tapAt(r1, ix + dw, W, pixB, zero), b2 = tapAt(r1, ix + 2 * dw, W, pixB, zero);
        const c0 = tapAt(r2, ix, W, pixB, zero), c1 = tapAt(r2, ix + dw, W, pixB, zero), c2 = tapAt(r2, ix + 2 * dw, W, pixB, zero);
        const yp = y + (<usize>((n * OH + oh) * OW + ow)) * pixB;
        for (let c = 0; c < C; c++) {
          const co = <usize>c << 2;
          const wp = w + <usize>(c >> 2) * 160 + (<usize>(c & 3) << 2);
          let acc = load<f32>(wp);
          acc += load<f32>(a0 + co) * load<f32>(wp, 16) + load<f32>(a1 + co) * load<f32>(wp, 32) + load<f32>(a2 + co) * load<f32>(wp, 48);
          acc += load<f32>(b0 + co) * load<f32>(wp, 64) + load<f32>(b1 + co) * load<f32>(wp, 80) + load<f32>(b2 + co) * load<f32>(wp, 96);
          acc += load<f32>(c0 + co) * load<f32>(wp, 112) + load<f32>(c1 + co) * load<f32>(wp, 128) + load<f32>(c2 + co) * load<f32>(wp, 144);
          store<f32>(yp + co, act1(acc, code, p0, p1));
        }
      }
    }
  }
}

/**
 * Depthwise 3x3 over output rows [t0, t1) of the N*OH (image-major); w packed as above; zero: at least C
 * rounded up to 4 zero floats. Each output is computed alike whichever range (and band) holds its row.
 */
export function dwconv3x3_f32(t0: i32, t1: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padTop: i32, padLeft: i32, x: usize, w: usize, zero: usize, y: usize, code: i32, p0: f32, p1: f32): void {
  // Copies with the activation known at compile time: a switch on it per pixel costs V8 dearly.
  switch (code) {
    case ACT_NONE: run3x3(t0, t1, H, W, C, OH, OW, sh, sw, dh, dw, padTop, padLeft, x, w, zero, y, ACT_NONE, p0, p1); break;
    case ACT_RELU: run3x3(t0, t1, H, W, C, OH, OW, sh, sw, dh, dw, padTop, padLeft, x, w, zero, y, ACT_RELU, p0, p1); break;
    case ACT_CLIP: run3x3(t0, t1, H, W, C, OH, OW, sh, sw, dh, dw, padTop, padLeft, x, w, zero, y, ACT_CLIP, p0, p1); break;
    default: run3x3(t0, t1, H, W, C, OH, OW, sh, sw, dh, dw, padTop, padLeft, x, w, zero, y, code, p0, p1);
  }
}
