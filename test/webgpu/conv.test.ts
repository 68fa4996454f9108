// WebGPU Conv against the reference over hard geometry: channels not a multiple of 4, 1x1/3x3/5x5, stride 2,
// asymmetric and automatic pads, dilation, groups, depthwise with multipliers, batch > 1, spatial sizes from
// 1x1 to past one 32-pixel tile, output channels past one 32-channel tile, bias and fused activation; the
// four-channel depthwise kernel (C % 4 == 0) and the four-output-channel implicit GEMM (O % 4 == 0) with
// their weights re-laid once at load, or every run when they are not constants. Every case runs with f32
// and f16 storage (the re-layouts copy halves exactly, so f16 rounds the output only).
import { beforeAll, expect, it } from 'vitest';
import { Conv } from '../../src/ops/conv.js';
import type { Attrs } from '../../src/graph/ir.js';
import { randomTensor } from '../helpers/harness.js';
import type { Tensor } from '../../src/tensor.js';
import { backendsPerPrecision, describeGpu, skipReason, type PrecisionGpu } from './gpu.js';

const GPUS = backendsPerPrecision();

interface Case {
  readonly what: string;
  readonly x: number[]; // NHWC
  readonly w: number[]; // OHWI
  readonly attrs: Attrs;
  readonly bias?: boolean;
}

