// Constant folding at import: shape plumbing (Shape, Gather, Unsqueeze, Concat, ...) and ops whose inputs
// are all constants. Shape of a runtime value folds too, its batch dim becoming NaN (symbolic); a folder
// whose arithmetic would need the batch's value throws BatchError instead of guessing.
import { ModelFormatError } from '../../errors.js';
import { roundHalfEven } from '../../ops/quant.js';
import { isVal, type ImportContext } from './context.js';
import { axesArg, constInts, legacyBroadcastPad, normAxis, reshapeArgs } from './common.js';
import { since } from './opsets.js';
import type { OnnxNode } from './proto.js';
import {
  allocLike, dtypeName, ElemType, floatConst, intConst, intValues, isFloatType, isIntType, makeConst, realValues, reshapeConst,
  sizeOfDims, transposeConst, type ConstTensor,
} from './tensor.js';

export type Folder = (cx: ImportContext, n: OnnxNode, ins: (ConstTensor | undefined)[]) => ConstTensor[];

/** Inputs as constants, or undefined when one of them is computed at run time. */
export function constantInputs(cx: ImportContext, n: OnnxNode): (ConstTensor | undefined)[] | undefined {
  const out: (ConstTensor | undefined)[] = [];
  for (const name of n.inputs) {
    if (name === '') { out.push(undefined); continue; }
    const v = cx.lookup(name);
    if (isVal(v)) return undefined;
    out.push(v);
  }
  return out;
}

function need(n: OnnxNode, c: ConstTensor | undefined, i: number): ConstTensor {
  if (!c) throw n.malformed(`input ${i} is missing`);
  return c;
}

function noBatch(cx: ImportContext, values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) throw cx.batchError(`${what} would need the batch size`);
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) { s[i] = acc; acc *= dims[i]; }
  return s;
}

/** Source dims of a runtime value's shape with NaN for the batch. */
export function shapeOf(cx: ImportContext, name: string): number[] {
  const v = cx.lookup(name);
  return isVal(v) ? cx.symbolicDims(v) : [...v.dims];
}

const foldShape: Folder = (cx, n) => {
  n.only('start', 'end');
  const dims = shapeOf(cx, n.input(0));
  const r = dims.length;
  const clampAxis = (a: number): number => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const start = clampAxis(since(n, 15) ? n.int('start', 0) : 0);
  const end = clampAxis(since(n, 15) && n.has('end') ? n.int('end') : r);
  const out = dims.slice(start, Math.max(start, end));
  return [intConst([out.length], out)];
};

