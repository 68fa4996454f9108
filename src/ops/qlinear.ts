// Quantized MatMul, Add and GlobalAveragePool over integer tensors (quant.ts): inputs on their grids (attributes
// a, b, x), results requantized onto grid y with onnxruntime's rounding (MLAS requantization, qladd.cpp).
import type { Shape } from '../tensor.js';
import { broadcastShape, forEachBroadcast } from './broadcast.js';
import { matmulDims } from './matmul.js';
import { defineOp, EXACT, OpError } from './op.js';
import { globalPoolGeometry } from './pool.js';
import { checkChannelParams, parseQuantParams, requantize, requantScale, saturate, type QuantParams } from './quant.js';

export interface QLinearMatMulAttrs { readonly a: QuantParams; readonly y: QuantParams }

/**
 * Y = A·B with A [.., M, K] on grid a and B [K, N] integers with bScale, bZeroPoint [1] or [N] (per column).
 * B is 2-D: the importer's weights, or a runtime matrix (per-tensor).
 */
export const QLinearMatMul = defineOp<QLinearMatMulAttrs>({
  name: 'QLinearMatMul',
  parseAttrs: (raw) => ({ a: parseQuantParams(raw, 'a'), y: parseQuantParams(raw, 'y') }),
  inferShape: ([a, b, bs, bz]) => {
    if (b && b.length !== 2) throw new OpError(`B must be 2-D [K, N], got [${b}]`);
    const d = matmulDims(a, b);
    checkChannelParams(bs, bz, d.N, 'B');
    return [d.out];
  },
  reference: ([a, b, bs, bz], attrs, [y]) => {
    const { K, N } = matmulDims(a!.shape, b!.shape);
    const A = a!.data, B = b!.data, S = bs!.data, Z = bz!.data, Y = y.data, az = attrs.a.zeroPoint;
    const rows = A.length / K;
    for (let m = 0; m < rows; m++) {
      for (let n = 0; n < N; n++) {
        const c = S.length === 1 ? 0 : n;
        let acc = 0;
        for (let k = 0; k < K; k++) acc += (A[m * K + k] - az) * (B[k * N + n] - Z[c]);
        Y[m * N + n] = requantize(acc, requantScale(attrs.a.scale, S[c], attrs.y.scale), attrs.y);
      }
    }
  },
  tolerance: EXACT,
  macs: ([a, b]) => (a && b ? a.reduce((p, d) => p * d, 1) * b[1] : 0),
});

export interface QLinearAddAttrs { readonly a: QuantParams; readonly b: QuantParams; readonly y: QuantParams }

/** C = saturate(round((sa(a - za) + sb(b - zb)) / sc) + zc), numpy broadcasting. */
export const QLinearAdd = defineOp<QLinearAddAttrs>({
  name: 'QLinearAdd',
  parseAttrs: (raw) => ({ a: parseQuantParams(raw, 'a'), b: parseQuantParams(raw, 'b'), y: parseQuantParams(raw, 'y') }),
  inferShape: ([a, b]) => {
    if (!a) throw new OpError('input A is missing');
    if (!b) throw new OpError('input B is missing');
    return [broadcastShape(a, b)];
  },
  reference: ([a, b], { a: qa, b: qb, y: qy }, [y]) => {
    const A = a!.data, B = b!.data, Y = y.data, f = Math.fround;
    forEachBroadcast(a!.shape, b!.shape, y.shape, (o, ia, ib) => {
      const sum = f(f(qa.scale * (A[ia] - qa.zeroPoint)) + f(qb.scale * (B[ib] - qb.zeroPoint)));
      Y[o] = saturate(f(sum / qy.scale), qy);
    });
  },
  tolerance: EXACT,
});

export interface QLinearGlobalAveragePoolAttrs { readonly x: QuantParams; readonly y: QuantParams }

/** The mean over the spatial dims of x [N, ...spatial, C]: Σ(x - xz) requantized by xScale / (yScale · S). */
export const QLinearGlobalAveragePool = defineOp<QLinearGlobalAveragePoolAttrs>({
  name: 'QLinearGlobalAveragePool',
  parseAttrs: (raw) => ({ x: parseQuantParams(raw, 'x'), y: parseQuantParams(raw, 'y') }),
  inferShape: ([x]) => {
    if (!x) throw new OpError('input x is missing');
    if (x.length < 3) throw new OpError(`input x must be [N, ...spatial, C], got [${x}]`);
    return [x.map((d, i) => (i === 0 || i === x.length - 1 ? d : 1)) as Shape];
  },
  reference: ([x], attrs, [y]) => {
    const { N, S, C } = globalPoolGeometry(x!.shape);
    const X = x!.data, Y = y.data;
    const scale = qpoolScale(attrs, S);
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        let acc = -attrs.x.zeroPoint * S;
        for (let s = 0; s < S; s++) acc += X[(n * S + s) * C + c];
        Y[n * C + c] = requantize(acc, scale, attrs.y);
      }
    }
  },
  tolerance: EXACT,
  macs: ([x]) => (x ? x.reduce((p, d) => p * d, 1) : 0),
});

/** onnxruntime's factor for the pooled sum: xScale / (yScale · S), in f32. */
export function qpoolScale(attrs: QLinearGlobalAveragePoolAttrs, S: number): number {
  return Math.fround(attrs.x.scale / Math.fround(attrs.y.scale * S));
}
