// Quantized ops lowered to float IR ops. A quantized tensor q is carried as its real value
// (q - zp) * scale; weights stay int8/uint8 constants with their scales; int32 biases become f32
// (bias_scale = x_scale * w_scale). Each quantized output is clipped to its integer grid's range:
// that range is the activation the quantizer folded in (ReLU, ReLU6), so it must not be dropped.
import { isVal, qRange, sameQuant, type ImportContext, type QParams, type Val } from './context.js';
import { outName, requireConst, type Converter } from './common.js';
import { identityPerm, NHWC, type Perm } from './layout.js';
import type { OnnxNode } from './proto.js';
import { broadcastOperands, type Operand } from './ops-elementwise.js';
import { windowAttrs } from './ops-nn.js';
import { quantAttrs, quantParams } from './fold.js';
import { integerOperand, INT8_CONVERTERS } from './ops-qlinear.js';
import { ElemType, floatConst, intValues, makeConst, realValues, type ConstTensor } from './tensor.js';

/** The real-value range of a quantized tensor, as a fused Clip activation. */
export function quantClip(q: QParams): { op: 'Clip'; min: number; max: number } {
  const [lo, hi] = qRange(q);
  return { op: 'Clip', min: (lo - q.zeroPoint) * q.scale, max: (hi - q.zeroPoint) * q.scale };
}

/** Per-tensor quantization parameters from a (scale, zero point) input pair. */
export function declared(cx: ImportContext, n: OnnxNode, s: number, z: number, what: string): QParams {
  const scale = requireConst(cx, n, s, `${what} scale`);
  const zp = n.input(z) ? requireConst(cx, n, z, `${what} zero point`) : undefined;
  if (scale.data.length !== 1 || (zp && zp.data.length !== 1)) throw n.unsupported(`per-channel quantization of ${what}`);
  const dtype = zp ? zp.dtype : ElemType.UINT8;
  if (dtype !== ElemType.UINT8 && dtype !== ElemType.INT8) throw n.unsupported(`${what} quantized to ${dtype} (only int8/uint8)`);
  const v = realValues(scale)[0];
  if (!(v > 0) || !Number.isFinite(v)) throw n.malformed(`${what} scale ${v} must be positive`);
  return { scale: v, zeroPoint: zp ? intValues(zp)[0] : 0, dtype };
}

function scalarConst(cx: ImportContext, base: string, v: number): string {
  return cx.addConstant(base, { shape: [1], dtype: 'f32', data: Float32Array.of(v) });
}

/**
 * v re-expressed on grid q: (v / sv + zv - z) * s, a Mul and an Add when the grids differ. The last
 * node writes `out` when given.
 */
function regrid(cx: ImportContext, n: OnnxNode, v: Val, q: QParams, out?: string): Val {
  const from = v.quant!;
  if (sameQuant(from, q) || (from.scale === q.scale && from.zeroPoint === q.zeroPoint)) return v;
  if (from.dtype !== q.dtype) throw n.malformed('int8 and uint8 tensors mixed');
  const extra = { dtype: q.dtype, quant: q };
  const shift = (from.zeroPoint - q.zeroPoint) * q.scale;
  let cur = v;
  if (from.scale !== q.scale) {
    const k = scalarConst(cx, `${v.ir}__rescale`, q.scale / from.scale);
    cur = cx.emitVal('Mul', [cur.ir, k], {}, shift === 0 && out ? out : cx.fresh(`${v.ir}__rescaled`), v.perm, extra);
  }
  if (shift !== 0) {
    const k = scalarConst(cx, `${v.ir}__shift`, shift);
    cur = cx.emitVal('Add', [cur.ir, k], {}, out ?? cx.fresh(`${v.ir}__shifted`), v.perm, extra);
  }
  return { ...cur, quant: q };
}

/** An integer (quantized) input read with parameters q: a runtime value on q's grid, or a quantized constant. */
export function realOperand(cx: ImportContext, n: OnnxNode, name: string, q: QParams, what: string): Operand {
  if (cx.opts.int8) return integerOperand(cx, n, name, q, what);
  const v = cx.lookup(name);
  if (isVal(v)) {
    if (!v.quant) throw n.malformed(`${what} must be an 8-bit integer tensor`);
    return regrid(cx, n, v, q);
  }
  if (v.quant || !(v.data instanceof Int8Array || v.data instanceof Uint8Array)) throw n.malformed(`${what} must be an 8-bit integer tensor`);
  const c = makeConst(v.dtype, v.dims, v.data, { axis: 0, scales: Float32Array.of(q.scale), zeroPoints: Int32Array.of(q.zeroPoint) });
  return { key: `${name}|${q.scale}|${q.zeroPoint}`, c };
}

export function operandVal(cx: ImportContext, o: Operand, perm: Perm): Val {
  if (isVal(o)) return cx.toLayout(o, perm);
  const ir = cx.materialize(o.key, o.c, perm);
  const s = cx.irShape(ir)![0];
  return { ir, perm, s1: s, s2: s, dtype: ElemType.FLOAT };
}

