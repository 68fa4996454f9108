// Unary activations on every backend: sizes around the SIMD width (4) and the 64-wide workgroup, with
// tails, per activation kind and parameters; an image-shaped tensor; extreme inputs (saturation, no NaN).
import { Clip, HardSigmoid, HardSwish, LeakyRelu, Relu, Sigmoid, Tanh } from '../../src/ops/unary.js';
import { F32_MAX } from '../../src/ops/activation.js';
import type { OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor } from '../../src/tensor.js';
import { expect } from 'vitest';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

/** Element counts around the f32x4 width, the 64-wide workgroup and 4 x 64, with tails; also the onnxruntime sweep's. */
export const SIZES = [1, 3, 4, 5, 7, 8, 9, 17, 63, 64, 65, 255, 256, 257, 1031, 4099];

export const UNARY: readonly (readonly [OpDef<any>, Attrs])[] = [
  [Relu, {}], [Clip, { min: -0.5, max: 6 }], [Clip, {}], [Clip, { min: 0 }], [LeakyRelu, { alpha: 0.1 }], [Sigmoid, {}], [Tanh, {}],
  [HardSigmoid, { alpha: 0.3, beta: 0.4 }], [HardSwish, {}],
];

const finite = (got: readonly { data: Float32Array }[]) => expect(got[0].data.every(Number.isFinite), 'finite results').toBe(true);

export const CASES: OpCase[] = [
  ...UNARY.flatMap(([op, attrs], i) => [
    ...SIZES.map((n): OpCase => ({ name: `${JSON.stringify(attrs)} n=${n}`, op, attrs, inputs: [randomTensor([n], { seed: n + 17 * i, min: -10, max: 10 })] })),
    { name: `${JSON.stringify(attrs)} [2,5,7,3]`, op, attrs, inputs: [randomTensor([2, 5, 7, 3], { seed: 99 + i, min: -6, max: 6 })] },
  ]),
  // The wasm f32x4 sigmoid and tanh are rational approximations: their ends, and values near 0.
  ...[Sigmoid, Tanh].map((op): OpCase => ({
    name: 'extreme and tiny inputs', op, kernel: 'wasm rational sigmoid/tanh',
    inputs: [tensor([12], Float32Array.of(-1e4, -100, -88, -30, -1e-6, 0, 1e-7, 2e-3, 15, 40, 89, 1e4))],
  })),
  // On f16 the extremes saturate to ±65504 at upload; the activations of those stay in range.
  ...[Sigmoid, Tanh, HardSwish, Clip].map((op): OpCase => {
    const x = randomTensor([4, 5], { seed: 9 });
    x.data.set([-F32_MAX, F32_MAX, -1e30, 1e30, -100, 100]);
    return { name: '±F32_MAX, ±1e30: finite results', op, inputs: [x], check: finite };
  }),
];
