// MatMul on every backend: batch broadcasting (shared B, both sides, rank 6 coalesced), rank-1 operands, a
// dot product, the fused bias and epilogue, B and bias as constants or fed per run, and the WebGPU paths
// (gemv per batch entry, vec4 for K, N multiples of 4) and wasm's packed-B GEMM.
import { MatMul } from '../../src/ops/matmul.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

const CLIP = { op: 'Clip', min: -0.5, max: 0.5 };

/** [A, B, bias?, kernel path]. */
export const SHAPES: readonly (readonly [Shape, Shape, boolean, string?])[] = [
  [[3, 5], [5, 7], true], [[9], [9, 10], true], [[4, 6], [6], false], [[7], [7], false],
  [[2, 3, 5, 12], [12, 9], true], [[2, 1, 5, 4], [3, 4, 6], false], [[1, 6, 8], [2, 8, 3], true], [[17, 64], [64, 20], true],
  [[4, 5], [5, 3], false],
  [[2, 3, 33, 18], [18, 34], true, 'shared B over a batch'],
  [[3, 1, 7, 9], [4, 9, 6], false, 'both batches broadcast'],
  [[2, 1, 2, 1, 5, 4], [1, 3, 1, 2, 4, 3], false, 'rank 6, batch coalesced'],
  [[17], [17, 5], true], [[3, 6, 17], [17], false], [[17], [17], false],
  [[1, 64, 48], [1, 48, 64], true],
  [[3, 1, 9], [3, 9, 70], true, 'webgpu gemv per batch entry'],
  [[2, 4, 33], [33, 5], false, 'webgpu gemv, shared B'],
  [[3, 2, 37, 12], [12, 8], true, 'webgpu vec4, shared B'],
  [[2, 1, 9, 8], [3, 8, 40], false, 'webgpu vec4, both batches broadcast'],
];

export const CASES: OpCase[] = SHAPES.flatMap(([as, bs, withBias, kernel], i) => {
  const a = randomTensor(as, { seed: as.length + 11 * i }), b = randomTensor(bs, { seed: bs.length + 10 + 11 * i });
  const N = bs.length === 1 ? 1 : bs[bs.length - 1];
  const bias = withBias ? randomTensor([N], { seed: 3 + i }) : undefined;
  const name = `[${as}] x [${bs}]${withBias ? ' + bias' : ''}`;
  return [
    { name: `${name}, run-time B`, op: MatMul, kernel, inputs: [a, b, bias] },
    { name: `${name}, fused Clip, constant B`, op: MatMul, kernel, attrs: { activation: CLIP }, inputs: [a, b, bias], constants: [1, 2] },
    ...(withBias ? [{ name: `${name}, constant B, run-time bias`, op: MatMul, kernel, inputs: [a, b, bias], constants: [1] }] : []),
  ];
});
