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

export interface ReduceMeanGeometry {
  /** Per input axis: whether it is averaged over. */
  readonly reduced: readonly boolean[];
  /** How many values each output averages. */
  readonly count: number;
  /** The kept and the reduced axes (in order) with the input's element strides along them. */
  readonly kept: { readonly shape: Shape; readonly strides: readonly number[] };
  readonly summed: { readonly shape: Shape; readonly strides: readonly number[] };
  /**
   * The same mean as a chain of 3-D means, one per run of adjacent reduced axes, each over the previous one's
   * result: [outer, R, inner] -> [outer, inner].
   */
  readonly runs: readonly { readonly outer: number; readonly R: number; readonly inner: number }[];
}

/** How ReduceMean walks its input, for every backend; throws OpError for bad axes. */
export function reduceMeanGeometry(x: Shape, { axes }: ReduceMeanAttrs): ReduceMeanGeometry {
  const reduced = reducedAxes(x, axes), xs = stridesOf(x);
  const pick = (r: boolean) => ({ shape: x.filter((_, i) => reduced[i] === r), strides: xs.filter((_, i) => reduced[i] === r) });
  const runs: { outer: number; R: number; inner: number }[] = [];
  const shape = [...x];
  for (let from = 0; from < shape.length; from++) {
    if (!reduced[from]) continue;
    let to = from + 1;
    while (to < shape.length && reduced[to]) to++;
    const size = (a: number, b: number) => shape.slice(a, b).reduce((p, d) => p * d, 1);
    runs.push({ outer: size(0, from), R: size(from, to), inner: size(to, shape.length) });
    shape.fill(1, from, to);
    from = to;
  }
  const count = x.reduce((n, d, i) => (reduced[i] ? n * d : n), 1);
  return { reduced, count, kept: pick(false), summed: pick(true), runs };
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
  reference: ([x], attrs, [y]) => {
    const xs = x!.shape, { reduced, count } = reduceMeanGeometry(xs, attrs);
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
    for (let o = 0; o < sums.length; o++) y.data[o] = sums[o] / count;
  },
  tolerance: REDUCTION,
});
