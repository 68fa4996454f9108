// Converters for the layer ops: Conv (weights OIHW -> OHWI), the pools, BatchNormalization (channel
// last), Gemm and MatMul. Image inputs are brought to NHWC; 2-D window ops only.
import type { Attrs } from '../../graph/ir.js';
import { isVal, type ImportContext, type Val } from './context.js';
import { outName, refuseUsedOutputs, requireFloat, type Converter } from './common.js';
import { channelsLast, identityPerm, NHWC } from './layout.js';
import type { OnnxNode } from './proto.js';

const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

/** kernel/strides/pads/dilations/autoPad of a 2-D window op in IR form (ONNX pad order is already [t, l, b, r]). */
export function windowAttrs(n: OnnxNode, kernel: number[] | undefined): Attrs {
  const k = n.has('kernel_shape') ? n.ints('kernel_shape') : kernel;
  if (!k) throw n.malformed('kernel_shape is required');
  if (k.length !== 2) throw n.unsupported(`${k.length}-D window (only 2-D)`);
  const autoPad = n.string('auto_pad', 'NOTSET');
  if (!AUTO_PADS.includes(autoPad)) throw n.malformed(`auto_pad ${JSON.stringify(autoPad)}`);
  const strides = n.ints('strides', [1, 1]);
  const dilations = n.ints('dilations', [1, 1]);
  const pads = n.ints('pads', [0, 0, 0, 0]);
  if (strides.length !== 2) throw n.malformed(`strides [${strides}] for a 2-D window`, 'attribute "strides"');
  if (dilations.length !== 2) throw n.malformed(`dilations [${dilations}] for a 2-D window`, 'attribute "dilations"');
  if (pads.length !== 4) throw n.malformed(`pads [${pads}] for a 2-D window`, 'attribute "pads"');
  // With auto_pad the explicit pads are ignored (onnxruntime does the same).
  return { kernel: k, strides, dilations, pads: autoPad === 'NOTSET' ? pads : [0, 0, 0, 0], autoPad };
}

/** An image input in NHWC. */
export function imageInput(cx: ImportContext, n: OnnxNode, i: number): Val {
  const x = cx.runtime(n.input(i));
  if (x.s1.length !== 4) throw n.unsupported(`input of rank ${x.s1.length} (only 2-D images, NCHW)`);
  return cx.toLayout(x, NHWC);
}

/** A weight input: constants materialized (int8 kept with its quantization), runtime values re-laid out. */
export function weightInput(cx: ImportContext, n: OnnxNode, i: number, perm?: readonly number[]): string {
  const name = n.input(i);
  const v = cx.lookup(name);
  if (isVal(v)) return (perm ? cx.toLayout(v, perm) : cx.toLayout(v, identityPerm(v.s1.length))).ir;
  return cx.materialize(name, v, perm, true);
}

function rankOf(cx: ImportContext, name: string): number {
  const v = cx.lookup(name);
  return isVal(v) ? v.s1.length : v.dims.length;
}

const conv: Converter = (cx, n) => {
  n.only('auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides');
  if (rankOf(cx, n.input(1)) !== 4) throw n.unsupported(`weights of rank ${rankOf(cx, n.input(1))} (only 2-D convolution)`);
  const x = imageInput(cx, n, 0);
  requireFloat(n, x);
  const w = weightInput(cx, n, 1, NHWC);
  const b = n.input(2) ? weightInput(cx, n, 2) : '';
  const wShape = cx.irShape(w)![0];
  const attrs = { ...windowAttrs(n, [wShape[1], wShape[2]]), group: n.int('group', 1) };
  cx.setVal(n.output(0), cx.emitVal('Conv', b ? [x.ir, w, b] : [x.ir, w], attrs, outName(cx, n, 0), NHWC));
};

function pool(op: 'MaxPool' | 'AveragePool'): Converter {
  return (cx, n) => {
    if (op === 'MaxPool') {
      n.only('auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides');
      refuseUsedOutputs(cx, n, 1, 'Indices');
    } else {
      n.only('auto_pad', 'ceil_mode', 'count_include_pad', 'dilations', 'kernel_shape', 'pads', 'strides');
    }
    const x = imageInput(cx, n, 0);
    // max commutes with the positive affine map of a quantized value; an average of integers rounds.
    if (op === 'AveragePool' || !x.quant) requireFloat(n, x);
    const attrs: Attrs = {
      ...windowAttrs(n, undefined),
      ceilMode: n.int('ceil_mode', 0) === 1,
      ...(op === 'AveragePool' ? { countIncludePad: n.int('count_include_pad', 0) === 1 } : {}),
    };
    cx.setVal(n.output(0), cx.emitVal(op, [x.ir], attrs, outName(cx, n, 0), NHWC, { dtype: x.dtype, quant: x.quant }));
  };
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): Converter {
  return (cx, n) => {
    n.only();
    const x = cx.runtime(n.input(0));
    if (op === 'GlobalAveragePool' || !x.quant) requireFloat(n, x);
    const r = x.s1.length;
    if (r === 4) {
      const v = cx.toLayout(x, NHWC);
      cx.setVal(n.output(0), cx.emitVal(op, [v.ir], {}, outName(cx, n, 0), NHWC, { dtype: x.dtype, quant: x.quant }));
      return;
    }
    if (op === 'GlobalMaxPool' || r < 3) throw n.unsupported(`rank-${r} input`);
    // 1-D / 3-D spatial: a mean over the spatial source axes.
    const axes = Array.from({ length: r - 2 }, (_, i) => x.perm[i + 2]).sort((a, b) => a - b);
    cx.setVal(n.output(0), cx.emitVal('ReduceMean', [x.ir], { axes, keepdims: true }, outName(cx, n, 0), x.perm));
  };
}

const batchNorm: Converter = (cx, n) => {
  n.only('epsilon', 'momentum', 'spatial', 'training_mode', 'is_test');
  if (n.has('spatial') && n.int('spatial') !== 1) throw n.unsupported('spatial=0 (per-element statistics)');
  if (n.int('training_mode', 0) !== 0) throw n.unsupported('training_mode=1');
  refuseUsedOutputs(cx, n, 1, 'training statistics');
  const x0 = cx.runtime(n.input(0));
  requireFloat(n, x0);
  const r = x0.s1.length;
  if (r < 2) throw n.malformed(`input of rank ${r}`);
  const x = cx.toLayout(x0, channelsLast(r));
  const params = [1, 2, 3, 4].map((i) => {
    if (rankOf(cx, n.input(i)) !== 1) throw n.malformed(`input ${i} must be 1-D`);
    return weightInput(cx, n, i);
  });
  cx.setVal(n.output(0), cx.emitVal('BatchNormalization', [x.ir, ...params], { epsilon: n.float('epsilon', 1e-5) }, outName(cx, n, 0), x.perm));
};

const gemm: Converter = (cx, n) => {
  n.only('alpha', 'beta', 'transA', 'transB');
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
