// Small helpers shared by the op converters: reading constant inputs, axes that moved from attributes
// to inputs across opsets, and the checks that turn an odd input into a typed error.
import type { ImportContext, Val } from './context.js';
import { isVal } from './context.js';
import { legacyAttrs, since } from './opsets.js';
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
  if (since(n, sinceOpset)) {
    if (n.has('axes')) throw n.unsupported(`attribute axes (an input since opset ${sinceOpset})`);
    return n.input(inputIndex) === '' ? undefined : constInts(cx, n, inputIndex, 'axes');
  }
  return n.has('axes') ? n.ints('axes') : undefined;
}

/**
 * Reshape's target (the `shape` attribute before opset 5, input 1 from it) and allowzero (from 14), with
 * the attributes of the node's version checked. NaN (the symbolic batch) in the target only if `allowBatch`.
 */
export function reshapeArgs(cx: ImportContext, n: OnnxNode, allowBatch: boolean): { target: number[]; allowzero: boolean } {
  if (!since(n, 5)) {
    n.only('shape', 'consumed_inputs');
    return { target: n.ints('shape'), allowzero: false };
  }
  if (since(n, 14)) n.only('allowzero');
  else n.only();
  return { target: constInts(cx, n, 1, 'shape', allowBatch), allowzero: n.int('allowzero', 0) === 1 };
}

/**
 * Add, Sub, Mul, Div before opset 7 (attributes checked): with broadcast=1 and `axis`, B's dims sit at
 * A's axis `axis` on. Returns how many unit dims to append to B so that numpy broadcasting aligns it the
 * same way: 0 from opset 7, and without `axis` (suffix matching, which numpy does too).
 */
export function legacyBroadcastPad(n: OnnxNode, rankA: number, rankB: number): number {
  if (since(n, 7)) {
    n.only();
    return 0;
  }
  n.only('broadcast', 'axis', ...legacyAttrs(n));
  if (n.int('broadcast', 0) !== 1 || !n.has('axis')) return 0;
  const axis = normAxis(n, n.int('axis'), rankA);
  const pad = rankA - axis - rankB;
  if (pad < 0) throw n.malformed(`B of rank ${rankB} does not fit at axis ${axis} of a rank-${rankA} A`);
  return pad;
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