const CASES: Case[] = [
  { what: '1x1 pointwise (GEMM path), batch 2', x: [2, 5, 6, 5], w: [7, 1, 1, 5], attrs: {}, bias: true },
  { what: '1x1 pointwise, 37 -> 41 channels', x: [1, 7, 7, 37], w: [41, 1, 1, 37], attrs: {}, bias: true },
  { what: '1x1 pointwise vec4, 16 -> 44 channels, 35 pixels, batch 2', x: [2, 5, 7, 16], w: [44, 1, 1, 16], attrs: {}, bias: true },
  { what: '1x1 stride 2 (implicit GEMM path)', x: [1, 7, 9, 6], w: [5, 1, 1, 6], attrs: { strides: [2, 2] }, bias: true },
  { what: '3x3 pad 1, RGB input, O % 4 != 0', x: [1, 9, 11, 3], w: [7, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { what: '3x3 stride 2, asymmetric pads', x: [2, 10, 9, 5], w: [6, 3, 3, 5], attrs: { strides: [2, 2], pads: [0, 1, 1, 0] }, bias: true },
  { what: '5x5 dilation 2, stride (1,2)', x: [1, 13, 12, 6], w: [10, 5, 5, 6], attrs: { dilations: [2, 2], strides: [1, 2], pads: [2, 3, 1, 0] } },
  { what: '3x3 groups 3', x: [2, 6, 7, 6], w: [9, 3, 3, 2], attrs: { group: 3, pads: [1, 1, 1, 1] }, bias: true },
  { what: '3x3 groups 2, 35 channels per group (column tiles per group)', x: [1, 5, 5, 4], w: [70, 3, 3, 2], attrs: { group: 2 }, bias: true },
  { what: 'SAME_UPPER stride 2', x: [1, 8, 7, 3], w: [4, 3, 3, 3], attrs: { autoPad: 'SAME_UPPER', strides: [2, 2] } },
  { what: 'SAME_LOWER 4x2 kernel', x: [1, 6, 7, 3], w: [4, 4, 2, 3], attrs: { autoPad: 'SAME_LOWER' } },
  { what: 'tiny 1x1 input, 3x3 kernel all padding but the centre', x: [3, 1, 1, 5], w: [6, 3, 3, 5], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { what: 'larger: 40 pixels x 45 channels x K=171', x: [1, 8, 5, 19], w: [45, 3, 3, 19], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { what: 'vec4 implicit GEMM: 3x3 pad 1, 8 -> 36 channels, batch 2', x: [2, 6, 7, 8], w: [36, 3, 3, 8], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { what: 'vec4 implicit GEMM: 5x5 stride 2, dilation (2,1), asymmetric pads, no bias', x: [1, 13, 11, 4], w: [8, 5, 5, 4], attrs: { strides: [2, 2], dilations: [2, 1], pads: [2, 0, 1, 3] } },
  { what: 'vec4 implicit GEMM: 1x1 stride 2, 35 pixels', x: [1, 13, 9, 12], w: [4, 1, 1, 12], attrs: { strides: [2, 2] }, bias: true },
  { what: 'O % 4 implicit GEMM: RGB 3x3 stride 2 pad 1 -> 32 channels, batch 2', x: [2, 9, 11, 3], w: [32, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true },
  { what: 'O % 4 implicit GEMM: grey 5x5 dilation 2, asymmetric pads, no bias', x: [1, 12, 10, 1], w: [4, 5, 5, 1], attrs: { dilations: [2, 2], pads: [1, 2, 3, 0] } },
  { what: 'depthwise 3x3 pad 1, C=7', x: [2, 6, 5, 7], w: [7, 3, 3, 1], attrs: { group: 7, pads: [1, 1, 1, 1] }, bias: true },
  { what: 'depthwise multiplier 2, 5x5 stride 2, asymmetric pads', x: [1, 9, 8, 5], w: [10, 5, 5, 1], attrs: { group: 5, strides: [2, 2], pads: [2, 1, 0, 2] }, bias: true },
  { what: 'depthwise 3x3 dilation 2, no bias', x: [1, 7, 7, 9], w: [9, 3, 3, 1], attrs: { group: 9, dilations: [2, 2], pads: [2, 2, 2, 2] } },
  { what: 'depthwise on a 1x1 input', x: [2, 1, 1, 6], w: [6, 3, 3, 1], attrs: { group: 6, pads: [1, 1, 1, 1] }, bias: true },
  { what: 'depthwise C=8 (vec4), 3x3 pad 1, batch 2', x: [2, 7, 6, 8], w: [8, 3, 3, 1], attrs: { group: 8, pads: [1, 1, 1, 1] }, bias: true },
  { what: 'depthwise C=12 (vec4), 5x5 stride 2, dilation (1,2), asymmetric pads', x: [1, 11, 12, 12], w: [12, 5, 5, 1], attrs: { group: 12, strides: [2, 2], dilations: [1, 2], pads: [2, 3, 1, 0] }, bias: true },
  { what: 'depthwise C=4 (vec4) on a 1x1 input, no bias', x: [3, 1, 1, 4], w: [4, 3, 3, 1], attrs: { group: 4, pads: [1, 1, 1, 1] } },
];

function inputs(c: Case): [Tensor, Tensor, Tensor | undefined] {
  const x = randomTensor(c.x, { seed: c.x.reduce((p, d) => p + d, 0), min: -2, max: 2 });
  const w = randomTensor(c.w, { seed: c.w.reduce((p, d) => p * 3 + d, 1) });
  return [x, w, c.bias ? randomTensor([c.w[0]], { seed: 5 }) : undefined];
}

// Every case of both precisions is prepared first so the pipelines compile in parallel, as a model's do.
const runs = new Map<string, () => Promise<Tensor[]>>();
const key = (g: PrecisionGpu, c: Case) => `${g.precision} ${c.what}`;
beforeAll(() => {
  if (skipReason !== undefined) return;
  for (const g of GPUS) for (const c of CASES) runs.set(key(g, c), g.prepare(Conv, inputs(c), c.attrs, { constants: [1, 2] }));
});

for (const g of GPUS) {
  describeGpu(`WebGPU Conv, ${g.precision} storage`, () => {
    it.each(CASES.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
      const [got] = await runs.get(key(g, c))!();
      const [want] = g.reference(Conv, inputs(c), c.attrs);
      expect(got.shape).toEqual(want.shape);
      g.expectClose('Conv', got.data, want.data, Conv.tolerance, c.what);
    });

    it('O % 4 implicit GEMM: constant weights are re-laid once and stay right on later runs; runtime weights every run', async () => {
      const c: Case = { what: 'conv 3->8', x: [1, 7, 6, 3], w: [8, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true };
      const [want] = g.reference(Conv, inputs(c), c.attrs);
      for (const constants of [[1, 2], [2]]) {
        const run = g.prepare(Conv, inputs(c), c.attrs, { constants });
        for (let k = 0; k < 3; k++) g.expectClose('Conv', (await run())[0].data, want.data, Conv.tolerance, `${c.what} constants [${constants}] run ${k}`);
      }
    });

    it('vec4 depthwise: constant weights are re-laid once and stay right on later runs; runtime weights every run', async () => {
      const c: Case = { what: 'dw C=16', x: [1, 9, 9, 16], w: [16, 3, 3, 1], attrs: { group: 16, strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true };
      const [want] = g.reference(Conv, inputs(c), c.attrs);
      for (const constants of [[1, 2], [2]]) {
        const run = g.prepare(Conv, inputs(c), c.attrs, { constants });
        for (let k = 0; k < 3; k++) g.expectClose('Conv', (await run())[0].data, want.data, Conv.tolerance, `${c.what} constants [${constants}] run ${k}`);
      }
    });

    it('fused activation on each path: pointwise, implicit GEMM, depthwise (each scalar and vec4)', async () => {
      const activation = { op: 'Clip', min: 0, max: 0.5 };
      const paths: Case[] = [
        { what: 'pointwise', x: [1, 4, 4, 6], w: [5, 1, 1, 6], attrs: {} },
        { what: 'pointwise vec4', x: [1, 4, 5, 8], w: [12, 1, 1, 8], attrs: {} },
        { what: 'general', x: [1, 6, 6, 3], w: [5, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
        { what: 'general vec4', x: [1, 6, 6, 4], w: [8, 3, 3, 4], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
        { what: 'general O % 4', x: [1, 6, 6, 3], w: [8, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
        { what: 'depthwise', x: [1, 6, 6, 5], w: [5, 3, 3, 1], attrs: { group: 5, pads: [1, 1, 1, 1] } },
        { what: 'depthwise vec4', x: [1, 6, 6, 8], w: [8, 3, 3, 1], attrs: { group: 8, pads: [1, 1, 1, 1] } },
      ];
      const prepared = paths.map((c) => {
        const x = randomTensor(c.x, { seed: 21, min: -2, max: 2 }), w = randomTensor(c.w, { seed: 22 }), bias = randomTensor([c.w[0]], { seed: 23 });
        const attrs = { ...c.attrs, activation };
        return { c, want: g.reference(Conv, [x, w, bias], attrs)[0], run: g.prepare(Conv, [x, w, bias], attrs, { constants: [1, 2] }) };
      });
      for (const { c, want, run } of prepared) {
        const [got] = await run();
        g.expectClose('Conv', got.data, want.data, Conv.tolerance, `Conv+Clip ${c.what}`);
      }
    });
  });
}
