// Converters for the layer ops: Conv (weights OIHW -> OHWI), the pools, BatchNormalization (channel
// last; per-activation parameters before opset 9 as a Mul and an Add), Gemm and MatMul. Image inputs are brought to NHWC. 1-D windows on [N, C, L] run as the 2-D ops
// on a unit height: the data is held channels-last ([N, L, C] in the IR), so [N, 1, L, C] and back are
// Reshapes of the same bytes, and a chain of 1-D layers needs no Transpose between them.
import type { Attrs } from '../../graph/ir.js';
import { isVal, type ImportContext, type Val } from './context.js';
import { outName, refuseUsedOutputs, requireConst, requireFloat, type Converter } from './common.js';
import { broadcastOperands } from './ops-elementwise.js';
import { legacyAttrs, since } from './opsets.js';
import { channelsLast, identityPerm, NHWC, type Perm } from './layout.js';
import type { OnnxNode } from './proto.js';
import { floatConst, realValues, reshapeConst } from './tensor.js';

const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];
/** Layout of a [N, C, L] value held as [N, L, C]. */
const NLC: Perm = channelsLast(3);

/**
 * kernel/strides/pads/dilations/autoPad of a window op over `spatial` (1 or 2) axes, in the IR's 2-D form:
 * ONNX pads [begin..., end...] are [t, l, b, r] in 2-D; a 1-D window is the width of a unit-height one.
 */
export function windowAttrs(n: OnnxNode, kernel: number[] | undefined, spatial: 1 | 2 = 2): Attrs {
  const k = n.has('kernel_shape') ? n.ints('kernel_shape') : kernel;
  if (!k) throw n.malformed('kernel_shape is required');
  if (k.length !== spatial) {
    if (k.length > 2) throw n.unsupported(`${k.length}-D window (only 1-D and 2-D)`);
    throw n.malformed(`a ${k.length}-D kernel_shape on a ${spatial}-D input`, 'attribute "kernel_shape"');
  }
  const autoPad = n.string('auto_pad', 'NOTSET');
  if (!AUTO_PADS.includes(autoPad)) throw n.malformed(`auto_pad ${JSON.stringify(autoPad)}`);
  const ones = new Array<number>(spatial).fill(1);
  const strides = n.ints('strides', ones);
  const dilations = n.ints('dilations', ones);
  const pads = n.ints('pads', [...ones, ...ones].fill(0));
  if (strides.length !== spatial) throw n.malformed(`strides [${strides}] for a ${spatial}-D window`, 'attribute "strides"');
  if (dilations.length !== spatial) throw n.malformed(`dilations [${dilations}] for a ${spatial}-D window`, 'attribute "dilations"');
  if (pads.length !== 2 * spatial) throw n.malformed(`pads [${pads}] for a ${spatial}-D window`, 'attribute "pads"');
  // With auto_pad the explicit pads are ignored (onnxruntime does the same).
  const p = autoPad === 'NOTSET' ? pads : [...ones, ...ones].fill(0);
  if (spatial === 1) return { kernel: [1, k[0]], strides: [1, strides[0]], dilations: [1, dilations[0]], pads: [0, p[0], 0, p[1]], autoPad };
  return { kernel: k, strides, dilations, pads: p, autoPad };
}

/** [N, C, L] (layout NLC) as [N, C, 1, L] in NHWC: the same bytes, a Reshape. */
function unitHeight(cx: ImportContext, v: Val): Val {
  const up = (s: readonly number[]): number[] => [s[0], 1, s[1], s[2]];
  return cx.emitVal('Reshape', [v.ir], { shape: cx.reshapeTarget(up(v.s1), up(v.s2)) }, cx.fresh(`${v.ir}__2d`), NHWC, { dtype: v.dtype, quant: v.quant });
}

/** The 2-D result [N, C, 1, L] (NHWC) of a 1-D window op as [N, C, L] (layout NLC), written to `out`. */
function dropHeight(cx: ImportContext, y: Val, out: string): Val {
  const down = (s: readonly number[]): number[] => [s[0], s[2], s[3]];
  return cx.emitVal('Reshape', [y.ir], { shape: cx.reshapeTarget(down(y.s1), down(y.s2)) }, out, NLC, { dtype: y.dtype, quant: y.quant });
}

/** An image input in NHWC: [N, C, H, W], or [N, C, L] on a unit height (spatial 1). */
export function imageInput(cx: ImportContext, n: OnnxNode, i: number): { x: Val; spatial: 1 | 2 } {
  const x = cx.runtime(n.input(i));
  const r = x.s1.length;
  if (r === 4) return { x: cx.toLayout(x, NHWC), spatial: 2 };
  if (r === 3) return { x: unitHeight(cx, cx.toLayout(x, NLC)), spatial: 1 };
  throw n.unsupported(`input of rank ${r} (only 1-D and 2-D: [N, C, L] or [N, C, H, W])`);
}

