// Split on every backend: given sizes (a zero-size piece too), equal parts, every axis, several outputs.
import { Split } from '../../src/ops/split.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

const SPLITS: [Shape, Attrs][] = [
  [[2, 6, 4], { axis: 1, split: [2, 4] }], [[1, 7, 7, 12], { axis: 3, numOutputs: 2 }], [[9, 5], { axis: 0, split: [3, 0, 6] }],
  [[2, 3, 5], { axis: -1, numOutputs: 3 }], [[4, 3, 5], { axis: 0, split: [1, 3] }], [[4, 3, 5], { axis: 2, split: [2, 1, 2] }],
  [[4, 3, 5], { axis: -1, split: [4, 1] }], [[2, 7, 3], { axis: 1, numOutputs: 3 }],
];

export const CASES: OpCase[] = SPLITS.map(([shape, attrs], i): OpCase => ({
  name: `[${shape}] ${JSON.stringify(attrs)}`, op: Split, attrs, inputs: [randomTensor(shape, { seed: 4 + i })],
}));
