// RNN: the reference against onnxruntime-web over a covering sweep, by hand, and its errors; then the
// case table (rnn.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { RNN } from '../../src/ops/rnn.js';
import { OpError } from '../../src/ops/op.js';
import { InputError } from '../../src/errors.js';
import { tensor } from '../../src/tensor.js';
import type { Attrs } from '../../src/graph/ir.js';
import { expectClose, runReference } from '../helpers/harness.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './rnn.cases.js';
import {
  caseName, expectMatchesOrt, makeInputs, runReferenceOverNaN, sweepCases, type RecurrentCase,
} from './recurrent-oracle.js';

const INFO = { gates: 1, states: 1 };

// onnxruntime's RNN kernel indexes activation_alpha/beta by direction rather than consuming them in
// activation order; the lists below are chosen so that both readings agree.
const CASES: RecurrentCase[] = [
  ...sweepCases(),
  { direction: 'forward', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, seqLens: [9, 4, 1] },
  { direction: 'reverse', N: 3, T: 4, I: 1, H: 5, initial: true, seqLens: [2, 4, 1] },
  { direction: 'reverse', N: 3, T: 9, I: 7, H: 16, bias: true, seqLens: [5, 9, 3] },
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 16, bias: true, initial: true, seqLens: [3, 9, 6] },
  { direction: 'bidirectional', N: 3, T: 4, I: 7, H: 5, bias: true, attrs: { activations: ['Relu', 'Sigmoid'] } },
  { direction: 'forward', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, attrs: { activations: ['LeakyRelu'], activationAlpha: [0.1] } },
  { direction: 'bidirectional', N: 1, T: 4, I: 7, H: 16, initial: true,
    attrs: { activations: ['HardSigmoid', 'Elu'], activationAlpha: [0.3, 0.7], activationBeta: [0.4, 0] } },
  { direction: 'bidirectional', N: 3, T: 4, I: 1, H: 5, bias: true,
    attrs: { activations: ['Affine', 'ScaledTanh'], activationAlpha: [0.5, 1.5], activationBeta: [0.2, 0.8] } },
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 5, bias: true, attrs: { activations: ['Softsign', 'Softplus'] } },
  { direction: 'forward', N: 3, T: 4, I: 7, H: 5, attrs: { activations: ['ThresholdedRelu'], activationAlpha: [0.1], activationBeta: [0] } },
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, attrs: { clip: 0.4 } },
  { direction: 'forward', N: 1, T: 4, I: 7, H: 16, bias: true, seqLens: [2], attrs: { activations: ['Relu'], clip: 1.5 } },
];

describe('RNN reference vs onnxruntime-web', () => {
  it.each(CASES.map((c, i) => [caseName(c), c, i] as const))('%s', async (_name, c, i) => {
    await expectMatchesOrt(RNN, INFO, c, i + 1);
  });
});

describe('RNN reference by hand', () => {
  // H=2, I=1, T=2: W=[1,-1], R=0.5*I, Wb=[0.1,0.2], Rb=[0,0.1], x=[1,2], h0=[0,1].
  const inputs = [
    tensor([1, 2, 1], Float32Array.of(1, 2)),
    tensor([1, 2, 1], Float32Array.of(1, -1)),
    tensor([1, 2, 2], Float32Array.of(0.5, 0, 0, 0.5)),
    tensor([1, 4], Float32Array.of(0.1, 0.2, 0, 0.1)),
    undefined,
    tensor([1, 1, 2], Float32Array.of(0, 1)),
  ];

  it('forward: h1 = tanh(W x0 + R h0 + b), h2 = tanh(W x1 + R h1 + b)', () => {
    const h1 = [Math.tanh(1 + 0 + 0.1), Math.tanh(-1 + 0.5 + 0.3)];
    const h2 = [Math.tanh(2 + 0.5 * h1[0] + 0.1), Math.tanh(-2 + 0.5 * h1[1] + 0.3)];
    const [y, yh] = runReference(RNN, inputs, { hiddenSize: 2 });
    expect(y.shape).toEqual([1, 2, 1, 2]);
    expect(yh.shape).toEqual([1, 1, 2]);
    expectClose(y.data, [...h1, ...h2], RNN.tolerance, 'Y');
    expectClose(yh.data, h2, RNN.tolerance, 'Y_h');
  });

  it('reverse: reads x1 first, Y_h is the state after x0', () => {
    const h1 = [Math.tanh(2 + 0 + 0.1), Math.tanh(-2 + 0.5 + 0.3)];
    const h0 = [Math.tanh(1 + 0.5 * h1[0] + 0.1), Math.tanh(-1 + 0.5 * h1[1] + 0.3)];
    const [y, yh] = runReference(RNN, inputs, { hiddenSize: 2, direction: 'reverse' });
    expectClose(y.data, [...h0, ...h1], RNN.tolerance, 'Y');
    expectClose(yh.data, h0, RNN.tolerance, 'Y_h');
  });

  it('clip bounds the activation input', () => {
    const h1 = [Math.tanh(0.5), Math.tanh(-0.2)];
    const [y] = runReference(RNN, inputs, { hiddenSize: 2, clip: 0.5 });
    expectClose(y.data.subarray(0, 2), h1, RNN.tolerance, 'Y[0]');
  });
});

