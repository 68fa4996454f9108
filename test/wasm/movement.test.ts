// Transpose, Split, Pad (every mode, negative pads), Concat and ReduceMean on both wasm builds vs the reference.
import { beforeAll, describe, it } from 'vitest';
import { Transpose } from '../../src/ops/transpose.js';
import { Split } from '../../src/ops/split.js';
import { Pad } from '../../src/ops/pad.js';
import { Concat } from '../../src/ops/concat.js';
import { ReduceMean } from '../../src/ops/reduce-mean.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { createWasmBackend, runWasmOp, VARIANTS } from './helpers.js';

for (const variant of VARIANTS) {
  describe(`wasm data movement [${variant}]`, () => {
    let b: WasmBackend;
    beforeAll(async () => { b = await createWasmBackend(variant); });

    it.each([
      [[2, 3, 4, 5], [0, 3, 1, 2]], [[2, 3, 4, 5], [0, 2, 3, 1]], [[1, 8, 8, 6], [0, 1, 2, 3]], [[5, 7], [1, 0]],
      [[2, 1, 3, 4], [0, 2, 1, 3]], [[3, 4, 5], undefined], [[6], [0]], [[1, 4, 2, 2, 3], [0, 2, 1, 3, 4]],
    ] as [number[], number[] | undefined][])('Transpose %j perm %j', async (shape, perm) => {
      const x = randomTensor(shape, { seed: shape.length });
      const attrs: Attrs = perm ? { perm } : {};
      expectClose((await runWasmOp(b, Transpose, [x], attrs))[0], runReference(Transpose, [x], attrs)[0].data, Transpose.tolerance, 'Transpose');
    });

    it.each([
      [[2, 6, 4], { axis: 1, split: [2, 4] }], [[1, 7, 7, 12], { axis: 3, numOutputs: 2 }], [[9, 5], { axis: 0, split: [3, 0, 6] }],
      [[2, 3, 5], { axis: -1, numOutputs: 3 }],
    ] as [number[], Attrs][])('Split %j %j', async (shape, attrs) => {
      const x = randomTensor(shape, { seed: 4 });
      const want = runReference(Split, [x], attrs);
      const got = await runWasmOp(b, Split, [x], attrs);
      want.forEach((w, i) => expectClose(got[i], w.data, Split.tolerance, `Split output ${i}`));
    });

    it.each([
      [[1, 4, 5, 3], { pads: [0, 1, 2, 0, 0, 2, 1, 0] }], [[1, 4, 5, 3], { pads: [0, 1, 2, 0, 0, 2, 1, 0], mode: 'reflect' }],
      [[1, 4, 5, 3], { pads: [0, 3, 2, 1, 0, 2, 4, 1], mode: 'edge' }], [[2, 6, 7], { pads: [0, -1, 2, 0, 2, -3], value: 1.5 }],
      [[5], { pads: [2, 3], mode: 'reflect' }], [[3, 4], { pads: [1, 1, 1, 1], value: -2 }],
    ] as [number[], Attrs][])('Pad %j %j', async (shape, attrs) => {
      const x = randomTensor(shape, { seed: 7 });
      expectClose((await runWasmOp(b, Pad, [x], attrs))[0], runReference(Pad, [x], attrs)[0].data, Pad.tolerance, 'Pad');
    });

    it.each([
      [[[2, 3, 4], [2, 5, 4], [2, 1, 4]], 1], [[[1, 4, 4, 3], [1, 4, 4, 5]], 3], [[[2, 3], [4, 3]], 0], [[[3, 2, 2], [3, 2, 2]], -1],
    ] as [number[][], number][])('Concat %j axis %i', async (shapes, axis) => {
      const xs = shapes.map((s, i) => randomTensor(s, { seed: 20 + i }));
      const got = await runWasmOp(b, Concat, xs, { axis });
      expectClose(got[0], runReference(Concat, xs, { axis })[0].data, Concat.tolerance, 'Concat');
      const withConst = await runWasmOp(b, Concat, [xs[0], ...xs.slice(1).map((t) => ({ constant: t }))], { axis });
      expectClose(withConst[0], runReference(Concat, xs, { axis })[0].data, Concat.tolerance, 'Concat with a constant');
    });

    it.each([
      [[2, 7, 7, 16], { axes: [1, 2] }], [[2, 7, 7, 16], { axes: [1, 2], keepdims: false }], [[3, 4, 5], { axes: [0, 2] }],
      [[3, 4, 5], {}], [[3, 4, 5], { axes: [-1], keepdims: 0 }], [[2, 3, 4, 5], { axes: [0, 1, 3] }],
    ] as [number[], Attrs][])('ReduceMean %j %j', async (shape, attrs) => {
      const x = randomTensor(shape, { seed: 8, min: -3, max: 5 });
      expectClose((await runWasmOp(b, ReduceMean, [x], attrs))[0], runReference(ReduceMean, [x], attrs)[0].data, ReduceMean.tolerance, 'ReduceMean');
    });
  });
}
