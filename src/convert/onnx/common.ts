// Small helpers shared by the op converters: reading constant inputs, axes that moved from attributes
// to inputs across opsets, and the checks that turn an odd input into a typed error.
import type { ImportContext, Val } from './context.js';
import { isVal } from './context.js';
import type { OnnxNode } from './proto.js';
import { ElemType, intValues, realValues, type ConstTensor } from './tensor.js';

/** Input i as a constant, or an UnsupportedOpError saying it must be one. */
export function requireConst(cx: ImportContext, n: OnnxNode, i: number, what: string): ConstTensor {
  const name = n.input(i);
  const v = cx.lookup(name);
  if (isVal(v)) throw n.unsupported(`${what} (input ${i}, "${name}") must be a constant, it is computed at run time`);
  return v;
}

export function optionalConst(cx: ImportContext, n: OnnxNode, i: number, what: string): ConstTensor | undefined {
  return n.input(i) === '' ? undefined : requireConst(cx, n, i, what);
}

/** Integer values of a constant input; NaN (the symbolic batch) is refused unless `allowBatch`. */
export function constInts(cx: ImportContext, n: OnnxNode, i: number, what: string, allowBatch = false): number[] {
  const c = requireConst(cx, n, i, what);
  const v = intValues(c);
  if (v.some((x) => !Number.isInteger(x))) {
    if (!allowBatch && v.some((x) => Number.isNaN(x))) throw cx.batchError(`${what} depends on the batch size`);
    if (v.some((x) => !Number.isNaN(x) && !Number.isInteger(x))) throw n.malformed(`${what} must hold integers`, `input[${i}]`);
  }
  return v;
}

/** A scalar (or one-element) float constant input. */
export function constScalar(cx: ImportContext, n: OnnxNode, i: number, what: string): number {
  const c = requireConst(cx, n, i, what);
  if (c.data.length !== 1) throw n.unsupported(`${what} must be a single value, got ${c.data.length}`);
  return realValues(c)[0];
}

/** Normalizes an axis for a rank, as a format error when out of range. */
export function normAxis(n: OnnxNode, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw n.malformed(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * Axes given as an attribute before `sinceOpset` and as input `inputIndex` from it on (Squeeze,
 * Unsqueeze, ReduceMean, Pad). undefined when absent.
 */
export function axesArg(cx: ImportContext, n: OnnxNode, inputIndex: number, sinceOpset: number): number[] | undefined {
  if (n.opset >= sinceOpset) {
    if (n.has('axes')) throw n.unsupported(`attribute axes (an input since opset ${sinceOpset})`);
    return n.input(inputIndex) === '' ? undefined : constInts(cx, n, inputIndex, 'axes');
  }
  return n.has('axes') ? n.ints('axes') : undefined;
}

/** Refuses integer inputs where the IR would compute in float with different results. */
export function requireFloat(n: OnnxNode, v: Val, what = 'input'): void {
  if (v.quant) throw n.unsupported(`${what} is a quantized integer tensor (only the QLinear ops and data movement take those)`);
  if (v.dtype !== ElemType.FLOAT) throw n.unsupported(`${what} has an integer element type`);
}

/** Optional outputs the IR cannot produce are fine only while nothing reads them. */
export function refuseUsedOutputs(cx: ImportContext, n: OnnxNode, from: number, what: string): void {
  for (let i = from; i < n.outputs.length; i++) {
    if (n.outputs[i] && cx.isUsed(n.outputs[i])) throw n.unsupported(`output ${i} (${what}) is used`);
  }
}

/** Converts one ONNX node: emits IR nodes and defines the node's outputs in the context. */
export type Converter = (cx: ImportContext, n: OnnxNode) => void;

/** The IR name for output i: the ONNX name, or a fresh one for an unnamed optional output. */
export function outName(cx: ImportContext, n: OnnxNode, i: number): string {
  return n.output(i) || cx.fresh(`${n.name}__out${i}`);
}
