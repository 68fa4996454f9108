// Transpose (ONNX): out.shape[i] = x.shape[perm[i]]; no perm = reverse the axes.
import type { Shape } from '../tensor.js';
import { shapeToString, stridesOf } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { defineOp, EXACT, intsAttr, OpError } from './op.js';

export interface TransposeAttrs {
  /** undefined = reversed axes, resolved against the input rank. */
  readonly perm: readonly number[] | undefined;
}

function resolvePerm(x: Shape, perm: readonly number[] | undefined): readonly number[] {
  if (!perm) return x.map((_, i) => x.length - 1 - i);
  if (perm.length !== x.length) {
    throw new OpError(`attribute perm [${perm.join(',')}] has ${perm.length} axes, input ${shapeToString(x)} has ${x.length}`);
  }
  return perm;
}

export interface TransposeGeometry {
  readonly perm: readonly number[];
  /** The output shape, and per output axis the input element stride it steps by. */
  readonly shape: Shape;
  readonly strides: readonly number[];
}

/** y[idx] = x[idx . strides] over y's shape: the only place a transpose's strides are derived. */
export function transposeGeometry(x: Shape, attrs: TransposeAttrs): TransposeGeometry {
  const perm = resolvePerm(x, attrs.perm), xs = stridesOf(x);
  return { perm, shape: perm.map((p) => x[p]), strides: perm.map((p) => xs[p]) };
}

export const Transpose = defineOp<TransposeAttrs>({
  name: 'Transpose',
  parseAttrs: (raw: Attrs) => {
    if (raw.perm === undefined || raw.perm === null) return { perm: undefined };
    const perm = intsAttr(raw, 'perm', undefined, { min: 0 });
    const seen = new Set(perm);
    if (seen.size !== perm.length || perm.some((p) => p >= perm.length)) {
      throw new OpError(`attribute perm must be a permutation of 0..${perm.length - 1}, got [${perm.join(',')}]`);
    }
    return { perm };
  },
  inferShape: ([x], { perm }) => {
    if (!x) throw new OpError('input X is missing');
    return [resolvePerm(x, perm).map((p) => x[p])];
  },
  reference: ([x], attrs, [y]) => {
    const xd = x!.data, yd = y.data, rank = y.shape.length;
    // Walk y in order; step[i] = how far the x offset moves when y's axis i advances.
    const step = transposeGeometry(x!.shape, attrs).strides;
    const idx = new Array<number>(rank).fill(0);
    let src = 0;
    for (let o = 0; o < yd.length; o++) {
      yd[o] = xd[src];
      for (let i = rank - 1; i >= 0; i--) {
        src += step[i];
        if (++idx[i] < y.shape[i]) break;
        src -= step[i] * y.shape[i];
        idx[i] = 0;
      }
    }
  },
  tolerance: EXACT,
});
