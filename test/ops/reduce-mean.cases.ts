// ReduceMean on every backend: NHWC global average, several and negative axes, all axes (empty list and
// none given), keepdims both ways, a reduced axis past the workgroup.
import { ReduceMean } from '../../src/ops/reduce-mean.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

const REDUCTIONS: [Shape, Attrs][] = [
  [[2, 7, 7, 16], { axes: [1, 2] }], [[2, 7, 7, 16], { axes: [1, 2], keepdims: false }], [[3, 4, 5], { axes: [0, 2] }],
  [[3, 4, 5], {}], [[3, 4, 5], { axes: [-1], keepdims: 0 }], [[2, 3, 4, 5], { axes: [0, 1, 3] }],
  [[2, 3, 4, 5], { axes: [1, 2], keepdims: true }], [[2, 3, 4, 5], { axes: [], keepdims: false }], [[2, 3, 4, 5], { axes: [0, 3], keepdims: false }],
  [[2, 3, 4, 5], { axes: [-1], keepdims: true }], [[7, 129], { axes: [1], keepdims: false }], [[3, 1, 2], { axes: [1], keepdims: true }],
];

export const CASES: OpCase[] = REDUCTIONS.map(([shape, attrs], i): OpCase => ({
  name: `[${shape}] ${JSON.stringify(attrs)}`, op: ReduceMean, attrs, inputs: [randomTensor(shape, { seed: 8 + i, min: -3, max: 5 })],
}));
