// MaxPool, AveragePool (ONNX, 2-D) and the global pools on NHWC. Padding never enters a max; AveragePool
// divides by the taps inside the input, or with countIncludePad by those inside input + explicit pads.
// poolGeometry is the only place a pool's output size and padding are computed.
import { shapeToString, type Shape, type Tensor } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { F32_MAX } from './activation.js';
import { boolAttr, defineOp, EXACT, expectRank, OpError, REDUCTION } from './op.js';
import { axisGeometry, parseWindowAttrs, positiveDims, type WindowAttrs } from './window.js';

export interface PoolAttrs extends WindowAttrs {
  readonly kernel: readonly [number, number];
  readonly ceilMode: boolean;
  /** AveragePool only; always false for MaxPool. */
  readonly countIncludePad: boolean;
}

export interface PoolGeometry {
  readonly N: number; readonly H: number; readonly W: number; readonly C: number;
  readonly OH: number; readonly OW: number;
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly dh: number; readonly dw: number;
  readonly padTop: number; readonly padLeft: number; readonly padBottom: number; readonly padRight: number;
}

function parsePoolAttrs(raw: Attrs, average: boolean): PoolAttrs {
  const w = parseWindowAttrs(raw, true);
  return {
    ...w,
    kernel: w.kernel!,
    ceilMode: boolAttr(raw, 'ceilMode', false),
    countIncludePad: average ? boolAttr(raw, 'countIncludePad', false) : false,
  };
}

export function poolGeometry(xShape: Shape, attrs: PoolAttrs): PoolGeometry {
  const [N, H, W, C] = expectRank(xShape, 4, 'input x (NHWC)');
  positiveDims(xShape, 'input x');
  const { kernel: [kh, kw], strides: [sh, sw], dilations: [dh, dw], pads, autoPad, ceilMode } = attrs;
  const y = axisGeometry('height', H, kh, sh, dh, pads[0], pads[2], autoPad, ceilMode);
  const x = axisGeometry('width', W, kw, sw, dw, pads[1], pads[3], autoPad, ceilMode);
  return {
    N, H, W, C, OH: y.out, OW: x.out, kh, kw, sh, sw, dh, dw,
    padTop: y.padBegin, padLeft: x.padBegin, padBottom: y.padEnd, padRight: x.padEnd,
  };
}

function poolShape([x]: readonly (Shape | undefined)[], attrs: PoolAttrs): Shape[] {
  if (!x) throw new OpError('input x is missing');
  const g = poolGeometry(x, attrs);
  return [[g.N, g.OH, g.OW, g.C]];
}

function poolMacs([x]: readonly (Shape | undefined)[], [y]: readonly Shape[], attrs: PoolAttrs): number {
  return x ? y[0] * y[1] * y[2] * y[3] * attrs.kernel[0] * attrs.kernel[1] : 0;
}

/**
 * Walks every pooling window of x in output order, folding the taps inside the input with `step`
 * from `init`; `finish(acc, oh, ow)` gives the output value. The one window loop of both pools.
 */
function poolWindows(x: Tensor, y: Tensor, g: PoolGeometry, init: number, step: (acc: number, v: number) => number,
  finish: (acc: number, oh: number, ow: number) => number): void {
  const X = x.data, Y = y.data, { N, H, W, C, OH, OW, kh, kw, sh, sw, dh, dw, padTop, padLeft } = g;
  let yi = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const iy0 = oh * sh - padTop;
      for (let ow = 0; ow < OW; ow++) {
        const ix0 = ow * sw - padLeft;
        for (let c = 0; c < C; c++) {
          let acc = init;
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= W) continue;
              acc = step(acc, X[((n * H + iy) * W + ix) * C + c]);
            }
          }
          Y[yi++] = finish(acc, oh, ow);
        }
      }
    }
  }
}

export const MaxPool = defineOp<PoolAttrs>({
  name: 'MaxPool',
  parseAttrs: (raw) => parsePoolAttrs(raw, false),
  inferShape: poolShape,
  // A window with no tap inside the input (pads >= kernel, or dilation) yields -F32_MAX, as onnxruntime's max does.
  reference: ([x], attrs, [y]) => {
    poolWindows(x!, y, poolGeometry(x!.shape, attrs), -F32_MAX, (m, v) => (v > m || Number.isNaN(v) ? v : m), (m) => m);
  },
  tolerance: EXACT,
  macs: poolMacs,
});

