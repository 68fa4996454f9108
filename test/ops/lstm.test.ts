// LSTM: the reference against onnxruntime-web over a covering sweep, by hand, and its errors; then the
// case table (lstm.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { LSTM } from '../../src/ops/lstm.js';
import { OpError } from '../../src/ops/op.js';
import { tensor } from '../../src/tensor.js';
import type { Attrs } from '../../src/graph/ir.js';
import { expectClose, runReference } from '../helpers/harness.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './lstm.cases.js';
import {
  caseName, expectMatchesOrt, makeInputs, runReferenceOverNaN, sweepCases, type RecurrentCase,
} from './recurrent-oracle.js';

const INFO = { gates: 4, states: 2 };

const CASES: RecurrentCase[] = [
  ...sweepCases((i) => ({ peepholes: i % 3 === 1 })),
  { direction: 'forward', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, peepholes: true, seqLens: [9, 0, 4] },
  { direction: 'reverse', N: 3, T: 4, I: 1, H: 16, initial: true, seqLens: [2, 4, 1] },
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, peepholes: true, seqLens: [3, 9, 6] },
  { direction: 'bidirectional', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true, peepholes: true, attrs: { inputForget: 1 } },
  { direction: 'forward', N: 3, T: 9, I: 7, H: 16, bias: true, initial: true, peepholes: true, attrs: { clip: 0.3 } },
  { direction: 'bidirectional', N: 1, T: 9, I: 1, H: 5, bias: true, initial: true, attrs: { clip: 2, inputForget: true } },
  { direction: 'bidirectional', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true, peepholes: true,
    attrs: { activations: ['HardSigmoid', 'Tanh', 'Softsign', 'Sigmoid', 'LeakyRelu', 'Elu'], activationAlpha: [0.25, 0.05, 0.9], activationBeta: [0.45] } },
  { direction: 'forward', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true,
    attrs: { activations: ['Sigmoid', 'Affine', 'ScaledTanh'], activationAlpha: [0.5, 1.2], activationBeta: [0.1, 0.9] } },
  { direction: 'reverse', N: 3, T: 4, I: 7, H: 5, bias: true,
    attrs: { activations: ['Sigmoid', 'Softplus', 'Relu'] } },
  { direction: 'forward', N: 1, T: 4, I: 7, H: 5, bias: true, initial: true,
    attrs: { activations: ['Sigmoid', 'ThresholdedRelu', 'Tanh'], activationAlpha: [0.2] } },
];

describe('LSTM reference vs onnxruntime-web', () => {
  it.each(CASES.map((c, i) => [caseName(c), c, i] as const))('%s', async (_name, c, i) => {
    await expectMatchesOrt(LSTM, INFO, c, 100 + i);
  });
});

describe('LSTM reference by hand', () => {
  // H=1, I=1, T=1. Gates i,o,f,c: W=[0.5,-0.5,1,2], R=[0.1,0.2,0.3,0.4], P (i,o,f)=[0.1,0.2,0.3]; x=1, h0=0.5, c0=-1.
  const inputs = [
    tensor([1, 1, 1], Float32Array.of(1)),
    tensor([1, 4, 1], Float32Array.of(0.5, -0.5, 1, 2)),
    tensor([1, 4, 1], Float32Array.of(0.1, 0.2, 0.3, 0.4)),
    undefined,
    undefined,
    tensor([1, 1, 1], Float32Array.of(0.5)),
    tensor([1, 1, 1], Float32Array.of(-1)),
    tensor([1, 3], Float32Array.of(0.1, 0.2, 0.3)),
  ];
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

  it('peepholes: i and f see c0, o sees c1', () => {
    const i = sigmoid(0.5 + 0.05 - 0.1), f = sigmoid(1 + 0.15 - 0.3), g = Math.tanh(2 + 0.2);
    const c1 = f * -1 + i * g;
    const o = sigmoid(-0.5 + 0.1 + 0.2 * c1);
    const h1 = o * Math.tanh(c1);
    const [y, yh, yc] = runReference(LSTM, inputs, { hiddenSize: 1 });
    expect([y.shape, yh.shape, yc.shape]).toEqual([[1, 1, 1, 1], [1, 1, 1], [1, 1, 1]]);
    expectClose(y.data, [h1], LSTM.tolerance, 'Y');
    expectClose(yh.data, [h1], LSTM.tolerance, 'Y_h');
    expectClose(yc.data, [c1], LSTM.tolerance, 'Y_c');
  });

  it('inputForget: f = 1 - i', () => {
    const i = sigmoid(0.45), g = Math.tanh(2.2);
    const c1 = (1 - i) * -1 + i * g;
    const h1 = sigmoid(-0.4 + 0.2 * c1) * Math.tanh(c1);
    const [, yh, yc] = runReference(LSTM, inputs, { hiddenSize: 1, inputForget: true });
    expectClose(yh.data, [h1], LSTM.tolerance, 'Y_h');
    expectClose(yc.data, [c1], LSTM.tolerance, 'Y_c');
  });

  it('clip bounds gate inputs but not the cell state', () => {
    const i = sigmoid(0.45), f = sigmoid(0.5), g = Math.tanh(0.5); // f: 0.85, g: 2.2 clipped
    const c1 = f * -1 + i * g;
    const h1 = sigmoid(Math.min(0.5, Math.max(-0.5, -0.4 + 0.2 * c1))) * Math.tanh(c1);
    const [, yh, yc] = runReference(LSTM, inputs, { hiddenSize: 1, clip: 0.5 });
    expectClose(yh.data, [h1], LSTM.tolerance, 'Y_h');
    expectClose(yc.data, [c1], LSTM.tolerance, 'Y_c');
  });
});

