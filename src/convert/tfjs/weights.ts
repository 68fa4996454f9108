// Decodes a TF.js weights manifest over the concatenated shard bytes into named f32 arrays.
// Entries lie back to back in manifest order; tfjs-converter's affine-quantized weights
// (uint8/uint16: q * scale + min) and float16 weights are dequantized here.
import type { Shape } from '../../tensor.js';
import { sizeOf } from '../../tensor.js';
import { MAX_CONST_ELEMENTS } from '../budget.js';
import { child, describe, expectArray, expectObject, expectString, formatError, type Json } from './json.js';

export interface Weight {
  readonly name: string;
  readonly shape: Shape;
  readonly data: Float32Array;
  /** JSON path of the manifest entry, for errors about this weight. */
  readonly where: string;
}

interface Spec {
  readonly name: string;
  readonly shape: number[];
  readonly bytes: number;
  readonly decode: (view: DataView, offset: number, out: Float32Array) => void;
  readonly where: string;
}

type Decoder = (view: DataView, offset: number, out: Float32Array) => void;

function elementwise(size: number, read: (view: DataView, at: number) => number): { size: number; decode: Decoder } {
  return {
    size,
    decode: (view, offset, out) => {
      for (let i = 0; i < out.length; i++) out[i] = read(view, offset + i * size);
    },
  };
}

/** IEEE 754 half bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// Plain (unquantized) dtypes tfjs writes; a runtime tensor is f32, so ints and bools become floats.
const PLAIN: Readonly<Record<string, { size: number; decode: Decoder }>> = {
  float32: elementwise(4, (v, at) => v.getFloat32(at, true)),
  int32: elementwise(4, (v, at) => v.getInt32(at, true)),
  bool: elementwise(1, (v, at) => (v.getUint8(at) ? 1 : 0)),
};

function quantizedDecoder(q: Json, where: string): { size: number; decode: Decoder } {
  const obj = expectObject(q, where);
  const dtype = expectString(obj.dtype, child(where, 'dtype'));
  if (dtype === 'float16') return elementwise(2, (v, at) => halfToFloat(v.getUint16(at, true)));
  if (dtype !== 'uint8' && dtype !== 'uint16') {
    formatError(`unknown quantization dtype ${describe(dtype)} (expected uint8, uint16 or float16)`, child(where, 'dtype'));
  }
  const num = (key: string): number => {
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) formatError(`expected a finite number, got ${describe(v)}`, child(where, key));
    return v;
  };
  const scale = num('scale'), min = num('min');
  return dtype === 'uint8'
    ? elementwise(1, (v, at) => v.getUint8(at) * scale + min)
    : elementwise(2, (v, at) => v.getUint16(at, true) * scale + min);
}

function parseSpec(raw: Json, where: string): Spec {
  const obj = expectObject(raw, where);
  const name = expectString(obj.name, child(where, 'name'));
  const shapeRaw = expectArray(obj.shape, child(where, 'shape'));
  if (shapeRaw.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
    formatError(`expected a list of non-negative integers, got ${describe(shapeRaw)}`, child(where, 'shape'));
  }
  const shape = shapeRaw as number[];
  // Before any decoding: the manifest must also describe exactly the bytes given (decodeWeights), so
  // every weight is at most 4x (uint8 -> f32) its bytes in the shards.
  const n = sizeOf(shape);
  if (!Number.isSafeInteger(n) || n > MAX_CONST_ELEMENTS) {
    formatError(`a weight of shape [${shape}] has ${n} elements, over the limit of ${MAX_CONST_ELEMENTS}`, child(where, 'shape'));
  }
  const dtype = expectString(obj.dtype ?? 'float32', child(where, 'dtype'));
  let codec: { size: number; decode: Decoder };
  if (obj.quantization !== undefined && obj.quantization !== null) {
    if (dtype !== 'float32' && dtype !== 'int32') formatError(`quantized weight of dtype ${describe(dtype)}`, child(where, 'dtype'));
    codec = quantizedDecoder(obj.quantization, child(where, 'quantization'));
  } else {
    const plain = PLAIN[dtype];
    if (!plain) formatError(`unknown or unsupported weight dtype ${describe(dtype)} (expected float32, int32 or bool)`, child(where, 'dtype'));
    codec = plain;
  }
  return { name, shape, bytes: sizeOf(shape) * codec.size, decode: codec.decode, where };
}

/**
 * The manifest's entries, in order: `weightsManifest` groups (model.json) or a flat `weightSpecs`
 * list (tfjs in-memory artifacts).
 */
function specsOf(modelJson: { [key: string]: Json }): Spec[] {
  if (modelJson.weightsManifest !== undefined) {
    const groups = expectArray(modelJson.weightsManifest, 'weightsManifest');
    return groups.flatMap((g, gi) => {
      const where = child('weightsManifest', gi);
      const group = expectObject(g, where);
      const list = expectArray(group.weights, child(where, 'weights'));
      return list.map((w, wi) => parseSpec(w, child(child(where, 'weights'), wi)));
    });
  }
  if (modelJson.weightSpecs !== undefined) {
    const list = expectArray(modelJson.weightSpecs, 'weightSpecs');
    return list.map((w, i) => parseSpec(w, child('weightSpecs', i)));
  }
  return [];
}

export function decodeWeights(modelJson: { [key: string]: Json }, weightData: Uint8Array): Map<string, Weight> {
  const specs = specsOf(modelJson);
  const total = specs.reduce((a, s) => a + s.bytes, 0);
  if (total !== weightData.byteLength) {
    formatError(`the manifest describes ${total} bytes of weights but ${weightData.byteLength} were given`, 'weightData');
  }
  const view = new DataView(weightData.buffer, weightData.byteOffset, weightData.byteLength);
  const weights = new Map<string, Weight>();
  let offset = 0;
  for (const s of specs) {
    if (weights.has(s.name)) formatError(`duplicate weight name ${describe(s.name)}`, child(s.where, 'name'));
    const data = new Float32Array(sizeOf(s.shape));
    s.decode(view, offset, data);
    offset += s.bytes;
    weights.set(s.name, { name: s.name, shape: s.shape, data, where: s.where });
  }
  return weights;
}
