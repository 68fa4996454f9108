// Transpose: hand-checked layouts, default (reversed) perm, random ranks and perms against
// onnxruntime-web, errors.
// Then the case table (transpose.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Transpose } from '../../src/ops/transpose.js';
import { OpError } from '../../src/ops/op.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, NCHW_TO_NHWC, NHWC_TO_NCHW, randomTensor, rng, runReference, transposeData } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './transpose.cases.js';

describe('Transpose: hand-written cases', () => {
  it('reverses the axes by default', () => {
    const [y] = runReference(Transpose, [tensor([2, 3], Float32Array.of(1, 2, 3, 4, 5, 6))]);
    expect(y.shape).toEqual([3, 2]);
    expect([...y.data]).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Transpose.inferShape([[2, 3, 4]], Transpose.parseAttrs({}))).toEqual([[4, 3, 2]]);
  });
  it('NHWC <-> NCHW round trip', () => {
    const x = randomTensor([2, 5, 6, 3]);
    const [nchw] = runReference(Transpose, [x], { perm: [...NHWC_TO_NCHW] });
    expect(nchw.shape).toEqual([2, 3, 5, 6]);
    expect(nchw.data).toEqual(transposeData(x.data, x.shape, NHWC_TO_NCHW));
    const [back] = runReference(Transpose, [nchw], { perm: [...NCHW_TO_NHWC] });
    expect(back.data).toEqual(x.data);
  });
  it('identity perm and rank 0/1', () => {
    const x = randomTensor([3, 4]);
    expect(runReference(Transpose, [x], { perm: [0, 1] })[0].data).toEqual(x.data);
    expect(runReference(Transpose, [tensor([], Float32Array.of(7))])[0]).toEqual({ shape: [], data: Float32Array.of(7) });
    expect(runReference(Transpose, [tensor([3], Float32Array.of(1, 2, 3))])[0].data).toEqual(Float32Array.of(1, 2, 3));
  });
});

describe('Transpose matches onnxruntime-web', () => {
  it('random shapes and permutations, ranks 1..5', async () => {
    const r = rng(42);
    const dims = [1, 2, 3, 4, 5, 7, 8, 9];
    for (let c = 0; c < 40; c++) {
      const rank = 1 + (c % 5);
      const shape: Shape = Array.from({ length: rank }, () => dims[Math.floor(r() * dims.length)]);
      const perm = shape.map((_, i) => i);
      for (let i = rank - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [perm[i], perm[j]] = [perm[j], perm[i]]; }
      const useDefault = c % 7 === 0;
      const x = randomTensor(shape, { seed: c });
      const [want] = await runOrtNode('Transpose', [{ dims: [...shape], data: x.data }], useDefault ? {} : { perm });
      const [y] = runReference(Transpose, [x], useDefault ? {} : { perm });
      expect(y.shape, `[${shape}] perm [${perm}]`).toEqual(want.dims);
      expectClose(y.data, want.data, Transpose.tolerance, `[${shape}] perm [${perm}]`);
    }
  });
  it('image-sized tensors with tails', async () => {
    for (const [shape, perm] of [[[1, 17, 9, 64], [0, 3, 1, 2]], [[2, 65, 3, 5], [0, 2, 3, 1]], [[256, 3], [1, 0]]] as [Shape, number[]][]) {
      const x = randomTensor(shape, { seed: shape[1] });
      const [want] = await runOrtNode('Transpose', [{ dims: [...shape], data: x.data }], { perm });
      expectClose(runReference(Transpose, [x], { perm })[0].data, want.data, Transpose.tolerance, `[${shape}]`);
    }
  });
});

describe('Transpose rejects bad input', () => {
  it('perm must be a permutation', () => {
    expect(() => Transpose.parseAttrs({ perm: [0, 0, 1] })).toThrow(/attribute perm/);
    expect(() => Transpose.parseAttrs({ perm: [0, 3] })).toThrow(OpError);
    expect(() => Transpose.parseAttrs({ perm: [-1, 0] })).toThrow(/attribute perm/);
    expect(() => Transpose.parseAttrs({ perm: 'abc' })).toThrow(/attribute perm/);
  });
  it('perm must match the rank', () => {
    expect(() => Transpose.inferShape([[2, 3, 4]], Transpose.parseAttrs({ perm: [1, 0] }))).toThrow(/perm \[1,0\].*\[2,3,4\]/);
    expect(() => Transpose.inferShape([undefined], Transpose.parseAttrs({}))).toThrow(/input X/);
  });
});

await sweepBackends('Transpose', BACKEND_CASES);
