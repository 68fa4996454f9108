// Split: sizes given, equal parts (with the ONNX-18 smaller last part), every axis, several
// outputs against onnxruntime-web, errors.
// Then the case table (split.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Split } from '../../src/ops/split.js';
import { OpError } from '../../src/ops/op.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './split.cases.js';

describe('Split: hand-written cases', () => {
  const x = tensor([6], Float32Array.of(1, 2, 3, 4, 5, 6));
  it('by sizes', () => {
    const ys = runReference(Split, [x], { split: [2, 4] });
    expect(ys.map((y) => y.shape)).toEqual([[2], [4]]);
    expect(ys.map((y) => [...y.data])).toEqual([[1, 2], [3, 4, 5, 6]]);
  });
  it('in equal parts, the last smaller when uneven', () => {
    expect(runReference(Split, [x], { numOutputs: 3 }).map((y) => [...y.data])).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(Split.inferShape([[5, 2]], Split.parseAttrs({ numOutputs: 3 }))).toEqual([[2, 2], [2, 2], [1, 2]]);
    expect(Split.inferShape([[2, 8]], Split.parseAttrs({ axis: 1, numOutputs: 4 }))).toEqual([[2, 2], [2, 2], [2, 2], [2, 2]]);
  });
  it('along the channel axis of NHWC (ShuffleNet)', () => {
    const t = tensor([1, 1, 2, 4], Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const [a, b] = runReference(Split, [t], { axis: -1, split: [2, 2] });
    expect([...a.data]).toEqual([1, 2, 5, 6]);
    expect([...b.data]).toEqual([3, 4, 7, 8]);
  });
});

describe('Split matches onnxruntime-web', () => {
  const sized: [Shape, number, number[]][] = [
    [[2, 5, 6, 232], -1, [116, 116]],
    [[2, 5, 6, 77], 3, [4, 8, 64, 1]],
    [[9, 3, 4], 0, [1, 3, 5]],
    [[2, 9, 4], 1, [0, 9]],
    [[2, 3, 257], 2, [256, 1]],
    [[2, 3, 4, 5], -3, [1, 1, 1]],
  ];
  it.each(sized.map((c, i) => [`[${c[0]}] axis ${c[1]} split [${c[2]}]`, i] as const))('%s (split as int64 input)', async (_, i) => {
    const [shape, axis, split] = sized[i];
    const x = randomTensor(shape, { seed: i });
    const want = await runOrtNode('Split', [{ dims: [...shape], data: x.data },
      { dims: [split.length], data: BigInt64Array.from(split.map(BigInt)), constant: true }], { axis }, split.length);
    const ys = runReference(Split, [x], { axis, split });
    ys.forEach((y, k) => {
      expect(y.shape).toEqual(want[k].dims);
      expectClose(y.data, want[k].data, Split.tolerance, `output ${k}`);
    });
  });
  it('equal parts (opset 13) and uneven parts (opset 18 num_outputs)', async () => {
    const cases: [Shape, number, number, number][] = [[[4, 6, 8], 2, 4, 13], [[4, 6, 8], 1, 3, 13], [[65, 3], 0, 5, 13],
      [[2, 7, 3], 1, 3, 18], [[257, 2], 0, 4, 18], [[3, 10], -1, 4, 18]];
    for (const [i, [shape, axis, n, opset]] of cases.entries()) {
      const x = randomTensor(shape, { seed: 50 + i });
      const want = await runOrtNode('Split', [{ dims: [...shape], data: x.data }], opset === 18 ? { axis, num_outputs: n } : { axis }, n, { opset });
      const ys = runReference(Split, [x], { axis, numOutputs: n });
      expect(ys.map((y) => y.shape), `[${shape}] into ${n}`).toEqual(want.map((w) => w.dims));
      ys.forEach((y, k) => expectClose(y.data, want[k].data, Split.tolerance, `[${shape}] output ${k}`));
    }
  });
});

describe('Split rejects bad input', () => {
  it('bad attributes are named', () => {
    expect(() => Split.parseAttrs({})).toThrow(/split.*numOutputs/);
    expect(() => Split.parseAttrs({ split: [2, -1] })).toThrow(/attribute split/);
    expect(() => Split.parseAttrs({ split: [] })).toThrow(/attribute split/);
    expect(() => Split.parseAttrs({ split: [1, 2], numOutputs: 3 })).toThrow(/numOutputs/);
    expect(() => Split.parseAttrs({ numOutputs: 0 })).toThrow(/attribute numOutputs/);
    expect(() => Split.parseAttrs({ axis: 0.5, numOutputs: 2 })).toThrow(/attribute axis/);
  });
  it('sizes that do not fit the input are named', () => {
    expect(() => Split.inferShape([[2, 6]], Split.parseAttrs({ axis: 1, split: [2, 3] }))).toThrow(/\[2,3\] sums to 5.*\[2,6\]/);
    expect(() => Split.inferShape([[2, 6]], Split.parseAttrs({ axis: 2, split: [6] }))).toThrow(/axis 2/);
    expect(() => Split.inferShape([[4]], Split.parseAttrs({ numOutputs: 3 }))).toThrow(OpError);
    expect(() => Split.inferShape([[2]], Split.parseAttrs({ numOutputs: 3 }))).toThrow(/3 non-empty parts/);
    expect(() => Split.inferShape([undefined], Split.parseAttrs({ numOutputs: 2 }))).toThrow(/input X/);
  });
});

await sweepBackends('Split', BACKEND_CASES);
