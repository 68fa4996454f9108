// ReduceMean: hand-checked means, keepdims, empty axes = all, NHWC global average, sweeps
// against onnxruntime-web (opset 13 attribute, opset 18 int64 input), errors.
// Then the case table (reduce-mean.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { ReduceMean } from '../../src/ops/reduce-mean.js';
import { OpError } from '../../src/ops/op.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './reduce-mean.cases.js';

describe('ReduceMean: hand-written cases', () => {
  const x = tensor([2, 2], Float32Array.of(1, 2, 3, 4));
  it('one axis, with and without keepdims', () => {
    const [k] = runReference(ReduceMean, [x], { axes: [1] });
    expect(k.shape).toEqual([2, 1]);
    expect([...k.data]).toEqual([1.5, 3.5]);
    const [d] = runReference(ReduceMean, [x], { axes: [0], keepdims: false });
    expect(d.shape).toEqual([2]);
    expect([...d.data]).toEqual([2, 3]);
    expect(ReduceMean.parseAttrs({})).toEqual({ axes: [], keepdims: true });
  });
  it('empty axes reduce everything', () => {
    expect(runReference(ReduceMean, [x])[0]).toEqual({ shape: [1, 1], data: Float32Array.of(2.5) });
    expect(runReference(ReduceMean, [x], { keepdims: 0 })[0]).toEqual({ shape: [], data: Float32Array.of(2.5) });
  });
  it('NHWC spatial mean gives [N,1,1,C]', () => {
    const t = tensor([1, 2, 2, 2], Float32Array.of(1, 10, 2, 20, 3, 30, 4, 40));
    const [y] = runReference(ReduceMean, [t], { axes: [1, 2] });
    expect(y.shape).toEqual([1, 1, 1, 2]);
    expect([...y.data]).toEqual([2.5, 25]);
  });
});

describe('ReduceMean matches onnxruntime-web', () => {
  const cases: [Shape, number[], boolean][] = [
    [[2, 7, 7, 1024], [1, 2], true], [[3, 5, 5, 65], [1, 2], false], [[2, 3, 4, 5], [0], true], [[2, 3, 4, 5], [-1], false],
    [[2, 3, 4, 5], [0, 2], true], [[2, 3, 4, 5], [3, 1], false], [[2, 3, 4, 5], [], true], [[2, 3, 4, 5], [], false],
    [[257], [0], true], [[4, 256], [-1], true], [[9, 8, 3], [-3, -1], false], [[5, 63], [0, 1], true],
  ];
  it.each(cases.map((c, i) => [`[${c[0]}] axes [${c[1]}] keepdims ${c[2]}`, i] as const))('%s', async (_, i) => {
    const [shape, axes, keepdims] = cases[i];
    const x = randomTensor(shape, { seed: i, min: -3, max: 5 });
    const [want] = await runOrtNode('ReduceMean', [{ dims: [...shape], data: x.data }], { ...(axes.length ? { axes } : {}), keepdims: keepdims ? 1 : 0 });
    const [y] = runReference(ReduceMean, [x], { axes, keepdims });
    expect(y.shape).toEqual(want.dims);
    expectClose(y.data, want.data, ReduceMean.tolerance);
  });
  it('opset 18, axes as a constant int64 input', async () => {
    const x = randomTensor([2, 6, 5, 8], { seed: 77 });
    const [want] = await runOrtNode('ReduceMean', [{ dims: [2, 6, 5, 8], data: x.data },
      { dims: [2], data: BigInt64Array.of(1n, 2n), constant: true }], { keepdims: 1 }, 1, { opset: 18 });
    const [y] = runReference(ReduceMean, [x], { axes: [1, 2] });
    expect(y.shape).toEqual(want.dims);
    expectClose(y.data, want.data, ReduceMean.tolerance);
  });
});

describe('ReduceMean rejects bad input', () => {
  it('bad attributes are named', () => {
    expect(() => ReduceMean.parseAttrs({ axes: [0.5] })).toThrow(/attribute axes/);
    expect(() => ReduceMean.parseAttrs({ axes: 1 })).toThrow(/attribute axes/);
    expect(() => ReduceMean.parseAttrs({ keepdims: 'yes' })).toThrow(/attribute keepdims/);
  });
  it('axes must fit the input once each', () => {
    expect(() => ReduceMean.inferShape([[2, 3]], { axes: [2], keepdims: true })).toThrow(/axes: 2.*\[2,3\]/);
    expect(() => ReduceMean.inferShape([[2, 3, 4]], { axes: [1, -2], keepdims: true })).toThrow(/twice/);
    expect(() => ReduceMean.inferShape([undefined], { axes: [], keepdims: true })).toThrow(OpError);
  });
});

await sweepBackends('ReduceMean', BACKEND_CASES);
