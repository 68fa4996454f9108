// TFLite operators of sequence and attention models that map onto IR ops the runtime already has:
// TRANSPOSE, BATCH_MATMUL (MatMul, adj_x/adj_y as Transposes of the last two axes), EXPAND_DIMS and PACK
// (Reshapes, PACK's joined by a Concat), SPLIT, SPLIT_V and UNPACK (Split, UNPACK's parts Reshaped),
// LOG_SOFTMAX and PRELU. None of them computes outside its inputs' range except BATCH_MATMUL, PRELU
// and LOG_SOFTMAX, so a quantized output only gets a grid clamp where finish() finds one is needed.
// Operators that need an IR op we do not have yet are named in NEEDS_IR_OP, so their refusal says so.
import type { Shape } from '../../tensor.js';
import { shapeToString } from '../../tensor.js';
import { sizeOf, type Context, type Val } from './context.js';
import { constInput, finish, options, reshapeTo, type Converter } from './finish.js';
import { Activation, batchMatMulOptions, Op, Options, packOptions, splitCount, unpackOptions } from './schema.js';

/** An axis of a rank-r tensor (negative counts from the end), checked. */
function axisOf(cx: Context, axis: number, r: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -r || axis >= r) throw cx.malformed(`${what} ${axis} for rank ${r}`);
  return axis < 0 ? axis + r : axis;
}

/** The single integer of a constant input (an axis), as a scalar or a one-element vector. */
function scalarInput(cx: Context, k: number, what: string): number {
  const v = cx.ints(constInput(cx, k, what), what);
  if (v.length !== 1) throw cx.malformed(`${what} has ${v.length} values, expected one`);
  return v[0];
}

/** Defines output k as `part` (an IR value of x's range), clamped to the output's grid where needed. */
function defineFrom(cx: Context, k: number, x: Val, part: string, shape: Shape): void {
  finish(cx, cx.output(k), [x.lo, x.hi], Activation.NONE, 'plain', undefined, { kind: 'val', ir: part, shape, lo: x.lo, hi: x.hi });
}

const transpose: Converter = (cx) => {
  options(cx, Options.Transpose);
  const x = cx.val(cx.input(0));
  const r = x.shape.length;
  const perm = cx.ints(constInput(cx, 1, 'perm'), 'perm');
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) throw cx.malformed(`perm [${perm}] is not a permutation of ${r} axes`);
  finish(cx, cx.output(0), [x.lo, x.hi], Activation.NONE, 'plain', (name) => cx.emit('Transpose', [x.ir], { perm }, [name])[0]);
};

/** x with its last two axes swapped (a fresh IR value). */
function swapLast(cx: Context, x: Val): string {
  const r = x.shape.length;
  const perm = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
  const out = cx.fresh(`${x.ir}__adj`);
  cx.emit('Transpose', [x.ir], { perm }, [out]);
  return out;
}

const batchMatMul: Converter = (cx) => {
  const { adjX, adjY } = batchMatMulOptions(options(cx, Options.BatchMatMul));
  const a = cx.val(cx.input(0)), b = cx.val(cx.input(1));
  if (a.shape.length < 2 || b.shape.length < 2) throw cx.malformed(`inputs ${shapeToString(a.shape)} and ${shapeToString(b.shape)} must have rank 2 or more`);
  const ai = adjX ? swapLast(cx, a) : a.ir, bi = adjY ? swapLast(cx, b) : b.ir;
  finish(cx, cx.output(0), [-Infinity, Infinity], Activation.NONE, 'host',
    (name, activation) => cx.emit('MatMul', [ai, bi], activation ? { activation } : {}, [name])[0]);
};

const expandDims: Converter = (cx) => {
  options(cx, Options.ExpandDims);
  const x = cx.val(cx.input(0));
  const r = x.shape.length;
  const axis = axisOf(cx, scalarInput(cx, 1, 'axis'), r + 1);
  reshapeTo(cx, x, [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)]);
};

/** Emits a Split of x along `axis` into parts of `sizes`; returns the parts' IR names and shapes. */
function emitSplit(cx: Context, x: Val, axis: number, sizes: readonly number[]): { names: string[]; shapes: Shape[] } {
  const names = sizes.map((_, k) => cx.fresh(`${x.ir}__part${k}`));
  const shapes = cx.emit('Split', [x.ir], { axis, split: [...sizes] }, names);
  return { names, shapes };
}

function checkOutputs(cx: Context, count: number): void {
  if (cx.op!.outputs.length !== count) throw cx.malformed(`${count} parts, but the operator has ${cx.op!.outputs.length} outputs`);
}

const split: Converter = (cx) => {
  const count = splitCount(options(cx, Options.Split));
  // SPLIT takes the axis first, then the tensor.
  const x = cx.val(cx.input(1));
  const axis = axisOf(cx, scalarInput(cx, 0, 'axis'), x.shape.length);
  const dim = x.shape[axis];
  if (!(count >= 1) || dim % count !== 0) throw cx.malformed(`cannot split ${dim} into ${count} equal parts`);
  checkOutputs(cx, count);
  const { names, shapes } = emitSplit(cx, x, axis, new Array<number>(count).fill(dim / count));
  names.forEach((n, k) => defineFrom(cx, k, x, n, shapes[k]));
};

