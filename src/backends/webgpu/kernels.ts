// Op name -> prepare function: the WebGPU backend's whole op table. `WebGpuBackend.ops` is derived from
// it, so a model with an op missing here is rejected at Session.create, before anything runs.
import type { PrepareFn } from './context.js';
import { binary, unary } from './ops/elementwise.js';
import { gemm, matmul } from './ops/matmul.js';
import { conv } from './ops/conv.js';
import { globalPool, pool } from './ops/pool.js';
import { softmax } from './ops/softmax.js';
import { batchNorm } from './ops/batch-norm.js';
import { concat, copy, pad, reduceMean, split, transpose } from './ops/data.js';
import { recurrent } from './ops/recurrent.js';

export const GPU_KERNELS: Readonly<Record<string, PrepareFn>> = {
  Relu: unary, Clip: unary, LeakyRelu: unary, Sigmoid: unary, Tanh: unary, HardSigmoid: unary, HardSwish: unary,
  Add: binary('Add'), Sub: binary('Sub'), Mul: binary('Mul'), Div: binary('Div'), PRelu: binary('PRelu'),
  Gemm: gemm, MatMul: matmul, Conv: conv,
  MaxPool: pool(true), AveragePool: pool(false), GlobalMaxPool: globalPool(true), GlobalAveragePool: globalPool(false),
  Softmax: softmax(false), LogSoftmax: softmax(true), BatchNormalization: batchNorm,
  Reshape: copy, Flatten: copy, Identity: copy, Transpose: transpose, Concat: concat, Split: split, Pad: pad,
  ReduceMean: reduceMean, RNN: recurrent('RNN'), GRU: recurrent('GRU'), LSTM: recurrent('LSTM'),
};
