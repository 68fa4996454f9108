// ONNX TensorProto decoding (raw_data little-endian, or the typed repeated fields) into ConstTensor,
// the importer's constant value, plus the few data manipulations constants need (transpose, dequantize).
// Integer tensors wider than 8 bits are held as Float64Array; NaN in one stands for the symbolic batch.
import { ModelFormatError } from '../../errors.js';
import { f16BitsToF32 } from '../../graph/constant.js';
import { MAX_CONST_ELEMENTS } from '../budget.js';
import { DataLocation, dataTypeName, DataType as DT, type TensorProto } from './schema.js';

export const ElemType = {
  FLOAT: DT.FLOAT, UINT8: DT.UINT8, INT8: DT.INT8, UINT16: DT.UINT16, INT16: DT.INT16, INT32: DT.INT32,
  INT64: DT.INT64, STRING: DT.STRING, BOOL: DT.BOOL, FLOAT16: DT.FLOAT16, DOUBLE: DT.DOUBLE,
  UINT32: DT.UINT32, UINT64: DT.UINT64, BFLOAT16: DT.BFLOAT16,
} as const;

export type ConstData = Float32Array | Int8Array | Uint8Array | Float64Array;

export interface ConstQuant {
  /** Axis of `dims` the scales run along (ignored when there is one scale). */
  readonly axis: number;
  readonly scales: Float32Array;
  readonly zeroPoints: Int32Array;
}

/** A tensor known at import time (initializer, Constant, or folded). */
export interface ConstTensor {
  /** ONNX element type (TensorProto.DataType). */
  readonly dtype: number;
  readonly dims: readonly number[];
  /** float types: Float32Array; int8: Int8Array; uint8: Uint8Array; other integers and bool: Float64Array. */
  readonly data: ConstData;
  /** When set, the ONNX value is the float tensor (data - zeroPoint) * scale: a DequantizeLinear of int8/uint8. */
  readonly quant?: ConstQuant;
}

export function isFloatType(dtype: number): boolean {
  return dtype === DT.FLOAT || dtype === DT.DOUBLE || dtype === DT.FLOAT16 || dtype === DT.BFLOAT16;
}

export function isIntType(dtype: number): boolean {
  return ([DT.UINT8, DT.INT8, DT.UINT16, DT.INT16, DT.INT32, DT.INT64, DT.BOOL, DT.UINT32, DT.UINT64] as number[]).includes(dtype);
}

export function dtypeName(dtype: number): string {
  return dataTypeName(dtype) ?? `type ${dtype}`;
}

export function sizeOfDims(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

const BYTES: Record<number, number> = {
  [DT.FLOAT]: 4, [DT.UINT8]: 1, [DT.INT8]: 1, [DT.UINT16]: 2, [DT.INT16]: 2, [DT.INT32]: 4, [DT.INT64]: 8,
  [DT.BOOL]: 1, [DT.FLOAT16]: 2, [DT.DOUBLE]: 8, [DT.UINT32]: 4, [DT.UINT64]: 8, [DT.BFLOAT16]: 2,
};

function bf16ToFloat(h: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, (h & 0xffff) << 16);
  return v.getFloat32(0);
}

function allocFor(dtype: number, n: number): ConstData {
  if (isFloatType(dtype)) return new Float32Array(n);
  if (dtype === DT.INT8) return new Int8Array(n);
  if (dtype === DT.UINT8) return new Uint8Array(n);
  return new Float64Array(n);
}

function fromRaw(raw: Uint8Array, dtype: number, n: number, where: string): ConstData {
  const width = BYTES[dtype];
  if (raw.byteLength !== n * width) {
    throw new ModelFormatError(`raw_data has ${raw.byteLength} bytes, ${dtypeName(dtype)} x ${n} needs ${n * width}`, where);
  }
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = allocFor(dtype, n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case DT.FLOAT: out[i] = v.getFloat32(i * 4, true); break;
      case DT.DOUBLE: out[i] = v.getFloat64(i * 8, true); break;
      case DT.FLOAT16: out[i] = f16BitsToF32(v.getUint16(i * 2, true)); break;
      case DT.BFLOAT16: out[i] = bf16ToFloat(v.getUint16(i * 2, true)); break;
      case DT.INT8: out[i] = v.getInt8(i); break;
      case DT.UINT8: case DT.BOOL: out[i] = v.getUint8(i); break;
      case DT.INT16: out[i] = v.getInt16(i * 2, true); break;
      case DT.UINT16: out[i] = v.getUint16(i * 2, true); break;
      case DT.INT32: out[i] = v.getInt32(i * 4, true); break;
      case DT.UINT32: out[i] = v.getUint32(i * 4, true); break;
      case DT.INT64: out[i] = Number(v.getBigInt64(i * 8, true)); break;
      case DT.UINT64: out[i] = Number(v.getBigUint64(i * 8, true)); break;
    }
  }
  return out;
}

