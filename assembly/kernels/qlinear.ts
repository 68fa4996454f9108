// Quantized kernels. Activations are integers held as f32 (src/ops/quant.ts); weights are int8 (w - wz),
// packed once at prepare. Accumulation is exact int32; the epilogue requantizes as onnxruntime does:
// f32(acc + bias) * scale[o], clamped to [lo2, hi2] (the output grid's ends less its zero point; the host
// passes them so), rounded half to even (f32.nearest), + zp.

function requant(acc: i32, scale: f32, lo: f32, hi: f32, zp: f32): f32 {
  return f32.nearest(min(max(<f32>acc * scale, lo), hi)) + zp;
}

/** Four accumulators requantized: nearest(clamp(f32(acc) * scale, lo2, hi2)) + zp, lo2/hi2 already less zp. */
function requant4(acc: v128, scale: v128, lo2: f32, hi2: f32, zp: f32): v128 {
  const v = f32x4.mul(f32x4.convert_i32x4_s(acc), scale);
  return f32x4.add(f32x4.nearest(f32x4.min(f32x4.max(v, f32x4.splat(lo2)), f32x4.splat(hi2))), f32x4.splat(zp));
}

/**
 * Rows of the implicit-GEMM operand as i16 (x - xz), zero where a tap falls in the padding, for group g:
 * a[p * kpad + (ky * kw + kx) * cpg + c] over output pixels p of image n, columns K..kpad zero.
 * x: f32 NHWC [N, H, W, C]; a: i16, kpad a multiple of 8, 16-byte aligned.
 */
export function qim2col_i16(x: usize, a: usize, n: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, c0: i32, cpg: i32, kpad: i32, xz: f32): void {
  const K = kh * kw * cpg;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      const row = a + (<usize>((oh * OW + ow) * kpad) << 1);
      for (let ky = 0; ky < kh; ky++) {
        const iy = oh * sh - padTop + ky * dh;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ow * sw - padLeft + kx * dw;
          const dst = row + (<usize>((ky * kw + kx) * cpg) << 1);
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
            memory.fill(dst, 0, <usize>cpg << 1);
            continue;
          }
          const src = x + (<usize>(((n * H + iy) * W + ix) * C + c0) << 2);
          let c = 0;
          if (ASC_FEATURE_SIMD) {
            const vz = f32x4.splat(xz);
            for (; c + 8 <= cpg; c += 8) {
              const lo = i32x4.trunc_sat_f32x4_s(f32x4.sub(v128.load(src + (<usize>c << 2)), vz));
              const hi = i32x4.trunc_sat_f32x4_s(f32x4.sub(v128.load(src + (<usize>(c + 4) << 2)), vz));
              v128.store(dst + (<usize>c << 1), i16x8.narrow_i32x4_s(lo, hi));
            }
          }
          for (; c < cpg; c++) store<i16>(dst + (<usize>c << 1), <i16>(load<f32>(src + (<usize>c << 2)) - xz));
        }
      }
      memory.fill(row + (<usize>K << 1), 0, <usize>(kpad - K) << 1);
    }
  }
}

/**
 * y[p * ys + o] = requant(Σ_k a[p, k] · w[o, k] + bias[o]) for p < P, o < O. a: i16 [P + 1, kpad] (kpad a multiple of
 * 8, zero past K); bias i32, scale f32 [O8 + 8] (O8 = O rounded up to 8, zeros past O); y f32, row stride ys.
 * w: i8 in blocks of 8 outputs, each [kpad / 2][8 outputs][2 k] (pairs of k next to each other, zero past O and K).
 * SIMD: a tile of 2 pixels by 8 outputs; i32x4.dot_i16x8_s of a broadcast pair (a[k], a[k+1]) with 4 outputs'
 * pairs sums straight into those outputs' lanes. a has a row more (any values): pixels past P are not stored.
 */
export function qgemm_i16i8(a: usize, P: i32, kpad: i32, w: usize, O: i32, bias: usize, scale: usize,
  y: usize, ys: i32, lo2: f32, hi2: f32, zp: f32): void {
  const rowBytes = <usize>kpad << 1;
  for (let o = 0; o < O; o += 8) {
    const wb = w + <usize>(o * kpad), bo = <usize>o << 2;
    if (ASC_FEATURE_SIMD) {
      for (let p = 0; p < P; p += 2) {
        const a0 = a + <usize>p * rowBytes, a1 = a0 + rowBytes;
        let c00 = i32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
        for (let k: usize = 0; k < <usize>kpad; k += 2) {
          const wp = wb + (k << 3);
          const w0 = v128.load8x8_s(wp), w1 = v128.load8x8_s(wp, 8);
          const ko = k << 1;
          const x0 = v128.load32_splat(a0 + ko), x1 = v128.load32_splat(a1 + ko);
          c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x0, w0)); c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x0, w1));
          c10 = i32x4.add(c10, i32x4.dot_i16x8_s(x1, w0)); c11 = i32x4.add(c11, i32x4.dot_i16x8_s(x1, w1));
        }
        const n = O - o;
        storeOut(y + (<usize>(p * ys) << 2) + bo, c00, c01, bias + bo, scale + bo, lo2, hi2, zp, n);
        if (p + 1 < P) storeOut(y + (<usize>((p + 1) * ys) << 2) + bo, c10, c11, bias + bo, scale + bo, lo2, hi2, zp, n);
      }
    } else {
      for (let p = 0; p < P; p++) {
        const ar = a + <usize>p * rowBytes;
        for (let j = 0; j < 8 && o + j < O; j++) {
          let acc: i32 = 0;
          for (let k = 0; k < kpad; k++) {
            acc += <i32>load<i16>(ar + (<usize>k << 1)) * <i32>load<i8>(wb + <usize>(((k >> 1) << 4) + (j << 1) + (k & 1)));
          }
          const jo = bo + (<usize>j << 2);
          store<f32>(y + (<usize>(p * ys) << 2) + jo, requant(acc + load<i32>(bias + jo), load<f32>(scale + jo), lo2, hi2, zp));
        }
      }
    }
  }
}