const foldConstant: Folder = (_cx, n) => {
  n.only('value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'sparse_value', 'value_string', 'value_strings');
  if (n.has('value')) return [n.tensor('value')];
  if (n.has('value_float')) return [floatConst([], [n.float('value_float')])];
  if (n.has('value_floats')) { const v = n.floats('value_floats'); return [floatConst([v.length], v)]; }
  if (n.has('value_int')) return [intConst([], [n.int('value_int')])];
  if (n.has('value_ints')) { const v = n.ints('value_ints'); return [intConst([v.length], v)]; }
  if (n.has('sparse_value')) throw n.unsupported('sparse_value');
  if (n.has('value_string') || n.has('value_strings')) throw n.unsupported('string constants');
  throw n.malformed('Constant has no value attribute');
};

const foldIdentity: Folder = (_cx, n, ins) => [need(n, ins[0], 0)];

/** Cast-1's `to`: a TensorProto.DataType name ("FLOAT"). */
function typeNamed(n: OnnxNode, name: string): number {
  const code = (ElemType as Record<string, number>)[name.toUpperCase()];
  if (code === undefined) throw n.malformed(`Cast to ${JSON.stringify(name)}`, 'attribute "to"');
  return code;
}

const foldCast: Folder = (cx, n, ins) => {
  // round_mode (24) and saturate only change casts to float8, which are refused below.
  n.only('to', 'saturate', ...(since(n, 24) ? ['round_mode'] : []));
  const x = need(n, ins[0], 0);
  const to = since(n, 6) ? n.int('to') : typeNamed(n, n.string('to'));
  if (!isFloatType(to) && !isIntType(to)) throw n.unsupported(`Cast to ${dtypeName(to)}`);
  cx.reserve(x.dims, 4 + (isFloatType(to) ? 4 : to === ElemType.INT8 || to === ElemType.UINT8 ? 1 : 8));
  const v = realValues(x);
  if (isFloatType(to)) {
    noBatch(cx, v, 'Cast to float');
    return [makeConst(ElemType.FLOAT, x.dims, v)];
  }
  const conv = (a: number): number => (Number.isNaN(a) ? NaN : to === ElemType.BOOL ? (a !== 0 ? 1 : 0) : Math.trunc(a));
  if (to === ElemType.INT8 || to === ElemType.UINT8) {
    noBatch(cx, v, 'Cast to 8-bit');
    const data = to === ElemType.INT8 ? new Int8Array(v.length) : new Uint8Array(v.length);
    v.forEach((a, i) => { data[i] = conv(a); });
    return [makeConst(to, x.dims, data)];
  }
  return [makeConst(to, x.dims, Float64Array.from(v, conv))];
};

const foldGather: Folder = (cx, n, ins) => {
  n.only('axis');
  const data = need(n, ins[0], 0), idxT = need(n, ins[1], 1);
  const r = data.dims.length;
  const axis = normAxis(n, n.int('axis', 0), r);
  const idx = intValues(idxT);
  noBatch(cx, idx, 'Gather indices');
  const dimA = data.dims[axis];
  const inner = sizeOfDims(data.dims.slice(axis + 1)), outer = sizeOfDims(data.dims.slice(0, axis));
  const dims = [...data.dims.slice(0, axis), ...idxT.dims, ...data.dims.slice(axis + 1)];
  cx.reserve(dims, data.data.BYTES_PER_ELEMENT);
  const out = allocLike(data.data, outer * idx.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const i0 of idx) {
      const i = i0 < 0 ? i0 + dimA : i0;
      if (i < 0 || i >= dimA) throw n.malformed(`index ${i0} is out of range for dim ${dimA}`);
      for (let k = 0; k < inner; k++) out[o++] = data.data[(a * dimA + i) * inner + k];
    }
  }
  return [makeConst(data.dtype, dims, out, data.quant && data.quant.scales.length === 1 ? data.quant : undefined)];
};

function unsqueezeDims(n: OnnxNode, dims: readonly number[], axes: number[]): number[] {
  const r = dims.length + axes.length;
  const norm = axes.map((a) => normAxis(n, a, r, 'Unsqueeze axis'));
  if (new Set(norm).size !== norm.length) throw n.malformed(`repeated axes ${axes}`);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(norm.includes(i) ? 1 : dims[j++]);
  return out;
}

const foldUnsqueeze: Folder = (cx, n, ins) => {
  n.only('axes');
  const x = need(n, ins[0], 0);
  const axes = axesArg(cx, n, 1, 13);
  if (!axes) throw n.malformed('Unsqueeze needs axes');
  return [reshapeConst(x, unsqueezeDims(n, x.dims, axes))];
};

const foldSqueeze: Folder = (cx, n, ins) => {
  n.only('axes');
  const x = need(n, ins[0], 0);
  const axes = axesArg(cx, n, 1, 13);
  const r = x.dims.length;
  const drop = new Set(axes ? axes.map((a) => normAxis(n, a, r)) : x.dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0));
  for (const a of drop) if (x.dims[a] !== 1) throw n.malformed(`cannot squeeze axis ${a} of size ${x.dims[a]}`);
  return [reshapeConst(x, x.dims.filter((_, i) => !drop.has(i)))];
};

const foldConcat: Folder = (cx, n, ins) => {
  n.only('axis');
  const parts = ins.filter((c): c is ConstTensor => c !== undefined);
  if (parts.length === 0) throw n.malformed('Concat has no inputs');
  const r = parts[0].dims.length;
  const axis = normAxis(n, n.int('axis', since(n, 4) ? undefined : 1), r);
  for (const p of parts) {
    if (p.dims.length !== r || p.dims.some((d, i) => i !== axis && d !== parts[0].dims[i])) {
      throw n.malformed(`inputs [${parts.map((q) => `[${q.dims}]`).join(', ')}] do not match along axis ${axis}`);
    }
  }
  const outer = sizeOfDims(parts[0].dims.slice(0, axis)), inner = sizeOfDims(parts[0].dims.slice(axis + 1));
  const total = parts.reduce((s, p) => s + p.dims[axis], 0);
  const float = parts.some((p) => isFloatType(p.dtype) || p.quant);
  const dims = parts[0].dims.map((d, i) => (i === axis ? total : d));
  cx.reserve(dims, 8);
  const out = float ? new Float32Array(outer * total * inner) : new Float64Array(outer * total * inner);
  const vals = parts.map((p) => (float ? realValues(p) : p.data));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    parts.forEach((p, j) => {
      const run = p.dims[axis] * inner;
      for (let k = 0; k < run; k++) out[o++] = vals[j][a * run + k];
    });
  }
  return [makeConst(float ? ElemType.FLOAT : parts[0].dtype, dims, out)];
};

