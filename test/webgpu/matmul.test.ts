// WebGPU Gemm and MatMul (tiled matmul_f32; gemv_f32 for M <= 4; matmul_f32_vec4 for contiguous operands
// with K, N multiples of 4) against the reference: sizes on both sides of the 32x32 tile and the 16-deep K
// step, of gemv's 4-row limit, 64 / 4 columns per workgroup and 16 K lanes, rows not a multiple of 4, every
// transpose, C broadcast forms, batch broadcasting, rank-1 operands and the fused epilogue; each with f32
// and f16 storage (one dispatch writing the output: f16 rounds only that).
import { expect, it } from 'vitest';
import { Gemm } from '../../src/ops/gemm.js';
import { MatMul } from '../../src/ops/matmul.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Tensor } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import { backendsPerPrecision, describeGpu, type PrecisionGpu } from './gpu.js';

const GPUS = backendsPerPrecision();

async function check(g: PrecisionGpu, op: typeof Gemm | typeof MatMul, inputs: (Tensor | undefined)[], attrs: Attrs, what: string, constants?: number[]) {
  const [got] = await g.run(op as typeof Gemm, inputs, attrs, { constants });
  const [want] = g.reference(op as typeof Gemm, inputs, attrs);
  expect(got.shape, what).toEqual(want.shape);
  g.expectClose('Gemm / MatMul', got.data, want.data, op.tolerance, what);
}

for (const g of GPUS) {
  describeGpu(`WebGPU Gemm, ${g.precision} storage`, () => {
    const DIMS: [number, number, number][] = [[1, 1, 1], [1, 10, 784], [5, 7, 3], [31, 33, 17], [32, 32, 16], [33, 65, 47], [70, 9, 100],
      // gemv_f32: rows 2..4, columns around 4 and 64 per workgroup, K below, at and past the 16 lanes.
      [2, 5, 1], [3, 130, 17], [4, 65, 33], [1, 1000, 160],
      // matmul_f32_vec4 (when A is not transposed): rows 5, 33, 70; columns 4, 36, 64; K 4, 20, 96.
      [5, 4, 4], [33, 36, 20], [70, 64, 96]];

    it.each(DIMS)('M=%i N=%i K=%i, every transpose combination', async (M, N, K) => {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = randomTensor(transA ? [K, M] : [M, K], { seed: M + K });
          const w = randomTensor(transB ? [N, K] : [K, N], { seed: N * 3 + K });
          await check(g, Gemm, [a, w], { transA, transB }, `Gemm ${M}x${N}x${K} tA=${transA} tB=${transB}`, [1]);
        }
      }
    });

    it.each([[9, 35, 20], [9, 36, 20]])('C broadcast forms, alpha and beta (M=%i N=%i K=%i)', async (M, N, K) => {
      const a = randomTensor([M, K], { seed: 1 }), w = randomTensor([N, K], { seed: 2 });
      for (const cShape of [[N], [M, N], [M, 1], [1, N], [1], []]) {
        const c = randomTensor(cShape, { seed: cShape.length + 5 });
        await check(g, Gemm, [a, w, c], { transB: true, alpha: 0.5, beta: -2 }, `Gemm C [${cShape}]`, [1, 2]);
      }
      await check(g, Gemm, [a, w, randomTensor([N], { seed: 3 })], { transB: true, beta: 0 }, 'Gemm beta=0');
    });

    // Each activation kind is a pipeline (~1.5 s to compile on SwiftShader); the activation math itself is
    // covered per kind by the unary tests, so here one kind with parameters checks the epilogue's order.
    it('fused activation epilogue after alpha and the bias', async () => {
      const a = randomTensor([6, 40], { seed: 7 }), w = randomTensor([40, 13], { seed: 8 }), c = randomTensor([13], { seed: 9 });
      const acts: Attrs[] = [{ op: 'Clip', min: -0.3, max: 0.4 }];
      for (const activation of acts) {
        await check(g, Gemm, [a, w, c], { activation, alpha: 1.5 }, `Gemm+${activation.op}`, [1, 2]);
      }
    });
  });

  describeGpu(`WebGPU MatMul, ${g.precision} storage`, () => {
    const CASES: [number[], number[], number[] | undefined][] = [
      [[4, 5], [5, 3], undefined],
      [[2, 3, 33, 18], [18, 34], [34]], // shared B over a batch, with bias
      [[3, 1, 7, 9], [4, 9, 6], undefined], // both batches broadcast
      [[2, 1, 2, 1, 5, 4], [1, 3, 1, 2, 4, 3], undefined], // rank 6, batch coalesced
      [[17], [17, 5], [5]], // rank-1 A
      [[3, 6, 17], [17], undefined], // rank-1 B
      [[17], [17], undefined], // dot product
      [[1, 64, 48], [1, 48, 64], [64]],
      [[3, 1, 9], [3, 9, 70], [70]], // gemv per batch entry, B per batch
      [[2, 4, 33], [33, 5], undefined], // gemv, shared B
      [[3, 2, 37, 12], [12, 8], [8]], // vec4, shared B
      [[2, 1, 9, 8], [3, 8, 40], undefined], // vec4, both batches broadcast
    ];

    it.each(CASES.map(([a, w, bias]) => [JSON.stringify(a), JSON.stringify(w), bias !== undefined, a, w, bias] as const))(
      'A %s x B %s (bias %s)', async (_a, _w, _b, as, ws, bs) => {
        const a = randomTensor(as, { seed: as.length }), w = randomTensor(ws, { seed: ws.length + 10 });
        const bias = bs ? randomTensor(bs, { seed: 3 }) : undefined;
        await check(g, MatMul, [a, w, bias], {}, `MatMul [${as}] x [${ws}]`);
        await check(g, MatMul, [a, w, bias], { activation: { op: 'Clip', min: -0.5, max: 0.5 } }, `MatMul+Clip [${as}] x [${ws}]`, [1, 2]);
      });

    it('one pipeline per (kernel, epilogue variant), whatever the shapes', async () => {
      const before = g.b.pipelineCount;
      await check(g, MatMul, [randomTensor([6, 8], { seed: 1 }), randomTensor([8, 2], { seed: 2 })], {}, 'MatMul small');
      await check(g, MatMul, [randomTensor([40, 50], { seed: 1 }), randomTensor([50, 41], { seed: 2 })], {}, 'MatMul larger');
      await check(g, MatMul, [randomTensor([2, 8], { seed: 1 }), randomTensor([8, 2], { seed: 2 })], {}, 'MatMul gemv');
      await check(g, MatMul, [randomTensor([1, 50], { seed: 1 }), randomTensor([50, 41], { seed: 2 })], {}, 'MatMul gemv larger');
      expect(g.b.pipelineCount).toBe(before);
    });
  });
}
