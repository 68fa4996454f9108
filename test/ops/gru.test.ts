// GRU: the reference against onnxruntime-web over a covering sweep, by hand, and its errors; then the
// case table (gru.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { GRU } from '../../src/ops/gru.js';
import { OpError } from '../../src/ops/op.js';
import { tensor } from '../../src/tensor.js';
import type { Attrs } from '../../src/graph/ir.js';
import { expectClose, runReference } from '../helpers/harness.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './gru.cases.js';
import {
  caseName, expectMatchesOrt, makeInputs, runReferenceOverNaN, sweepCases, type RecurrentCase,
} from './recurrent-oracle.js';

const INFO = { gates: 3, states: 1 };

const CASES: RecurrentCase[] = [
  // linear_before_reset alternates with a period (3) prime to the bias one (2), so all four pairs occur.
  ...sweepCases((i) => ({ attrs: { linearBeforeReset: i % 3 === 0 ? 1 : 0 } })),
  { direction: 'forward', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, seqLens: [9, 0, 4] },
  { direction: 'reverse', N: 3, T: 4, I: 1, H: 16, initial: true, seqLens: [2, 4, 1], attrs: { linearBeforeReset: 1 } },
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, seqLens: [3, 9, 6], attrs: { linearBeforeReset: 1 } },
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 16, bias: true, initial: true, attrs: { clip: 0.3 } },
  { direction: 'forward', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, attrs: { clip: 0.3, linearBeforeReset: true } },
  { direction: 'bidirectional', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true,
    attrs: { activations: ['HardSigmoid', 'Softsign', 'Sigmoid', 'Elu'], activationAlpha: [0.25, 0.8], activationBeta: [0.45] } },
  { direction: 'forward', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true,
    attrs: { activations: ['Sigmoid', 'ScaledTanh'], activationAlpha: [1.3], activationBeta: [0.7], linearBeforeReset: 1 } },
  { direction: 'reverse', N: 3, T: 4, I: 7, H: 5, bias: true,
    attrs: { activations: ['Sigmoid', 'Relu'] } },
  { direction: 'forward', N: 1, T: 4, I: 7, H: 5, bias: true, initial: true,
    attrs: { activations: ['Sigmoid', 'Affine'], activationAlpha: [0.6], activationBeta: [0.1] } },
  { direction: 'bidirectional', N: 1, T: 4, I: 1, H: 5, bias: true,
    attrs: { activations: ['Sigmoid', 'Softplus', 'LeakyRelu', 'Tanh'], activationAlpha: [0.5] } },
];

describe('GRU reference vs onnxruntime-web', () => {
  it.each(CASES.map((c, i) => [caseName(c), c, i] as const))('%s', async (_name, c, i) => {
    await expectMatchesOrt(GRU, INFO, c, 200 + i);
  });
});

describe('GRU reference by hand', () => {
  // H=1, I=1, T=1. Gates z,r,h: W=[0.5,-1,2], R=[0.3,0.6,-0.4], Wb=[0.1,0,0.2], Rb=[0,0.1,0.3]; x=1, h0=0.5.
  const inputs = [
    tensor([1, 1, 1], Float32Array.of(1)),
    tensor([1, 3, 1], Float32Array.of(0.5, -1, 2)),
    tensor([1, 3, 1], Float32Array.of(0.3, 0.6, -0.4)),
    tensor([1, 6], Float32Array.of(0.1, 0, 0.2, 0, 0.1, 0.3)),
    undefined,
    tensor([1, 1, 1], Float32Array.of(0.5)),
  ];
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const z = sigmoid(0.5 + 0.15 + 0.1), r = sigmoid(-1 + 0.3 + 0.1);

  it('linearBeforeReset=0: h~ = tanh(Wh x + Rh (r h) + Rbh + Wbh)', () => {
    const ht = Math.tanh(2 - 0.4 * (r * 0.5) + 0.3 + 0.2);
    const h1 = (1 - z) * ht + z * 0.5;
    const [y, yh] = runReference(GRU, inputs, { hiddenSize: 1 });
    expect([y.shape, yh.shape]).toEqual([[1, 1, 1, 1], [1, 1, 1]]);
    expectClose(y.data, [h1], GRU.tolerance, 'Y');
    expectClose(yh.data, [h1], GRU.tolerance, 'Y_h');
  });

  it('linearBeforeReset=1: h~ = tanh(Wh x + r (Rh h + Rbh) + Wbh)', () => {
    const ht = Math.tanh(2 + r * (-0.4 * 0.5 + 0.3) + 0.2);
    const h1 = (1 - z) * ht + z * 0.5;
    const [, yh] = runReference(GRU, inputs, { hiddenSize: 1, linearBeforeReset: 1 });
    expectClose(yh.data, [h1], GRU.tolerance, 'Y_h');
  });

  it('clip bounds the update and hidden gate inputs', () => {
    const zc = sigmoid(0.5), ht = Math.tanh(0.5); // z: 0.75 clipped; h's input is above 2, clipped
    const h1 = (1 - zc) * ht + zc * 0.5;
    const [, yh] = runReference(GRU, inputs, { hiddenSize: 1, clip: 0.5 });
    expectClose(yh.data, [h1], GRU.tolerance, 'Y_h');
  });
});

