// RNN on every backend: the covering sweep (every direction, batch 1 and 3, hidden 1/5/16, lengths 1/4/9,
// with and without B and initial h), the shared long and wide cases (28 steps of 128 units: the sequence
// classifiers), sequence lengths (0 included), clip, every activation with its alpha and beta; weights as
// constants or fed per run. WebGPU rows: its one-workgroup sequence kernel (up to 64 units) and a dispatch per step.
import { RNN } from '../../src/ops/rnn.js';
import { RECURRENT_ACTIVATION_NAMES } from '../../src/ops/recurrent.js';
import type { OpCase } from '../helpers/run-op.js';
import { recurrentCases, SHARED_CASES, sweepCases } from './recurrent-oracle.js';

export const CASES: OpCase[] = recurrentCases(RNN, { gates: 1, states: 1 }, [
  ...sweepCases(), ...SHARED_CASES,
  { direction: 'bidirectional', N: 3, T: 4, I: 7, H: 5, bias: true, attrs: { activations: ['Relu', 'Sigmoid'] } },
  { direction: 'forward', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, attrs: { activations: ['LeakyRelu'], activationAlpha: [0.1] } },
  { direction: 'bidirectional', N: 1, T: 4, I: 7, H: 16, initial: true, attrs: { activations: ['HardSigmoid', 'Elu'], activationAlpha: [0.3, 0.7], activationBeta: [0.4] } },
  { direction: 'bidirectional', N: 3, T: 4, I: 1, H: 5, bias: true, attrs: { activations: ['Affine', 'ScaledTanh'], activationAlpha: [0.5, 1.5], activationBeta: [0.2, 0.8] } },
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 5, bias: true, attrs: { activations: ['Softsign', 'Softplus'] } },
  { direction: 'forward', N: 3, T: 4, I: 7, H: 5, attrs: { activations: ['ThresholdedRelu'], activationAlpha: [0.1] } },
  { direction: 'forward', N: 1, T: 4, I: 7, H: 16, bias: true, seqLens: [2], attrs: { activations: ['Relu'], clip: 1.5 } },
  { direction: 'forward', N: 2, T: 4, I: 5, H: 3, bias: true, initial: true },
  { direction: 'bidirectional', N: 3, T: 5, I: 4, H: 6, bias: true, seqLens: [5, 2, 0], attrs: { activations: ['Relu', 'Sigmoid'], clip: 1.5 } },
  { direction: 'bidirectional', N: 2, T: 4, I: 5, H: 16, bias: true, seqLens: [4, 2], kernel: 'webgpu sequence kernel at 64 units, vec4 rows' },
  { direction: 'bidirectional', N: 3, T: 3, I: 4, H: 35, bias: true, seqLens: [3, 1, 0], initial: true, kernel: 'webgpu a dispatch per step' },
  ...RECURRENT_ACTIVATION_NAMES.map((name) => ({
    direction: 'forward' as const, N: 2, T: 3, I: 3, H: 4, bias: true, attrs: { activations: [name], activationAlpha: [0.6], activationBeta: [0.3] },
  })),
]);