/** Up to 8 outputs of one pixel: requantized accumulators of outputs 0-3 and 4-7 (n of them stored). */
function storeOut(yp: usize, c0: v128, c1: v128, bias: usize, scale: usize, lo2: f32, hi2: f32, zp: f32, n: i32): void {
  storeLanes(yp, requant4(i32x4.add(c0, v128.load(bias)), v128.load(scale), lo2, hi2, zp), n);
  if (n > 4) storeLanes(yp + 16, requant4(i32x4.add(c1, v128.load(bias, 16)), v128.load(scale, 16), lo2, hi2, zp), n - 4);
}

/** Stores the first min(n, 4) lanes of v at p. */
function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p, v, 1, 4);
  if (n > 2) v128.store32_lane(p, v, 2, 8);
}

/**
 * Depthwise QLinearConv (one input channel per output channel) on one image: a i16 [H, W, c8] (x - xz, channels
 * zero from C to c8, a multiple of 8: qim2col_i16 with a 1x1 window); w i8 [kh * kw, c8] (w - wz, zero past C);
 * bias i32, scale f32 [c8]; y f32 [OH, OW, C]; no dilation. Padding taps are skipped: they add (xz - xz) = 0.
 * SIMD: eight channels at a time, i16 x i16 products widened to i32 (extmul).
 */
export function qdwconv_i16(a: usize, w: usize, bias: usize, scale: usize, y: usize, H: i32, W: i32, C: i32, c8: i32,
  OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32,
  lo2: f32, hi2: f32, zp: f32): void {
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      const yr = y + (<usize>((oh * OW + ow) * C) << 2);
      if (ASC_FEATURE_SIMD) {
        // The taps inside the image, found once per pixel: no bounds test in the channel loop.
        const iy0 = oh * sh - padTop, ix0 = ow * sw - padLeft;
        const ky0 = max(0, -iy0), ky1 = min(kh, H - iy0), kx0 = max(0, -ix0), kx1 = min(kw, W - ix0);
        for (let c = 0; c < C; c += 8) {
          const co = <usize>c << 2;
          let acc0 = v128.load(bias + co), acc1 = v128.load(bias + co + 16);
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              const xv = v128.load(a + (<usize>(((iy0 + ky) * W + ix0 + kx) * c8 + c) << 1));
              const wv = v128.load8x8_s(w + <usize>((ky * kw + kx) * c8 + c));
              acc0 = i32x4.add(acc0, i32x4.extmul_low_i16x8_s(xv, wv));
              acc1 = i32x4.add(acc1, i32x4.extmul_high_i16x8_s(xv, wv));
            }
          }
          storeLanes(yr + co, requant4(acc0, v128.load(scale + co), lo2, hi2, zp), C - c);
          if (C - c > 4) storeLanes(yr + co + 16, requant4(acc1, v128.load(scale + co + 16), lo2, hi2, zp), C - c - 4);
        }
      } else {
        for (let c = 0; c < C; c++) {
          const co = <usize>c << 2;
          let acc = load<i32>(bias + co);
          for (let ky = 0; ky < kh; ky++) {
            const iy = oh * sh - padTop + ky;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ow * sw - padLeft + kx;
              if (ix < 0 || ix >= W) continue;
              acc += <i32>load<i16>(a + (<usize>((iy * W + ix) * c8 + c) << 1)) * <i32>load<i8>(w + <usize>((ky * kw + kx) * c8 + c));
            }
          }
          store<f32>(yr + co, requant(acc, load<f32>(scale + co), lo2, hi2, zp));
        }
      }
    }
  }
}

/**
 * One elementwise kernel for QuantizeLinear, DequantizeLinear and QLinearAdd over f32 [n]:
 * v = sa(a - za) (+ sb(b - zb) when b != 0); requantizing: y = nearest(clamp(v / sc, lo2, hi2)) + zc, else y = v.
 */
export function qaffine_f32(a: usize, b: usize, y: usize, n: i32, sa: f32, za: f32, sb: f32, zb: f32,
  requantizing: bool, sc: f32, zc: f32, lo2: f32, hi2: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    let v = sa * (load<f32>(a + o) - za);
    if (b) v += sb * (load<f32>(b + o) - zb);
    store<f32>(y + o, requantizing ? f32.nearest(min(max(v / sc, lo2), hi2)) + zc : v);
  }
}