/** Emits a window op on the NHWC input and defines output 0 in the input's rank. */
function emitWindow(cx: ImportContext, n: OnnxNode, op: string, inputs: string[], attrs: Attrs, spatial: 1 | 2, extra: { dtype?: number; quant?: Val['quant'] } = {}): void {
  const out = outName(cx, n, 0);
  if (spatial === 2) {
    cx.setVal(n.output(0), cx.emitVal(op, inputs, attrs, out, NHWC, extra));
    return;
  }
  const y = cx.emitVal(op, inputs, attrs, cx.fresh(`${out}__2d`), NHWC, extra);
  cx.setVal(n.output(0), dropHeight(cx, y, out));
}

/** A weight input: constants materialized (int8 kept with its quantization), runtime values re-laid out. */
export function weightInput(cx: ImportContext, n: OnnxNode, i: number, perm?: readonly number[]): string {
  const name = n.input(i);
  const v = cx.lookup(name);
  if (isVal(v)) return (perm ? cx.toLayout(v, perm) : cx.toLayout(v, identityPerm(v.s1.length))).ir;
  return cx.materialize(name, v, perm, true);
}

/** 1-D convolution weights [O, I, K] as 2-D ones [O, I, 1, K], in OHWI. */
function weight1d(cx: ImportContext, n: OnnxNode, i: number): string {
  const name = n.input(i);
  const v = cx.lookup(name);
  if (isVal(v)) return unitHeight(cx, cx.toLayout(v, NLC)).ir;
  const [o, c, k] = v.dims;
  return cx.materialize(`${name}|1d`, reshapeConst(v, [o, c, 1, k]), NHWC, true);
}

function rankOf(cx: ImportContext, name: string): number {
  const v = cx.lookup(name);
  return isVal(v) ? v.s1.length : v.dims.length;
}

const conv: Converter = (cx, n) => {
  n.only('auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides');
  const { x, spatial } = imageInput(cx, n, 0);
  requireFloat(n, x);
  const wr = rankOf(cx, n.input(1));
  if (wr !== spatial + 2) throw n.malformed(`weights of rank ${wr} for a ${spatial}-D convolution`);
  const w = spatial === 1 ? weight1d(cx, n, 1) : weightInput(cx, n, 1, NHWC);
  const b = n.input(2) ? weightInput(cx, n, 2) : '';
  const wShape = cx.irShape(w)![0];
  const kernel = spatial === 1 ? [wShape[2]] : [wShape[1], wShape[2]];
  const attrs = { ...windowAttrs(n, kernel, spatial), group: n.int('group', 1) };
  emitWindow(cx, n, 'Conv', b ? [x.ir, w, b] : [x.ir, w], attrs, spatial);
};

function pool(op: 'MaxPool' | 'AveragePool'): Converter {
  return (cx, n) => {
    // The attributes of the node's version: storage_order from 8, ceil_mode and dilations from 10 (MaxPool);
    // count_include_pad from 7, ceil_mode from 10, dilations from 19 (AveragePool).
    const known = ['auto_pad', 'kernel_shape', 'pads', 'strides'];
    if (op === 'MaxPool') {
      if (since(n, 8)) known.push('storage_order');
      if (since(n, 10)) known.push('ceil_mode', 'dilations');
      refuseUsedOutputs(cx, n, 1, 'Indices');
    } else {
      if (since(n, 7)) known.push('count_include_pad');
      if (since(n, 10)) known.push('ceil_mode');
      if (since(n, 19)) known.push('dilations');
    }
    n.only(...known);
    const { x, spatial } = imageInput(cx, n, 0);
    // max commutes with the positive affine map of a quantized value; an average of integers rounds.
    if (op === 'AveragePool' || !x.quant) requireFloat(n, x);
    const attrs: Attrs = {
      ...windowAttrs(n, undefined, spatial),
      ceilMode: n.int('ceil_mode', 0) === 1,
      ...(op === 'AveragePool' ? { countIncludePad: n.int('count_include_pad', 0) === 1 } : {}),
    };
    emitWindow(cx, n, op, [x.ir], attrs, spatial, { dtype: x.dtype, quant: x.quant });
  };
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): Converter {
  return (cx, n) => {
    n.only();
    const x = cx.runtime(n.input(0));
    if (op === 'GlobalAveragePool' || !x.quant) requireFloat(n, x);
    const r = x.s1.length;
    if (r === 3 || r === 4) {
      const { x: v, spatial } = imageInput(cx, n, 0);
      emitWindow(cx, n, op, [v.ir], {}, spatial, { dtype: x.dtype, quant: x.quant });
      return;
    }
    if (op === 'GlobalMaxPool' || r < 3) throw n.unsupported(`rank-${r} input`);
    // 3-D spatial and beyond: a mean over the spatial source axes.
    const axes = Array.from({ length: r - 2 }, (_, i) => x.perm[i + 2]).sort((a, b) => a - b);
    cx.setVal(n.output(0), cx.emitVal('ReduceMean', [x.ir], { axes, keepdims: true }, outName(cx, n, 0), x.perm));
  };
}

