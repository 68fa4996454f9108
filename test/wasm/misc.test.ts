// Softmax / LogSoftmax, BatchNormalization and the reshape family on both wasm builds vs the reference.
import { beforeAll, describe, it } from 'vitest';
import { LogSoftmax, Softmax } from '../../src/ops/softmax.js';
import { BatchNormalization } from '../../src/ops/batch-norm.js';
import { Flatten, Identity, Reshape } from '../../src/ops/reshape.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { OpDef } from '../../src/ops/op.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { createWasmBackend, runWasmOp, VARIANTS } from './helpers.js';

for (const variant of VARIANTS) {
  describe(`wasm Softmax, BatchNormalization, Reshape [${variant}]`, () => {
    let b: WasmBackend;
    beforeAll(async () => { b = await createWasmBackend(variant); });

    it.each([[[1, 10], -1], [[3, 1000], 1], [[2, 7], 0], [[2, 3, 5], 1], [[4, 6, 5], -1], [[1], 0], [[2, 4, 4, 9], 3]] as const)(
      'Softmax and LogSoftmax x %j axis %i', async (shape, axis) => {
        const x = randomTensor(shape, { seed: shape.length + axis + 5, min: -20, max: 20 });
        for (const op of [Softmax, LogSoftmax]) {
          const got = await runWasmOp(b, op, [x], { axis });
          expectClose(got[0], runReference(op, [x], { axis })[0].data, op.tolerance, `${op.name} axis ${axis}`);
        }
      });

    it.each([[[2, 5]], [[1, 3, 3, 7]], [[2, 4, 5, 16]], [[1, 1, 1, 1]]])('BatchNormalization x %j', async (shape) => {
      const C = shape[shape.length - 1];
      const x = randomTensor(shape, { seed: 1, min: -4, max: 4 });
      const params = [randomTensor([C], { seed: 2 }), randomTensor([C], { seed: 3 }), randomTensor([C], { seed: 4 }),
        randomTensor([C], { seed: 5, min: 0.1, max: 2 })];
      for (const attrs of [{}, { epsilon: 1e-3, activation: { op: 'Relu' } }, { activation: { op: 'Tanh' } }] as Attrs[]) {
        const want = runReference(BatchNormalization, [x, ...params], attrs)[0].data;
        const got = await runWasmOp(b, BatchNormalization, [x, ...params.map((p) => ({ constant: p }))], attrs);
        expectClose(got[0], want, BatchNormalization.tolerance, `BatchNormalization ${JSON.stringify(attrs)}`);
      }
    });

    it('Reshape, Flatten and Identity give the input\'s values', async () => {
      const x = randomTensor([2, 3, 4, 5], { seed: 9 });
      for (const [op, attrs] of [[Reshape, { shape: [0, -1] }], [Flatten, { axis: 2 }], [Identity, {}]] as [OpDef<any>, Attrs][]) {
        const got = await runWasmOp(b, op, [x], attrs);
        expectClose(got[0], runReference(op, [x], attrs)[0].data, op.tolerance, op.name);
      }
    });
  });
}
