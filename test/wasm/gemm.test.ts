// Gemm and MatMul on both wasm builds vs the reference: tile edges (M % 4, N % 8, K % 4), every C/bias form,
// transposes, alpha/beta, fused activations, constant (packed once) and run-time B.
import { beforeAll, describe, it } from 'vitest';
import { Gemm } from '../../src/ops/gemm.js';
import { MatMul } from '../../src/ops/matmul.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { createWasmBackend, runWasmOp, VARIANTS, type OpInput } from './helpers.js';
import type { Tensor } from '../../src/tensor.js';

// M = 1 with N >= 32 takes the 1x32 tile: K % 4 = 1, 2, 0 there.
const DIMS: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 8, 8], [5, 9, 17], [13, 31, 33], [2, 100, 10], [33, 64, 40],
  [1, 33, 36], [1, 70, 72], [1, 128, 64]];
const ACTS: (Attrs | undefined)[] = [undefined, { op: 'Relu' }, { op: 'Clip', min: -0.2, max: 0.3 }, { op: 'Sigmoid' }];
const TOL = { atol: 1e-5, rtol: 1e-4 };

function maybeConst(t: Tensor, constant: boolean): OpInput {
  return constant ? { constant: t } : t;
}

for (const variant of VARIANTS) {
  describe(`wasm Gemm/MatMul [${variant}]`, () => {
    let b: WasmBackend;
    beforeAll(async () => { b = await createWasmBackend(variant); });

    it.each(DIMS)('Gemm M=%i K=%i N=%i: transposes, alpha/beta, C forms, activations', async (M, K, N) => {
      let seed = M * 1000 + K * 10 + N;
      const cShapes: (number[] | undefined)[] = [undefined, [N], [1, N], [M, N], [M, 1], [1]];
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = randomTensor(transA ? [K, M] : [M, K], { seed: seed++ });
          const bm = randomTensor(transB ? [N, K] : [K, N], { seed: seed++ });
          for (const [ci, cs] of cShapes.entries()) {
            const c = cs && randomTensor(cs, { seed: seed++ });
            const attrs: Attrs = { transA, transB, alpha: ci % 2 ? 0.5 : 1, beta: ci % 3 ? 2 : 1, ...(ACTS[ci % 4] ? { activation: ACTS[ci % 4]! } : {}) };
            const want = runReference(Gemm, [a, bm, c], attrs)[0].data;
            for (const constB of [true, false]) {
              const got = await runWasmOp(b, Gemm, [a, maybeConst(bm, constB), c && maybeConst(c, constB)], attrs);
              expectClose(got[0], want, TOL, `Gemm ${JSON.stringify({ M, K, N, ...attrs, c: cs, constB })}`);
            }
          }
        }
      }
    });

    const MATMULS: [number[], number[], boolean][] = [
      [[3, 5], [5, 7], true], [[9], [9, 10], true], [[4, 6], [6], false], [[7], [7], false],
      [[2, 3, 5, 12], [12, 9], true], [[2, 1, 5, 4], [3, 4, 6], false], [[1, 6, 8], [2, 8, 3], true], [[17, 64], [64, 20], true],
    ];
    it.each(MATMULS)('MatMul %j x %j (bias %s), constant and run-time B and bias', async (as, bs, withBias) => {
      const a = randomTensor(as, { seed: as.length + 1 }), bm = randomTensor(bs, { seed: bs.length + 2 });
      const N = bs.length === 1 ? 1 : bs[bs.length - 1];
      const bias = withBias ? randomTensor([N], { seed: 3 }) : undefined;
      for (const activation of [undefined, { op: 'LeakyRelu', alpha: 0.2 }]) {
        const attrs: Attrs = activation ? { activation } : {};
        const want = runReference(MatMul, [a, bm, bias], attrs)[0].data;
        for (const [constB, constBias] of [[true, true], [true, false], [false, true], [false, false]]) {
          const got = await runWasmOp(b, MatMul, [a, maybeConst(bm, constB), bias && maybeConst(bias, constBias)], attrs);
          expectClose(got[0], want, TOL, `MatMul ${JSON.stringify({ as, bs, constB, constBias, attrs })}`);
        }
      }
    });
  });
}
