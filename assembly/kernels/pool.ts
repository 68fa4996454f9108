// Pooling on NHWC. maxpool_f32 / avgpool_f32: output rows [t0, t1) of the N*OH (image-major), sliding
// windows (taps outside the input are skipped);
// avgpool divides by counts[oh] * counts[OH + ow] (f32 table from the host; a zero count gives 0).
// globalpool_f32: mean or max over all pixels of each image. Partial SIMD blocks at the channel end load
// lanes past C (the next pixel, or the host's slack) but never store them.
import { tapBegin, tapEnd } from '../window';
import { storeLanes } from '../ukernels/store';

const F32_MAX: f32 = 3.4028234663852886e38;

// @ts-ignore: decorator
@inline function windowPool(isMax: bool, t0: i32, t1: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  dh: i32, dw: i32, padTop: i32, padLeft: i32, x: usize, y: usize, counts: usize): void {
  const rowB = <usize>C << 2;
  for (let row = t0; row < t1; row++) {
    const n = row / OH, oh = row - n * OH;
    const xn = x + <usize>n * <usize>H * <usize>W * rowB;
    const iy0 = oh * sh - padTop;
    const ky0 = tapBegin(iy0, kh, dh), ky1 = tapEnd(iy0, kh, dh, H, ky0);
    for (let ow = 0; ow < OW; ow++) {
      const ix0 = ow * sw - padLeft;
      const kx0 = tapBegin(ix0, kw, dw), kx1 = tapEnd(ix0, kw, dw, W, kx0);
      const yp = y + (<usize>((n * OH + oh) * OW + ow)) * rowB;
      let count: f32 = 1;
      if (!isMax) count = load<f32>(counts + (<usize>oh << 2)) * load<f32>(counts + (<usize>(OH + ow) << 2));
      let c = 0;
      if (ASC_FEATURE_SIMD) {
        const vcount = f32x4.splat(count);
        for (; c < C; c += 4) {
          const co = <usize>c << 2;
          let acc = f32x4.splat(isMax ? -F32_MAX : 0);
          for (let ky = ky0; ky < ky1; ky++) {
            const xr = xn + (<usize>((iy0 + ky * dh) * W)) * rowB + co;
            for (let kx = kx0; kx < kx1; kx++) {
              const v = v128.load(xr + (<usize>(ix0 + kx * dw)) * rowB);
              acc = isMax ? f32x4.max(acc, v) : f32x4.add(acc, v);
            }
          }
          if (!isMax) acc = count > 0 ? f32x4.div(acc, vcount) : f32x4.splat(0);
          storeLanes(yp + co, acc, C - c);
        }
      } else {
        for (; c < C; c++) {
          const co = <usize>c << 2;
          let acc: f32 = isMax ? -F32_MAX : 0;
          for (let ky = ky0; ky < ky1; ky++) {
            const xr = xn + (<usize>((iy0 + ky * dh) * W)) * rowB + co;
            for (let kx = kx0; kx < kx1; kx++) {
              const v = load<f32>(xr + (<usize>(ix0 + kx * dw)) * rowB);
              acc = isMax ? max<f32>(acc, v) : acc + v;
            }
          }
          if (!isMax) acc = count > 0 ? acc / count : 0;
          store<f32>(yp + co, acc);
        }
      }
    }
  }
}

export function maxpool_f32(t0: i32, t1: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  dh: i32, dw: i32, padTop: i32, padLeft: i32, x: usize, y: usize): void {
  windowPool(true, t0, t1, H, W, C, OH, OW, kh, kw, sh, sw, dh, dw, padTop, padLeft, x, y, 0);
}

export function avgpool_f32(t0: i32, t1: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  dh: i32, dw: i32, padTop: i32, padLeft: i32, x: usize, y: usize, counts: usize): void {
  windowPool(false, t0, t1, H, W, C, OH, OW, kh, kw, sh, sw, dh, dw, padTop, padLeft, x, y, counts);
}

/** y[n, c] = mean (isMax false) or max over s < S of x[n, s, c]. Streams x once; y rows stay in cache. */
export function globalpool_f32(N: i32, S: i32, C: i32, x: usize, y: usize, isMax: bool): void {
  const rowB = <usize>C << 2;
  const init: f32 = isMax ? -F32_MAX : 0;
  for (let n = 0; n < N; n++) {
    const yn = y + <usize>n * rowB;
    let xs = x + <usize>n * <usize>S * rowB;
    for (let c = 0; c < C; c++) store<f32>(yn + (<usize>c << 2), init);
    for (let s = 0; s < S; s++, xs += rowB) {
      let c = 0;
      if (ASC_FEATURE_SIMD) {
        for (; c + 4 <= C; c += 4) {
          const co = <usize>c << 2;
          const a = v128.load(yn + co), v = v128.load(xs + co);
          v128.store(yn + co, isMax ? f32x4.max(a, v) : f32x4.add(a, v));
        }
      }
      for (; c < C; c++) {
        const co = <usize>c << 2;
        const a = load<f32>(yn + co), v = load<f32>(xs + co);
        store<f32>(yn + co, isMax ? max<f32>(a, v) : a + v);
      }
    }
    if (!isMax) {
      const inv: f32 = <f32>1 / <f32>S;
      for (let c = 0; c < C; c++) {
        const co = <usize>c << 2;
        store<f32>(yn + co, load<f32>(yn + co) * inv);
      }
    }
  }
}
