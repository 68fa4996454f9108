// Gemm: hand-computed cases, every transA/transB and C broadcast form against onnxruntime-web, errors.
// Then the case table (gemm.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Gemm } from '../../src/ops/gemm.js';
import { OpError } from '../../src/ops/op.js';
import { activateInPlace, type Activation } from '../../src/ops/activation.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference, transposeData } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './gemm.cases.js';

function expectOpError(fn: () => unknown, pattern: RegExp): void {
  expect(fn).toThrow(OpError);
  expect(fn).toThrow(pattern);
}

const A23 = tensor([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));
const B32 = tensor([3, 2], Float32Array.from([1, 0, 0, 1, 1, 1]));

describe('Gemm, hand-computed', () => {
  it('A B', () => {
    const [y] = runReference(Gemm, [A23, B32], {});
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.data)).toEqual([4, 5, 10, 11]);
  });

  it('alpha, beta and a row-vector C', () => {
    const c = tensor([2], Float32Array.from([10, 20]));
    const [y] = runReference(Gemm, [A23, B32, c], { alpha: 2, beta: 0.5 });
    expect(Array.from(y.data)).toEqual([13, 20, 25, 32]);
  });

  it('transA and transB read the stored transposes', () => {
    const at = tensor([3, 2], transposeData(A23.data, [2, 3], [1, 0]));
    const bt = tensor([2, 3], transposeData(B32.data, [3, 2], [1, 0]));
    const [y] = runReference(Gemm, [at, bt], { transA: 1, transB: true });
    expect(Array.from(y.data)).toEqual([4, 5, 10, 11]);
  });

  it('without C, beta is ignored; fused activation comes last', () => {
    const [y] = runReference(Gemm, [A23, B32], { beta: 7, alpha: -1, activation: { op: 'Relu' } });
    expect(Array.from(y.data)).toEqual([0, 0, 0, 0]);
    const [z] = runReference(Gemm, [A23, B32, tensor([2, 1], Float32Array.from([-4, -12]))], { activation: { op: 'Clip', min: 0, max: 6 } });
    expect(Array.from(z.data)).toEqual([0, 1, 0, 0]);
  });
});

interface GemmCase { M: number; K: number; N: number; transA?: boolean; transB?: boolean; alpha?: number; beta?: number; c?: (M: number, N: number) => Shape }

const CASES: [string, GemmCase][] = [
  ['1x1x1', { M: 1, K: 1, N: 1 }],
  ['3x5x7, C [N]', { M: 3, K: 5, N: 7, c: (_m, n) => [n] }],
  ['transA, C [M,N]', { M: 4, K: 6, N: 5, transA: true, c: (m, n) => [m, n], beta: 0.25 }],
  ['transB, C [M,1]', { M: 5, K: 9, N: 3, transB: true, c: (m) => [m, 1], alpha: 1.5 }],
  ['transA transB, C [1,N]', { M: 6, K: 7, N: 10, transA: true, transB: true, c: (_m, n) => [1, n], alpha: -0.5, beta: 2 }],
  ['C scalar []', { M: 2, K: 3, N: 4, c: () => [] }],
  ['C [1]', { M: 3, K: 3, N: 3, c: () => [1], beta: -1 }],
  ['dense layer 1x128 -> 10, transB', { M: 1, K: 128, N: 10, transB: true, c: (_m, n) => [n] }],
  ['batch 17, 33 -> 9', { M: 17, K: 33, N: 9, c: (_m, n) => [n] }],
];

describe('Gemm vs onnxruntime-web', () => {
  it.each(CASES)('%s', async (name, g) => {
    const seed = g.M * 100 + g.K * 10 + g.N;
    const a = randomTensor(g.transA ? [g.K, g.M] : [g.M, g.K], { seed });
    const b = randomTensor(g.transB ? [g.N, g.K] : [g.K, g.N], { seed: seed + 1 });
    const c = g.c ? randomTensor(g.c(g.M, g.N), { seed: seed + 2 }) : undefined;
    const attrs: Attrs = { transA: g.transA ?? false, transB: g.transB ?? false, alpha: g.alpha ?? 1, beta: g.beta ?? 1 };
    const [y] = runReference(Gemm, [a, b, c], attrs);
    const [o] = await runOrtNode('Gemm', [
      { dims: [...a.shape], data: a.data },
      { dims: [...b.shape], data: b.data, constant: true },
      c && { dims: [...c.shape], data: c.data, constant: true },
    ], { transA: g.transA ? 1 : 0, transB: g.transB ? 1 : 0, alpha: { float: g.alpha ?? 1 }, beta: { float: g.beta ?? 1 } });
    expect(o.dims).toEqual(y.shape);
    expectClose(y.data, o.data, Gemm.tolerance, `Gemm ${name}`);
  });

  it('fused activation equals the activation applied afterwards', () => {
    const a = randomTensor([4, 8], { seed: 1 }), b = randomTensor([8, 6], { seed: 2 }), c = randomTensor([6], { seed: 3 });
    const [plain] = runReference(Gemm, [a, b, c], {});
    for (const activation of [{ op: 'Sigmoid' }, { op: 'HardSigmoid', alpha: 0.2, beta: 0.5 }, { op: 'Tanh' }] as Activation[]) {
      const [fused] = runReference(Gemm, [a, b, c], { activation });
      const want = plain.data.slice();
      activateInPlace(want, activation);
      expectClose(fused.data, want, Gemm.tolerance, `Gemm+${activation.op}`);
    }
  });
});

describe('Gemm errors', () => {
  it.each([
    [{ transA: 2 }, /transA/],
    [{ transB: 'yes' }, /transB/],
    [{ alpha: 'x' }, /alpha/],
    [{ beta: null, alpha: [1] }, /alpha/],
    [{ activation: 'Relu' }, /activation/],
  ] as [Attrs, RegExp][])('parseAttrs rejects %j', (attrs, pattern) => {
    expectOpError(() => Gemm.parseAttrs(attrs), pattern);
  });

  it('inferShape names the shapes that disagree', () => {
    const plain = Gemm.parseAttrs({}), tb = Gemm.parseAttrs({ transB: 1 });
    expectOpError(() => Gemm.inferShape([[3], [3, 2]], plain), /input A.*rank 2.*\[3\]/);
    expectOpError(() => Gemm.inferShape([[2, 3], undefined], plain), /input B is missing/);
    expectOpError(() => Gemm.inferShape([[2, 3], [4, 2]], plain), /\[2,3\].*K=3.*\[4,2\].*K=4/);
    expectOpError(() => Gemm.inferShape([[2, 3], [3, 2]], tb), /K=3.*\[3,2\]\^T.*K=2/);
    expectOpError(() => Gemm.inferShape([[2, 3], [3, 4], [3]], plain), /input C \[3\].*\[2,4\]/);
    expectOpError(() => Gemm.inferShape([[2, 3], [3, 4], [3, 4]], plain), /input C \[3,4\]/);
    expectOpError(() => Gemm.inferShape([[2, 3], [3, 4], [1, 2, 4]], plain), /input C/);
    expect(Gemm.inferShape([[3, 2], [4, 3]], Gemm.parseAttrs({ transA: 1, transB: 1 }))).toEqual([[2, 4]]);
  });

  it('counts M*N*K multiply-adds', () => {
    const attrs = Gemm.parseAttrs({ transA: 1 });
    expect(Gemm.macs!([[5, 3], [5, 7]], [[3, 7]], attrs)).toBe(3 * 7 * 5);
  });
});

await sweepBackends('Gemm', BACKEND_CASES);
