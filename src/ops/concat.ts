// Concat (ONNX): joins inputs along `axis`; every other dim must agree. Negative axis counts from the end.
import type { Shape } from '../tensor.js';
import { shapeToString } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { defineOp, EXACT, intAttr, OpError } from './op.js';

export interface ConcatAttrs { readonly axis: number }

function concatAxis(rank: number, axis: number, first: Shape): number {
  if (axis < -rank || axis >= rank) throw new OpError(`attribute axis ${axis} is out of range for input 0 ${shapeToString(first)}`);
  return axis < 0 ? axis + rank : axis;
}

/**
 * A tensor cut along one axis into parts (Concat's inputs, Split's outputs), seen as [outer, row] with
 * row = shape[axis] * inner: part i is the run of `parts[i].run` values at `parts[i].offset` of every row.
 */
export interface AxisParts {
  readonly axis: number;
  readonly outer: number;
  readonly inner: number;
  readonly row: number;
  readonly parts: readonly { readonly offset: number; readonly run: number }[];
}

/** The parts of `shape` cut along normalised `axis` into pieces of `sizes` (summing to shape[axis]). */
export function axisParts(shape: Shape, axis: number, sizes: readonly number[]): AxisParts {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1), inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  let offset = 0;
  const parts = sizes.map((s) => {
    const part = { offset, run: s * inner };
    offset += part.run;
    return part;
  });
  return { axis, outer, inner, row: shape[axis] * inner, parts };
}

/** Where each input lands in Concat's output y (shape `out`), for every backend. */
export function concatGeometry(inputs: readonly Shape[], out: Shape, { axis }: ConcatAttrs): AxisParts {
  const a = concatAxis(out.length, axis, out);
  return axisParts(out, a, inputs.map((s) => s[a]));
}

export const Concat = defineOp<ConcatAttrs>({
  name: 'Concat',
  parseAttrs: (raw: Attrs) => ({ axis: intAttr(raw, 'axis') }),
  inferShape: (inputs, { axis }) => {
    if (inputs.length === 0) throw new OpError('needs at least one input');
    const shapes = inputs.map((s, i) => {
      if (!s) throw new OpError(`input ${i} is missing`);
      return s;
    });
    const first = shapes[0];
    const a = concatAxis(first.length, axis, first);
    const out = [...first];
    for (let i = 1; i < shapes.length; i++) {
      const s = shapes[i];
      if (s.length !== first.length || s.some((d, k) => k !== a && d !== first[k])) {
        throw new OpError(`input ${i} ${shapeToString(s)} does not match input 0 ${shapeToString(first)} outside axis ${a}`);
      }
      out[a] += s[a];
    }
    return [out];
  },
  // Each input is a sequence of `outer` contiguous blocks of `run` values; interleave them.
  reference: (inputs, attrs, [y]) => {
    const { outer, row, parts } = concatGeometry(inputs.map((t) => t!.shape), y.shape, attrs);
    inputs.forEach((t, i) => {
      const { offset, run } = parts[i];
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < run; k++) y.data[o * row + offset + k] = t!.data[o * run + k];
      }
    });
  },
  tolerance: EXACT,
});
