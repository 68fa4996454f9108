// GRU on every backend: the covering sweep (linearBeforeReset on every third row), the shared long and wide
// cases both ways of linearBeforeReset, sequence lengths, clip, every activation with its alpha and beta;
// weights as constants or fed per run. WebGPU rows: a dispatch per step (two phases), vec4 rows.
import { GRU } from '../../src/ops/gru.js';
import type { OpCase } from '../helpers/run-op.js';
import { recurrentCases, SHARED_CASES, sweepCases } from './recurrent-oracle.js';

export const CASES: OpCase[] = recurrentCases(GRU, { gates: 3, states: 1 }, [
  ...sweepCases((i) => ({ attrs: { linearBeforeReset: i % 3 === 0 ? 1 : 0 } })), ...SHARED_CASES,
  ...SHARED_CASES.map((c) => ({ ...c, attrs: { ...c.attrs, linearBeforeReset: 1 } })),
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, seqLens: [3, 9, 6], attrs: { linearBeforeReset: 1 } },
  { direction: 'forward', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, attrs: { clip: 0.3, linearBeforeReset: true } },
  { direction: 'bidirectional', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true,
    attrs: { activations: ['HardSigmoid', 'Softsign', 'Sigmoid', 'Elu'], activationAlpha: [0.25, 0.8], activationBeta: [0.45] } },
  { direction: 'forward', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true,
    attrs: { activations: ['Sigmoid', 'ScaledTanh'], activationAlpha: [1.3], activationBeta: [0.7], linearBeforeReset: 1 } },
  { direction: 'reverse', N: 3, T: 4, I: 7, H: 5, bias: true, attrs: { activations: ['Sigmoid', 'Relu'] } },
  { direction: 'bidirectional', N: 1, T: 4, I: 1, H: 5, bias: true,
    attrs: { activations: ['Sigmoid', 'Softplus', 'LeakyRelu', 'Tanh'], activationAlpha: [0.5], linearBeforeReset: 1 } },
  { direction: 'forward', N: 3, T: 5, I: 7, H: 5, bias: true, seqLens: [3, 0, 5], initial: true },
  { direction: 'reverse', N: 2, T: 4, I: 3, H: 4, bias: true, seqLens: [4, 2], initial: true, attrs: { linearBeforeReset: 1 } },
  { direction: 'bidirectional', N: 2, T: 3, I: 6, H: 3,
    attrs: { activations: ['HardSigmoid', 'Softsign', 'Sigmoid', 'ScaledTanh'], activationAlpha: [0.3, 0.8], activationBeta: [0.4, 1.2] } },
  { direction: 'forward', N: 5, T: 3, I: 3, H: 13, bias: true, initial: true, seqLens: [3, 2, 0, 1, 3], kernel: 'webgpu a dispatch per step, two phases' },
  { direction: 'forward', N: 3, T: 2, I: 3, H: 32, bias: true, attrs: { linearBeforeReset: 1 }, kernel: 'webgpu a dispatch per step, vec4 rows' },
]);
