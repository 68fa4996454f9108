// Shared test helpers: seeded random data, the reference runner and a tolerance check that
// names the first bad element.
import { expect } from 'vitest';
import type { OpDef, Tolerance } from '../../src/ops/op.js';
import type { Attrs, Constant } from '../../src/graph/ir.js';
import { tensor, type Shape, type Tensor } from '../../src/tensor.js';
import { rng } from './random.js';

export { rng };

export function randomF32(n: number, opts: { seed?: number; min?: number; max?: number } = {}): Float32Array {
  const r = rng(opts.seed ?? 1);
  const lo = opts.min ?? -1, hi = opts.max ?? 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** A seeded f32 weight with values in [-range, range). */
export function randomWeight(shape: readonly number[], seed: number, range = 0.5): Constant {
  return { shape: [...shape], dtype: 'f32', data: randomF32(shape.reduce((a, d) => a * d, 1), { seed, min: -range, max: range }) };
}

export function randomTensor(shape: Shape, opts: { seed?: number; min?: number; max?: number } = {}): Tensor {
  return tensor(shape, randomF32(shape.reduce((a, b) => a * b, 1), opts));
}

/** Parses attrs, infers output shapes and runs the op's reference implementation. */
export function runReference<A>(op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {}): Tensor[] {
  const attrs = op.parseAttrs(rawAttrs);
  const shapes = op.inferShape(inputs.map((t) => t?.shape), attrs);
  const outputs = shapes.map((s) => tensor(s));
  op.reference(inputs, attrs, outputs);
  return outputs;
}

/** Passes when |got - want| <= max(atol, rtol * |want|) everywhere; else names the first bad index. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what = ''): void {
  expect(got.length, `${what} length`).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    const err = Math.abs(g - w);
    const bound = Math.max(tol.atol, tol.rtol * Math.abs(w));
    if (!(err <= bound) && !(Number.isNaN(g) && Number.isNaN(w))) {
      throw new Error(`${what}: element ${i}: got ${g}, want ${w} (|diff| ${err} > ${bound})`);
    }
    worst = Math.max(worst, err);
  }
}

/** Largest |a[i] - b[i]|; arrays of different lengths are a failure, not a comparison of a prefix. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Transposes a dense tensor: out.shape[i] = x.shape[perm[i]]. For NCHW <-> NHWC in tests. */
export function transposeData(data: Float32Array, shape: Shape, perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) { inStrides[i] = acc; acc *= shape[i]; }
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i] * inStrides[perm[i]];
    out[o] = data[src];
    for (let i = rank - 1; i >= 0; i--) { if (++idx[i] < outShape[i]) break; idx[i] = 0; }
  }
  return out;
}

export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