/** The IR name of `name` on grid q in layout perm (Concat of quantized tensors). */
export function requantize(cx: ImportContext, n: OnnxNode, name: string, q: QParams, perm: Perm): string {
  return operandVal(cx, realOperand(cx, n, name, q, `input "${name}"`), perm).ir;
}

/** Clips a real value to grid q's range; the result is that quantized tensor. */
function quantizeTo(cx: ImportContext, input: string, q: QParams, out: string, perm: Perm): Val {
  const { min, max } = quantClip(q);
  return cx.emitVal('Clip', [input], { min, max }, out, perm, { dtype: q.dtype, quant: q });
}

/** A constant 8-bit weight with per-tensor or per-slice (along `axis`) scales and zero points. */
export function quantWeight(cx: ImportContext, n: OnnxNode, w: number, s: number, z: number, axis: number): ConstTensor {
  const c = requireConst(cx, n, w, 'weights');
  if (c.quant || !(c.data instanceof Int8Array || c.data instanceof Uint8Array)) throw n.malformed('weights must be int8/uint8');
  const scales = realValues(requireConst(cx, n, s, 'weight scale'));
  const zp = n.input(z) ? intValues(requireConst(cx, n, z, 'weight zero point')) : [0];
  const zeroPoints = Int32Array.from(zp.length === 1 && scales.length > 1 ? new Array<number>(scales.length).fill(zp[0]) : zp);
  if (scales.length !== 1 && scales.length !== c.dims[axis]) throw n.malformed(`${scales.length} weight scales for ${c.dims[axis]} channels`);
  if (zeroPoints.length !== scales.length) throw n.malformed(`${zeroPoints.length} weight zero points for ${scales.length} scales`);
  if (scales.some((v) => !(v > 0) || !Number.isFinite(v))) throw n.malformed('weight scales must be positive');
  return makeConst(c.dtype, c.dims, c.data, { axis, scales, zeroPoints });
}

/** QuantizeLinear's float input and its per-tensor output grid (both imports read them alike). */
export function quantizeOperands(cx: ImportContext, n: OnnxNode): { x: Val; q: QParams } {
  quantAttrs(n);
  const x = cx.runtime(n.input(0));
  if (x.quant || x.dtype !== ElemType.FLOAT) throw n.malformed('input must be float');
  const { scales, zeroPoints, zpType } = quantParams(cx, n, cx.sourceDims(x)[0]);
  if (scales.length !== 1) throw n.unsupported('per-axis quantization of a computed tensor');
  if (zpType !== ElemType.UINT8 && zpType !== ElemType.INT8) throw n.unsupported(`quantization to type ${zpType}`);
  return { x, q: { scale: scales[0], zeroPoint: zeroPoints[0], dtype: zpType } };
}

/** DequantizeLinear's 8-bit input and the per-tensor grid it is read on. */
export function dequantizeOperands(cx: ImportContext, n: OnnxNode): { x: Val; q: QParams } {
  quantAttrs(n);
  const x = cx.runtime(n.input(0));
  if (!x.quant) throw x.dtype === ElemType.FLOAT ? n.malformed('input must be an integer tensor') : n.unsupported('dequantizing a computed int32 tensor');
  const { scales, zeroPoints } = quantParams(cx, n, cx.sourceDims(x)[0]);
  if (scales.length !== 1) throw n.unsupported('per-axis dequantization of a computed tensor');
  return { x, q: { scale: scales[0], zeroPoint: zeroPoints[0], dtype: x.quant.dtype } };
}

const quantizeLinear: Converter = (cx, n) => {
  const { x, q } = quantizeOperands(cx, n);
  cx.setVal(n.output(0), quantizeTo(cx, x.ir, q, outName(cx, n, 0), x.perm));
};

const dequantizeLinear: Converter = (cx, n) => {
  const { x, q } = dequantizeOperands(cx, n);
  const v = regrid(cx, n, x, q, outName(cx, n, 0));
  // The IR already holds real values: the dequantized tensor is the same IR value.
  cx.setVal(n.output(0), { ir: v.ir, perm: v.perm, s1: v.s1, s2: v.s2, dtype: ElemType.FLOAT });
};

/** QLinearConv's grids, its NHWC input (real values or integers, as the import holds them) and its 8-bit weights. */
export function convOperands(cx: ImportContext, n: OnnxNode): { xq: QParams; yq: QParams; x: Val; wq: ConstTensor } {
  n.only('auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides');
  const xq = declared(cx, n, 1, 2, 'x'), yq = declared(cx, n, 6, 7, 'y');
  const x = operandVal(cx, realOperand(cx, n, n.input(0), xq, 'x'), NHWC);
  if (x.s1.length !== 4) throw n.unsupported(`input of rank ${x.s1.length} (only 2-D images)`);
  const wq = quantWeight(cx, n, 3, 4, 5, 0);
  if (wq.dims.length !== 4) throw n.unsupported(`weights of rank ${wq.dims.length} (only 2-D convolution)`);
  return { xq, yq, x, wq };
}

