// LSTM on every backend: the covering sweep (peepholes on every third row), the shared long and wide cases,
// sequence lengths, peepholes, clip, inputForget, every activation with its alpha and beta; weights as
// constants or fed per run. wasm rows: its blocked form (batch up to 3) and a GEMM per step (from 4);
// WebGPU rows: one tile past (I=37, H=40) and a dispatch per step with vec4 rows.
import { LSTM } from '../../src/ops/lstm.js';
import type { OpCase } from '../helpers/run-op.js';
import { recurrentCases, SHARED_CASES, sweepCases } from './recurrent-oracle.js';

export const CASES: OpCase[] = recurrentCases(LSTM, { gates: 4, states: 2 }, [
  ...sweepCases((i) => ({ peepholes: i % 3 === 1 })), ...SHARED_CASES,
  { direction: 'bidirectional', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, peepholes: true, seqLens: [3, 9, 6] },
  { direction: 'bidirectional', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true, peepholes: true, attrs: { inputForget: 1 } },
  { direction: 'forward', N: 3, T: 9, I: 7, H: 16, bias: true, initial: true, peepholes: true, attrs: { clip: 0.3 } },
  { direction: 'bidirectional', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true, peepholes: true,
    attrs: { activations: ['HardSigmoid', 'Tanh', 'Softsign', 'Sigmoid', 'LeakyRelu', 'Elu'], activationAlpha: [0.25, 0.05, 0.9], activationBeta: [0.45] } },
  { direction: 'forward', N: 3, T: 4, I: 7, H: 5, bias: true, initial: true,
    attrs: { activations: ['Sigmoid', 'Affine', 'ScaledTanh'], activationAlpha: [0.5, 1.2], activationBeta: [0.1, 0.9] } },
  { direction: 'reverse', N: 3, T: 4, I: 7, H: 5, bias: true, attrs: { activations: ['Sigmoid', 'Softplus', 'Relu'] } },
  { direction: 'forward', N: 1, T: 4, I: 7, H: 5, bias: true, initial: true, attrs: { activations: ['Sigmoid', 'ThresholdedRelu', 'Tanh'], activationAlpha: [0.2] } },
  { direction: 'forward', N: 1, T: 28, I: 28, H: 128, bias: true, peepholes: true, initial: true },
  { direction: 'bidirectional', N: 5, T: 9, I: 7, H: 13, bias: true, initial: true, peepholes: true, seqLens: [9, 0, 4, 9, 1], kernel: 'wasm GEMM per step' },
  { direction: 'forward', N: 4, T: 28, I: 28, H: 128, bias: true, initial: true, kernel: 'wasm GEMM per step' },
  { direction: 'reverse', N: 6, T: 4, I: 3, H: 20, attrs: { clip: 0.5, inputForget: 1 }, kernel: 'wasm GEMM per step' },
  { direction: 'forward', N: 2, T: 9, I: 5, H: 20, bias: true, initial: true, seqLens: [3, 6], attrs: { clip: 0.6 } },
  { direction: 'forward', N: 2, T: 4, I: 5, H: 4, bias: true, initial: true, peepholes: true },
  { direction: 'bidirectional', N: 3, T: 4, I: 3, H: 5, bias: true, seqLens: [4, 1, 0], initial: true, peepholes: true, attrs: { clip: 2 } },
  { direction: 'reverse', N: 1, T: 3, I: 4, H: 3, bias: true,
    attrs: { inputForget: 1, activations: ['HardSigmoid', 'Elu', 'Softplus'], activationAlpha: [0.25, 0.7], activationBeta: [0.45] } },
  { direction: 'forward', N: 2, T: 3, I: 37, H: 40, bias: true, initial: true, kernel: 'webgpu past one tile (4H = 160 gate columns)' },
  { direction: 'forward', N: 3, T: 3, I: 3, H: 24, bias: true, initial: true, peepholes: true, kernel: 'webgpu a dispatch per step, vec4 rows' },
]);
