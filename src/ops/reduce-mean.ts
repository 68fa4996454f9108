// ReduceMean (ONNX): the mean over `axes` (empty = every axis), keeping them as size-1 dims
// when keepdims. Axes are an attribute in the IR (ONNX opset 18 makes them an input).
import type { Shape } from '../tensor.js';
import { shapeToString, stridesOf } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { boolAttr, defineOp, intsAttr, OpError, REDUCTION } from './op.js';

export interface ReduceMeanAttrs {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

/** The set of reduced axes, normalized; empty attribute = all. */
function reducedAxes(x: Shape, axes: readonly number[]): boolean[] {
  const reduced = new Array<boolean>(x.length).fill(axes.length === 0);
  for (const axis of axes) {
    if (axis < -x.length || axis >= x.length) throw new OpError(`attribute axes: ${axis} is out of range for input ${shapeToString(x)}`);
    const a = axis < 0 ? axis + x.length : axis;
    if (reduced[a]) throw new OpError(`attribute axes names axis ${a} twice: [${axes.join(',')}]`);
    reduced[a] = true;
  }
  return reduced;
}

export const ReduceMean = defineOp<ReduceMeanAttrs>({
  name: 'ReduceMean',
  parseAttrs: (raw: Attrs) => ({ axes: intsAttr(raw, 'axes', []), keepdims: boolAttr(raw, 'keepdims', true) }),
  inferShape: ([x], { axes, keepdims }) => {
    if (!x) throw new OpError('input X is missing');
    const reduced = reducedAxes(x, axes);
    return [keepdims ? x.map((d, i) => (reduced[i] ? 1 : d)) : x.filter((_, i) => !reduced[i])];
  },
  // Accumulate each x element into its output slot (in f64), then divide by the reduced count.
  reference: ([x], { axes }, [y]) => {
    const xs = x!.shape, reduced = reducedAxes(xs, axes);
    const keptShape = xs.map((d, i) => (reduced[i] ? 1 : d));
    const outStride = stridesOf(keptShape).map((s, i) => (reduced[i] ? 0 : s));
    const sums = new Float64Array(y.data.length);
    const idx = new Array<number>(xs.length).fill(0);
    let dst = 0;
    for (let i = 0; i < x!.data.length; i++) {
      sums[dst] += x!.data[i];
      for (let k = xs.length - 1; k >= 0; k--) {
        dst += outStride[k];
        if (++idx[k] < xs[k]) break;
        dst -= outStride[k] * xs[k];
        idx[k] = 0;
      }
    }
    const count = xs.reduce((n, d, i) => (reduced[i] ? n * d : n), 1);
    for (let o = 0; o < sums.length; o++) y.data[o] = sums[o] / count;
  },
  tolerance: REDUCTION,
});