const qlinearConv: Converter = (cx, n) => {
  const { xq, yq, x, wq } = convOperands(cx, n);
  const w = cx.materialize(`${n.input(3)}|q`, wq, NHWC, true);
  const inputs = [x.ir, w];
  if (n.input(8)) {
    const b = requireConst(cx, n, 8, 'bias');
    const O = wq.dims[0], ws = wq.quant!.scales;
    if (b.dims.length !== 1 || b.dims[0] !== O) throw n.malformed(`bias [${b.dims}] for ${O} output channels`);
    const bv = intValues(b).map((v, o) => v * xq.scale * ws[ws.length === 1 ? 0 : o]);
    inputs.push(cx.materialize(`${n.input(8)}|${xq.scale}`, floatConst([O], bv)));
  }
  const attrs = { ...windowAttrs(n, [wq.dims[2], wq.dims[3]]), group: n.int('group', 1), activation: quantClip(yq) };
  cx.setVal(n.output(0), cx.emitVal('Conv', inputs, attrs, outName(cx, n, 0), NHWC, { dtype: yq.dtype, quant: yq }));
};

const qlinearMatMul: Converter = (cx, n) => {
  n.only();
  const aq = declared(cx, n, 1, 2, 'a'), yq = declared(cx, n, 6, 7, 'y');
  const a = operandVal(cx, realOperand(cx, n, n.input(0), aq, 'a'), identityPerm(rankOf(cx, n.input(0))));
  let b: string;
  if (cx.isConst(n.input(3))) {
    const bc = requireConst(cx, n, 3, 'b');
    const wq = quantWeight(cx, n, 3, 4, 5, bc.dims.length - 1);
    b = cx.materialize(`${n.input(3)}|q`, wq, undefined, true);
  } else {
    const bq = declared(cx, n, 4, 5, 'b');
    b = operandVal(cx, realOperand(cx, n, n.input(3), bq, 'b'), identityPerm(rankOf(cx, n.input(3)))).ir;
  }
  cx.setVal(n.output(0), cx.emitVal('MatMul', [a.ir, b], { activation: quantClip(yq) }, outName(cx, n, 0), undefined, { dtype: yq.dtype, quant: yq }));
};

export function rankOf(cx: ImportContext, name: string): number {
  const v = cx.lookup(name);
  return isVal(v) ? v.s1.length : v.dims.length;
}

const qlinearAdd: Converter = (cx, n) => {
  n.only();
  const aq = declared(cx, n, 1, 2, 'A'), bq = declared(cx, n, 4, 5, 'B'), cq = declared(cx, n, 6, 7, 'C');
  const ops = [realOperand(cx, n, n.input(0), aq, 'A'), realOperand(cx, n, n.input(3), bq, 'B')];
  const { irs, perm } = broadcastOperands(cx, ops);
  const out = outName(cx, n, 0);
  const sum = cx.emitVal('Add', irs, {}, cx.fresh(`${out}__sum`), perm);
  cx.setVal(n.output(0), quantizeTo(cx, sum.ir, cq, out, perm));
};

const qlinearGlobalAveragePool: Converter = (cx, n) => {
  n.only('channels_last');
  const xq = declared(cx, n, 1, 2, 'x'), yq = declared(cx, n, 3, 4, 'y');
  const o = realOperand(cx, n, n.input(0), xq, 'x');
  if (rankOf(cx, n.input(0)) !== 4) throw n.unsupported('only 2-D images');
  // channels_last: the ONNX tensor itself is NHWC, so the IR keeps it in source order.
  const x = operandVal(cx, o, n.int('channels_last', 0) === 1 ? identityPerm(4) : NHWC);
  const out = outName(cx, n, 0);
  const avg = cx.emitVal('GlobalAveragePool', [x.ir], {}, cx.fresh(`${out}__avg`), x.perm);
  cx.setVal(n.output(0), quantizeTo(cx, avg.ir, yq, out, x.perm));
};

/** The float lowering above, or with ImportOptions.int8 the quantized IR ops (ops-qlinear.ts). */
function either(op: string, lowered: Converter): Converter {
  return (cx, n) => (cx.opts.int8 ? INT8_CONVERTERS[op] : lowered)(cx, n);
}

export const QUANT_CONVERTERS: Readonly<Record<string, Converter>> = {
  QuantizeLinear: either('QuantizeLinear', quantizeLinear),
  DequantizeLinear: either('DequantizeLinear', dequantizeLinear),
  QLinearConv: either('QLinearConv', qlinearConv),
  QLinearMatMul: either('QLinearMatMul', qlinearMatMul),
};

/** com.microsoft contrib ops. */
export const MS_CONVERTERS: Readonly<Record<string, Converter>> = {
  QLinearAdd: either('QLinearAdd', qlinearAdd),
  QLinearGlobalAveragePool: either('QLinearGlobalAveragePool', qlinearGlobalAveragePool),
};