describe('RNN layout and sequence lengths', () => {
  const c: RecurrentCase = { direction: 'bidirectional', N: 3, T: 5, I: 3, H: 4, bias: true, initial: true, seqLens: [5, 2, 0] };

  it('writes every output element; Y is zero past each length, Y_h zero for an empty sequence', () => {
    const inputs = makeInputs(INFO, c, 7);
    const [y, yh] = runReferenceOverNaN(RNN, inputs, { hiddenSize: 4, direction: 'bidirectional' });
    expect(y.data.some(Number.isNaN)).toBe(false);
    expect(yh.data.some(Number.isNaN)).toBe(false);
    const D = 2, H = 4, T = 5;
    for (let n = 0; n < 3; n++) {
      for (let t = 0; t < T; t++) {
        const row = y.data.subarray(((n * T + t) * D) * H, ((n * T + t) * D + D) * H);
        expect(row.every((v) => v === 0), `Y[${n},${t}]`).toBe(t >= c.seqLens![n]);
      }
    }
    expect([...yh.data.subarray(2 * D * H)]).toEqual(new Array(D * H).fill(0));
    // Y_h: forward = state at the last valid step, reverse = state at step 0.
    expect([...yh.data.subarray(D * H, D * H + H)]).toEqual([...y.data.subarray((1 * T + 1) * D * H, (1 * T + 1) * D * H + H)]);
    expect([...yh.data.subarray(D * H + H, 2 * D * H)]).toEqual([...y.data.subarray((1 * T) * D * H + H, (1 * T) * D * H + 2 * H)]);
  });

  it('the reverse direction equals the forward direction on each sequence reversed within its length', () => {
    const inputs = makeInputs(INFO, c, 11);
    const [x, w, r, b, lens, h0] = inputs;
    const [y] = runReference(RNN, inputs, { hiddenSize: 4, direction: 'bidirectional' });
    const { N, T, I, H } = c;
    const xr = new Float32Array(x!.data.length);
    for (let n = 0; n < N; n++) {
      const len = c.seqLens![n];
      for (let t = 0; t < len; t++) xr.set(x!.data.subarray((n * T + len - 1 - t) * I, (n * T + len - t) * I), (n * T + t) * I);
    }
    const slice = (tt: typeof w, per: number) => tensor([1, ...tt!.shape.slice(1)], tt!.data.slice(per, 2 * per));
    const h0r = tensor([N, 1, H], Float32Array.from({ length: N * H }, (_, k) => h0!.data[Math.floor(k / H) * 2 * H + H + (k % H)]));
    const [yf] = runReference(RNN, [tensor(x!.shape, xr), slice(w, H * I), slice(r, H * H), slice(b, 2 * H), lens, h0r], { hiddenSize: 4 });
    for (let n = 0; n < N; n++) {
      const len = c.seqLens![n];
      for (let t = 0; t < len; t++) {
        const got = y.data.subarray(((n * T + t) * 2 + 1) * H, ((n * T + t) * 2 + 2) * H);
        const want = yf.data.subarray((n * T + len - 1 - t) * H, (n * T + len - t) * H);
        expect([...got]).toEqual([...want]);
      }
    }
  });
});

