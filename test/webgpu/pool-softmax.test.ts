// WebGPU pooling (windowed and global) and Softmax/LogSoftmax against the reference: asymmetric and
// automatic pads, ceil mode, dilation, countIncludePad, windows entirely in padding, channels not a
// multiple of 4, batch > 1; softmax on every axis, slices longer than the 64-wide workgroup, big logits.
// Each with f32 and f16 storage (one dispatch: f16 rounds the output only; max pools stay exact).
import { expect, it } from 'vitest';
import { AveragePool, GlobalAveragePool, GlobalMaxPool, MaxPool } from '../../src/ops/pool.js';
import { LogSoftmax, Softmax } from '../../src/ops/softmax.js';
import type { OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Tensor } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import { backendsPerPrecision, describeGpu, type PrecisionGpu } from './gpu.js';

const GPUS = backendsPerPrecision();

async function check(g: PrecisionGpu, family: string, op: OpDef<any>, x: Tensor, attrs: Attrs, what: string): Promise<void> {
  const [got] = await g.run(op, [x], attrs);
  const [want] = g.reference(op, [x], attrs);
  expect(got.shape, what).toEqual(want.shape);
  g.expectClose(family, got.data, want.data, op.tolerance, what);
}

const WINDOWS: [string, number[], Attrs][] = [
  ['2x2 stride 2', [2, 8, 6, 5], { kernel: [2, 2], strides: [2, 2] }],
  ['3x3 stride 2 pad 1', [1, 9, 7, 3], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x2 asymmetric pads', [2, 5, 6, 7], { kernel: [3, 2], pads: [0, 1, 2, 0] }],
  ['ceil mode', [1, 7, 8, 6], { kernel: [3, 3], strides: [2, 2], ceilMode: true }],
  ['ceil mode with pads', [1, 6, 6, 2], { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }],
  ['dilation 2', [1, 9, 9, 4], { kernel: [3, 3], dilations: [2, 2], pads: [1, 0, 2, 1] }],
  ['SAME_UPPER', [1, 7, 5, 3], { kernel: [3, 3], strides: [2, 2], autoPad: 'SAME_UPPER' }],
  ['SAME_LOWER', [1, 6, 5, 3], { kernel: [2, 3], autoPad: 'SAME_LOWER' }],
  ['windows wholly in the padding', [1, 2, 2, 3], { kernel: [2, 2], strides: [3, 3], pads: [3, 3, 3, 3] }],
  ['1x1 input, 3x3 window', [3, 1, 1, 9], { kernel: [3, 3], pads: [1, 1, 1, 1] }],
];

for (const g of GPUS) {
  describeGpu(`WebGPU MaxPool / AveragePool, ${g.precision} storage`, () => {
    it.each(WINDOWS)('%s', async (what, shape, attrs) => {
      const x = randomTensor(shape, { seed: shape.length + shape[3], min: -3, max: 3 });
      await check(g, 'pools', MaxPool, x, attrs, `MaxPool ${what}`);
      await check(g, 'pools', AveragePool, x, attrs, `AveragePool ${what}`);
      await check(g, 'pools', AveragePool, x, { ...attrs, countIncludePad: true }, `AveragePool countIncludePad ${what}`);
    });
  });

  describeGpu(`WebGPU global pools, ${g.precision} storage`, () => {
    it.each([[[1, 7, 7, 5]], [[2, 3, 4, 67]], [[3, 1, 1, 2]], [[2, 10, 3]], [[1, 2, 3, 4, 5]]])('x %j', async (shape) => {
      const x = randomTensor(shape, { seed: 3, min: -5, max: 5 });
      await check(g, 'pools', GlobalAveragePool, x, {}, `GlobalAveragePool [${shape}]`);
      await check(g, 'pools', GlobalMaxPool, x, {}, `GlobalMaxPool [${shape}]`);
    });
  });

  describeGpu(`WebGPU Softmax / LogSoftmax, ${g.precision} storage`, () => {
    const CASES: [number[], number][] = [[[1, 10], -1], [[3, 1000], -1], [[4, 5, 6], 1], [[4, 5, 6], 0], [[2, 3, 65], 2], [[7], 0], [[2, 1, 3], 1]];
    it.each(CASES)('x %j axis %i', async (shape, axis) => {
      const x = randomTensor(shape, { seed: shape.length * 5 + axis, min: -10, max: 10 });
      await check(g, 'Softmax / LogSoftmax', Softmax, x, { axis }, `Softmax [${shape}] axis ${axis}`);
      await check(g, 'Softmax / LogSoftmax', LogSoftmax, x, { axis }, `LogSoftmax [${shape}] axis ${axis}`);
    });

    // On f16 ±1e38 saturate to ±65504 at upload, and LogSoftmax's -131008 must saturate when stored.
    it('large logits neither overflow nor lose the winner', async () => {
      const x = randomTensor([2, 50], { seed: 8, min: -1, max: 1 });
      x.data[7] = 1e4; x.data[60] = -1e38; x.data[61] = 1e38;
      await check(g, 'Softmax / LogSoftmax', Softmax, x, {}, 'Softmax large logits');
      await check(g, 'Softmax / LogSoftmax', LogSoftmax, x, {}, 'LogSoftmax large logits');
    });
  });
}
