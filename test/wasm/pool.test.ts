// MaxPool, AveragePool and the global pools on both wasm builds vs the reference: channels off the
// SIMD width, strides, asymmetric and auto pads, dilation, ceilMode, countIncludePad, batch > 1.
import { beforeAll, describe, it } from 'vitest';
import { AveragePool, GlobalAveragePool, GlobalMaxPool, MaxPool } from '../../src/ops/pool.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { createWasmBackend, runWasmOp, VARIANTS } from './helpers.js';

const CASES: [number[], Attrs][] = [
  [[1, 4, 4, 3], { kernel: [2, 2], strides: [2, 2] }],
  [[2, 7, 6, 5], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  [[1, 9, 8, 8], { kernel: [3, 2], strides: [2, 1], pads: [0, 1, 2, 0] }],
  [[1, 7, 7, 9], { kernel: [3, 3], dilations: [2, 2], autoPad: 'SAME_UPPER' }],
  [[1, 6, 5, 4], { kernel: [2, 2], strides: [2, 2], ceilMode: true }],
  [[1, 5, 6, 13], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }],
  [[1, 1, 1, 6], { kernel: [3, 3], pads: [1, 1, 1, 1] }],
  [[3, 12, 10, 17], { kernel: [3, 3], strides: [2, 2], autoPad: 'SAME_LOWER' }],
  [[1, 3, 3, 2], { kernel: [2, 2], pads: [2, 2, 2, 2] }],
];

for (const variant of VARIANTS) {
  describe(`wasm pools [${variant}]`, () => {
    let b: WasmBackend;
    beforeAll(async () => { b = await createWasmBackend(variant); });

    it.each(CASES)('MaxPool and AveragePool x %j %j', async (shape, attrs) => {
      const x = randomTensor(shape, { seed: shape.reduce((a, d) => a * 31 + d, 7), min: -3, max: 3 });
      for (const [op, a] of [[MaxPool, attrs], [AveragePool, attrs], [AveragePool, { ...attrs, countIncludePad: true }]] as const) {
        const got = await runWasmOp(b, op, [x], a);
        expectClose(got[0], runReference(op, [x], a)[0].data, op.tolerance, `${op.name} ${JSON.stringify(a)}`);
      }
    });

    it.each([[[1, 1, 1, 3]], [[2, 5, 7, 9]], [[1, 14, 14, 64]], [[3, 4, 6]], [[2, 3, 3, 3, 5]]])('global pools x %j', async (shape) => {
      const x = randomTensor(shape, { seed: shape.length, min: -5, max: 5 });
      for (const op of [GlobalAveragePool, GlobalMaxPool]) {
        const got = await runWasmOp(b, op, [x]);
        expectClose(got[0], runReference(op, [x])[0].data, op.tolerance, op.name);
      }
    });
  });
}
