// Gemm on every backend: sizes on both sides of the kernels' tile edges (wasm 4x8 tiles: M % 4, N % 8, K % 4,
// and the 1x32 tile for M = 1, N >= 32; WebGPU's 32x32 tile and 16-deep K step, gemv for M <= 4 with 64 / 4
// columns per workgroup and 16 K lanes, the vec4 kernel for K, N multiples of 4), every transpose, each C
// form with alpha and beta, the fused epilogue, and B and C as constants (packed once) or fed per run.
import { Gemm } from '../../src/ops/gemm.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

/** [M, K, N] with the kernel path each was chosen for. */
export const DIMS: readonly (readonly [number, number, number, string?])[] = [
  [1, 1, 1], [3, 5, 7, 'wasm 4x8 tile edges'], [4, 8, 8, 'wasm 4x8 tile edges'], [5, 9, 17, 'wasm 4x8 tile edges'],
  [13, 31, 33, 'wasm 4x8 tile edges'], [2, 100, 10], [33, 64, 40],
  [1, 33, 36, 'wasm 1x32 tile'], [1, 70, 72, 'wasm 1x32 tile'], [1, 128, 64, 'wasm 1x32 tile'],
  [1, 784, 10], [5, 3, 7], [31, 17, 33, 'webgpu 32x32 tile'], [32, 16, 32, 'webgpu 32x32 tile'], [33, 47, 65, 'webgpu 32x32 tile'],
  [70, 100, 9, 'webgpu 32x32 tile'],
  [2, 1, 5, 'webgpu gemv'], [3, 17, 130, 'webgpu gemv'], [4, 33, 65, 'webgpu gemv'], [1, 160, 1000, 'webgpu gemv'],
  [5, 4, 4, 'webgpu vec4'], [33, 20, 36, 'webgpu vec4'], [70, 96, 64, 'webgpu vec4'],
];

const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]] as const;
const C_SHAPES = (M: number, N: number): (Shape | undefined)[] => [undefined, [N], [1, N], [M, N], [M, 1], [1]];
// One activation kind: each kind is a WebGPU pipeline per kernel (~1.5 s to compile on SwiftShader); the
// activation math itself is covered per kind by the unary tables, so this checks the epilogue's order.
const CLIP = { op: 'Clip', min: -0.2, max: 0.3 };

export const CASES: OpCase[] = [
  // Per size, each transpose once; C forms, alpha/beta, the epilogue and constant or run-time B and C rotate.
  ...DIMS.flatMap(([M, K, N, kernel], d) => TRANSPOSES.map(([transA, transB], t): OpCase => {
    const r = d + t, ci = r % 6, seed = M * 1000 + K * 10 + N + t * 7;
    const cShape = C_SHAPES(M, N)[ci];
    const attrs: Attrs = { transA, transB, alpha: ci % 2 ? 0.5 : 1, beta: ci % 3 ? 2 : 1, ...(r % 4 === 1 ? { activation: CLIP } : {}) };
    const constant = r % 2 === 0;
    return {
      name: `M=${M} K=${K} N=${N} ${JSON.stringify(attrs)} C ${cShape ? `[${cShape}]` : 'none'}${constant ? '' : ', run-time B'}`,
      op: Gemm, attrs, kernel,
      inputs: [
        randomTensor(transA ? [K, M] : [M, K], { seed }),
        randomTensor(transB ? [N, K] : [K, N], { seed: seed + 1 }),
        cShape && randomTensor(cShape, { seed: seed + 2 }),
      ],
      constants: constant ? [1, 2] : [],
    };
  })),
  // Every C broadcast form with alpha and beta, beside the vec4 width (N = 35, 36).
  ...[[9, 20, 35], [9, 20, 36]].flatMap(([M, K, N]) => [[N], [M, N], [M, 1], [1, N], [1], []].map((cShape): OpCase => ({
    name: `M=${M} K=${K} N=${N} transB, alpha 0.5, beta -2, C [${cShape}]`, op: Gemm, attrs: { transB: true, alpha: 0.5, beta: -2 },
    inputs: [randomTensor([M, K], { seed: 1 }), randomTensor([N, K], { seed: 2 }), randomTensor(cShape, { seed: cShape.length + 5 })],
    constants: [1, 2],
  }))),
  {
    name: 'beta 0 ignores C', op: Gemm, attrs: { transB: true, beta: 0 },
    inputs: [randomTensor([9, 20], { seed: 1 }), randomTensor([35, 20], { seed: 2 }), randomTensor([35], { seed: 3 })],
  },
  {
    name: 'fused Clip after alpha and the bias', op: Gemm, attrs: { activation: { op: 'Clip', min: -0.3, max: 0.4 }, alpha: 1.5 },
    inputs: [randomTensor([6, 40], { seed: 7 }), randomTensor([40, 13], { seed: 8 }), randomTensor([13], { seed: 9 })],
    constants: [1, 2],
  },
];
