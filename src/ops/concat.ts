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
  // Each input is a sequence of `outer` contiguous blocks of shape[a]*inner values; interleave them.
  reference: (inputs, { axis }, [y]) => {
    const a = concatAxis(y.shape.length, axis, y.shape);
    let outer = 1, inner = 1;
    for (let i = 0; i < a; i++) outer *= y.shape[i];
    for (let i = a + 1; i < y.shape.length; i++) inner *= y.shape[i];
    const rowOut = y.shape[a] * inner;
    let col = 0;
    for (const t of inputs) {
      const block = t!.shape[a] * inner;
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < block; k++) y.data[o * rowOut + col + k] = t!.data[o * block + k];
      }
      col += block;
    }
  },
  tolerance: EXACT,
});
