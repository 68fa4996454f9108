// Pad on every backend: constant (with a value), reflect and edge modes, NHWC spatial and channel pads,
// negative pads that crop, rank 1 to 4.
import { Pad } from '../../src/ops/pad.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

const PADS: [Shape, Attrs][] = [
  [[1, 4, 5, 3], { pads: [0, 1, 2, 0, 0, 2, 1, 0] }], [[1, 4, 5, 3], { pads: [0, 1, 2, 0, 0, 2, 1, 0], mode: 'reflect' }],
  [[1, 4, 5, 3], { pads: [0, 3, 2, 1, 0, 2, 4, 1], mode: 'edge' }], [[2, 6, 7], { pads: [0, -1, 2, 0, 2, -3], value: 1.5 }],
  [[5], { pads: [2, 3], mode: 'reflect' }], [[3, 4], { pads: [1, 1, 1, 1], value: -2 }],
  ...['constant', 'reflect', 'edge'].map((mode): [Shape, Attrs] => [[2, 4, 5, 3], { pads: [0, 1, 2, 0, 0, 3, 1, 2], mode, value: 1.5 }]),
  [[3, 6, 4], { pads: [0, -2, 1, -1, 1, 0] }],
];

export const CASES: OpCase[] = PADS.map(([shape, attrs], i): OpCase => ({
  name: `[${shape}] ${JSON.stringify(attrs)}`, op: Pad, attrs, inputs: [randomTensor(shape, { seed: 7 + i })],
}));
