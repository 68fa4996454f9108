// MatMul: numpy rank-1 rules, batch broadcasting, bias and fused activation; sweep against
// onnxruntime-web (which has no bias input: the bias case adds it to ORT's product); errors.
// Then the case table (matmul.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { MatMul } from '../../src/ops/matmul.js';
import { OpError } from '../../src/ops/op.js';
import { activateInPlace, type Activation } from '../../src/ops/activation.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './matmul.cases.js';

function expectOpError(fn: () => unknown, pattern: RegExp): void {
  expect(fn).toThrow(OpError);
  expect(fn).toThrow(pattern);
}

const t = (shape: number[], values: number[]) => tensor(shape, Float32Array.from(values));
const shapeOf = (a: Shape, b: Shape, bias?: Shape) => MatMul.inferShape([a, b, bias], MatMul.parseAttrs({}))[0];

describe('MatMul, hand-computed', () => {
  it('matrix times matrix, with bias', () => {
    const a = t([2, 3], [1, 2, 3, 4, 5, 6]), b = t([3, 2], [1, 0, 0, 1, 1, 1]);
    expect(Array.from(runReference(MatMul, [a, b])[0].data)).toEqual([4, 5, 10, 11]);
    const [y] = runReference(MatMul, [a, b, t([2], [100, -100])]);
    expect(Array.from(y.data)).toEqual([104, -95, 110, -89]);
  });

  it('rank-1 operands lose their unit axis', () => {
    const v = t([3], [1, 2, 3]), m = t([3, 2], [1, 0, 0, 1, 1, 1]);
    const [dot] = runReference(MatMul, [v, v]);
    expect(dot.shape).toEqual([]);
    expect(Array.from(dot.data)).toEqual([14]);
    const [row] = runReference(MatMul, [v, m]);
    expect(row.shape).toEqual([2]);
    expect(Array.from(row.data)).toEqual([4, 5]);
    const [col] = runReference(MatMul, [t([2, 3], [1, 2, 3, 4, 5, 6]), v]);
    expect(col.shape).toEqual([2]);
    expect(Array.from(col.data)).toEqual([14, 32]);
  });

  it('batch dims broadcast: each output matrix pairs the right A and B', () => {
    // A: 2 matrices [1,1] with values 1 and 10; B: 3 matrices [1,1] with values 1, 2, 3.
    const [y] = runReference(MatMul, [t([2, 1, 1, 1], [1, 10]), t([3, 1, 1], [1, 2, 3])]);
    expect(y.shape).toEqual([2, 3, 1, 1]);
    expect(Array.from(y.data)).toEqual([1, 2, 3, 10, 20, 30]);
  });

  it('shapes follow numpy', () => {
    expect(shapeOf([4], [2, 4, 3])).toEqual([2, 3]);
    expect(shapeOf([2, 3, 4], [4])).toEqual([2, 3]);
    expect(shapeOf([1, 3, 4], [5, 1, 4, 2])).toEqual([5, 1, 3, 2]);
    expect(shapeOf([7, 1, 2, 3], [6, 3, 5], [5])).toEqual([7, 6, 2, 5]);
    expect(shapeOf([2, 3], [3], [1])).toEqual([2]);
  });

  it('fused activation comes after the bias', () => {
    const a = randomTensor([3, 5, 4], { seed: 1 }), b = randomTensor([4, 6], { seed: 2 }), bias = randomTensor([6], { seed: 3 });
    const [plain] = runReference(MatMul, [a, b, bias]);
    for (const activation of [{ op: 'Relu' }, { op: 'LeakyRelu', alpha: 0.2 }, { op: 'HardSwish' }] as Activation[]) {
      const [fused] = runReference(MatMul, [a, b, bias], { activation });
      const want = plain.data.slice();
      activateInPlace(want, activation);
      expectClose(fused.data, want, MatMul.tolerance, `MatMul+${activation.op}`);
    }
  });
});

const CASES: [Shape, Shape][] = [
  [[3, 4], [4, 5]],
  [[1, 1], [1, 1]],
  [[4], [4, 5]],
  [[3, 4], [4]],
  [[7], [7]],
  [[2, 3, 4], [4, 5]],
  [[3, 4], [2, 4, 5]],
  [[2, 1, 3, 4], [3, 4, 6]],
  [[1, 3, 4], [5, 1, 4, 2]],
  [[4], [2, 4, 3]],
  [[2, 3, 4], [4]],
  [[2, 5, 17, 33], [2, 1, 33, 9]],
  [[1, 50, 64], [64, 96]],
];

describe('MatMul vs onnxruntime-web', () => {
  it.each(CASES)('%j x %j', async (as, bs) => {
    const seed = as.reduce((p, d) => p * 3 + d, 1) + bs.reduce((p, d) => p * 5 + d, 7);
    const a = randomTensor(as, { seed }), b = randomTensor(bs, { seed: seed + 1 });
    const [y] = runReference(MatMul, [a, b]);
    const [o] = await runOrtNode('MatMul', [{ dims: [...as], data: a.data }, { dims: [...bs], data: b.data }], {});
    expect(o.dims).toEqual(y.shape);
    expectClose(y.data, o.data, MatMul.tolerance, `MatMul ${JSON.stringify(as)} x ${JSON.stringify(bs)}`);
    // The bias lands on the last output axis (on the single column when B is rank 1).
    const n = bs.length === 1 ? 1 : bs[bs.length - 1];
    const bias = randomTensor([n], { seed: seed + 2 });
    const [yb] = runReference(MatMul, [a, b, bias]);
    const want = o.data.map((v, i) => v + bias.data[i % n]);
    expectClose(yb.data, want, MatMul.tolerance, 'MatMul + bias');
  });
});

describe('MatMul errors', () => {
  it('parseAttrs rejects an unknown activation', () => {
    expectOpError(() => MatMul.parseAttrs({ activation: { op: 'Swish' } } as Attrs), /activation/);
    expectOpError(() => MatMul.parseAttrs({ activation: { op: 'Clip', min: 6, max: 0 } }), /activation.*min 6 > max 0/);
  });

  it('inferShape names the shapes that disagree', () => {
    expectOpError(() => shapeOf([], [3]), /rank >= 1.*A \[\]/);
    expectOpError(() => shapeOf([2, 3], [4, 5]), /inner.*\[2,3\].*K=3.*\[4,5\].*K=4/);
    expectOpError(() => shapeOf([3], [4]), /inner/);
    expectOpError(() => shapeOf([2, 3, 4], [3, 4, 5]), /batch.*\[2,3,4\].*\[3,4,5\]/);
    expectOpError(() => shapeOf([2, 4], [4, 5], [4]), /bias \[4\] must be \[5\]/);
    expectOpError(() => shapeOf([2, 4], [4, 5], [1, 5]), /bias \[1,5\]/);
    expectOpError(() => MatMul.inferShape([[2, 4], undefined], {}), /input B is missing/);
  });

  it('counts batch*M*N*K multiply-adds', () => {
    expect(MatMul.macs!([[2, 1, 3, 4], [5, 4, 6]], [[2, 5, 3, 6]], {})).toBe(10 * 3 * 4 * 6);
    expect(MatMul.macs!([[4], [4]], [[]], {})).toBe(4);
  });
});

await sweepBackends('MatMul', BACKEND_CASES);
