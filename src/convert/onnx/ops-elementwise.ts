// Element-wise converters: activations, Clip (attributes before opset 11, inputs after), the broadcasting
// binaries (and their pre-7 broadcast/axis form), PRelu (per-channel slopes before 7), Softmax/LogSoftmax
// (the pre-13 "coerce to 2-D" form lowered with Flatten/Reshape). Outputs keep their input's layout;
// constant operands are re-laid out to match it.
import type { Attrs } from '../../graph/ir.js';
import { F32_MAX } from '../../ops/activation.js';
import { isVal, type ImportContext, type Val } from './context.js';
import { constScalar, legacyBroadcastPad, normAxis, outName, requireFloat, type Converter } from './common.js';
import { identityPerm, NHWC, samePerm, type Perm } from './layout.js';
import { legacyAttrs, since } from './opsets.js';
import type { OnnxNode } from './proto.js';
import { reshapeConst, type ConstTensor } from './tensor.js';

/** An operand of a broadcasting op: a runtime value, or a constant (with a cache key for its IR copy). */
export type Operand = Val | { readonly key: string; readonly c: ConstTensor };

export function operand(cx: ImportContext, name: string): Operand {
  const v = cx.lookup(name);
  return isVal(v) ? v : { key: name, c: v };
}

/**
 * Brings operands to one rank and one layout for numpy broadcasting: the layout of a full-rank runtime
 * operand (NHWC preferred), constants padded with leading 1s and transposed to it.
 */
export function broadcastOperands(cx: ImportContext, ops: readonly Operand[]): { irs: string[]; perm: Perm } {
  const rank = (o: Operand): number => (isVal(o) ? o.s1.length : o.c.dims.length);
  const r = Math.max(...ops.map(rank));
  const full = ops.filter((o): o is Val => isVal(o) && o.s1.length === r);
  const perm = full.find((v) => r === 4 && samePerm(v.perm, NHWC))?.perm ?? full[0]?.perm ?? identityPerm(r);
  const irs = ops.map((o) => {
    if (!isVal(o)) return cx.materialize(o.key, o.c, perm);
    if (o.s1.length === r) return cx.toLayout(o, perm).ir;
    // A lower-rank runtime operand: leading unit axes in its source order, then the common layout.
    const id = cx.toLayout(o, identityPerm(o.s1.length));
    const ones = new Array<number>(r - o.s1.length).fill(1);
    const up = cx.emitVal('Reshape', [id.ir], { shape: cx.reshapeTarget([...ones, ...id.s1], [...ones, ...id.s2]) },
      cx.fresh(`${o.ir}__rank${r}`), identityPerm(r), { dtype: o.dtype, quant: o.quant });
    return cx.toLayout(up, perm).ir;
  });
  return { irs, perm };
}

function floatOperand(cx: ImportContext, n: OnnxNode, i: number): Operand {
  const o = operand(cx, n.input(i));
  if (isVal(o)) requireFloat(n, o, `input ${i}`);
  return o;
}

function rankOf(o: Operand): number {
  return isVal(o) ? o.s1.length : o.c.dims.length;
}

/** `o` with `count` unit dims appended (source order), for the pre-7 broadcasts numpy would align differently. */
function trailingOnes(cx: ImportContext, o: Operand, count: number): Operand {
  if (count === 0) return o;
  const ones = new Array<number>(count).fill(1);
  if (!isVal(o)) return { key: `${o.key}|+${count}`, c: reshapeConst(o.c, [...o.c.dims, ...ones]) };
  const id = cx.toLayout(o, identityPerm(o.s1.length));
  return cx.emitVal('Reshape', [id.ir], { shape: cx.reshapeTarget([...id.s1, ...ones], [...id.s2, ...ones]) },
    cx.fresh(`${o.ir}__rank${o.s1.length + count}`), undefined, { dtype: o.dtype, quant: o.quant });
}

function unary(op: string, known: string[], attrs: (n: OnnxNode) => Attrs = () => ({})): Converter {
  return (cx, n) => {
    n.only(...known, ...legacyAttrs(n));
    const x = cx.runtime(n.input(0));
    requireFloat(n, x);
    cx.setVal(n.output(0), cx.emitVal(op, [x.ir], attrs(n), outName(cx, n, 0), x.perm));
  };
}

function clampF32(v: number): number {
  return Math.min(Math.max(v, -F32_MAX), F32_MAX);
}

