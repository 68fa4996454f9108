// Weight storage types: the IEEE half-precision codec, dequantization of any Constant to f32, and
// quantizeWeights(), which re-stores the weight inputs of Conv/Gemm/MatMul/RNN/LSTM/GRU as f32, f16 or int8.
import type { Constant, Graph, Node } from './ir.js';
import { GraphError, InputError, ModelFormatError } from '../errors.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** x rounded to f32, then to the nearest half (ties to even); overflow gives ±inf, NaN a quiet NaN. */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 | (mant >>> 13) : sign | 0x7c00;
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: the value in units of 2^-24 is m * 2^(exp - 126) with the implicit bit restored.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const m = mant | 0x800000;
    let q = m >>> shift;
    const rem = m & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) === 1)) q++;
    return sign | q; // a carry into bit 10 correctly yields the smallest normal
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry may reach the exponent, up to inf: correct
  return sign | h;
}

/** Exact: every half is representable in f32 (NaN payloads are not kept by JS numbers). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

let F16_TABLE: Float32Array | undefined;

function f16Table(): Float32Array {
  if (!F16_TABLE) {
    F16_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) F16_TABLE[h] = f16BitsToF32(h);
  }
  return F16_TABLE;
}

/** Half bits to f32, into `out` (default: a new array of the same length). */
export function f16ToF32(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  const table = f16Table();
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/**
 * The constant's values as f32. For an f32 constant this is its own data (no copy): do not modify it.
 * Quantized: value = (q - zeroPoint) * scale, per tensor or per slice along quant.axis.
 */
export function dequantize(c: Constant): Float32Array {
  if (c.dtype === 'f32') return c.data as Float32Array;
  if (c.dtype === 'f16') return f16ToF32(c.data as Uint16Array);
  const q = c.quant;
  if (!q) throw new ModelFormatError(`${c.dtype} constant has no quantization parameters`, 'constant.quant');
  const src = c.data, out = new Float32Array(src.length);
  const channels = q.scales.length;
  let inner = 1;
  for (let d = q.axis + 1; d < c.shape.length; d++) inner *= c.shape[d];
  const axisDim = c.shape.length === 0 ? 1 : c.shape[q.axis];
  if (channels !== 1 && channels !== axisDim) {
    throw new ModelFormatError(`${channels} scales do not match shape [${c.shape}] along axis ${q.axis}`, 'constant.quant.scales');
  }
  // Index i lies in slice floor(i / inner) % axisDim; per-tensor is the single-slice case.
  const period = channels === 1 ? src.length : inner;
  for (let start = 0, ch = 0; start < src.length; start += period, ch = (ch + 1) % channels) {
    const s = q.scales[ch], z = q.zeroPoints ? q.zeroPoints[ch] : 0;
    const end = Math.min(start + period, src.length);
    for (let i = start; i < end; i++) out[i] = (src[i] - z) * s;
  }
  return out;
}

/** Which input positions of an op hold weights, and the axis of their output channels. */
function weightSlots(n: Node): { input: number; axis: (shape: readonly number[]) => number | undefined }[] {
  switch (n.op) {
    case 'Conv': return [{ input: 1, axis: () => 0 }];                           // OHWI
    case 'Gemm': return [{ input: 1, axis: () => (n.attrs.transB ? 0 : 1) }];   // B is [K,N], or [N,K] transposed
    case 'MatMul': return [{ input: 1, axis: (s) => (s.length >= 2 ? s.length - 1 : undefined) }]; // [..., K, N]
    case 'RNN': case 'LSTM': case 'GRU':                                          // W [D,G*H,I], R [D,G*H,H]
      return [{ input: 1, axis: () => 1 }, { input: 2, axis: () => 1 }];
    default: return [];
  }
}

/** Round half to even, as ONNX QuantizeLinear does. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Symmetric int8 along `axis` (per-tensor when undefined): scale = max|w| / 127, no zero point. */
function toInt8(values: Float32Array, shape: readonly number[], axis: number | undefined, name: string, node: string): Constant {
  let inner = 1;
  if (axis !== undefined) for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const channels = axis === undefined ? 1 : shape[axis];
  const period = axis === undefined ? values.length : inner;
  const maxAbs = new Float32Array(channels);
  for (let start = 0, ch = 0; start < values.length; start += period, ch = (ch + 1) % channels) {
    for (let i = start; i < start + period; i++) {
      const a = Math.abs(values[i]);
      if (!Number.isFinite(a)) throw new GraphError(`weight ${JSON.stringify(name)} holds ${values[i]} at element ${i}: cannot quantize to int8`, node);
      if (a > maxAbs[ch]) maxAbs[ch] = a;
    }
  }
  // An all-zero channel gets scale 1 (any positive scale reproduces the zeros).
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const data = new Int8Array(values.length);
  for (let start = 0, ch = 0; start < values.length; start += period, ch = (ch + 1) % channels) {
    const s = scales[ch];
    for (let i = start; i < start + period; i++) data[i] = Math.max(-127, Math.min(127, roundEven(values[i] / s)));
  }
  return { shape, dtype: 'i8', data, quant: { axis: axis ?? 0, scales } };
}

const F16_MAX = 65504;

/** f16 bits saturating at ±65504 (a large finite value must not become inf), into `out` (default: a new array). */
export function f32ToF16(values: ArrayLike<number>, out = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = f32ToF16Bits(Number.isFinite(v) ? Math.max(-F16_MAX, Math.min(F16_MAX, v)) : v);
  }
  return out;
}