const splitV: Converter = (cx) => {
  const count = splitCount(options(cx, Options.SplitV));
  const x = cx.val(cx.input(0));
  const axis = axisOf(cx, scalarInput(cx, 2, 'axis'), x.shape.length);
  const sizes = cx.ints(constInput(cx, 1, 'size_splits'), 'size_splits');
  const dim = x.shape[axis];
  // One size may be -1: what the others leave.
  const free = sizes.filter((s) => s === -1).length;
  const known = sizes.reduce((s, d) => (d === -1 ? s : s + d), 0);
  if (free > 1 || sizes.some((s) => s < -1) || (free === 0 ? known !== dim : known > dim)) throw cx.malformed(`size_splits [${sizes}] for a dim of ${dim}`);
  if (count !== 0 && count !== sizes.length) throw cx.malformed(`num_splits ${count} with ${sizes.length} sizes`);
  checkOutputs(cx, sizes.length);
  const { names, shapes } = emitSplit(cx, x, axis, sizes.map((s) => (s === -1 ? dim - known : s)));
  names.forEach((n, k) => defineFrom(cx, k, x, n, shapes[k]));
};

const unpack: Converter = (cx) => {
  const o = unpackOptions(options(cx, Options.Unpack));
  const x = cx.val(cx.input(0));
  const axis = axisOf(cx, o.axis, x.shape.length);
  const dim = x.shape[axis];
  if (o.count !== 0 && o.count !== dim) throw cx.malformed(`num ${o.count} for a dim of ${dim}`);
  checkOutputs(cx, dim);
  const { names, shapes } = emitSplit(cx, x, axis, new Array<number>(dim).fill(1));
  names.forEach((n, k) => {
    const target = shapes[k].filter((_, i) => i !== axis);
    const out = cx.fresh(`${n}__unpacked`);
    const [shape] = cx.emit('Reshape', [n], { shape: cx.reshapeTarget(target) }, [out]);
    defineFrom(cx, k, x, out, shape);
  });
};

const pack: Converter = (cx) => {
  const o = packOptions(options(cx, Options.Pack));
  const n = cx.op!.inputs.length;
  if (n === 0 || (o.count !== 0 && o.count !== n)) throw cx.malformed(`values_count ${o.count} with ${n} inputs`);
  const xs = Array.from({ length: n }, (_, k) => cx.val(cx.input(k)));
  const shape = xs[0].shape;
  if (xs.some((x) => shapeToString(x.shape) !== shapeToString(shape))) throw cx.malformed(`inputs of different shapes: ${xs.map((x) => shapeToString(x.shape)).join(', ')}`);
  const axis = axisOf(cx, o.axis, shape.length + 1);
  const lifted = [...shape.slice(0, axis), 1, ...shape.slice(axis)];
  const parts = xs.map((x) => {
    const out = cx.fresh(`${x.ir}__lifted`);
    cx.emit('Reshape', [x.ir], { shape: cx.reshapeTarget(lifted) }, [out]);
    return out;
  });
  const lo = Math.min(...xs.map((x) => x.lo)), hi = Math.max(...xs.map((x) => x.hi));
  finish(cx, cx.output(0), [lo, hi], Activation.NONE, 'plain', (name) => cx.emit('Concat', parts, { axis }, [name])[0]);
};

const logSoftmax: Converter = (cx) => {
  options(cx, Options.LogSoftmax);
  const x = cx.val(cx.input(0));
  if (sizeOf(x.shape) === 0) throw cx.malformed('an empty input');
  finish(cx, cx.output(0), [-Infinity, 0], Activation.NONE, 'plain', (name) => cx.emit('LogSoftmax', [x.ir], { axis: -1 }, [name])[0]);
};

const prelu: Converter = (cx) => {
  const x = cx.val(cx.input(0)), alpha = cx.val(cx.input(1));
  finish(cx, cx.output(0), [-Infinity, Infinity], Activation.NONE, 'plain', (name) => cx.emit('PRelu', [x.ir, alpha.ir], {}, [name])[0]);
};

export const TENSOR_CONVERTERS: readonly (readonly [number, Converter])[] = [
  [Op.TRANSPOSE, transpose],
  [Op.BATCH_MATMUL, batchMatMul],
  [Op.EXPAND_DIMS, expandDims],
  [Op.SPLIT, split],
  [Op.SPLIT_V, splitV],
  [Op.UNPACK, unpack],
  [Op.PACK, pack],
  [Op.LOG_SOFTMAX, logSoftmax],
  [Op.PRELU, prelu],
];

/** Builtin operators refused because the IR has no op for them yet, with what they would need. */
export const NEEDS_IR_OP: ReadonlyMap<string, string> = new Map([
  ['RESIZE_BILINEAR', 'a Resize op (bilinear)'],
  ['GATHER_ND', 'a Gather op'],
]);
