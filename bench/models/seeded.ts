// Seeded weights for the bench models: the same seed gives the same bytes on every machine, so
// every runtime is handed identical weights. Glorot-uniform for kernels, small uniform biases.
import type { Constant } from '../../src/graph/ir.js';
import { rng } from '../../test/helpers/random.js';

export function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export function f32Const(shape: readonly number[], data: Float32Array): Constant {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`constant [${shape}] needs ${n} values, got ${data.length}`);
  return { shape: [...shape], dtype: 'f32', data };
}

/** Keras' glorot_uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)). */
export function glorot(shape: readonly number[], fanIn: number, fanOut: number, seed: number): Constant {
  const l = Math.sqrt(6 / (fanIn + fanOut));
  return f32Const(shape, uniform(shape.reduce((a, b) => a * b, 1), -l, l, seed));
}

/** Non-zero biases, so that a runtime dropping a bias shows up in the output check. */
export function smallBias(n: number, seed: number): Constant {
  return f32Const([n], uniform(n, -0.1, 0.1, seed));
}
