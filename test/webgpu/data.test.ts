// WebGPU data movement (Reshape, Flatten, Identity, Transpose, Concat, Split, Pad), ReduceMean and
// BatchNormalization against the reference: awkward ranks and axes, sizes around the workgroup width; each
// with f32 and f16 storage (f16 copies stay exact: a half read is written back unchanged).
import { expect, it } from 'vitest';
import { Flatten, Identity, Reshape } from '../../src/ops/reshape.js';
import { Transpose } from '../../src/ops/transpose.js';
import { Concat } from '../../src/ops/concat.js';
import { Split } from '../../src/ops/split.js';
import { Pad } from '../../src/ops/pad.js';
import { ReduceMean } from '../../src/ops/reduce-mean.js';
import { BatchNormalization } from '../../src/ops/batch-norm.js';
import type { OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Tensor } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import { backendsPerPrecision, describeGpu, type PrecisionGpu } from './gpu.js';

const GPUS = backendsPerPrecision();

async function check(g: PrecisionGpu, family: string, op: OpDef<any>, inputs: Tensor[], attrs: Attrs, what: string, constants?: number[]): Promise<void> {
  const got = await g.run(op, inputs, attrs, { constants });
  const want = g.reference(op, inputs, attrs);
  expect(got.length, what).toBe(want.length);
  got.forEach((t, i) => {
    expect(t.shape, `${what} output ${i}`).toEqual(want[i].shape);
    g.expectClose(family, t.data, want[i].data, op.tolerance, `${what} output ${i}`);
  });
}

for (const g of GPUS) {
  describeGpu(`WebGPU Reshape / Flatten / Identity / Transpose, ${g.precision} storage`, () => {
    it('copies keep every value', async () => {
      const x = randomTensor([2, 3, 5, 7], { seed: 1 });
      await check(g, 'data movement', Reshape, [x], { shape: [0, -1, 7] }, 'Reshape');
      await check(g, 'data movement', Flatten, [x], { axis: 2 }, 'Flatten');
      await check(g, 'data movement', Identity, [randomTensor([65], { seed: 2 })], {}, 'Identity');
    });

    it.each([[[2, 3, 4], [2, 0, 1]], [[2, 3, 4, 5], [0, 3, 1, 2]], [[2, 3, 4, 5], [0, 2, 3, 1]], [[5, 1, 7], undefined],
      [[2, 1, 3, 1, 2, 2, 1, 3, 2], [8, 7, 6, 5, 4, 3, 2, 1, 0]], [[3, 67], [1, 0]]] as [number[], number[] | undefined][])(
      'Transpose %j perm %j', async (shape, perm) => {
        await check(g, 'data movement', Transpose, [randomTensor(shape, { seed: shape.length })], perm ? { perm } : {}, `Transpose [${shape}]`);
      });
  });

  describeGpu(`WebGPU Concat / Split, ${g.precision} storage`, () => {
    it.each([0, 1, 2, -1])('Concat along axis %i', async (axis) => {
      const shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]].map((s) => s.map((d, i) => (i === (axis + 3) % 3 ? d + i + 1 : d)));
      const xs = shapes.map((s, i) => randomTensor(s, { seed: 10 + i }));
      await check(g, 'data movement', Concat, xs, { axis }, `Concat axis ${axis}`, [1]);
    });

    it.each([[0, [1, 3]], [2, [2, 1, 2]], [-1, [4, 1]]] as [number, number[]][])('Split along axis %i into %j', async (axis, split) => {
      const x = randomTensor([4, 3, 5], { seed: 5 });
      await check(g, 'data movement', Split, [x], { axis, split }, `Split axis ${axis}`);
    });

    it('Split into equal parts (numOutputs)', async () => {
      await check(g, 'data movement', Split, [randomTensor([2, 7, 3], { seed: 6 })], { axis: 1, numOutputs: 3 }, 'Split equal');
    });
  });

  describeGpu(`WebGPU Pad, ${g.precision} storage`, () => {
    it.each(['constant', 'reflect', 'edge'])('%s mode, NHWC spatial pads and a channel pad', async (mode) => {
      const x = randomTensor([2, 4, 5, 3], { seed: 7 });
      await check(g, 'data movement', Pad, [x], { pads: [0, 1, 2, 0, 0, 3, 1, 2], mode, value: 1.5 }, `Pad ${mode}`);
    });

    it('negative pads crop', async () => {
      await check(g, 'data movement', Pad, [randomTensor([3, 6, 4], { seed: 8 })], { pads: [0, -2, 1, -1, 1, 0] }, 'Pad crop');
    });
  });

  describeGpu(`WebGPU ReduceMean, ${g.precision} storage`, () => {
    it.each([[[2, 3, 4, 5], [1, 2], true], [[2, 3, 4, 5], [], false], [[2, 3, 4, 5], [0, 3], false], [[2, 3, 4, 5], [-1], true],
      [[7, 129], [1], false], [[3, 1, 2], [1], true]] as [number[], number[], boolean][])('x %j axes %j keepdims %s', async (shape, axes, keepdims) => {
      await check(g, 'ReduceMean / BatchNormalization', ReduceMean, [randomTensor(shape, { seed: 9 })], { axes, keepdims }, `ReduceMean [${shape}] axes [${axes}]`);
    });
  });

  describeGpu(`WebGPU BatchNormalization, ${g.precision} storage`, () => {
    it.each([[[2, 3, 4, 5]], [[3, 7]], [[1, 2, 2, 67]]])('x %j, with and without a fused activation', async (shape) => {
      const C = shape[shape.length - 1];
      const x = randomTensor(shape, { seed: 1, min: -3, max: 3 });
      const params = [randomTensor([C], { seed: 2 }), randomTensor([C], { seed: 3 }), randomTensor([C], { seed: 4 }), randomTensor([C], { seed: 5, min: 0.1, max: 2 })];
      await check(g, 'ReduceMean / BatchNormalization', BatchNormalization, [x, ...params], { epsilon: 1e-3 }, `BatchNorm [${shape}]`, [1, 2, 3, 4]);
      await check(g, 'ReduceMean / BatchNormalization', BatchNormalization, [x, ...params], { activation: { op: 'Relu' } }, `BatchNorm+Relu [${shape}]`, [1, 2, 3, 4]);
    });
  });
}
