// Conv on both wasm builds vs the reference, over the geometries that break conv kernels: channel
// counts off the SIMD width, 1x1/3x3/5x5, strides, asymmetric and auto pads, dilation, groups,
// depthwise (multiplier 1 and 2), batch > 1, tiny and larger images; constant and run-time weights.
import { beforeAll, describe, it } from 'vitest';
import { Conv } from '../../src/ops/conv.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { createWasmBackend, runWasmOp, VARIANTS } from './helpers.js';

interface Case { x: number[]; o: number; k: [number, number]; attrs: Attrs; bias?: boolean }
const CASES: Case[] = [
  { x: [1, 5, 5, 3], o: 4, k: [3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { x: [2, 7, 6, 5], o: 9, k: [3, 3], attrs: { strides: [2, 2], pads: [0, 1, 2, 1], activation: { op: 'Relu' } }, bias: true },
  { x: [1, 8, 8, 16], o: 8, k: [1, 1], attrs: {}, bias: true },
  { x: [2, 6, 5, 6], o: 12, k: [1, 1], attrs: { group: 3, activation: { op: 'Clip', min: 0, max: 6 } }, bias: true },
  { x: [1, 9, 9, 7], o: 7, k: [5, 5], attrs: { dilations: [2, 2], pads: [4, 4, 4, 4] } },
  { x: [1, 10, 10, 8], o: 8, k: [3, 3], attrs: { group: 8, pads: [1, 1, 1, 1], activation: { op: 'Clip', min: 0, max: 6 } }, bias: true },
  { x: [2, 11, 9, 12], o: 12, k: [3, 3], attrs: { group: 12, strides: [2, 2], pads: [1, 1, 0, 0] }, bias: true },
  { x: [1, 6, 6, 5], o: 10, k: [3, 3], attrs: { group: 5, pads: [1, 1, 1, 1] }, bias: true },
  { x: [1, 1, 1, 3], o: 5, k: [1, 1], attrs: {}, bias: true },
  { x: [1, 1, 1, 3], o: 5, k: [3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { x: [1, 17, 19, 3], o: 16, k: [3, 3], attrs: { strides: [2, 2], autoPad: 'SAME_UPPER', activation: { op: 'HardSwish' } }, bias: true },
  { x: [1, 7, 7, 6], o: 4, k: [3, 3], attrs: { group: 2, pads: [1, 0, 1, 2] }, bias: true },
  { x: [2, 9, 8, 10], o: 6, k: [1, 1], attrs: { strides: [2, 2] } },
  { x: [1, 12, 11, 13], o: 13, k: [5, 5], attrs: { group: 13, dilations: [2, 2], autoPad: 'SAME_LOWER', activation: { op: 'LeakyRelu', alpha: 0.1 } }, bias: true },
  { x: [1, 6, 7, 4], o: 3, k: [2, 3], attrs: { strides: [1, 2], autoPad: 'VALID' }, bias: true },
  { x: [1, 24, 24, 19], o: 21, k: [3, 3], attrs: { pads: [1, 1, 1, 1], activation: { op: 'Sigmoid' } }, bias: true },
  { x: [3, 5, 5, 1], o: 1, k: [3, 3], attrs: { group: 1, pads: [2, 2, 2, 2] } },
  { x: [1, 4, 4, 9], o: 9, k: [4, 4], attrs: { group: 9, strides: [3, 3], pads: [2, 2, 3, 3] } },
  // Depthwise 3x3 (its own kernel): dilation, partial channel blocks, every activation path, windows wider
  // than the input, no padding, and rows long enough that the image is swept in bands of one row.
  { x: [2, 9, 10, 7], o: 7, k: [3, 3], attrs: { group: 7, dilations: [2, 2], pads: [2, 1, 1, 2], activation: { op: 'LeakyRelu', alpha: 0.1 } }, bias: true },
  { x: [1, 2, 2, 5], o: 5, k: [3, 3], attrs: { group: 5, pads: [1, 1, 1, 1], activation: { op: 'Relu' } } },
  { x: [1, 13, 12, 16], o: 16, k: [3, 3], attrs: { group: 16, autoPad: 'VALID', activation: { op: 'HardSigmoid', alpha: 0.2, beta: 0.5 } }, bias: true },
  { x: [1, 7, 7, 14], o: 14, k: [3, 3], attrs: { group: 14, strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true },
  { x: [1, 5, 64, 402], o: 402, k: [3, 3], attrs: { group: 402, strides: [2, 1], pads: [1, 1, 1, 1], activation: { op: 'Clip', min: 0, max: 6 } }, bias: true },
];

for (const variant of VARIANTS) {
  describe(`wasm Conv [${variant}]`, () => {
    let b: WasmBackend;
    beforeAll(async () => { b = await createWasmBackend(variant); });

    it.each(CASES.map((c, i) => [i, c] as const))('case %i %j', async (i, c) => {
      const group = (c.attrs.group as number | undefined) ?? 1;
      const x = randomTensor(c.x, { seed: 10 + i });
      const w = randomTensor([c.o, c.k[0], c.k[1], c.x[3] / group], { seed: 100 + i });
      const bias = c.bias ? randomTensor([c.o], { seed: 200 + i }) : undefined;
      const attrs: Attrs = { kernel: c.k, ...c.attrs };
      const want = runReference(Conv, [x, w, bias], attrs)[0].data;
      const got = await runWasmOp(b, Conv, [x, { constant: w }, bias && { constant: bias }], attrs);
      expectClose(got[0], want, Conv.tolerance, `Conv case ${i} constant weights`);
      const gotRt = await runWasmOp(b, Conv, [x, w, bias], attrs);
      expectClose(gotRt[0], want, Conv.tolerance, `Conv case ${i} run-time weights`);
    });
  });
}
