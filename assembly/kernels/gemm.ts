// gemm_f32: Y[M x N] = act(A[M x K] * B + bias [+ Y]) over B packed in 8-column panels (pack_b_f32 or
// the host's packer). A rows at stride lda, Y rows at stride ldy (elements); Y must not overlap A.
import { gemmTileRx8 } from '../ukernels/gemm_f32_4x8';
import { gemmRow1x8 } from '../ukernels/gemm_f32_1x8';
import { gemvTile1x8 } from '../ukernels/gemv_f32_1x8';
import { gemvTile1x32 } from '../ukernels/gemv_f32_1x32';
import { unary_f32 } from './unary';

/**
 * Tasks [t0, t1) of the product: G groups (A, the packed panels and Y of group g at a + g*sa, w + g*(the
 * group's panels), y + g*sy; sa, sy in elements), each of ceil(M/4) blocks of 4 rows by ceil(N/32) blocks
 * of 4 panels, group-major then row-major (gemm_tasks). Every output is computed by the same tile whichever
 * range holds it, so splitting the tasks between threads changes no bit of Y.
 */
export function gemm_f32(t0: i32, t1: i32, G: i32, M: i32, N: i32, K: i32, a: usize, lda: i32, sa: i32, w: usize,
  y: usize, ldy: i32, sy: i32, accumulate: bool, code: i32, p0: f32, p1: f32): void {
  const panels = (N + 7) >> 3, quads = (panels + 3) >> 2, full = N >> 3;
  const perGroup = ((M + 3) >> 2) * quads;
  const panelBytes = (<usize>(K + 1) << 5), groupBytes = <usize>panels * panelBytes;
  const ldaB = <usize>lda << 2, ldyB = <usize>ldy << 2;
  for (let t = t0; t < t1; t++) {
    const g = t / perGroup, r = t - g * perGroup;
    const m = (r / quads) << 2, pa = (r % quads) << 2, pb = min(pa + 4, panels);
    const mr = min(M - m, 4);
    const am = a + (<usize>g * <usize>sa << 2) + <usize>m * ldaB, ym = y + (<usize>g * <usize>sy << 2) + <usize>m * ldyB;
    const wg = w + <usize>g * groupBytes;
    if (ASC_FEATURE_SIMD) {
      const v0 = f32x4.splat(p0), v1 = f32x4.splat(p1);
      if (mr == 1) {
        // A lone row: 32 full columns per tile, the activation in one pass after (see gemv_f32_1x32.ts).
        const zero = f32x4.splat(0);
        if (pa + 4 <= full) {
          gemvTile1x32(K, am, wg + <usize>pa * panelBytes, panelBytes, ym + (<usize>pa << 5), accumulate);
        } else {
          for (let p = pa; p < pb; p++) {
            gemvTile1x8(min(N - (p << 3), 8), K, am, wg + <usize>p * panelBytes, ym + (<usize>p << 5), accumulate, 0, zero, zero);
          }
        }
        if (code != 0) unary_f32(ym + (<usize>pa << 5), ym + (<usize>pa << 5), min(N, pb << 3) - (pa << 3), code, p0, p1);
        continue;
      }
      for (let p = pa; p < pb; p++) {
        const nc = min(N - (p << 3), 8), wp = wg + <usize>p * panelBytes, yp = ym + (<usize>p << 5);
        if (mr == 4) gemmTileRx8(4, nc, K, am, ldaB, wp, yp, ldyB, accumulate, code, v0, v1);
        else if (mr == 3) gemmTileRx8(3, nc, K, am, ldaB, wp, yp, ldyB, accumulate, code, v0, v1);
        else gemmTileRx8(2, nc, K, am, ldaB, wp, yp, ldyB, accumulate, code, v0, v1);
      }
    } else {
      for (let i = 0; i < mr; i++) {
        const ai = am + <usize>i * ldaB, yi = ym + <usize>i * ldyB;
        for (let p = pa; p < pb; p++) {
          gemmRow1x8(min(N - (p << 3), 8), K, ai, wg + <usize>p * panelBytes, yi + (<usize>p << 5), accumulate, code, p0, p1);
        }
      }
    }
  }
}

/** The task count of gemm_f32 (the host computes the same in src/backends/wasm/pack.ts). */
// @ts-ignore: decorator
@inline export function gemm_tasks(G: i32, M: i32, N: i32): i32 {
  return G * ((M + 3) >> 2) * ((((N + 7) >> 3) + 3) >> 2);
}

/** Y = act(A * B + bias [+ Y]) whole, one group: the recurrent kernels' step products. */
export function gemm(M: i32, N: i32, K: i32, a: usize, lda: i32, w: usize, y: usize, ldy: i32,
  accumulate: bool, code: i32, p0: f32, p1: f32): void {
  gemm_f32(0, gemm_tasks(1, M, N), 1, M, N, K, a, lda, 0, w, y, ldy, 0, accumulate, code, p0, p1);
}

/**
 * Packs B'[k, n] = scale * b[k*sk + n*sn] (element strides) into 8-column panels, each 8 bias values
 * (bias[n*sbias], or 0 when bias is 0) then K rows of 8; columns past N are zero. w holds
 * ceil(N/8) * (K+1) * 8 floats. The host packs weights the same way at load (pack.ts).
 */
export function pack_b_f32(b: usize, sk: i32, sn: i32, K: i32, N: i32, scale: f32, bias: usize, sbias: i32, w: usize): void {
  const panels = (N + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    let o = w + <usize>p * (<usize>(K + 1) << 5);
    for (let j = 0; j < 8; j++) {
      const n = (p << 3) + j;
      store<f32>(o + (<usize>j << 2), n < N && bias != 0 ? load<f32>(bias + (<usize>(n * sbias) << 2)) : 0);
    }
    o += 32;
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < 8; j++) {
        const n = (p << 3) + j;
        store<f32>(o, n < N ? scale * load<f32>(b + (<usize>(k * sk + n * sn) << 2)) : 0);
        o += 4;
      }
    }
  }
}

/** y[c][r] = x[r][c] for an R x C matrix x; y must not overlap x. Blocked so both sides stay in cache. */
export function transpose2d_f32(x: usize, y: usize, R: i32, C: i32): void {
  const B = 16;
  for (let r0 = 0; r0 < R; r0 += B) {
    const r1 = min(r0 + B, R);
    for (let c0 = 0; c0 < C; c0 += B) {
      const c1 = min(c0 + B, C);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          store<f32>(y + (<usize>(c * R + r) << 2), load<f32>(x + (<usize>(r * C + c) << 2)));
        }
      }
    }
  }
}