describe('LSTM sequence lengths', () => {
  it('writes every element; Y_h and Y_c hold the last valid step, zeros for an empty sequence', () => {
    const c: RecurrentCase = { direction: 'bidirectional', N: 3, T: 4, I: 2, H: 3, bias: true, initial: true, peepholes: true, seqLens: [4, 1, 0] };
    const [y, yh, yc] = runReferenceOverNaN(LSTM, makeInputs(INFO, c, 3), { hiddenSize: 3, direction: 'bidirectional' });
    for (const t of [y, yh, yc]) expect(t.data.some(Number.isNaN)).toBe(false);
    const D = 2, H = 3, T = 4;
    // Entry 1 has one step: both directions' final h is Y[1, 0, d].
    expect([...yh.data.subarray(D * H, 2 * D * H)]).toEqual([...y.data.subarray(T * D * H, T * D * H + D * H)]);
    expect([...y.data.subarray((T + 1) * D * H, 2 * T * D * H)].every((v) => v === 0)).toBe(true);
    expect([...yh.data.subarray(2 * D * H), ...yc.data.subarray(2 * D * H)].every((v) => v === 0)).toBe(true);
  });
});

describe('LSTM errors', () => {
  it.each([
    [{ hiddenSize: 4, activations: ['Sigmoid', 'Tanh'] }, /activations must list 3/],
    [{ hiddenSize: 4, direction: 'bidirectional', activations: ['Sigmoid', 'Tanh', 'Tanh'] }, /activations must list 6/],
    [{ hiddenSize: 4, activations: ['Sigmoid', 'Tanh', 'Gelu'] }, /activations\[2\].*Gelu/],
    [{ hiddenSize: 4, inputForget: 'yes' }, /inputForget/],
    [{ hiddenSize: -4 }, /hiddenSize/],
  ] as [Attrs, RegExp][])('parseAttrs(%j) throws OpError', (raw, msg) => {
    expect(() => LSTM.parseAttrs(raw)).toThrow(OpError);
    expect(() => LSTM.parseAttrs(raw)).toThrow(msg);
  });

  it('defaults: Sigmoid, Tanh, Tanh per direction; no input forget', () => {
    const a = LSTM.parseAttrs({ hiddenSize: 2, direction: 'reverse' });
    expect(a.activations.map((x) => x.name)).toEqual(['Sigmoid', 'Tanh', 'Tanh']);
    expect(a.inputForget).toBe(false);
    expect(a.clip).toBeUndefined();
  });

  const attrs = LSTM.parseAttrs({ hiddenSize: 5 });
  const ok = [[3, 4, 7], [1, 20, 7], [1, 20, 5]];
  it.each([
    ['W with 3 gate blocks', [[3, 4, 7], [1, 15, 7], [1, 20, 5]], /W .*\[1,20,7\], got \[1,15,7\]/],
    ['B of one bias set', [...ok, [1, 20]], /B .*\[1,40\]/],
    ['initial_c of the wrong batch', [...ok, undefined, undefined, undefined, [1, 1, 5]], /initial_c .*\[3,1,5\]/],
    ['P with 4 blocks', [...ok, undefined, undefined, undefined, undefined, [1, 20]], /P .*\[1,15\], got \[1,20\]/],
  ] as const)('inferShape rejects %s', (_what, shapes, msg) => {
    expect(() => LSTM.inferShape(shapes, attrs)).toThrow(OpError);
    expect(() => LSTM.inferShape(shapes, attrs)).toThrow(msg);
  });

  it('inferShape gives Y, Y_h, Y_c; macs counts four gate blocks', () => {
    expect(LSTM.inferShape(ok, attrs)).toEqual([[3, 4, 1, 5], [3, 1, 5], [3, 1, 5]]);
    expect(LSTM.macs!(ok, [], attrs)).toBe(3 * 4 * 4 * 5 * 12);
  });
});

await sweepBackends('LSTM', BACKEND_CASES);
