// Weight storage types: the IEEE half-precision codec and dequantization of any Constant to f32, which
// every backend needs at load. Re-storing weights (quantize.ts) is for converters and lives apart, so
// the browser runtime does not carry it.
import type { Constant } from './ir.js';
import { ModelFormatError } from '../errors.js';

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

const F16_MAX = 65504;

/** f16 bits saturating at ±65504 (a large finite value must not become inf), into `out` (default: a new array). */
export function f32ToF16(values: ArrayLike<number>, out = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = f32ToF16Bits(Number.isFinite(v) ? Math.max(-F16_MAX, Math.min(F16_MAX, v)) : v);
  }
  return out;
}

