// Pad (ONNX): pads = [begin_0..begin_{r-1}, end_0..end_{r-1}] per IR axis; a negative pad crops.
// Output index i on an axis reads input index i - begin; outside the input, mode picks the value:
// constant -> value, edge -> nearest edge element, reflect -> mirror about the edge (edge not repeated).
import { shapeToString, stridesOf, type Shape } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { defineOp, EXACT, floatAttr, intsAttr, OpError, stringAttr } from './op.js';

export const PAD_MODES = ['constant', 'reflect', 'edge'] as const;

export interface PadAttrs {
  readonly pads: readonly number[];
  readonly mode: (typeof PAD_MODES)[number];
  readonly value: number;
}

function padShape(x: Shape, { pads, mode }: PadAttrs): Shape {
  const r = x.length;
  if (pads.length !== 2 * r) throw new OpError(`attribute pads has ${pads.length} values, input ${shapeToString(x)} needs ${2 * r}`);
  return x.map((d, i) => {
    const b = pads[i], e = pads[i + r], out = d + b + e;
    if (mode !== 'constant' && d < 1 && out > 0) throw new OpError(`${mode} padding needs a non-empty axis ${i} in input ${shapeToString(x)}`);
    if (out < 1) throw new OpError(`pads ${b} and ${e} on axis ${i} leave ${out} elements of input ${shapeToString(x)}`);
    // Reflection mirrors once: more than d - 1 values per side would need a second bounce.
    if (mode === 'reflect' && (b > d - 1 || e > d - 1)) {
      throw new OpError(`reflect pads ${b} and ${e} on axis ${i} must be at most ${d - 1} for input ${shapeToString(x)}`);
    }
    return out;
  });
}

/** Input index for output index i on an axis of size d with `begin` padding, or -1 for the constant. */
function source(i: number, begin: number, d: number, mode: PadAttrs['mode']): number {
  const s = i - begin;
  if (s >= 0 && s < d) return s;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return s < 0 ? 0 : d - 1;
  return s < 0 ? -s : 2 * (d - 1) - s;
}

export interface PadGeometry {
  /** The output shape. */
  readonly shape: Shape;
  /** Per axis: the pad before (negative: cropped), the input's element stride. */
  readonly begin: readonly number[];
  readonly xStrides: readonly number[];
  /** Per output axis and index: the input element offset it adds, -1 where the value is the constant. */
  readonly offsets: readonly Int32Array[];
}

/** Where every output element of Pad reads, for every backend; throws OpError as shape inference does. */
export function padGeometry(x: Shape, attrs: PadAttrs): PadGeometry {
  const shape = padShape(x, attrs), xStrides = stridesOf(x);
  const begin = attrs.pads.slice(0, x.length);
  const offsets = shape.map((n, a) => Int32Array.from({ length: n }, (_, i) => {
    const s = source(i, begin[a], x[a], attrs.mode);
    return s < 0 ? -1 : s * xStrides[a];
  }));
  return { shape, begin, xStrides, offsets };
}

export const Pad = defineOp<PadAttrs>({
  name: 'Pad',
  parseAttrs: (raw: Attrs) => {
    const pads = intsAttr(raw, 'pads');
    if (pads.length % 2 !== 0) throw new OpError(`attribute pads must have an even length (begins then ends), got ${JSON.stringify(pads)}`);
    return { pads, mode: stringAttr(raw, 'mode', PAD_MODES, 'constant'), value: floatAttr(raw, 'value', 0) };
  },
  inferShape: ([x], attrs) => {
    if (!x) throw new OpError('input x is missing');
    return [padShape(x, attrs)];
  },
  reference: ([x], attrs, [y]) => {
    const ys = y.shape, r = ys.length;
    const maps = padGeometry(x!.shape, attrs).offsets;
    const idx = new Array<number>(r).fill(0);
    for (let o = 0; o < y.data.length; o++) {
      let src = 0;
      for (let a = 0; a < r && src >= 0; a++) {
        const m = maps[a][idx[a]];
        src = m < 0 ? -1 : src + m;
      }
      y.data[o] = src < 0 ? attrs.value : x!.data[src];
      for (let a = r - 1; a >= 0; a--) { if (++idx[a] < ys[a]) break; idx[a] = 0; }
    }
  },
  tolerance: EXACT,
});
