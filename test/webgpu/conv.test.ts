// WebGPU Conv against the reference over hard geometry: channels not a multiple of 4, 1x1/3x3/5x5, stride 2,
// asymmetric and automatic pads, dilation, groups, depthwise with multipliers, batch > 1, spatial sizes from
// 1x1 to past one 32-pixel tile, output channels past one 32-channel tile, bias and fused activation.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Conv } from '../../src/ops/conv.js';
import type { Attrs } from '../../src/graph/ir.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import type { Tensor } from '../../src/tensor.js';
import { describeGpu, newBackend, prepareGpu, type WebGpuBackendT } from './gpu.js';

let b: WebGpuBackendT;
beforeAll(async () => { b = await newBackend(); });
afterAll(() => b?.dispose());

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
  { what: '1x1 stride 2 (implicit GEMM path)', x: [1, 7, 9, 6], w: [5, 1, 1, 6], attrs: { strides: [2, 2] }, bias: true },
  { what: '3x3 pad 1, RGB input', x: [1, 9, 11, 3], w: [8, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { what: '3x3 stride 2, asymmetric pads', x: [2, 10, 9, 5], w: [6, 3, 3, 5], attrs: { strides: [2, 2], pads: [0, 1, 1, 0] }, bias: true },
  { what: '5x5 dilation 2, stride (1,2)', x: [1, 13, 12, 6], w: [10, 5, 5, 6], attrs: { dilations: [2, 2], strides: [1, 2], pads: [2, 3, 1, 0] } },
  { what: '3x3 groups 3', x: [2, 6, 7, 6], w: [9, 3, 3, 2], attrs: { group: 3, pads: [1, 1, 1, 1] }, bias: true },
  { what: '3x3 groups 2, 35 channels per group (column tiles per group)', x: [1, 5, 5, 4], w: [70, 3, 3, 2], attrs: { group: 2 }, bias: true },
  { what: 'SAME_UPPER stride 2', x: [1, 8, 7, 3], w: [4, 3, 3, 3], attrs: { autoPad: 'SAME_UPPER', strides: [2, 2] } },
  { what: 'SAME_LOWER 4x2 kernel', x: [1, 6, 7, 3], w: [4, 4, 2, 3], attrs: { autoPad: 'SAME_LOWER' } },
  { what: 'tiny 1x1 input, 3x3 kernel all padding but the centre', x: [3, 1, 1, 5], w: [6, 3, 3, 5], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { what: 'larger: 40 pixels x 45 channels x K=171', x: [1, 8, 5, 19], w: [45, 3, 3, 19], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { what: 'depthwise 3x3 pad 1, C=7', x: [2, 6, 5, 7], w: [7, 3, 3, 1], attrs: { group: 7, pads: [1, 1, 1, 1] }, bias: true },
  { what: 'depthwise multiplier 2, 5x5 stride 2, asymmetric pads', x: [1, 9, 8, 5], w: [10, 5, 5, 1], attrs: { group: 5, strides: [2, 2], pads: [2, 1, 0, 2] }, bias: true },
  { what: 'depthwise 3x3 dilation 2, no bias', x: [1, 7, 7, 9], w: [9, 3, 3, 1], attrs: { group: 9, dilations: [2, 2], pads: [2, 2, 2, 2] } },
  { what: 'depthwise on a 1x1 input', x: [2, 1, 1, 6], w: [6, 3, 3, 1], attrs: { group: 6, pads: [1, 1, 1, 1] }, bias: true },
];

function inputs(c: Case): [Tensor, Tensor, Tensor | undefined] {
  const x = randomTensor(c.x, { seed: c.x.reduce((p, d) => p + d, 0), min: -2, max: 2 });
  const w = randomTensor(c.w, { seed: c.w.reduce((p, d) => p * 3 + d, 1) });
  return [x, w, c.bias ? randomTensor([c.w[0]], { seed: 5 }) : undefined];
}

describeGpu('WebGPU Conv', () => {
  // Everything is prepared first so the pipelines compile in parallel, as a model's do.
  const runs = new Map<Case, () => Promise<Tensor[]>>();
  beforeAll(() => { for (const c of CASES) runs.set(c, prepareGpu(b, Conv, inputs(c), c.attrs, { constants: [1, 2] })); });

  it.each(CASES.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    const [got] = await runs.get(c)!();
    const [want] = runReference(Conv, inputs(c), c.attrs);
    expect(got.shape).toEqual(want.shape);
    expectClose(got.data, want.data, Conv.tolerance, c.what);
  });

  it('fused activation on each path: pointwise, implicit GEMM, depthwise', async () => {
    const activation = { op: 'Clip', min: 0, max: 0.5 };
    const paths: Case[] = [
      { what: 'pointwise', x: [1, 4, 4, 6], w: [5, 1, 1, 6], attrs: {} },
      { what: 'general', x: [1, 6, 6, 3], w: [5, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
      { what: 'depthwise', x: [1, 6, 6, 5], w: [5, 3, 3, 1], attrs: { group: 5, pads: [1, 1, 1, 1] } },
    ];
    const prepared = paths.map((c) => {
      const x = randomTensor(c.x, { seed: 21, min: -2, max: 2 }), w = randomTensor(c.w, { seed: 22 }), bias = randomTensor([c.w[0]], { seed: 23 });
      const attrs = { ...c.attrs, activation };
      return { c, want: runReference(Conv, [x, w, bias], attrs)[0], run: prepareGpu(b, Conv, [x, w, bias], attrs, { constants: [1, 2] }) };
    });
    for (const { c, want, run } of prepared) {
      const [got] = await run();
      expectClose(got.data, want.data, Conv.tolerance, `Conv+Clip ${c.what}`);
    }
  });
});
