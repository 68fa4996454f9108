// Concat: hand-checked joins, NHWC channel concat with tails, every axis, onnxruntime-web, errors.
// Then the case table (concat.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Concat } from '../../src/ops/concat.js';
import { OpError } from '../../src/ops/op.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './concat.cases.js';

describe('Concat: hand-written cases', () => {
  const a = tensor([2, 2], Float32Array.of(1, 2, 3, 4));
  it('along rows and along columns', () => {
    const [rows] = runReference(Concat, [a, tensor([1, 2], Float32Array.of(5, 6))], { axis: 0 });
    expect(rows.shape).toEqual([3, 2]);
    expect([...rows.data]).toEqual([1, 2, 3, 4, 5, 6]);
    const [cols] = runReference(Concat, [a, tensor([2, 1], Float32Array.of(5, 6))], { axis: -1 });
    expect(cols.shape).toEqual([2, 3]);
    expect([...cols.data]).toEqual([1, 2, 5, 3, 4, 6]);
  });
  it('one input, and empty inputs along the axis', () => {
    expect(runReference(Concat, [a], { axis: 1 })[0].data).toEqual(a.data);
    const [y] = runReference(Concat, [tensor([2, 0]), a, tensor([2, 0])], { axis: 1 });
    expect(y.data).toEqual(a.data);
  });
});

describe('Concat matches onnxruntime-web', () => {
  const cases: [Shape[], number][] = [
    [[[2, 5, 6, 3], [2, 5, 6, 8], [2, 5, 6, 64], [2, 5, 6, 5]], 3],
    [[[1, 7, 7, 116], [1, 7, 7, 116]], -1],
    [[[1, 4, 4, 9], [1, 4, 4, 65], [1, 4, 4, 255], [1, 4, 4, 1]], 3],
    [[[1, 3, 4, 5], [2, 3, 4, 5], [4, 3, 4, 5]], 0],
    [[[2, 1, 4, 5], [2, 7, 4, 5]], 1],
    [[[2, 3, 4, 5], [2, 3, 9, 5], [2, 3, 1, 5]], -2],
    [[[257], [256], [4]], 0],
    [[[3, 8]], 1],
  ];
  it.each(cases.map((c, i) => [c[0].map((s) => `[${s}]`).join('+'), i] as const))('%s', async (_, i) => {
    const [shapes, axis] = cases[i];
    const xs = shapes.map((s, k) => randomTensor(s, { seed: 10 * i + k }));
    const [want] = await runOrtNode('Concat', xs.map((x) => ({ dims: [...x.shape], data: x.data })), { axis });
    const [y] = runReference(Concat, xs, { axis });
    expect(y.shape).toEqual(want.dims);
    expectClose(y.data, want.data, Concat.tolerance, `axis ${axis}`);
  });
});

describe('Concat rejects bad input', () => {
  it('axis is required and range-checked', () => {
    expect(() => Concat.parseAttrs({})).toThrow(/attribute axis/);
    expect(() => Concat.inferShape([[2, 3], [2, 3]], { axis: 2 })).toThrow(/axis 2/);
    expect(() => Concat.inferShape([[2, 3], [2, 3]], { axis: -3 })).toThrow(OpError);
  });
  it('mismatched inputs are named with their shapes', () => {
    expect(() => Concat.inferShape([[2, 3], [3, 3]], { axis: 1 })).toThrow(/input 1 \[3,3\].*input 0 \[2,3\]/);
    expect(() => Concat.inferShape([[2, 3], [2, 3, 1]], { axis: 0 })).toThrow(OpError);
    expect(() => Concat.inferShape([[2, 3], undefined], { axis: 0 })).toThrow(/input 1 is missing/);
    expect(() => Concat.inferShape([], { axis: 0 })).toThrow(/at least one input/);
  });
});

await sweepBackends('Concat', BACKEND_CASES);