function fromFields(t: TensorProto, dtype: number, n: number, where: string): ConstData {
  let src: ArrayLike<number>;
  let field: string;
  switch (dtype) {
    case DT.FLOAT: src = t.floatData; field = 'float_data'; break;
    case DT.DOUBLE: src = t.doubleData; field = 'double_data'; break;
    case DT.INT64: src = t.int64Data; field = 'int64_data'; break;
    case DT.UINT32: case DT.UINT64: src = t.uint64Data; field = 'uint64_data'; break;
    default: src = t.int32Data; field = 'int32_data';
  }
  if (src.length !== n) throw new ModelFormatError(`${field} has ${src.length} values, dims need ${n}`, where);
  const out = allocFor(dtype, n);
  for (let i = 0; i < n; i++) {
    const x = src[i];
    out[i] = dtype === DT.FLOAT16 ? f16BitsToF32(x) : dtype === DT.BFLOAT16 ? bf16ToFloat(x) : x;
  }
  if (dtype === DT.INT8 || dtype === DT.UINT8) {
    for (let i = 0; i < n; i++) {
      if (out[i] !== src[i]) throw new ModelFormatError(`value ${src[i]} at ${i} is out of range for ${dtypeName(dtype)}`, where);
    }
  }
  return out;
}

/** Decodes an initializer / Constant tensor; `where` is its field path for errors. */
export function decodeTensor(t: TensorProto, where: string): ConstTensor {
  const dtype = t.dataType;
  const dims = t.dims.map((v, i) => {
    if (!Number.isSafeInteger(v) || v < 0) throw new ModelFormatError(`invalid dimension ${v}`, `${where}.dims[${i}]`);
    return v;
  });
  if (t.dataLocation === DataLocation.EXTERNAL || t.externalData.length > 0) {
    throw new ModelFormatError('tensor data is stored in an external file; embed it in the model', where);
  }
  if (t.segment) throw new ModelFormatError('segmented tensors are not supported', where);
  if (dtype === DT.STRING) throw new ModelFormatError('string tensors are not supported', where);
  if (BYTES[dtype] === undefined) throw new ModelFormatError(`unknown or unsupported tensor data type ${dtypeName(dtype)}`, where);
  const n = sizeOfDims(dims);
  // Checked before anything is allocated; raw_data and the typed fields must then hold exactly n values,
  // so a decoded tensor is never larger than its bytes in the file (at most 2x: f16 -> f32, i32 -> f64).
  if (!Number.isSafeInteger(n) || n > MAX_CONST_ELEMENTS) {
    throw new ModelFormatError(`a tensor of shape [${dims}] has ${n} elements, over the limit of ${MAX_CONST_ELEMENTS}`, where);
  }
  const raw = t.rawData;
  const data = raw && raw.byteLength > 0 ? fromRaw(raw, dtype, n, `${where}.raw_data`) : fromFields(t, dtype, n, where);
  return { dtype, dims, data };
}

/** A new constant of the same element kind. */
export function makeConst(dtype: number, dims: readonly number[], data: ConstData, quant?: ConstQuant): ConstTensor {
  return quant ? { dtype, dims: [...dims], data, quant } : { dtype, dims: [...dims], data };
}

export function floatConst(dims: readonly number[], data: ArrayLike<number>): ConstTensor {
  return { dtype: DT.FLOAT, dims: [...dims], data: Float32Array.from(data) };
}

export function intConst(dims: readonly number[], data: ArrayLike<number>): ConstTensor {
  return { dtype: DT.INT64, dims: [...dims], data: Float64Array.from(data) };
}

/** The real values: dequantized when `quant` is set, integers converted. NaN stays NaN. */
export function realValues(c: ConstTensor): Float32Array {
  const out = new Float32Array(c.data.length);
  const q = c.quant;
  if (!q) {
    out.set(c.data);
    return out;
  }
  const inner = q.scales.length === 1 ? 1 : sizeOfDims(c.dims.slice(q.axis + 1));
  const nch = q.scales.length;
  for (let i = 0; i < out.length; i++) {
    const ch = nch === 1 ? 0 : Math.floor(i / inner) % nch;
    out[i] = (c.data[i] - q.zeroPoints[ch]) * q.scales[ch];
  }
  return out;
}

/** Integer view (e.g. of a shape tensor); NaN entries (the symbolic batch) are kept. */
export function intValues(c: ConstTensor): number[] {
  return Array.from(c.quant ? realValues(c) : c.data);
}

/** out.dims[i] = c.dims[perm[i]], data moved to match; a quantization axis follows its dim. */
export function transposeConst(c: ConstTensor, perm: readonly number[]): ConstTensor {
  const r = c.dims.length;
  if (perm.every((p, i) => p === i)) return c;
  const dims = perm.map((p) => c.dims[p]);
  const inStrides = new Array<number>(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) { inStrides[i] = acc; acc *= c.dims[i]; }
  const out = allocLike(c.data, c.data.length);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let i = 0; i < r; i++) s += idx[i] * inStrides[perm[i]];
    out[o] = c.data[s];
    for (let i = r - 1; i >= 0; i--) { if (++idx[i] < dims[i]) break; idx[i] = 0; }
  }
  const quant = c.quant && { ...c.quant, axis: c.quant.scales.length === 1 ? 0 : perm.indexOf(c.quant.axis) };
  return makeConst(c.dtype, dims, out, quant);
}

export function allocLike(data: ConstData, n: number): ConstData {
  if (data instanceof Float32Array) return new Float32Array(n);
  if (data instanceof Int8Array) return new Int8Array(n);
  if (data instanceof Uint8Array) return new Uint8Array(n);
  return new Float64Array(n);
}

/** Same data, new dims. A per-axis quantized constant becomes float: its axis has no meaning after a reshape. */
export function reshapeConst(c: ConstTensor, dims: readonly number[]): ConstTensor {
  if (c.quant && c.quant.scales.length > 1) return floatConst(dims, realValues(c));
  return makeConst(c.dtype, dims, c.data, c.quant);
}
