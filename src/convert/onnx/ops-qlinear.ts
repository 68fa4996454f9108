// Quantized ops kept quantized (ImportOptions.int8): the IR's QuantizeLinear, DequantizeLinear, QLinearConv,
// QLinearMatMul, QLinearAdd and QLinearGlobalAveragePool (src/ops/quant.ts, qlinear*.ts). A quantized value
// then holds its integers (as f32 at run time); weights stay int8/uint8 constants stored with scale 1, so their
// values are the integers, and their scales and zero points become f32 inputs; int32 biases become f32 (exact
// up to 2^24, beyond that rounded to f32, about 6e-8 relative, far below one step of the output grid).
import type { Attrs } from '../../graph/ir.js';
import { isVal, type ImportContext, type QParams, type Val } from './context.js';
import { outName, requireConst, type Converter } from './common.js';
import { identityPerm, NHWC } from './layout.js';
import type { OnnxNode } from './proto.js';
import { broadcastOperands, type Operand } from './ops-elementwise.js';
import { windowAttrs } from './ops-nn.js';
import { convOperands, declared, dequantizeOperands, operandVal, quantizeOperands, quantWeight, rankOf } from './ops-quant.js';
import { ElemType, floatConst, intValues, makeConst, type ConstTensor } from './tensor.js';

/** The IR attribute of a per-tensor grid. */
function grid(q: QParams): Attrs {
  return { scale: q.scale, zeroPoint: q.zeroPoint, type: q.dtype === ElemType.INT8 ? 'i8' : 'u8' };
}

function sameGrid(a: QParams, b: QParams): boolean {
  return a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.dtype === b.dtype;
}

/** v's integers re-expressed on grid q: dequantized and quantized again, as onnxruntime requantizes. */
function regridInt(cx: ImportContext, n: OnnxNode, v: Val, q: QParams): Val {
  const from = v.quant!;
  if (sameGrid(from, q)) return v;
  const real = cx.emitVal('DequantizeLinear', [v.ir], { x: grid(from) }, cx.fresh(`${v.ir}__real`), v.perm);
  return cx.emitVal('QuantizeLinear', [real.ir], { y: grid(q) }, cx.fresh(`${v.ir}__regrid`), v.perm, { dtype: q.dtype, quant: q });
}

/** An 8-bit input read on grid q: a runtime value's integers (regridded when its grid differs), or a constant's. */
export function integerOperand(cx: ImportContext, n: OnnxNode, name: string, q: QParams, what: string): Operand {
  const v = cx.lookup(name);
  if (isVal(v)) {
    if (!v.quant) throw n.malformed(`${what} must be an 8-bit integer tensor`);
    return regridInt(cx, n, v, q);
  }
  if (v.quant || !(v.data instanceof Int8Array || v.data instanceof Uint8Array)) throw n.malformed(`${what} must be an 8-bit integer tensor`);
  return { key: `${name}|int`, c: floatConst(v.dims, v.data) };
}

function scalars(cx: ImportContext, base: string, values: ArrayLike<number>): string {
  return cx.addConstant(base, { shape: [values.length], dtype: 'f32', data: Float32Array.from(values) });
}

/** An 8-bit weight as IR inputs: its integers (scale 1) in layout `perm`, then its scales and zero points. */
function weightInputs(cx: ImportContext, n: OnnxNode, wq: ConstTensor, perm: readonly number[] | undefined): string[] {
  const raw = makeConst(wq.dtype, wq.dims, wq.data, { axis: 0, scales: Float32Array.of(1), zeroPoints: Int32Array.of(0) });
  const w = cx.materialize(`${n.input(3)}|int`, raw, perm as never, true);
  const { scales, zeroPoints } = wq.quant!;
  const uniform = zeroPoints.every((z) => z === zeroPoints[0]) && scales.every((s) => s === scales[0]);
  return [w, scalars(cx, `${n.input(3)}_scale`, uniform ? [scales[0]] : scales),
    scalars(cx, `${n.input(3)}_zero_point`, uniform ? [zeroPoints[0]] : zeroPoints)];
}

const quantizeLinear: Converter = (cx, n) => {
  const { x, q } = quantizeOperands(cx, n);
  cx.setVal(n.output(0), cx.emitVal('QuantizeLinear', [x.ir], { y: grid(q) }, outName(cx, n, 0), x.perm, { dtype: q.dtype, quant: q }));
};

