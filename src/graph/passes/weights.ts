// Rewrites of weight constants for the passes: read as f32, scale per channel, gather along an
// axis. Every function returns a new Constant; the input's data is never written.
import { sizeOf, type Shape } from '../../tensor.js';
import { dequantize } from '../constant.js';
import type { Constant, Graph, Quantization } from '../ir.js';

/** The constant's values as f32 (dequantized when stored as f16/i8/u8). Do not write into the result. */
export function constantValues(c: Constant): Float32Array {
  return c.dtype === 'f32' ? (c.data as Float32Array) : dequantize(c);
}

export function f32Constant(shape: Shape, data: Float32Array): Constant {
  return { shape: [...shape], dtype: 'f32', data };
}

/** The constant named `name`, or undefined when `name` is absent or not a constant. */
export function constantOf(graph: Graph, name: string | undefined): Constant | undefined {
  return name === undefined || name === '' ? undefined : graph.constants.get(name);
}

/** Elements between consecutive steps of `axis` (product of the dims after it). */
function innerSize(shape: Shape, axis: number): number {
  return sizeOf(shape.slice(axis + 1));
}

/** Per-slice scale and zero point along `axis` (expanding a per-tensor quantization), or undefined if quantized along another axis. */
function quantAlong(q: Quantization, axis: number, dim: number): { scales: Float32Array; zeroPoints?: Int32Array } | undefined {
  if (q.scales.length === 1) {
    return {
      scales: new Float32Array(dim).fill(q.scales[0]),
      zeroPoints: q.zeroPoints ? new Int32Array(dim).fill(q.zeroPoints[0]) : undefined,
    };
  }
  if (q.axis !== axis || q.scales.length !== dim) return undefined;
  return { scales: q.scales, zeroPoints: q.zeroPoints };
}

/**
 * w'[.., k, ..] = w[.., k, ..] * s[k] along `axis`. f32 is scaled directly; i8/u8 fold `s` into
 * the per-channel scales (only when every s[k] is positive, so scales stay positive and the
 * quantized values untouched). Returns undefined where neither applies: another quant axis, or f16,
 * where rounding the scaled weights to f16 again would move results beyond the fold tolerance.
 */
export function scaleAlongAxis(c: Constant, axis: number, s: ArrayLike<number>): Constant | undefined {
  const dim = c.shape[axis];
  if (dim !== s.length) throw new RangeError(`scale has ${s.length} values, axis ${axis} of [${c.shape}] has ${dim}`);
  if (c.dtype === 'f32') {
    const src = c.data as Float32Array, out = new Float32Array(src.length);
    const inner = innerSize(c.shape, axis);
    for (let i = 0; i < src.length; i++) out[i] = src[i] * s[Math.floor(i / inner) % dim];
    return f32Constant(c.shape, out);
  }
  if ((c.dtype === 'i8' || c.dtype === 'u8') && c.quant) {
    for (let k = 0; k < dim; k++) if (!(s[k] > 0) || !Number.isFinite(s[k])) return undefined;
    const q = quantAlong(c.quant, axis, dim);
    if (!q) return undefined;
    const scales = new Float32Array(dim);
    for (let k = 0; k < dim; k++) scales[k] = q.scales[k] * s[k];
    return { shape: [...c.shape], dtype: c.dtype, data: c.data, quant: { axis, scales, ...(q.zeroPoints ? { zeroPoints: q.zeroPoints } : {}) } };
  }
  return undefined;
}

/**
 * out[.., i, ..] = c[.., index[i], ..] along `axis`, in the constant's own storage (no dequantizing).
 * A quantization along the same axis has its scales and zero points gathered too.
 */
export function gatherAlongAxis(c: Constant, axis: number, index: ArrayLike<number>): Constant {
  const dim = c.shape[axis];
  if (index.length !== dim) throw new RangeError(`index has ${index.length} entries, axis ${axis} of [${c.shape}] has ${dim}`);
  const inner = innerSize(c.shape, axis);
  const outer = c.data.length / (inner * dim);
  const src = c.data;
  const out = new (src.constructor as new (n: number) => typeof src)(src.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < dim; i++) {
      const from = (o * dim + index[i]) * inner, to = (o * dim + i) * inner;
      out.set(src.subarray(from, from + inner), to);
    }
  }
  let quant = c.quant;
  if (quant && quant.scales.length > 1 && quant.axis === axis) {
    const zp = quant.zeroPoints;
    quant = {
      axis,
      scales: Float32Array.from(index, (k) => quant!.scales[k]),
      ...(zp ? { zeroPoints: Int32Array.from(index, (k) => zp[k]) } : {}),
    };
  }
  return { shape: [...c.shape], dtype: c.dtype, data: out, ...(quant ? { quant } : {}) };
}

/**
 * A per-channel vector of length n from a constant broadcast along the last axis of a rank-`rank`
 * tensor: shape [n], [1, .., 1, n] or a single value (any all-ones shape), rank <= `rank`.
 * Returns undefined for any other shape (e.g. one that varies along another axis).
 */
export function channelVector(c: Constant, n: number, rank: number): Float32Array | undefined {
  const shape = c.shape;
  if (shape.length > rank) return undefined;
  const v = constantValues(c);
  if (v.length === 1) return new Float32Array(n).fill(v[0]);
  if (shape.length === 0 || shape[shape.length - 1] !== n || v.length !== n) return undefined;
  return Float32Array.from(v);
}

/**
 * out = transpose(c, perm) (out.shape[i] = c.shape[perm[i]]) in the constant's own storage; a
 * per-axis quantization follows its axis to the new position.
 */
export function transposeConstant(c: Constant, perm: readonly number[]): Constant {
  const rank = c.shape.length;
  const outShape = perm.map((p) => c.shape[p]);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, acc = 1; i >= 0; i--) { inStrides[i] = acc; acc *= c.shape[i]; }
  const src = c.data;
  const out = new (src.constructor as new (n: number) => typeof src)(src.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let from = 0;
    for (let i = 0; i < rank; i++) from += idx[i] * inStrides[perm[i]];
    out[o] = src[from];
    for (let i = rank - 1; i >= 0; i--) { if (++idx[i] < outShape[i]) break; idx[i] = 0; }
  }
  const q = c.quant;
  const quant = q && q.scales.length > 1 ? { ...q, axis: perm.indexOf(q.axis) } : q;
  return { shape: outShape, dtype: c.dtype, data: out, ...(quant ? { quant } : {}) };
}