/** Target dims of a constant Reshape (ONNX 0 = copy, -1 = infer). */
function reshapeDims(n: OnnxNode, dims: readonly number[], target: number[], allowzero: boolean): number[] {
  const out = target.map((d, i) => (d === 0 && !allowzero ? dims[i] : d));
  const total = sizeOfDims(dims);
  const known = out.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const infer = out.indexOf(-1);
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) throw n.malformed(`cannot reshape [${dims}] to [${target}]`);
    out[infer] = total / known;
  }
  if (sizeOfDims(out) !== total || out.some((d) => d === undefined || d < 0)) throw n.malformed(`cannot reshape [${dims}] to [${target}]`);
  return out;
}

const foldReshape: Folder = (cx, n, ins) => {
  const x = need(n, ins[0], 0);
  const { target, allowzero } = reshapeArgs(cx, n, false);
  return [reshapeConst(x, reshapeDims(n, x.dims, target, allowzero))];
};

const foldFlatten: Folder = (_cx, n, ins) => {
  n.only('axis');
  const x = need(n, ins[0], 0);
  const r = x.dims.length;
  let a = n.int('axis', 1);
  if (a < 0) a += r;
  if (a < 0 || a > r) throw n.malformed(`axis ${n.int('axis', 1)} is out of range for rank ${r}`);
  return [reshapeConst(x, [sizeOfDims(x.dims.slice(0, a)), sizeOfDims(x.dims.slice(a))])];
};

const foldTranspose: Folder = (cx, n, ins) => {
  n.only('perm');
  const x = need(n, ins[0], 0);
  const r = x.dims.length;
  const perm = n.has('perm') ? n.ints('perm') : x.dims.map((_, i) => r - 1 - i);
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) throw n.malformed(`perm [${perm}] is not a permutation of rank ${r}`);
  cx.reserve(x.dims, x.data.BYTES_PER_ELEMENT);
  return [transposeConst(x, perm)];
};

const foldSlice: Folder = (cx, n, ins) => {
  const x = need(n, ins[0], 0);
  const r = x.dims.length;
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (!since(n, 10)) {
    n.only('starts', 'ends', 'axes');
    starts = n.ints('starts'); ends = n.ints('ends'); axes = n.has('axes') ? n.ints('axes') : undefined;
  } else {
    n.only();
    starts = constInts(cx, n, 1, 'starts'); ends = constInts(cx, n, 2, 'ends');
    axes = n.input(3) ? constInts(cx, n, 3, 'axes') : undefined;
    steps = n.input(4) ? constInts(cx, n, 4, 'steps') : undefined;
  }
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(n, a, r));
  if (starts.length !== ax.length || ends.length !== ax.length || (steps && steps.length !== ax.length)) throw n.malformed('starts, ends, axes and steps differ in length');
  const begin = new Array<number>(r).fill(0), step = new Array<number>(r).fill(1), count = [...x.dims];
  ax.forEach((a, i) => {
    const d = x.dims[a], s = steps ? steps[i] : 1;
    if (s === 0) throw n.malformed('slice step 0');
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    let b = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (s > 0) { b = clamp(b, 0, d); e = clamp(e, 0, d); count[a] = Math.max(0, Math.ceil((e - b) / s)); } else { b = clamp(b, 0, d - 1); e = clamp(e, -1, d - 1); count[a] = Math.max(0, Math.ceil((b - e) / -s)); }
    begin[a] = b; step[a] = s;
  });
  const st = strides(x.dims);
  cx.reserve(count, x.data.BYTES_PER_ELEMENT);
  const out = allocLike(x.data, sizeOfDims(count));
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let i = 0; i < r; i++) s += (begin[i] + idx[i] * step[i]) * st[i];
    out[o] = x.data[s];
    for (let i = r - 1; i >= 0; i--) { if (++idx[i] < count[i]) break; idx[i] = 0; }
  }
  return [makeConst(x.dtype, count, out, x.quant && x.quant.scales.length === 1 ? x.quant : undefined)];
};

