// MaxPool, AveragePool (with and without countIncludePad) and the global pools on every backend: channels
// off the SIMD width, strides, asymmetric and automatic pads, dilation, ceil mode, windows wholly in the
// padding, 1x1 inputs, batch > 1; global pools over rank 3 to 5 and channels past the workgroup.
import { AveragePool, GlobalAveragePool, GlobalMaxPool, MaxPool } from '../../src/ops/pool.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

export const WINDOWS: readonly (readonly [string, Shape, Attrs])[] = [
  ['2x2 stride 2', [1, 4, 4, 3], { kernel: [2, 2], strides: [2, 2] }],
  ['2x2 stride 2, batch 2', [2, 8, 6, 5], { kernel: [2, 2], strides: [2, 2] }],
  ['3x3 stride 2 pad 1', [2, 7, 6, 5], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x3 stride 2 pad 1, C=3', [1, 9, 7, 3], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x2 stride [2,1], asymmetric pads', [1, 9, 8, 8], { kernel: [3, 2], strides: [2, 1], pads: [0, 1, 2, 0] }],
  ['3x2 asymmetric pads, batch 2', [2, 5, 6, 7], { kernel: [3, 2], pads: [0, 1, 2, 0] }],
  ['3x3 dilation 2 SAME_UPPER', [1, 7, 7, 9], { kernel: [3, 3], dilations: [2, 2], autoPad: 'SAME_UPPER' }],
  ['3x3 dilation 2, asymmetric pads', [1, 9, 9, 4], { kernel: [3, 3], dilations: [2, 2], pads: [1, 0, 2, 1] }],
  ['2x2 ceil mode', [1, 6, 5, 4], { kernel: [2, 2], strides: [2, 2], ceilMode: true }],
  ['3x3 stride 2 ceil mode', [1, 7, 8, 6], { kernel: [3, 3], strides: [2, 2], ceilMode: true }],
  ['3x3 stride 2 pad 1 ceil mode, C=13', [1, 5, 6, 13], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }],
  ['2x2 ceil mode with pads', [1, 6, 6, 2], { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }],
  ['3x3 on a 1x1 image', [1, 1, 1, 6], { kernel: [3, 3], pads: [1, 1, 1, 1] }],
  ['3x3 on 1x1 images, batch 3, C=9', [3, 1, 1, 9], { kernel: [3, 3], pads: [1, 1, 1, 1] }],
  ['3x3 stride 2 SAME_LOWER, batch 3, C=17', [3, 12, 10, 17], { kernel: [3, 3], strides: [2, 2], autoPad: 'SAME_LOWER' }],
  ['3x3 stride 2 SAME_UPPER', [1, 7, 5, 3], { kernel: [3, 3], strides: [2, 2], autoPad: 'SAME_UPPER' }],
  ['2x3 SAME_LOWER', [1, 6, 5, 3], { kernel: [2, 3], autoPad: 'SAME_LOWER' }],
  ['2x2, pads of 2', [1, 3, 3, 2], { kernel: [2, 2], pads: [2, 2, 2, 2] }],
  ['windows wholly in the padding', [1, 2, 2, 3], { kernel: [2, 2], strides: [3, 3], pads: [3, 3, 3, 3] }],
];

export const GLOBALS: readonly Shape[] = [[1, 1, 1, 3], [1, 7, 7, 5], [2, 5, 7, 9], [2, 3, 4, 67], [3, 1, 1, 2], [1, 14, 14, 64], [3, 4, 6], [2, 10, 3],
  [1, 2, 3, 4, 5], [2, 3, 3, 3, 5]];

export const CASES: OpCase[] = [
  ...WINDOWS.flatMap(([what, shape, attrs], i) => {
    const x = randomTensor(shape, { seed: 7 + i, min: -3, max: 3 });
    return [
      { name: what, op: MaxPool, attrs, inputs: [x] },
      { name: what, op: AveragePool, attrs, inputs: [x] },
      { name: `${what}, countIncludePad`, op: AveragePool, attrs: { ...attrs, countIncludePad: true }, inputs: [x] },
    ];
  }),
  ...GLOBALS.flatMap((shape, i) => {
    const x = randomTensor(shape, { seed: 3 + i, min: -5, max: 5 });
    return [GlobalAveragePool, GlobalMaxPool].map((op): OpCase => ({ name: `x [${shape}]`, op, inputs: [x] }));
  }),
];
