// Transpose on every backend: NCHW <-> NHWC, identity and default (reversed) perms, unit axes, rank 1 to 9,
// a row past the workgroup.
import { Transpose } from '../../src/ops/transpose.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

const PERMS: [Shape, number[] | undefined][] = [
  [[2, 3, 4, 5], [0, 3, 1, 2]], [[2, 3, 4, 5], [0, 2, 3, 1]], [[1, 8, 8, 6], [0, 1, 2, 3]], [[5, 7], [1, 0]], [[3, 67], [1, 0]],
  [[2, 1, 3, 4], [0, 2, 1, 3]], [[3, 4, 5], undefined], [[5, 1, 7], undefined], [[2, 3, 4], [2, 0, 1]], [[6], [0]],
  [[1, 4, 2, 2, 3], [0, 2, 1, 3, 4]], [[2, 1, 3, 1, 2, 2, 1, 3, 2], [8, 7, 6, 5, 4, 3, 2, 1, 0]],
];

export const CASES: OpCase[] = PERMS.map(([shape, perm], i): OpCase => ({
  name: `[${shape}] perm ${perm ? `[${perm}]` : 'default'}`, op: Transpose, attrs: perm ? { perm } : {},
  inputs: [randomTensor(shape, { seed: shape.length + i })],
}));