const batchNorm: Converter = (cx, n) => {
  // is_test until 7, spatial until 9, training_mode from 14. is_test=0 (its default) asks for batch statistics,
  // but an importer for inference reads it as ONNX's own version converter does (it drops the attribute, 6 -> 7).
  const known = ['epsilon', 'momentum', ...legacyAttrs(n)];
  if (!since(n, 7)) known.push('is_test');
  if (!since(n, 9)) known.push('spatial');
  if (since(n, 14)) known.push('training_mode');
  n.only(...known);
  if (n.int('training_mode', 0) !== 0) throw n.unsupported('training_mode=1');
  refuseUsedOutputs(cx, n, 1, 'training statistics');
  const x0 = cx.runtime(n.input(0));
  requireFloat(n, x0);
  const r = x0.s1.length;
  if (r < 2) throw n.malformed(`input of rank ${r}`);
  if (n.int('spatial', 1) === 0) {
    perActivationNorm(cx, n, x0);
    return;
  }
  const x = cx.toLayout(x0, channelsLast(r));
  const params = [1, 2, 3, 4].map((i) => {
    if (rankOf(cx, n.input(i)) !== 1) throw n.malformed(`input ${i} must be 1-D`);
    return weightInput(cx, n, i);
  });
  cx.setVal(n.output(0), cx.emitVal('BatchNormalization', [x.ir, ...params], { epsilon: n.float('epsilon', 1e-5) }, outName(cx, n, 0), x.perm));
};

/**
 * BatchNormalization with spatial=0 (before opset 9): scale, B, mean and var are [C, D1, ...], one value
 * per activation. As constants they fold into y = x * a + b, numpy-broadcast over the batch.
 */
function perActivationNorm(cx: ImportContext, n: OnnxNode, x: Val): void {
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => requireConst(cx, n, i, ['scale', 'B', 'mean', 'var'][i - 1]));
  const dims = cx.sourceDims(x)[0].slice(1);
  for (const p of [scale, bias, mean, variance]) {
    if (p.dims.join() !== dims.join()) throw n.malformed(`spatial=0 parameters of shape [${p.dims}] for an input of shape [N,${dims}]`);
  }
  const eps = n.float('epsilon', 1e-5);
  const [s, b, m, v] = [scale, bias, mean, variance].map(realValues);
  const a = s.map((si, i) => si / Math.sqrt(v[i] + eps));
  const shift = b.map((bi, i) => bi - m[i] * a[i]);
  const out = outName(cx, n, 0);
  const mul = broadcastOperands(cx, [x, { key: `${out}__scale`, c: floatConst(dims, a) }]);
  const y = cx.emitVal('Mul', mul.irs, {}, cx.fresh(`${out}__scaled`), mul.perm);
  const add = broadcastOperands(cx, [y, { key: `${out}__shift`, c: floatConst(dims, shift) }]);
  cx.setVal(n.output(0), cx.emitVal('Add', add.irs, {}, out, add.perm));
}

const gemm: Converter = (cx, n) => {
  // broadcast until 7: C broadcast, or else exactly [M, N]; the unidirectional broadcast of 7 covers both.
  n.only('alpha', 'beta', 'transA', 'transB', ...(since(n, 7) ? [] : ['broadcast']));
  const a = cx.runtime(n.input(0));
  requireFloat(n, a, 'input A');
  if (a.s1.length !== 2) throw n.malformed(`input A must be 2-D, got rank ${a.s1.length}`);
  const av = cx.toLayout(a, identityPerm(2));
  const b = weightInput(cx, n, 1);
  const c = n.input(2) ? weightInput(cx, n, 2) : '';
  const attrs = { transA: n.int('transA', 0) === 1, transB: n.int('transB', 0) === 1, alpha: n.float('alpha', 1), beta: n.float('beta', 1) };
  cx.setVal(n.output(0), cx.emitVal('Gemm', c ? [av.ir, b, c] : [av.ir, b], attrs, outName(cx, n, 0), undefined));
};

const matmul: Converter = (cx, n) => {
  n.only();
  const ins = [0, 1].map((i) => {
    const v = cx.lookup(n.input(i));
    if (isVal(v)) requireFloat(n, v, `input ${i}`);
    return weightInput(cx, n, i);
  });
  cx.setVal(n.output(0), cx.emitVal('MatMul', ins, {}, outName(cx, n, 0), undefined));
};

export const NN_CONVERTERS: Readonly<Record<string, Converter>> = {
  Conv: conv,
  MaxPool: pool('MaxPool'),
  AveragePool: pool('AveragePool'),
  GlobalAveragePool: globalPool('GlobalAveragePool'),
  GlobalMaxPool: globalPool('GlobalMaxPool'),
  BatchNormalization: batchNorm,
  Gemm: gemm,
  MatMul: matmul,
};
