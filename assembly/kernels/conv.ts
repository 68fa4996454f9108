// Conv on NHWC. conv_igemm_f32: any geometry, as an indirect GEMM (no im2col copy) over a host-built
// table of input-pixel pointers (one per output pixel and tap; padding points at a zero block).
// dwconv_f32: depthwise (group == C, one output per channel) with weights packed [bias C][kh*kw][C].
import { tapBegin, tapEnd } from '../window';
import { act1, act4 } from '../activation';
import { igemmTile4x8 } from '../ukernels/gemm_f32_4x8';
import { igemmRow1x8 } from '../ukernels/gemm_f32_1x8';
import { storeLanes } from '../ukernels/store';
import { madd } from '../ukernels/madd';

/**
 * Tasks [t0, t1) of G groups, each of ceil(P/4) blocks of 4 output pixels by ceil(cout/8) panels,
 * group-major then pixel-major: y[p, g*cout + 0..cout) (row stride ldy elements) for the P output pixels
 * whose tap pointers are ind[p*T + t] (i32 byte offsets); group g reads channels [g*cpg, (g+1)*cpg) of every
 * pointed-to pixel and its panels (K = T*cpg, tap-major, then channel) follow group g-1's in w.
 */
export function conv_igemm_f32(t0: i32, t1: i32, G: i32, P: i32, T: i32, cpg: i32, ind: usize, w: usize, cout: i32, y: usize, ldy: i32,
  code: i32, p0: f32, p1: f32): void {
  const panels = (cout + 7) >> 3, perGroup = ((P + 3) >> 2) * panels;
  const panelBytes = <usize>(T * cpg + 1) << 5;
  const ldyB = <usize>ldy << 2, rowInd = <usize>T << 2;
  for (let t = t0; t < t1; t++) {
    const g = t / perGroup, r = t - g * perGroup;
    const m = (r / panels) << 2, p = r % panels;
    const mr = min(P - m, 4), nc = min(cout - (p << 3), 8);
    const goff = <usize>(g * cpg) << 2, wp = w + (<usize>(g * panels + p)) * panelBytes;
    const im = ind + <usize>m * rowInd, ym = y + <usize>m * ldyB + (<usize>(g * cout) << 2) + (<usize>p << 5);
    if (ASC_FEATURE_SIMD) {
      igemmTile4x8(mr, nc, T, cpg, im, goff, wp, ym, ldyB, code, f32x4.splat(p0), f32x4.splat(p1));
    } else {
      for (let i = 0; i < mr; i++) igemmRow1x8(nc, T, cpg, im + <usize>i * rowInd, goff, wp, ym + <usize>i * ldyB, code, p0, p1);
    }
  }
}

/**
 * Depthwise conv, channel multiplier 1, output rows [t0, t1) of the N*OH (image-major). Window taps outside
 * the input are skipped (zero padding).
 */
export function dwconv_f32(t0: i32, t1: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  dh: i32, dw: i32, padTop: i32, padLeft: i32, x: usize, w: usize, y: usize, code: i32, p0: f32, p1: f32): void {
  const rowB = <usize>C << 2;
  const taps = w + rowB;
  for (let row = t0; row < t1; row++) {
    const n = row / OH, oh = row - n * OH;
    const xn = x + <usize>n * <usize>H * <usize>W * rowB;
    const iy0 = oh * sh - padTop;
    // Rows of the window inside the input: ky in [ky0, ky1).
    const ky0 = tapBegin(iy0, kh, dh), ky1 = tapEnd(iy0, kh, dh, H, ky0);
    for (let ow = 0; ow < OW; ow++) {
      const ix0 = ow * sw - padLeft;
      const kx0 = tapBegin(ix0, kw, dw), kx1 = tapEnd(ix0, kw, dw, W, kx0);
      const yp = y + (<usize>((n * OH + oh) * OW + ow)) * rowB;
      let c = 0;
      if (ASC_FEATURE_SIMD) {
        const v0 = f32x4.splat(p0), v1 = f32x4.splat(p1);
        for (; c + 8 <= C; c += 8) {
          const co = <usize>c << 2;
          let acc0 = v128.load(w + co), acc1 = v128.load(w + co, 16);
          for (let ky = ky0; ky < ky1; ky++) {
            const xr = xn + (<usize>((iy0 + ky * dh) * W)) * rowB + co;
            const wr = taps + (<usize>(ky * kw)) * rowB + co;
            for (let kx = kx0; kx < kx1; kx++) {
              const xp = xr + (<usize>(ix0 + kx * dw)) * rowB, wp = wr + (<usize>kx) * rowB;
              acc0 = madd(v128.load(xp), v128.load(wp), acc0);
              acc1 = madd(v128.load(xp, 16), v128.load(wp, 16), acc1);
            }
          }
          v128.store(yp + co, act4(acc0, code, v0, v1));
          v128.store(yp + co, act4(acc1, code, v0, v1), 16);
        }
        for (; c < C; c += 4) {
          // The last block may be partial: lanes past C read the next pixel (or slack) but are never stored.
          const co = <usize>c << 2;
          let acc = v128.load(w + co);
          for (let ky = ky0; ky < ky1; ky++) {
            const xr = xn + (<usize>((iy0 + ky * dh) * W)) * rowB + co;
            const wr = taps + (<usize>(ky * kw)) * rowB + co;
            for (let kx = kx0; kx < kx1; kx++) {
              acc = madd(v128.load(xr + (<usize>(ix0 + kx * dw)) * rowB), v128.load(wr + (<usize>kx) * rowB), acc);
            }
          }
          storeLanes(yp + co, act4(acc, code, v0, v1), C - c);
        }
      } else {
        for (; c < C; c++) {
          const co = <usize>c << 2;
          let acc = load<f32>(w + co);
          for (let ky = ky0; ky < ky1; ky++) {
            const xr = xn + (<usize>((iy0 + ky * dh) * W)) * rowB + co;
            const wr = taps + (<usize>(ky * kw)) * rowB + co;
            for (let kx = kx0; kx < kx1; kx++) {
              acc += load<f32>(xr + (<usize>(ix0 + kx * dw)) * rowB) * load<f32>(wr + (<usize>kx) * rowB);
            }
          }
          store<f32>(yp + co, act1(acc, code, p0, p1));
        }
      }
    }
  }
}
