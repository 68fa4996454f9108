// Reshape (ONNX 0/-1, a free batch), Flatten and Identity: shapes by hand, a batch of N through
// the importers' leading 0/-1, comparison with onnxruntime-web (shape as an int64 input), errors.
// Then the case table (reshape.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Flatten, Identity, Reshape } from '../../src/ops/reshape.js';
import { OpError } from '../../src/ops/op.js';
import type { Shape } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './reshape.cases.js';

const infer = (x: Shape, shape: number[], allowzero = false) => Reshape.inferShape([x], Reshape.parseAttrs({ shape, allowzero }))[0];

describe('Reshape shapes', () => {
  it('infers -1 and copies 0', () => {
    expect(infer([2, 3], [3, -1])).toEqual([3, 2]);
    expect(infer([2, 3, 4], [0, -1])).toEqual([2, 12]);
    expect(infer([2, 3, 4], [-1])).toEqual([24]);
    expect(infer([2, 3, 4], [0, 0, 2, 2])).toEqual([2, 3, 2, 2]);
    expect(infer([2, 3, 4], [4, 0, -1])).toEqual([4, 3, 2]);
    expect(infer([6], [1, 1, 6])).toEqual([1, 1, 6]);
  });
  it('keeps a batch of N free when the importer wrote a leading 0 or -1', () => {
    for (const n of [1, 2, 3, 7, 32]) {
      expect(infer([n, 28, 28, 1], [-1, 784])).toEqual([n, 784]);
      expect(infer([n, 28, 28, 1], [0, 784])).toEqual([n, 784]);
      expect(infer([n, 28, 28, 1], [0, -1])).toEqual([n, 784]);
      expect(infer([n, 7, 7, 16], [0, 784])).toEqual([n, 784]);
      expect(infer([n, 784], [-1, 7, 7, 16])).toEqual([n, 7, 7, 16]);
      expect(infer([n, 1, 1, 1280], [0, -1])).toEqual([n, 1280]);
      // ShuffleNet's channel shuffle: [N, H, W, 2*C] -> [N, H, W, 2, C] (and back).
      expect(infer([n, 7, 7, 116], [0, 0, 0, 2, 58])).toEqual([n, 7, 7, 2, 58]);
    }
  });
  it('allowzero makes 0 a literal zero-sized dim', () => {
    expect(infer([3, 0], [0, 3], true)).toEqual([0, 3]);
    expect(() => infer([3, 0], [0, 3], false)).toThrow(OpError);
  });
  it('moves data unchanged', () => {
    const x = randomTensor([2, 3, 4]);
    const [y] = runReference(Reshape, [x], { shape: [4, -1] });
    expect(y.shape).toEqual([4, 6]);
    expect(y.data).toEqual(x.data);
  });
});

describe('Flatten and Identity', () => {
  it('Flatten splits the shape at axis (default 1)', () => {
    const f = (x: Shape, axis?: number) => Flatten.inferShape([x], Flatten.parseAttrs(axis === undefined ? {} : { axis }))[0];
    expect(f([2, 3, 4, 5])).toEqual([2, 60]);
    expect(f([2, 3, 4, 5], 0)).toEqual([1, 120]);
    expect(f([2, 3, 4, 5], 4)).toEqual([120, 1]);
    expect(f([2, 3, 4, 5], -1)).toEqual([24, 5]);
    expect(f([2, 3, 4, 5], -4)).toEqual([1, 120]);
    expect(f([5], 1)).toEqual([5, 1]);
  });
  it('Identity copies', () => {
    const x = randomTensor([3, 5]);
    const [y] = runReference(Identity, [x]);
    expect(y.shape).toEqual([3, 5]);
    expect(y.data).toEqual(x.data);
    expect(y.data).not.toBe(x.data);
  });
});

describe('Reshape / Flatten / Identity match onnxruntime-web', () => {
  it('Reshape with 0 and -1, the shape as a constant int64 input', async () => {
    const cases: [Shape, number[]][] = [[[2, 3, 4], [0, -1]], [[2, 3, 4], [-1, 6]], [[3, 28, 28, 1], [-1, 784]],
      [[3, 28, 28, 1], [0, 784]], [[5, 784], [-1, 7, 7, 16]], [[2, 7, 7, 8], [0, 0, 0, 2, 4]], [[257], [1, -1, 1]], [[4, 64], [256]]];
    for (const [i, [xs, shape]] of cases.entries()) {
      const x = randomTensor(xs, { seed: i });
      const [want] = await runOrtNode('Reshape', [{ dims: [...xs], data: x.data },
        { dims: [shape.length], data: BigInt64Array.from(shape.map(BigInt)), constant: true }], {});
      const [y] = runReference(Reshape, [x], { shape });
      expect(y.shape, `[${xs}] to [${shape}]`).toEqual(want.dims);
      expectClose(y.data, want.data, Reshape.tolerance);
    }
  });
  it('Flatten at every axis', async () => {
    const x = randomTensor([2, 3, 4, 5], { seed: 9 });
    for (const axis of [0, 1, 2, 3, 4, -1, -2, -3, -4]) {
      const [want] = await runOrtNode('Flatten', [{ dims: [2, 3, 4, 5], data: x.data }], { axis });
      const [y] = runReference(Flatten, [x], { axis });
      expect(y.shape, `axis ${axis}`).toEqual(want.dims);
      expectClose(y.data, want.data, Flatten.tolerance);
    }
  });
  it('Identity', async () => {
    const x = randomTensor([4, 65], { seed: 3 });
    const [want] = await runOrtNode('Identity', [{ dims: [4, 65], data: x.data }], {});
    expectClose(runReference(Identity, [x])[0].data, want.data, Identity.tolerance);
  });
});

describe('Reshape / Flatten reject bad input', () => {
  it('bad shape attributes are named', () => {
    expect(() => Reshape.parseAttrs({})).toThrow(/attribute shape/);
    expect(() => Reshape.parseAttrs({ shape: [2, -2] })).toThrow(/attribute shape/);
    expect(() => Reshape.parseAttrs({ shape: [-1, 2, -1] })).toThrow(/more than one -1/);
    expect(() => Reshape.parseAttrs({ shape: [0, -1], allowzero: true })).toThrow(/allowzero/);
    expect(() => Reshape.parseAttrs({ shape: [2], allowzero: 'no' })).toThrow(/attribute allowzero/);
  });
  it('impossible reshapes name both shapes', () => {
    expect(() => infer([2, 3], [4, -1])).toThrow(/\[2,3\].*\[4,-1\]/);
    expect(() => infer([2, 3], [5])).toThrow(OpError);
    expect(() => infer([2, 3], [0, 0, 0])).toThrow(/index 2/);
    expect(infer([2, 0], [0, -1])).toEqual([2, 0]);
    expect(() => infer([2, 0], [-1, 0])).toThrow(/divide/);
    expect(() => infer([-1, 784], [0, 784])).toThrow(/unresolved/);
    expect(() => Reshape.inferShape([undefined], Reshape.parseAttrs({ shape: [1] }))).toThrow(/input X/);
  });
  it('Flatten axis out of range', () => {
    expect(() => Flatten.inferShape([[2, 3]], { axis: 3 })).toThrow(/axis 3.*\[2,3\]/);
    expect(() => Flatten.inferShape([[2, 3]], { axis: -3 })).toThrow(OpError);
    expect(() => Flatten.parseAttrs({ axis: 'x' })).toThrow(/attribute axis/);
  });
});

await sweepBackends('Reshape / Flatten / Identity', BACKEND_CASES);
