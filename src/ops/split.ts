// Split (ONNX): cuts x along `axis` into one output per entry of `split` (sizes), or, with no
// `split`, into `numOutputs` parts of ceil(dim / numOutputs), the last one smaller (ONNX opset 18).
// The IR needs numOutputs then because shape inference does not see the node's output count.
import type { Shape } from '../tensor.js';
import { shapeToString } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { axisParts, type AxisParts } from './concat.js';
import { defineOp, EXACT, intAttr, intsAttr, OpError } from './op.js';

export interface SplitAttrs {
  readonly axis: number;
  /** Sizes along axis; undefined = equal parts. */
  readonly split: readonly number[] | undefined;
  /** The part count when `split` is absent (then >= 1); else split.length. */
  readonly numOutputs: number;
}

function splitAxis(x: Shape, axis: number): number {
  if (axis < -x.length || axis >= x.length) throw new OpError(`attribute axis ${axis} is out of range for input ${shapeToString(x)}`);
  return axis < 0 ? axis + x.length : axis;
}

/** The size of each part along the axis. */
function partSizes(dim: number, { split, numOutputs }: SplitAttrs): number[] {
  if (split) return [...split];
  const chunk = Math.ceil(dim / numOutputs);
  if (chunk * (numOutputs - 1) >= dim && dim > 0) {
    throw new OpError(`cannot split a dim of ${dim} into ${numOutputs} non-empty parts`);
  }
  return Array.from({ length: numOutputs }, (_, i) => Math.min(chunk, dim - i * chunk));
}

/** Where each output of Split comes from in x, for every backend. */
export function splitGeometry(x: Shape, attrs: SplitAttrs): AxisParts {
  const a = splitAxis(x, attrs.axis);
  return axisParts(x, a, partSizes(x[a], attrs));
}

export const Split = defineOp<SplitAttrs>({
  name: 'Split',
  parseAttrs: (raw: Attrs) => {
    const axis = intAttr(raw, 'axis', 0);
    if (raw.split !== undefined && raw.split !== null) {
      const split = intsAttr(raw, 'split', undefined, { min: 0 });
      if (split.length === 0) throw new OpError('attribute split must not be empty');
      if (raw.numOutputs !== undefined && raw.numOutputs !== split.length) {
        throw new OpError(`attribute numOutputs ${JSON.stringify(raw.numOutputs)} disagrees with attribute split [${split.join(',')}]`);
      }
      return { axis, split, numOutputs: split.length };
    }
    if (raw.numOutputs === undefined) throw new OpError('needs attribute split (sizes) or attribute numOutputs (equal parts)');
    return { axis, split: undefined, numOutputs: intAttr(raw, 'numOutputs', undefined, 1) };
  },
  inferShape: ([x], attrs) => {
    if (!x) throw new OpError('input X is missing');
    const a = splitAxis(x, attrs.axis);
    const sizes = partSizes(x[a], attrs);
    const sum = sizes.reduce((s, d) => s + d, 0);
    if (sum !== x[a]) {
      throw new OpError(`attribute split [${sizes.join(',')}] sums to ${sum}, input ${shapeToString(x)} has ${x[a]} on axis ${a}`);
    }
    return sizes.map((d) => x.map((v, i) => (i === a ? d : v)));
  },
  // x is `outer` rows of dim*inner values; part j takes a contiguous run of each row.
  reference: ([x], attrs, outputs) => {
    const { outer, row, parts } = splitGeometry(x!.shape, attrs);
    outputs.forEach((y, j) => {
      const { offset, run } = parts[j];
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < run; k++) y.data[o * run + k] = x!.data[o * row + offset + k];
      }
    });
  },
  tolerance: EXACT,
});
