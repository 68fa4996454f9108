// Op name -> definition. The one table every importer, pass and backend looks ops up in.
import type { OpDef } from './op.js';
import { Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish } from './unary.js';
import { Add, Sub, Mul, Div, PRelu } from './binary.js';
import { Conv } from './conv.js';
import { MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool } from './pool.js';
import { Gemm } from './gemm.js';
import { MatMul } from './matmul.js';
import { BatchNormalization } from './batch-norm.js';
import { Softmax, LogSoftmax } from './softmax.js';
import { Reshape, Flatten, Identity } from './reshape.js';
import { Transpose } from './transpose.js';
import { Concat } from './concat.js';
import { Split } from './split.js';
import { Pad } from './pad.js';
import { ReduceMean } from './reduce-mean.js';
import { RNN } from './rnn.js';
import { LSTM } from './lstm.js';
import { GRU } from './gru.js';
import { QuantizeLinear, DequantizeLinear } from './quant.js';
import { QLinearConv } from './qlinear-conv.js';
import { QLinearMatMul, QLinearAdd, QLinearGlobalAveragePool } from './qlinear.js';

const ALL: readonly OpDef<any>[] = [
  Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish,
  Add, Sub, Mul, Div, PRelu,
  Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool,
  Gemm, MatMul, BatchNormalization, Softmax, LogSoftmax,
  Reshape, Flatten, Identity, Transpose, Concat, Split, Pad, ReduceMean,
  RNN, LSTM, GRU,
  QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, QLinearAdd, QLinearGlobalAveragePool,
];

/** The quantized ops (integers held as f32, src/ops/quant.ts): js and wasm run them; WebGPU not yet (TODO(#13)). */
export const INT8_OPS: ReadonlySet<string> = new Set([QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, QLinearAdd, QLinearGlobalAveragePool].map((op) => op.name));

export const OPS: ReadonlyMap<string, OpDef<any>> = new Map(ALL.map((op) => [op.name, op]));

export function findOp(name: string): OpDef<any> | undefined {
  return OPS.get(name);
}
