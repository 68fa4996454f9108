// Softmax and LogSoftmax along one axis (ONNX opset 13 semantics; default the last axis).
// Each slice subtracts its maximum first, so exp never overflows, even for large logits.
import type { Shape } from '../tensor.js';
import { shapeToString } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { defineOp, intAttr, OpError, REDUCTION, type OpDef } from './op.js';

export interface SoftmaxAttrs { readonly axis: number }

function axisOf(shape: Shape, axis: number): number {
  if (axis < -shape.length || axis >= shape.length) {
    throw new OpError(`attribute axis ${axis} is out of range for input ${shapeToString(shape)}`);
  }
  return axis < 0 ? axis + shape.length : axis;
}

export interface SoftmaxGeometry {
  /** The normalised axis (non-negative) and its length. */
  readonly axis: number;
  readonly n: number;
  /** The input as [outer, n, inner]: outer * inner slices, element k of slice (o, j) at (o * n + k) * inner + j. */
  readonly outer: number;
  readonly inner: number;
}

/** The slices Softmax and LogSoftmax normalise, for every backend; throws OpError for an axis out of range. */
export function softmaxGeometry(shape: Shape, { axis }: SoftmaxAttrs): SoftmaxGeometry {
  const a = axisOf(shape, axis);
  return {
    axis: a,
    n: shape[a],
    outer: shape.slice(0, a).reduce((p, d) => p * d, 1),
    inner: shape.slice(a + 1).reduce((p, d) => p * d, 1),
  };
}

/** Runs f(base, stride, n) once per slice: element k of the slice is at base + k*stride. */
function forEachSlice({ outer, n, inner }: SoftmaxGeometry, f: (base: number, stride: number, n: number) => void): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) f(o * n * inner + j, inner, n);
  }
}

function softmaxOp(name: string, log: boolean): OpDef<SoftmaxAttrs> {
  return defineOp<SoftmaxAttrs>({
    name,
    parseAttrs: (raw: Attrs) => ({ axis: intAttr(raw, 'axis', -1) }),
    inferShape: ([x], { axis }) => {
      if (!x) throw new OpError('input X is missing');
      axisOf(x, axis);
      return [x];
    },
    reference: ([x], attrs, [y]) => {
      const xd = x!.data, yd = y.data;
      forEachSlice(softmaxGeometry(x!.shape, attrs), (base, stride, n) => {
        let max = -Infinity;
        for (let k = 0; k < n; k++) max = Math.max(max, xd[base + k * stride]);
        let sum = 0;
        for (let k = 0; k < n; k++) sum += Math.exp(xd[base + k * stride] - max);
        if (log) {
          const logSum = Math.log(sum);
          for (let k = 0; k < n; k++) yd[base + k * stride] = xd[base + k * stride] - max - logSum;
        } else {
          for (let k = 0; k < n; k++) yd[base + k * stride] = Math.exp(xd[base + k * stride] - max) / sum;
        }
      });
    },
    tolerance: REDUCTION,
  });
}

export const Softmax = softmaxOp('Softmax', false);
export const LogSoftmax = softmaxOp('LogSoftmax', true);