/** numpy broadcasting of two constants. */
function broadcastConst(cx: ImportContext, n: OnnxNode, a: ConstTensor, b: ConstTensor, f: (x: number, y: number) => number, dtype: number): ConstTensor {
  const r = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]): number[] => [...new Array<number>(r - d.length).fill(1), ...d];
  const da = pad(a.dims), db = pad(b.dims);
  const dims = da.map((x, i) => {
    if (x !== db[i] && x !== 1 && db[i] !== 1) throw n.malformed(`cannot broadcast [${a.dims}] with [${b.dims}]`);
    return x === 1 ? db[i] : x;
  });
  const sa = strides(da).map((s, i) => (da[i] === 1 ? 0 : s)), sb = strides(db).map((s, i) => (db[i] === 1 ? 0 : s));
  cx.reserve(dims, isFloatType(dtype) ? 4 : 8);
  const va = a.quant ? realValues(a) : a.data, vb = b.quant ? realValues(b) : b.data;
  const out = isFloatType(dtype) ? new Float32Array(sizeOfDims(dims)) : new Float64Array(sizeOfDims(dims));
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let ia = 0, ib = 0;
    for (let i = 0; i < r; i++) { ia += idx[i] * sa[i]; ib += idx[i] * sb[i]; }
    out[o] = f(va[ia], vb[ib]);
    for (let i = r - 1; i >= 0; i--) { if (++idx[i] < dims[i]) break; idx[i] = 0; }
  }
  return makeConst(dtype, dims, out);
}

function arith(f: (x: number, y: number, int: boolean) => number): Folder {
  return (cx, n, ins) => {
    const a = need(n, ins[0], 0);
    let b = need(n, ins[1], 1);
    const pad = legacyBroadcastPad(n, a.dims.length, b.dims.length);
    if (pad > 0) b = reshapeConst(b, [...b.dims, ...new Array<number>(pad).fill(1)]);
    noBatch(cx, a.data, `${n.op} on a shape`);
    noBatch(cx, b.data, `${n.op} on a shape`);
    const float = isFloatType(a.dtype) || isFloatType(b.dtype) || a.quant !== undefined || b.quant !== undefined;
    const dtype = float ? ElemType.FLOAT : a.dtype;
    return [broadcastConst(cx, n, a, b, (x, y) => f(x, y, !float), dtype)];
  };
}

const foldConstantOfShape: Folder = (cx, n, ins) => {
  n.only('value');
  const shape = intValues(need(n, ins[0], 0));
  noBatch(cx, shape, 'ConstantOfShape');
  const value = n.has('value') ? n.tensor('value') : floatConst([1], [0]);
  if (value.data.length !== 1) throw n.malformed('ConstantOfShape value must have one element');
  cx.reserve(shape, value.data.BYTES_PER_ELEMENT);
  const out = allocLike(value.data, sizeOfDims(shape));
  out.fill(value.data[0]);
  return [makeConst(value.dtype, shape, out)];
};


/**
 * QuantizeLinear/DequantizeLinear attributes besides axis. From 23 QuantizeLinear's `precision` and
 * DequantizeLinear's `output_dtype` may ask for arithmetic or a result in another float type: float32 (or
 * the default, which is the scale's type) is what the importer computes, anything else is refused.
 */
export function quantAttrs(n: OnnxNode): void {
  const quantize = n.op === 'QuantizeLinear';
  const typed = since(n, 23) ? (quantize ? 'precision' : 'output_dtype') : undefined;
  n.only('axis', ...(quantize ? ['saturate'] : []), ...(typed ? [typed] : []));
  const t = typed ? n.int(typed, 0) : 0;
  if (t !== 0 && t !== ElemType.FLOAT) throw n.unsupported(`${typed} ${dtypeName(t)} at opset ${n.opset} (only float32 is computed here)`);
}

