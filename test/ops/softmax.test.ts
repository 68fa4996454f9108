// Softmax / LogSoftmax: known values, stability on huge logits, every axis, sweeps against
// onnxruntime-web (opset 13, single-axis semantics), errors.
// Then the case table (softmax.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { LogSoftmax, Softmax } from '../../src/ops/softmax.js';
import { OpError } from '../../src/ops/op.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES, SIZES } from './softmax.cases.js';

const SOFT_123 = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];
const LOG_123 = [-2.40760596444438, -1.40760596444438, -0.40760596444437994];
const TIGHT = { atol: 1e-7, rtol: 1e-6 };

describe('Softmax / LogSoftmax: hand-written cases', () => {
  it('known values on the last axis by default', () => {
    const x = tensor([3], Float32Array.of(1, 2, 3));
    expect(Softmax.parseAttrs({})).toEqual({ axis: -1 });
    expectClose(runReference(Softmax, [x])[0].data, SOFT_123, TIGHT);
    expectClose(runReference(LogSoftmax, [x])[0].data, LOG_123, TIGHT);
  });
  it('stays finite on huge and very negative logits (max subtraction)', () => {
    const big = tensor([2, 3], Float32Array.of(1000, 1001, 1002, -3e38, -3e38 + 1e32, 3e38));
    const [s] = runReference(Softmax, [big]);
    expectClose(s.data.subarray(0, 3), SOFT_123, TIGHT);
    expect([...s.data.subarray(3)]).toEqual([0, 0, 1]);
    const [l] = runReference(LogSoftmax, [big]);
    expectClose(l.data.subarray(0, 3), LOG_123, TIGHT);
    expect(l.data[5]).toBe(0);
    expect(l.data.every((v) => !Number.isNaN(v))).toBe(true);
  });
  it('normalizes along the chosen axis only', () => {
    // [2,3] along axis 0: each column is a pair.
    const x = tensor([2, 3], Float32Array.of(0, 1, 2, 0, 2, 4));
    const [y] = runReference(Softmax, [x], { axis: 0 });
    const e = (d: number) => 1 / (1 + Math.exp(d));
    expectClose(y.data, [0.5, e(1), e(2), 0.5, 1 - e(1), 1 - e(2)], TIGHT);
  });
  it('rows sum to 1 and log-rows to log 1', () => {
    const [y] = runReference(Softmax, [randomTensor([16, 65], { min: -20, max: 20 })]);
    for (let r = 0; r < 16; r++) expect(y.data.subarray(r * 65, r * 65 + 65).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});

describe('Softmax / LogSoftmax match onnxruntime-web', () => {
  for (const op of [Softmax, LogSoftmax]) {
    it(`${op.name} over sizes with tails`, async () => {
      for (const n of SIZES) {
        const x = randomTensor([3, n], { seed: n, min: -10, max: 10 });
        const [want] = await runOrtNode(op.name, [{ dims: [3, n], data: x.data }], {});
        expectClose(runReference(op, [x])[0].data, want.data, op.tolerance, `${op.name} [3,${n}]`);
      }
    });
    it(`${op.name} on every axis of a 4-D tensor`, async () => {
      const shape: Shape = [2, 3, 5, 7];
      const x = randomTensor(shape, { seed: 5, min: -30, max: 30 });
      for (const axis of [0, 1, 2, 3, -1, -2, -3, -4]) {
        const [want] = await runOrtNode(op.name, [{ dims: [...shape], data: x.data }], { axis });
        const [y] = runReference(op, [x], { axis });
        expect(y.shape).toEqual(want.dims);
        expectClose(y.data, want.data, op.tolerance, `${op.name} axis ${axis}`);
      }
    });
  }
});

describe('Softmax / LogSoftmax reject bad input', () => {
  it('axis out of range names it', () => {
    expect(() => Softmax.inferShape([[2, 3, 4]], { axis: 3 })).toThrow(OpError);
    expect(() => LogSoftmax.inferShape([[2, 3, 4]], { axis: -4 })).toThrow(/axis -4.*\[2,3,4\]/);
    expect(() => Softmax.inferShape([[]], { axis: -1 })).toThrow(/axis/);
  });
  it('non-integer axis and missing input', () => {
    expect(() => Softmax.parseAttrs({ axis: 1.5 })).toThrow(/attribute axis/);
    expect(() => LogSoftmax.parseAttrs({ axis: '1' })).toThrow(OpError);
    expect(() => Softmax.inferShape([undefined], { axis: -1 })).toThrow(/input X/);
  });
});

await sweepBackends('Softmax / LogSoftmax', BACKEND_CASES);
