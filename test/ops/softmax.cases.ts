// Softmax and LogSoftmax on every backend: every axis, rows around the SIMD width and past the 64-wide
// workgroup (SIZES, also the onnxruntime sweep's), 1000 classes, and logits large enough to overflow a
// naive exp (on f16 ±1e38 saturate to ±65504 at upload, and LogSoftmax's -131008 must saturate when stored).
// Logits around 1e5 (ulp 2^-7) keep a tight tolerance: x - max is exact there, so only (x - max) - log(sum)
// may round; subtracting a rounded max + log(sum) in one step was off by up to 3.9e-3 (issue #15).
import { LogSoftmax, Softmax } from '../../src/ops/softmax.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

/** Outputs of at most ~20 in magnitude: an error of one f32 ulp of log(sum) plus the final rounding. */
const NEAR_1E5 = { atol: 1e-5, rtol: 1e-6 };

/** Lengths of the softmax axis. */
export const SIZES = [1, 3, 4, 5, 7, 8, 9, 63, 64, 65, 255, 256, 257, 1000];

const AXES: [Shape, number][] = [
  [[1, 10], -1], [[3, 1000], 1], [[2, 7], 0], [[2, 3, 5], 1], [[4, 6, 5], -1], [[1], 0], [[2, 4, 4, 9], 3],
  [[4, 5, 6], 1], [[4, 5, 6], 0], [[2, 3, 65], 2], [[7], 0], [[2, 1, 3], 1],
];

export const CASES: OpCase[] = [Softmax, LogSoftmax].flatMap((op) => [
  ...SIZES.map((n): OpCase => ({ name: `[2,${n}] last axis`, op, inputs: [randomTensor([2, n], { seed: n, min: -20, max: 20 })] })),
  ...AXES.map(([shape, axis]): OpCase => ({
    name: `[${shape}] axis ${axis}`, op, attrs: { axis }, inputs: [randomTensor(shape, { seed: shape.length * 5 + axis + 5, min: -10, max: 10 })],
  })),
  ((): OpCase => {
    const x = randomTensor([2, 50], { seed: 8, min: -1, max: 1 });
    x.data[7] = 1e4; x.data[60] = -1e38; x.data[61] = 1e38;
    return { name: 'large logits neither overflow nor lose the winner', op, inputs: [x] };
  })(),
  ...([[[4, 37], -1], [[2, 9, 6], 1]] as [Shape, number][]).map(([shape, axis]): OpCase => ({
    name: `[${shape}] axis ${axis}, logits around 1e5`, op, attrs: { axis }, tolerance: NEAR_1E5,
    inputs: [randomTensor(shape, { seed: 15 + axis, min: 1e5 - 10, max: 1e5 + 10 })],
  })),
]);