describe('RNN errors', () => {
  const parse = (raw: Attrs) => () => RNN.parseAttrs(raw);

  it.each([
    [{}, /hiddenSize/],
    [{ hiddenSize: 0 }, /hiddenSize/],
    [{ hiddenSize: 2.5 }, /hiddenSize/],
    [{ hiddenSize: 4, direction: 'sideways' }, /direction/],
    [{ hiddenSize: 4, activations: ['Tanh', 'Tanh'] }, /activations must list 1/],
    [{ hiddenSize: 4, direction: 'bidirectional', activations: ['Tanh'] }, /activations must list 2/],
    [{ hiddenSize: 4, activations: ['Swish'] }, /activations\[0\].*Swish/],
    [{ hiddenSize: 4, activations: [3] }, /activations\[0\]/],
    [{ hiddenSize: 4, activationAlpha: ['a'] }, /activationAlpha/],
    [{ hiddenSize: 4, activationBeta: 0.5 }, /activationBeta/],
    [{ hiddenSize: 4, activations: ['ScaledTanh'], activationAlpha: [1] }, /activationBeta.*ScaledTanh/],
    [{ hiddenSize: 4, clip: -1 }, /clip/],
    [{ hiddenSize: 4, clip: 0 }, /clip/],
    [{ hiddenSize: 4, clip: 'big' }, /clip/],
  ] as [Attrs, RegExp][])('parseAttrs(%j) throws OpError', (raw, msg) => {
    expect(parse(raw)).toThrow(OpError);
    expect(parse(raw)).toThrow(msg);
  });

  it('fills ONNX defaults and reads activation parameters in order', () => {
    expect(RNN.parseAttrs({ hiddenSize: 3 })).toEqual({
      hiddenSize: 3, direction: 'forward', numDirections: 1, activations: [{ name: 'Tanh', alpha: 0, beta: 0 }],
    });
    const a = RNN.parseAttrs({ hiddenSize: 3, direction: 'bidirectional', activations: ['tanh', 'LeakyRelu'], activationAlpha: [0.2] });
    expect(a.activations).toEqual([{ name: 'Tanh', alpha: 0, beta: 0 }, { name: 'LeakyRelu', alpha: 0.2, beta: 0 }]);
    const d = RNN.parseAttrs({ hiddenSize: 3, direction: 'bidirectional', activations: ['HardSigmoid', 'LeakyRelu'] });
    expect(d.activations).toEqual([{ name: 'HardSigmoid', alpha: 0.2, beta: 0.5 }, { name: 'LeakyRelu', alpha: 0.01, beta: 0 }]);
  });

  const attrs = RNN.parseAttrs({ hiddenSize: 5 });
  const bi = RNN.parseAttrs({ hiddenSize: 5, direction: 'bidirectional' });
  it.each([
    ['X missing', [undefined, [1, 5, 7], [1, 5, 5]], attrs, /X is missing/],
    ['X rank 2', [[3, 7], [1, 5, 7], [1, 5, 5]], attrs, /X must have shape/],
    ['W for the wrong input size', [[3, 4, 7], [1, 5, 6], [1, 5, 5]], attrs, /W .* must have shape \[1,5,7\], got \[1,5,6\]/],
    ['W for one direction when bidirectional', [[3, 4, 7], [1, 5, 7], [2, 5, 5]], bi, /W .*\[2,5,7\]/],
    ['W missing', [[3, 4, 7], undefined, [1, 5, 5]], attrs, /W .*missing/],
    ['R not square', [[3, 4, 7], [1, 5, 7], [1, 5, 7]], attrs, /R .*\[1,5,5\], got \[1,5,7\]/],
    ['B without the recurrent half', [[3, 4, 7], [1, 5, 7], [1, 5, 5], [1, 5]], attrs, /B .*\[1,10\], got \[1,5\]/],
    ['sequence_lens of the wrong batch', [[3, 4, 7], [1, 5, 7], [1, 5, 5], undefined, [4]], attrs, /sequence_lens .*\[3\]/],
    ['initial_h in layout 0', [[3, 4, 7], [1, 5, 7], [1, 5, 5], undefined, undefined, [1, 3, 5]], attrs, /initial_h .*\[3,1,5\], got \[1,3,5\]/],
  ] as const)('inferShape rejects %s', (_what, shapes, a, msg) => {
    const f = () => RNN.inferShape(shapes, a);
    expect(f).toThrow(OpError);
    expect(f).toThrow(msg);
  });

  it('inferShape gives batch-first outputs; macs counts the gate products', () => {
    const shapes = [[3, 4, 7], [2, 5, 7], [2, 5, 5]];
    expect(RNN.inferShape(shapes, bi)).toEqual([[3, 4, 2, 5], [3, 2, 5]]);
    expect(RNN.macs!(shapes, [], bi)).toBe(3 * 4 * 2 * 5 * (7 + 5));
  });

  it.each([[[5, 1, 1]], [[1.5, 1, 1]], [[-1, 1, 1]]])('reference rejects sequence_lens %j with an InputError', (lens) => {
    const inputs = makeInputs(INFO, { direction: 'forward', N: 3, T: 4, I: 2, H: 3 }, 1);
    inputs[4] = tensor([3], Float32Array.from(lens));
    expect(() => runReference(RNN, inputs, { hiddenSize: 3 })).toThrow(InputError);
    expect(() => runReference(RNN, inputs, { hiddenSize: 3 })).toThrow(/sequence_lens\[0\]/);
  });
});

await sweepBackends('RNN', BACKEND_CASES);