describe('GRU sequence lengths', () => {
  it('writes every element; Y is zero past each length and Y_h zero for an empty sequence', () => {
    const c: RecurrentCase = { direction: 'reverse', N: 3, T: 4, I: 2, H: 3, bias: true, initial: true, seqLens: [0, 3, 4] };
    const [y, yh] = runReferenceOverNaN(GRU, makeInputs(INFO, c, 5), { hiddenSize: 3, direction: 'reverse' });
    expect(y.data.some(Number.isNaN) || yh.data.some(Number.isNaN)).toBe(false);
    const H = 3, T = 4;
    expect([...y.data.subarray(0, T * H), ...yh.data.subarray(0, H)].every((v) => v === 0)).toBe(true);
    expect([...y.data.subarray((T + 3) * H, (T + 4) * H)].every((v) => v === 0)).toBe(true);
    // Reverse direction: the final state is the one after step 0.
    expect([...yh.data.subarray(H, 2 * H)]).toEqual([...y.data.subarray(T * H, T * H + H)]);
  });
});

describe('GRU errors', () => {
  it.each([
    [{ hiddenSize: 4, activations: ['Sigmoid'] }, /activations must list 2/],
    [{ hiddenSize: 4, direction: 'bidirectional', activations: ['Sigmoid', 'Tanh', 'Tanh'] }, /activations must list 4/],
    [{ hiddenSize: 4, activations: ['Sigmoid', 'Mish'] }, /activations\[1\].*Mish/],
    [{ hiddenSize: 4, linearBeforeReset: 2 }, /linearBeforeReset/],
    [{ hiddenSize: 4, direction: 'Forward' }, /direction/],
  ] as [Attrs, RegExp][])('parseAttrs(%j) throws OpError', (raw, msg) => {
    expect(() => GRU.parseAttrs(raw)).toThrow(OpError);
    expect(() => GRU.parseAttrs(raw)).toThrow(msg);
  });

  it('defaults: Sigmoid, Tanh per direction; linear_before_reset off', () => {
    const a = GRU.parseAttrs({ hiddenSize: 2, direction: 'bidirectional' });
    expect(a.activations.map((x) => x.name)).toEqual(['Sigmoid', 'Tanh', 'Sigmoid', 'Tanh']);
    expect(a.linearBeforeReset).toBe(false);
  });

  const attrs = GRU.parseAttrs({ hiddenSize: 5, direction: 'bidirectional' });
  const ok = [[3, 4, 7], [2, 15, 7], [2, 15, 5]];
  it.each([
    ['W with LSTM gates', [[3, 4, 7], [2, 20, 7], [2, 15, 5]], /W .*\[2,15,7\], got \[2,20,7\]/],
    ['R for one direction', [[3, 4, 7], [2, 15, 7], [1, 15, 5]], /R .*\[2,15,5\], got \[1,15,5\]/],
    ['B of rank 1', [...ok, [60]], /B .*\[2,30\], got \[60\]/],
    ['initial_h for one direction', [...ok, undefined, undefined, [3, 1, 5]], /initial_h .*\[3,2,5\]/],
  ] as const)('inferShape rejects %s', (_what, shapes, msg) => {
    expect(() => GRU.inferShape(shapes, attrs)).toThrow(OpError);
    expect(() => GRU.inferShape(shapes, attrs)).toThrow(msg);
  });

  it('inferShape gives Y, Y_h; macs counts three gate blocks', () => {
    expect(GRU.inferShape(ok, attrs)).toEqual([[3, 4, 2, 5], [3, 2, 5]]);
    expect(GRU.macs!(ok, [], attrs)).toBe(3 * 4 * 2 * 3 * 5 * 12);
  });
});

await sweepBackends('GRU', BACKEND_CASES);