const dequantizeLinear: Converter = (cx, n) => {
  const { x, q } = dequantizeOperands(cx, n);
  cx.setVal(n.output(0), cx.emitVal('DequantizeLinear', [x.ir], { x: grid(q) }, outName(cx, n, 0), x.perm));
};

const qlinearConv: Converter = (cx, n) => {
  const { xq, yq, x, wq } = convOperands(cx, n);
  const inputs = [x.ir, ...weightInputs(cx, n, wq, NHWC)];
  if (n.input(8)) {
    const b = requireConst(cx, n, 8, 'bias');
    if (b.dims.length !== 1 || b.dims[0] !== wq.dims[0]) throw n.malformed(`bias [${b.dims}] for ${wq.dims[0]} output channels`);
    inputs.push(cx.materialize(`${n.input(8)}|int`, floatConst([wq.dims[0]], intValues(b))));
  }
  const attrs = { ...windowAttrs(n, [wq.dims[2], wq.dims[3]]), group: n.int('group', 1), x: grid(xq), y: grid(yq) };
  cx.setVal(n.output(0), cx.emitVal('QLinearConv', inputs, attrs, outName(cx, n, 0), NHWC, { dtype: yq.dtype, quant: yq }));
};

const qlinearMatMul: Converter = (cx, n) => {
  n.only();
  const aq = declared(cx, n, 1, 2, 'a'), yq = declared(cx, n, 6, 7, 'y');
  const a = operandVal(cx, integerOperand(cx, n, n.input(0), aq, 'a'), identityPerm(rankOf(cx, n.input(0))));
  let b: string[];
  if (cx.isConst(n.input(3))) {
    const bc = requireConst(cx, n, 3, 'b');
    if (bc.dims.length !== 2) throw n.unsupported(`B of rank ${bc.dims.length} (only a 2-D matrix)`);
    b = weightInputs(cx, n, quantWeight(cx, n, 3, 4, 5, 1), undefined);
  } else {
    if (rankOf(cx, n.input(3)) !== 2) throw n.unsupported('a runtime B of rank other than 2');
    const bq = declared(cx, n, 4, 5, 'b');
    const bv = operandVal(cx, integerOperand(cx, n, n.input(3), bq, 'b'), identityPerm(2));
    b = [bv.ir, scalars(cx, `${n.input(3)}_scale`, [bq.scale]), scalars(cx, `${n.input(3)}_zero_point`, [bq.zeroPoint])];
  }
  cx.setVal(n.output(0), cx.emitVal('QLinearMatMul', [a.ir, ...b], { a: grid(aq), y: grid(yq) }, outName(cx, n, 0), undefined, { dtype: yq.dtype, quant: yq }));
};

const qlinearAdd: Converter = (cx, n) => {
  n.only();
  const aq = declared(cx, n, 1, 2, 'A'), bq = declared(cx, n, 4, 5, 'B'), cq = declared(cx, n, 6, 7, 'C');
  // Each operand stays on its own grid: QLinearAdd reads both.
  const ops = [operandOn(cx, n, 0, aq, 'A'), operandOn(cx, n, 3, bq, 'B')];
  const { irs, perm } = broadcastOperands(cx, ops);
  cx.setVal(n.output(0), cx.emitVal('QLinearAdd', irs, { a: grid(aq), b: grid(bq), y: grid(cq) }, outName(cx, n, 0), perm, { dtype: cq.dtype, quant: cq }));
};

function operandOn(cx: ImportContext, n: OnnxNode, i: number, q: QParams, what: string): Operand {
  return integerOperand(cx, n, n.input(i), q, what);
}

const qlinearGlobalAveragePool: Converter = (cx, n) => {
  n.only('channels_last');
  const xq = declared(cx, n, 1, 2, 'x'), yq = declared(cx, n, 3, 4, 'y');
  if (rankOf(cx, n.input(0)) !== 4) throw n.unsupported('only 2-D images');
  const x = operandVal(cx, integerOperand(cx, n, n.input(0), xq, 'x'), n.int('channels_last', 0) === 1 ? identityPerm(4) : NHWC);
  cx.setVal(n.output(0), cx.emitVal('QLinearGlobalAveragePool', [x.ir], { x: grid(xq), y: grid(yq) }, outName(cx, n, 0), x.perm, { dtype: yq.dtype, quant: yq }));
};

export const INT8_CONVERTERS: Readonly<Record<string, Converter>> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  QLinearConv: qlinearConv,
  QLinearMatMul: qlinearMatMul,
  QLinearAdd: qlinearAdd,
  QLinearGlobalAveragePool: qlinearGlobalAveragePool,
};