/** Per-axis scale/zero-point vectors of QuantizeLinear/DequantizeLinear, validated against x. */
export function quantParams(cx: ImportContext, n: OnnxNode, xDims: readonly number[]): { axis: number; scales: Float32Array; zeroPoints: Int32Array; zpType: number } {
  const scaleC = cx.constant(n.input(1));
  if (!scaleC) throw n.unsupported('the scale must be a constant');
  const zpC = n.input(2) ? cx.constant(n.input(2)) : undefined;
  if (n.input(2) && !zpC) throw n.unsupported('the zero point must be a constant');
  const scales = realValues(scaleC);
  const zeroPoints = zpC ? Int32Array.from(intValues(zpC)) : new Int32Array(scales.length);
  const zpType = zpC ? zpC.dtype : ElemType.UINT8;
  if (zeroPoints.length !== scales.length) throw n.malformed(`scale has ${scales.length} values, zero point ${zeroPoints.length}`);
  if (scales.some((s) => !(s > 0) || !Number.isFinite(s))) throw n.malformed('scales must be positive and finite');
  let axis = 0;
  if (scales.length > 1) {
    axis = normAxis(n, since(n, 13) ? n.int('axis', 1) : 1, xDims.length);
    if (xDims[axis] !== scales.length) throw n.malformed(`${scales.length} scales for axis ${axis} of size ${xDims[axis]}`);
  }
  return { axis, scales, zeroPoints, zpType };
}

const foldQuantizeLinear: Folder = (cx, n, ins) => {
  quantAttrs(n);
  const x = need(n, ins[0], 0);
  const { axis, scales, zeroPoints, zpType } = quantParams(cx, n, x.dims);
  if (zpType !== ElemType.INT8 && zpType !== ElemType.UINT8) throw n.unsupported(`quantization to ${zpType}`);
  const [lo, hi] = zpType === ElemType.INT8 ? [-128, 127] : [0, 255];
  cx.reserve(x.dims, 4 + 1);
  const v = realValues(x);
  const inner = sizeOfDims(x.dims.slice(axis + 1));
  const out = zpType === ElemType.INT8 ? new Int8Array(v.length) : new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = scales.length === 1 ? 0 : Math.floor(i / inner) % scales.length;
    out[i] = Math.min(hi, Math.max(lo, roundHalfEven(v[i] / scales[c]) + zeroPoints[c]));
  }
  return [makeConst(zpType, x.dims, out)];
};

const foldDequantizeLinear: Folder = (cx, n, ins) => {
  quantAttrs(n);
  const x = need(n, ins[0], 0);
  if (x.quant) throw n.malformed('input is already float');
  const { axis, scales, zeroPoints } = quantParams(cx, n, x.dims);
  if (x.data instanceof Int8Array || x.data instanceof Uint8Array) {
    return [makeConst(x.dtype, x.dims, x.data, { axis, scales, zeroPoints })];
  }
  if (x.dtype !== ElemType.INT32) throw n.unsupported(`dequantizing ${x.dtype}`);
  const inner = sizeOfDims(x.dims.slice(axis + 1));
  cx.reserve(x.dims, 4);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = scales.length === 1 ? 0 : Math.floor(i / inner) % scales.length;
    out[i] = (x.data[i] - zeroPoints[c]) * scales[c];
  }
  return [makeConst(ElemType.FLOAT, x.dims, out)];
};

/** Folders by op (default domain). Shape and Constant always fold; the others when every input is constant. */
export const FOLDERS: Readonly<Record<string, Folder>> = {
  Constant: foldConstant,
  Shape: foldShape,
  Identity: foldIdentity,
  Cast: foldCast,
  Gather: foldGather,
  Unsqueeze: foldUnsqueeze,
  Squeeze: foldSqueeze,
  Concat: foldConcat,
  Reshape: foldReshape,
  Flatten: foldFlatten,
  Transpose: foldTranspose,
  Slice: foldSlice,
  Add: arith((x, y) => x + y),
  Sub: arith((x, y) => x - y),
  Mul: arith((x, y) => x * y),
  Div: arith((x, y, int) => {
    if (int && y === 0) throw new ModelFormatError('integer division by zero', 'Div');
    return int ? Math.trunc(x / y) : x / y;
  }),
  ConstantOfShape: foldConstantOfShape,
  QuantizeLinear: foldQuantizeLinear,
  DequantizeLinear: foldDequantizeLinear,
};

/** Ops that fold even when an input is computed at run time (they read only its static shape). */
export const SHAPE_ONLY = new Set(['Shape', 'Constant']);
