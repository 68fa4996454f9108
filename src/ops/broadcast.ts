// Numpy-style broadcasting: the output shape of two operands, and a walk over the output that
// hands each element's row-major offsets into both (possibly broadcast) inputs.
import type { Shape } from '../tensor.js';
import { shapeToString } from '../tensor.js';
import { OpError } from './op.js';

/** Aligns a and b at their last axes; each pair of dims must be equal or contain a 1. */
export function broadcastShape(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new OpError(`shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast (axis ${i} of the result: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides of `shape` seen through `outShape` (rank outShape.length): 0 on every axis that is
 * missing or of size 1 in `shape`, so stepping along it revisits the same element.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const lead = outShape.length - shape.length;
  const strides = new Array<number>(outShape.length).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1) strides[lead + i] = acc;
    acc *= shape[i];
  }
  return strides;
}

/**
 * Calls fn(o, ia, ib) for every output element o in row-major order, where ia and ib are the
 * offsets of the a and b elements that broadcast onto it. Offsets are advanced like an odometer,
 * so there is no per-element division.
 */
export function forEachBroadcast(aShape: Shape, bShape: Shape, outShape: Shape,
  fn: (o: number, ia: number, ib: number) => void): void {
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape), sb = broadcastStrides(bShape, outShape);
  let total = 1;
  for (const d of outShape) total *= d;
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < total; o++) {
    fn(o, ia, ib);
    for (let i = rank - 1; i >= 0; i--) {
      ia += sa[i]; ib += sb[i];
      if (++idx[i] < outShape[i]) break;
      ia -= sa[i] * outShape[i]; ib -= sb[i] * outShape[i];
      idx[i] = 0;
    }
  }
}