/** Taps of one window that fall inside [lo, hi) along one axis. */
function tapsInside(start: number, k: number, d: number, lo: number, hi: number): number {
  let n = 0;
  for (let i = 0; i < k; i++) { const p = start + i * d; if (p >= lo && p < hi) n++; }
  return n;
}

/**
 * AveragePool's divisor of window (oh, ow) is rows[oh] * cols[ow]: the taps inside the input, or with
 * countIncludePad inside input + explicit (or auto) padding, never the overhang ceilMode adds.
 */
export function averagePoolCounts(g: PoolGeometry, countIncludePad: boolean): { rows: Int32Array; cols: Int32Array } {
  const rows = new Int32Array(g.OH), cols = new Int32Array(g.OW);
  for (let oh = 0; oh < g.OH; oh++) {
    const iy0 = oh * g.sh - g.padTop;
    rows[oh] = countIncludePad ? tapsInside(iy0, g.kh, g.dh, -g.padTop, g.H + g.padBottom) : tapsInside(iy0, g.kh, g.dh, 0, g.H);
  }
  for (let ow = 0; ow < g.OW; ow++) {
    const ix0 = ow * g.sw - g.padLeft;
    cols[ow] = countIncludePad ? tapsInside(ix0, g.kw, g.dw, -g.padLeft, g.W + g.padRight) : tapsInside(ix0, g.kw, g.dw, 0, g.W);
  }
  return { rows, cols };
}

export const AveragePool = defineOp<PoolAttrs>({
  name: 'AveragePool',
  parseAttrs: (raw) => parsePoolAttrs(raw, true),
  inferShape: poolShape,
  // With countIncludePad the divisor counts explicit (or auto) padding but not the overhang ceilMode adds.
  // A window with no counted tap (pads >= kernel, or dilation) yields 0.
  reference: ([x], attrs, [y]) => {
    const g = poolGeometry(x!.shape, attrs);
    const { rows, cols } = averagePoolCounts(g, attrs.countIncludePad);
    poolWindows(x!, y, g, 0, (s, v) => s + v, (s, oh, ow) => {
      const count = rows[oh] * cols[ow];
      return count > 0 ? s / count : 0;
    });
  },
  tolerance: REDUCTION,
  macs: poolMacs,
});

/** Global pools take [N, ...spatial, C] (rank >= 3) and keep the rank: [N, 1, ..., 1, C]. */
function globalShape([x]: readonly (Shape | undefined)[]): Shape[] {
  if (!x) throw new OpError('input x is missing');
  if (x.length < 3) throw new OpError(`input x must be [N, ...spatial, C] with rank >= 3, got ${shapeToString(x)}`);
  positiveDims(x, 'input x');
  return [x.map((d, i) => (i === 0 || i === x.length - 1 ? d : 1))];
}

function globalMacs([x]: readonly (Shape | undefined)[]): number {
  return x ? x.reduce((a, b) => a * b, 1) : 0;
}

export interface GlobalPoolGeometry {
  /** x seen as [N, S, C]: S = the product of the spatial dims. */
  readonly N: number; readonly S: number; readonly C: number;
}

/** The reduction of GlobalAveragePool / GlobalMaxPool over x [N, ...spatial, C], for every backend. */
export function globalPoolGeometry(x: Shape): GlobalPoolGeometry {
  const N = x[0], C = x[x.length - 1];
  return { N, S: x.slice(1, -1).reduce((p, d) => p * d, 1), C };
}

function globalPool(x: { shape: Shape; data: Float32Array }, y: Float32Array, max: boolean): void {
  const { N, S, C } = globalPoolGeometry(x.shape);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      let acc = max ? -F32_MAX : 0;
      for (let s = 0; s < S; s++) {
        const v = x.data[(n * S + s) * C + c];
        if (max) { if (v > acc || Number.isNaN(v)) acc = v; } else acc += v;
      }
      y[n * C + c] = max ? acc : acc / S;
    }
  }
}

export const GlobalAveragePool = defineOp<Record<string, never>>({
  name: 'GlobalAveragePool',
  parseAttrs: () => ({}),
  inferShape: globalShape,
  reference: ([x], _attrs, [y]) => globalPool(x!, y.data, false),
  tolerance: REDUCTION,
  macs: globalMacs,
});

export const GlobalMaxPool = defineOp<Record<string, never>>({
  name: 'GlobalMaxPool',
  parseAttrs: () => ({}),
  inferShape: globalShape,
  reference: ([x], _attrs, [y]) => globalPool(x!, y.data, true),
  tolerance: EXACT,
  macs: globalMacs,
});
