// Add/Sub/Mul/Div and PRelu on every backend: sizes around the SIMD width and the workgroup (unary.cases.ts's
// SIZES), and broadcast patterns that reach every stride mode of the kernels: equal shapes, scalars either
// side (rank 0 too), a bias over channels, outer products, middle axes, rank 5, and rank 9 coalesced to 3.
import { Add, Div, Mul, PRelu, Sub } from '../../src/ops/binary.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';
import { SIZES } from './unary.cases.js';

export const BINARY = [Add, Sub, Mul, Div];

/** [a, b] shapes; each also runs swapped where the two differ. */
export const BROADCASTS: readonly (readonly [Shape, Shape])[] = [
  [[1], [1]], [[7], [7]], [[2, 3, 5], [2, 3, 5]], [[2, 3, 5, 9], [2, 3, 5, 9]], [[1, 1], [1, 1]],
  [[1], [33]], [[2, 3, 4, 5], [1]], [[2, 3, 4, 5], []], [[], [4]],
  [[2, 4, 4, 3], [3]], [[3], [2, 5, 5, 3]], [[2, 3, 4, 5], [5]], [[2, 6, 6, 8], [2, 1, 1, 8]], [[9, 13], [9, 1]], [[3, 70, 5], [70, 1]],
  [[5, 1], [1, 6]], [[4, 1, 7], [4, 3, 1]], [[3, 1, 5], [1, 4, 1]], [[2, 3, 1, 5], [1, 3, 4, 1]], [[1, 6, 1, 3], [5, 1, 2, 1]],
  [[2, 1, 3, 1, 5], [2, 4, 1, 6, 1]], [[2, 1, 3, 1, 7], [5, 1, 4, 7]],
  [[2, 2, 2, 2, 2, 2, 2, 2, 2], [2, 2, 2, 1, 1, 1, 2, 2, 2]],
  // As importers produce them: [C] over NHWC, [N,1,1,C], both sides, b the larger.
  [[], [3, 5]], [[2, 5, 6, 64], [64]], [[3, 4, 5, 7], [3, 1, 1, 7]], [[1, 1, 1, 9], [2, 4, 3, 9]], [[2, 1, 6, 1], [1, 5, 1, 3]],
  [[5, 1], [4]], [[1], [7, 3]],
];

const same = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

export const CASES: OpCase[] = BINARY.flatMap((op) => [
  ...SIZES.map((n): OpCase => ({
    name: `n=${n}`, op,
    // Divisors kept away from 0 so the comparison measures the kernel, not a near-singular quotient.
    inputs: [randomTensor([n], { seed: n, min: -4, max: 4 }), randomTensor([n], { seed: n + 1000, min: 0.5, max: 3 })],
  })),
  ...BROADCASTS.flatMap(([as, bs], i) => (same(as, bs) ? [[as, bs]] : [[as, bs], [bs, as]]).map(([p, q], k): OpCase => ({
    name: `[${p}] with [${q}]${(i + k) % 2 ? ', B constant' : ''}`, op,
    inputs: [randomTensor(p, { seed: p.length * 7 + 1, min: -4, max: 4 }), randomTensor(q, { seed: q.length * 3 + 2, min: 0.5, max: 3 })],
    constants: (i + k) % 2 ? [1] : [],
  }))),
]).concat(([
  [[2, 5, 5, 7], [7]], [[2, 4, 4, 3], [3]], [[3, 9], [1]], [[9], [1]], [[2, 3, 3, 4], [3, 1, 4]], [[2, 4, 4, 3], [4, 1, 3]],
  [[6], [6]], [[5, 7], [5, 7]], [[4, 65], [1, 65]],
] as [Shape, Shape][]).map(([xs, ss], i): OpCase => ({
  name: `x [${xs}] slope [${ss}]`, op: PRelu, constants: [1],
  inputs: [randomTensor(xs, { seed: 4 + i, min: -2, max: 2 }), randomTensor(ss, { seed: 5 + i, min: 0, max: 0.5 })],
})));