function toF16(values: Float32Array, shape: readonly number[]): Constant {
  return { shape, dtype: 'f16', data: f32ToF16(values) };
}

/**
 * Returns a graph whose weight constants (input 1 of Conv/Gemm/MatMul, W and R of RNN/LSTM/GRU) are
 * stored as `weights`. Biases and every other constant, and constants that are already i8/u8, are left
 * as they are; so is a constant that some node also reads as a non-weight. int8 is symmetric with one
 * scale per output channel (Conv axis 0; Gemm/MatMul the N axis of B; recurrent weights the gate axis 1).
 * The input graph is not modified; the result shares its nodes, inputs, outputs, metadata and
 * unchanged constants (a new constants map holds the re-stored ones).
 */
export function quantizeWeights(graph: Graph, weights: 'f32' | 'f16' | 'int8'): Graph {
  if (weights !== 'f32' && weights !== 'f16' && weights !== 'int8') {
    throw new InputError(`unknown weight storage ${JSON.stringify(weights)}`, { expected: 'f32|f16|int8', received: String(weights) });
  }
  const weightUse = new Map<string, { node: Node; axis: number | undefined }>();
  const otherUse = new Set<string>();
  for (const n of graph.nodes) {
    const slots = weightSlots(n);
    n.inputs.forEach((name, i) => {
      const c = graph.constants.get(name);
      if (!c) return;
      const slot = slots.find((s) => s.input === i);
      if (!slot) {
        otherUse.add(name);
        return;
      }
      const a = slot.axis(c.shape);
      const axis = a !== undefined && a < c.shape.length ? a : undefined;
      const prior = weightUse.get(name);
      // Shared by nodes that disagree on the output axis: one scale for the whole tensor fits both.
      weightUse.set(name, { node: n, axis: prior && prior.axis !== axis ? undefined : axis });
    });
  }
  const constants = new Map(graph.constants);
  for (const [name, use] of weightUse) {
    const c = graph.constants.get(name)!;
    if (otherUse.has(name) || c.dtype === 'i8' || c.dtype === 'u8' || c.data.length === 0) continue;
    if (weights === 'f32') {
      if (c.dtype === 'f16') constants.set(name, { shape: c.shape, dtype: 'f32', data: dequantize(c) });
    } else if (weights === 'f16') {
      if (c.dtype === 'f32') constants.set(name, toF16(c.data as Float32Array, c.shape));
    } else {
      constants.set(name, toInt8(dequantize(c), c.shape, use.axis, name, use.node.name));
    }
  }
  return { ...graph, constants };
}