const clip: Converter = (cx, n) => {
  let min = -F32_MAX, max = F32_MAX;
  if (!since(n, 11)) {
    n.only('min', 'max', ...legacyAttrs(n));
    min = clampF32(n.float('min', -F32_MAX));
    max = clampF32(n.float('max', F32_MAX));
  } else {
    n.only();
    if (n.input(1)) min = clampF32(constScalar(cx, n, 1, 'min'));
    if (n.input(2)) max = clampF32(constScalar(cx, n, 2, 'max'));
  }
  if (min > max) throw n.unsupported(`Clip with min ${min} > max ${max}`);
  const x = cx.runtime(n.input(0));
  requireFloat(n, x);
  cx.setVal(n.output(0), cx.emitVal('Clip', [x.ir], { min, max }, outName(cx, n, 0), x.perm));
};

function binary(op: string): Converter {
  return (cx, n) => {
    const a = floatOperand(cx, n, 0), b = floatOperand(cx, n, 1);
    const { irs, perm } = broadcastOperands(cx, [a, trailingOnes(cx, b, legacyBroadcastPad(n, rankOf(a), rankOf(b)))]);
    cx.setVal(n.output(0), cx.emitVal(op, irs, {}, outName(cx, n, 0), perm));
  };
}

/** Before opset 7 a slope of more than one value runs along the channels (axis 1), as in Caffe2's PRelu. */
const prelu: Converter = (cx, n) => {
  n.only(...legacyAttrs(n));
  const x = floatOperand(cx, n, 0), slope = floatOperand(cx, n, 1);
  const r = rankOf(x);
  const perChannel = !since(n, 7) && rankOf(slope) === 1 && r >= 3 && (isVal(slope) ? slope.s1[0] : slope.c.dims[0]) > 1;
  const { irs, perm } = broadcastOperands(cx, [x, trailingOnes(cx, slope, perChannel ? r - 2 : 0)]);
  cx.setVal(n.output(0), cx.emitVal('PRelu', irs, {}, outName(cx, n, 0), perm));
};

function softmax(op: 'Softmax' | 'LogSoftmax'): Converter {
  return (cx, n) => {
    n.only('axis');
    const x = cx.runtime(n.input(0));
    requireFloat(n, x);
    const r = x.s1.length;
    const out = outName(cx, n, 0);
    if (since(n, 13)) {
      const a = normAxis(n, n.int('axis', -1), r);
      cx.setVal(n.output(0), cx.emitVal(op, [x.ir], { axis: x.perm[a] }, out, x.perm));
      return;
    }
    // Before opset 13 the input is seen as 2-D [prod(d[:axis]), prod(d[axis:])]: one softmax over all
    // trailing source axes. Softmax over a set ignores order, so only the set of IR axes matters.
    const a = normAxis(n, n.int('axis', 1), r);
    let v = x;
    let group = x.perm.slice(a);
    if (group.length === 1) {
      cx.setVal(n.output(0), cx.emitVal(op, [x.ir], { axis: group[0] }, out, x.perm));
      return;
    }
    const suffix = [...group].sort((p, q) => p - q).every((g, i) => g === r - group.length + i);
    if (!suffix) {
      v = cx.toLayout(x, identityPerm(r));
      group = v.perm.slice(a);
    }
    const start = r - group.length;
    const flat = cx.emitVal('Flatten', [v.ir], { axis: start }, cx.fresh(`${out}__flat`), undefined);
    const sm = cx.emitVal(op, [flat.ir], { axis: -1 }, cx.fresh(`${out}__2d`), undefined);
    cx.setVal(n.output(0), cx.emitVal('Reshape', [sm.ir], { shape: cx.reshapeTarget(v.s1, v.s2) }, out, v.perm));
  };
}

const identity: Converter = (cx, n) => {
  n.only();
  const x = cx.runtime(n.input(0));
  cx.setVal(n.output(0), cx.emitVal('Identity', [x.ir], {}, outName(cx, n, 0), x.perm, { dtype: x.dtype, quant: x.quant }));
};

export const ELEMENTWISE_CONVERTERS: Readonly<Record<string, Converter>> = {
  Relu: unary('Relu', []),
  Sigmoid: unary('Sigmoid', []),
  Tanh: unary('Tanh', []),
  HardSwish: unary('HardSwish', []),
  LeakyRelu: unary('LeakyRelu', ['alpha'], (n) => ({ alpha: n.float('alpha', 0.01) })),
  HardSigmoid: unary('HardSigmoid', ['alpha', 'beta'], (n) => ({ alpha: n.float('alpha', 0.2), beta: n.float('beta', 0.5) })),
  Clip: clip,
  Add: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('Div'),
  PRelu: prelu,
  Softmax: softmax('Softmax'),
  LogSoftmax: softmax('LogSoftmax'),
  Identity: identity,
};
