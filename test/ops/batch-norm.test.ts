// BatchNormalization with the channel on the last axis: a hand case, a sweep against onnxruntime-web
// (channel on axis 1 there: x is moved at the boundary), fused activation, errors.
// Then the case table (batch-norm.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { BatchNormalization } from '../../src/ops/batch-norm.js';
import { OpError } from '../../src/ops/op.js';
import { activateInPlace, type Activation } from '../../src/ops/activation.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor, type Shape, type Tensor } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference, transposeData } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './batch-norm.cases.js';

function expectOpError(fn: () => unknown, pattern: RegExp): void {
  expect(fn).toThrow(OpError);
  expect(fn).toThrow(pattern);
}

const t = (shape: number[], values: number[]) => tensor(shape, Float32Array.from(values));

function params(C: number, seed: number): Tensor[] {
  return [
    randomTensor([C], { seed, min: 0.5, max: 2 }),
    randomTensor([C], { seed: seed + 1 }),
    randomTensor([C], { seed: seed + 2 }),
    randomTensor([C], { seed: seed + 3, min: 0.05, max: 3 }),
  ];
}

describe('BatchNormalization, hand-computed', () => {
  it('normalizes each channel with its own statistics', () => {
    // Channel 0: (x - 1) / sqrt(3 + 1) * 2 + 0.5; channel 1: (x - 0) / sqrt(0 + 1) * 3 - 1.
    const x = t([2, 1, 1, 2], [1, 2, 5, -1]);
    const [y] = runReference(BatchNormalization, [x, t([2], [2, 3]), t([2], [0.5, -1]), t([2], [1, 0]), t([2], [3, 0])], { epsilon: 1 });
    expect(y.shape).toEqual([2, 1, 1, 2]);
    expect(Array.from(y.data)).toEqual([0.5, 5, 4.5, -4]);
  });

  it('fused activation comes last', () => {
    const x = randomTensor([2, 3, 3, 5], { seed: 1, min: -3, max: 3 });
    const ps = params(5, 2);
    const [plain] = runReference(BatchNormalization, [x, ...ps]);
    for (const activation of [{ op: 'Relu' }, { op: 'Clip', min: -1, max: 1 }, { op: 'Sigmoid' }] as Activation[]) {
      const [fused] = runReference(BatchNormalization, [x, ...ps], { activation });
      const want = plain.data.slice();
      activateInPlace(want, activation);
      expectClose(fused.data, want, BatchNormalization.tolerance, `BatchNormalization+${activation.op}`);
    }
  });
});

const CASES: [Shape, number][] = [
  [[2, 5, 7, 3], 1e-5],
  [[1, 1, 1, 1], 1e-3],
  [[3, 4, 4, 17], 0.1],
  [[6, 10], 1e-5],
  [[2, 5, 6], 1e-5],
];

describe('BatchNormalization vs onnxruntime-web', () => {
  it.each(CASES)('%j epsilon %f', async (shape, epsilon) => {
    const C = shape[shape.length - 1];
    const x = randomTensor(shape, { seed: C + shape.length, min: -4, max: 4 });
    const ps = params(C, C * 3);
    const [y] = runReference(BatchNormalization, [x, ...ps], { epsilon });
    // Channel-last -> channel-first for ORT, and back.
    const r = shape.length, toFirst = [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
    const toLast = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
    const dims = toFirst.map((p) => shape[p]);
    const [o] = await runOrtNode('BatchNormalization', [
      { dims, data: transposeData(x.data, shape, toFirst) },
      ...ps.map((p) => ({ dims: [C], data: p.data, constant: true })),
    ], { epsilon: { float: epsilon } }, 1, { opset: 15 });
    expect(o.dims).toEqual(dims);
    expectClose(y.data, transposeData(o.data, o.dims, toLast), BatchNormalization.tolerance, `BatchNormalization ${JSON.stringify(shape)}`);
  });
});

describe('BatchNormalization errors', () => {
  it.each([
    [{ epsilon: -1e-5 }, /epsilon/],
    [{ epsilon: 'small' }, /epsilon/],
    [{ activation: { op: 'Relu6' } }, /activation/],
  ] as [Attrs, RegExp][])('parseAttrs rejects %j', (attrs, pattern) => {
    expectOpError(() => BatchNormalization.parseAttrs(attrs), pattern);
  });

  it('inferShape names the shapes that disagree', () => {
    const attrs = BatchNormalization.parseAttrs({});
    const c3: Shape = [3];
    expect(BatchNormalization.inferShape([[1, 2, 2, 3], c3, c3, c3, c3], attrs)).toEqual([[1, 2, 2, 3]]);
    expectOpError(() => BatchNormalization.inferShape([[3], c3, c3, c3, c3], attrs), /rank >= 2.*\[3\]/);
    expectOpError(() => BatchNormalization.inferShape([[1, 2, 2, 3], [4], c3, c3, c3], attrs), /scale \[4\] must be \[3\].*\[1,2,2,3\]/);
    expectOpError(() => BatchNormalization.inferShape([[1, 2, 2, 3], c3, c3, [1, 3], c3], attrs), /mean \[1,3\]/);
    expectOpError(() => BatchNormalization.inferShape([[1, 2, 2, 3], c3, c3, c3, undefined], attrs), /var is missing/);
    expectOpError(() => BatchNormalization.inferShape([undefined], attrs), /input x is missing/);
  });
});

await sweepBackends('BatchNormalization', BACKEND_CASES);
