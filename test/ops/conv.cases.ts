// Conv on every backend, over the geometry that breaks conv kernels: channels off the SIMD width, 1x1/3x3/5x5,
// strides, asymmetric and automatic pads, dilation, groups, depthwise (multiplier 1 and 2), batch > 1, images
// from 1x1 to past a 32-pixel tile, output channels past a 32-channel tile, every fused activation; weights as
// constants (packed or re-laid once at load) and fed at run time. Rows written for one backend's kernel path
// name it: wasm's depthwise 3x3 kernel (its own), WebGPU's pointwise GEMM, implicit GEMM, vec4 and O % 4 forms.
import { Conv } from '../../src/ops/conv.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

interface Row {
  readonly name: string;
  readonly x: Shape; // NHWC
  readonly w: Shape; // OHWI
  readonly attrs?: Attrs;
  readonly bias?: boolean;
  readonly kernel?: string;
  /** Weights and bias fed per run rather than as constants. */
  readonly runtime?: boolean;
}

const ROWS: Row[] = [
  // General geometry (the wasm sweep).
  { name: '3x3 pad 1, C=3', x: [1, 5, 5, 3], w: [4, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { name: '3x3 stride 2, asymmetric pads, Relu', x: [2, 7, 6, 5], w: [9, 3, 3, 5], attrs: { strides: [2, 2], pads: [0, 1, 2, 1], activation: { op: 'Relu' } }, bias: true, runtime: true },
  { name: '1x1, 16 -> 8', x: [1, 8, 8, 16], w: [8, 1, 1, 16], bias: true },
  { name: '1x1 groups 3, Clip 0..6', x: [2, 6, 5, 6], w: [12, 1, 1, 2], attrs: { group: 3, activation: { op: 'Clip', min: 0, max: 6 } }, bias: true },
  { name: '5x5 dilation 2, pad 4', x: [1, 9, 9, 7], w: [7, 5, 5, 7], attrs: { dilations: [2, 2], pads: [4, 4, 4, 4] }, runtime: true },
  { name: 'depthwise 3x3 C=8, Clip 0..6', x: [1, 10, 10, 8], w: [8, 3, 3, 1], attrs: { group: 8, pads: [1, 1, 1, 1], activation: { op: 'Clip', min: 0, max: 6 } }, bias: true, kernel: 'wasm dwconv3x3' },
  { name: 'depthwise 3x3 C=12 stride 2, pads [1,1,0,0]', x: [2, 11, 9, 12], w: [12, 3, 3, 1], attrs: { group: 12, strides: [2, 2], pads: [1, 1, 0, 0] }, bias: true, kernel: 'wasm dwconv3x3' },
  { name: 'depthwise multiplier 2, C=5', x: [1, 6, 6, 5], w: [10, 3, 3, 1], attrs: { group: 5, pads: [1, 1, 1, 1] }, bias: true, runtime: true },
  { name: '1x1 on a 1x1 image', x: [1, 1, 1, 3], w: [5, 1, 1, 3], bias: true },
  { name: '3x3 pad 1 on a 1x1 image', x: [1, 1, 1, 3], w: [5, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { name: 'RGB 3x3 stride 2 SAME_UPPER -> 16, HardSwish', x: [1, 17, 19, 3], w: [16, 3, 3, 3], attrs: { strides: [2, 2], autoPad: 'SAME_UPPER', activation: { op: 'HardSwish' } }, bias: true },
  { name: 'groups 2, asymmetric pads', x: [1, 7, 7, 6], w: [4, 3, 3, 3], attrs: { group: 2, pads: [1, 0, 1, 2] }, bias: true, runtime: true },
  { name: '1x1 stride 2, no bias', x: [2, 9, 8, 10], w: [6, 1, 1, 10], attrs: { strides: [2, 2] } },
  { name: 'depthwise 5x5 dilation 2 SAME_LOWER, LeakyRelu', x: [1, 12, 11, 13], w: [13, 5, 5, 1], attrs: { group: 13, dilations: [2, 2], autoPad: 'SAME_LOWER', activation: { op: 'LeakyRelu', alpha: 0.1 } }, bias: true },
  { name: '2x3 stride [1,2] VALID', x: [1, 6, 7, 4], w: [3, 2, 3, 4], attrs: { strides: [1, 2], autoPad: 'VALID' }, bias: true, runtime: true },
  { name: '24x24x19 -> 21, Sigmoid', x: [1, 24, 24, 19], w: [21, 3, 3, 19], attrs: { pads: [1, 1, 1, 1], activation: { op: 'Sigmoid' } }, bias: true },
  { name: 'one channel, batch 3, pad 2', x: [3, 5, 5, 1], w: [1, 3, 3, 1], attrs: { group: 1, pads: [2, 2, 2, 2] } },
  { name: 'depthwise 4x4 stride 3, pads past the image', x: [1, 4, 4, 9], w: [9, 4, 4, 1], attrs: { group: 9, strides: [3, 3], pads: [2, 2, 3, 3] }, runtime: true },
  // wasm's depthwise 3x3 kernel: dilation, partial channel blocks, every activation path, windows wider
  // than the input, no padding, and rows long enough that the image is swept in bands of one row.
  { name: 'depthwise 3x3 dilation 2, LeakyRelu, batch 2', x: [2, 9, 10, 7], w: [7, 3, 3, 1], attrs: { group: 7, dilations: [2, 2], pads: [2, 1, 1, 2], activation: { op: 'LeakyRelu', alpha: 0.1 } }, bias: true, kernel: 'wasm dwconv3x3' },
  { name: 'depthwise 3x3 on 2x2, Relu, no bias', x: [1, 2, 2, 5], w: [5, 3, 3, 1], attrs: { group: 5, pads: [1, 1, 1, 1], activation: { op: 'Relu' } }, kernel: 'wasm dwconv3x3' },
  { name: 'depthwise 3x3 VALID C=16, HardSigmoid', x: [1, 13, 12, 16], w: [16, 3, 3, 1], attrs: { group: 16, autoPad: 'VALID', activation: { op: 'HardSigmoid', alpha: 0.2, beta: 0.5 } }, bias: true, kernel: 'wasm dwconv3x3' },
  { name: 'depthwise 3x3 stride 2 C=14', x: [1, 7, 7, 14], w: [14, 3, 3, 1], attrs: { group: 14, strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true, kernel: 'wasm dwconv3x3', runtime: true },
  { name: 'depthwise 3x3 stride [2,1], 64 wide, C=402, Clip', x: [1, 5, 64, 402], w: [402, 3, 3, 1], attrs: { group: 402, strides: [2, 1], pads: [1, 1, 1, 1], activation: { op: 'Clip', min: 0, max: 6 } }, bias: true, kernel: 'wasm dwconv3x3 row bands' },
  // WebGPU's kernel paths.
  { name: '1x1 pointwise, batch 2', x: [2, 5, 6, 5], w: [7, 1, 1, 5], bias: true, kernel: 'webgpu pointwise GEMM' },
  { name: '1x1 pointwise, 37 -> 41 channels', x: [1, 7, 7, 37], w: [41, 1, 1, 37], bias: true, kernel: 'webgpu pointwise GEMM' },
  { name: '1x1 pointwise, 16 -> 44 channels, 35 pixels, batch 2', x: [2, 5, 7, 16], w: [44, 1, 1, 16], bias: true, kernel: 'webgpu pointwise vec4' },
  { name: '1x1 stride 2', x: [1, 7, 9, 6], w: [5, 1, 1, 6], attrs: { strides: [2, 2] }, bias: true, kernel: 'webgpu implicit GEMM' },
  { name: 'RGB 3x3 pad 1, O % 4 != 0', x: [1, 9, 11, 3], w: [7, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, kernel: 'webgpu implicit GEMM' },
  { name: '3x3 stride 2, pads [0,1,1,0], batch 2', x: [2, 10, 9, 5], w: [6, 3, 3, 5], attrs: { strides: [2, 2], pads: [0, 1, 1, 0] }, bias: true },
  { name: '5x5 dilation 2, stride (1,2), no bias', x: [1, 13, 12, 6], w: [10, 5, 5, 6], attrs: { dilations: [2, 2], strides: [1, 2], pads: [2, 3, 1, 0] } },
  { name: '3x3 groups 3, batch 2', x: [2, 6, 7, 6], w: [9, 3, 3, 2], attrs: { group: 3, pads: [1, 1, 1, 1] }, bias: true, runtime: true },
  { name: '3x3 groups 2, 35 channels per group', x: [1, 5, 5, 4], w: [70, 3, 3, 2], attrs: { group: 2 }, bias: true, kernel: 'webgpu column tiles per group' },
  { name: 'SAME_UPPER stride 2, no bias', x: [1, 8, 7, 3], w: [4, 3, 3, 3], attrs: { autoPad: 'SAME_UPPER', strides: [2, 2] } },
  { name: 'SAME_LOWER 4x2 kernel, no bias', x: [1, 6, 7, 3], w: [4, 4, 2, 3], attrs: { autoPad: 'SAME_LOWER' } },
  { name: '3x3 on 1x1 images, batch 3', x: [3, 1, 1, 5], w: [6, 3, 3, 5], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { name: '40 pixels x 45 channels x K=171', x: [1, 8, 5, 19], w: [45, 3, 3, 19], attrs: { pads: [1, 1, 1, 1] }, bias: true, kernel: 'webgpu tiles' },
  { name: '3x3 pad 1, 8 -> 36 channels, batch 2', x: [2, 6, 7, 8], w: [36, 3, 3, 8], attrs: { pads: [1, 1, 1, 1] }, bias: true, kernel: 'webgpu implicit GEMM vec4' },
  { name: '5x5 stride 2, dilation (2,1), asymmetric pads, no bias', x: [1, 13, 11, 4], w: [8, 5, 5, 4], attrs: { strides: [2, 2], dilations: [2, 1], pads: [2, 0, 1, 3] }, kernel: 'webgpu implicit GEMM vec4' },
  { name: '1x1 stride 2, 35 pixels, C=12', x: [1, 13, 9, 12], w: [4, 1, 1, 12], attrs: { strides: [2, 2] }, bias: true, kernel: 'webgpu implicit GEMM vec4', runtime: true },
  { name: 'RGB 3x3 stride 2 pad 1 -> 32, batch 2', x: [2, 9, 11, 3], w: [32, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true, kernel: 'webgpu implicit GEMM O % 4' },
  { name: 'grey 5x5 dilation 2, asymmetric pads, no bias', x: [1, 12, 10, 1], w: [4, 5, 5, 1], attrs: { dilations: [2, 2], pads: [1, 2, 3, 0] }, kernel: 'webgpu implicit GEMM O % 4' },
  { name: 'depthwise 3x3 pad 1, C=7, batch 2', x: [2, 6, 5, 7], w: [7, 3, 3, 1], attrs: { group: 7, pads: [1, 1, 1, 1] }, bias: true, kernel: 'webgpu depthwise' },
  { name: 'depthwise multiplier 2, 5x5 stride 2', x: [1, 9, 8, 5], w: [10, 5, 5, 1], attrs: { group: 5, strides: [2, 2], pads: [2, 1, 0, 2] }, bias: true, kernel: 'webgpu depthwise' },
  { name: 'depthwise 3x3 dilation 2, no bias', x: [1, 7, 7, 9], w: [9, 3, 3, 1], attrs: { group: 9, dilations: [2, 2], pads: [2, 2, 2, 2] }, kernel: 'webgpu depthwise' },
  { name: 'depthwise on 1x1 images', x: [2, 1, 1, 6], w: [6, 3, 3, 1], attrs: { group: 6, pads: [1, 1, 1, 1] }, bias: true, kernel: 'webgpu depthwise' },
  { name: 'depthwise C=8, 3x3 pad 1, batch 2', x: [2, 7, 6, 8], w: [8, 3, 3, 1], attrs: { group: 8, pads: [1, 1, 1, 1] }, bias: true, kernel: 'webgpu depthwise vec4', runtime: true },
  { name: 'depthwise C=12, 5x5 stride 2, dilation (1,2)', x: [1, 11, 12, 12], w: [12, 5, 5, 1], attrs: { group: 12, strides: [2, 2], dilations: [1, 2], pads: [2, 3, 1, 0] }, bias: true, kernel: 'webgpu depthwise vec4' },
  { name: 'depthwise C=4 on 1x1 images, no bias', x: [3, 1, 1, 4], w: [4, 3, 3, 1], attrs: { group: 4, pads: [1, 1, 1, 1] }, kernel: 'webgpu depthwise vec4' },
  // A fused activation on each WebGPU path (scalar and vec4 forms).
  ...([
    ['pointwise', [1, 4, 4, 6], [5, 1, 1, 6], {}],
    ['pointwise vec4', [1, 4, 5, 8], [12, 1, 1, 8], {}],
    ['implicit GEMM', [1, 6, 6, 3], [5, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['implicit GEMM vec4', [1, 6, 6, 4], [8, 3, 3, 4], { strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['implicit GEMM O % 4', [1, 6, 6, 3], [8, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['depthwise', [1, 6, 6, 5], [5, 3, 3, 1], { group: 5, pads: [1, 1, 1, 1] }],
    ['depthwise vec4', [1, 6, 6, 8], [8, 3, 3, 1], { group: 8, pads: [1, 1, 1, 1] }],
  ] as [string, Shape, Shape, Attrs][]).map(([path, x, w, attrs]): Row => ({
    name: `Clip 0..0.5 fused`, x, w, attrs: { ...attrs, activation: { op: 'Clip', min: 0, max: 0.5 } }, bias: true, kernel: `webgpu ${path}`,
  })),
];

export const CASES: OpCase[] = ROWS.map((r, i) => ({
  name: `${r.name}: x [${r.x}] w [${r.w}]${r.runtime ? ', run-time weights' : ''}`,
  op: Conv, kernel: r.kernel, attrs: { kernel: [r.w[1], r.w[2]], ...r.attrs },
  inputs: [
    randomTensor(r.x, { seed: 10 + i, min: -2, max: 2 }),
    randomTensor(r.w, { seed: 100 + i }),
    r.bias ? randomTensor([r.w[0]], { seed: 200 + i }) : undefined,
  ],
  constants: r.runtime ? [] : [1, 2],
}));
