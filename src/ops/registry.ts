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

const ALL: readonly OpDef<any>[] = [
  Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish,
  Add, Sub, Mul, Div, PRelu,
  Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool,
  Gemm, MatMul, BatchNormalization, Softmax, LogSoftmax,
  Reshape, Flatten, Identity, Transpose, Concat, Split, Pad, ReduceMean,
  RNN, LSTM, GRU,
];

const TABLE = new Map<string, OpDef<any>>(ALL.map((op) => [op.name, op]));
export const OPS: ReadonlyMap<string, OpDef<any>> = TABLE;

/**
 * Adds ops kept out of the browser bundle's core (the quantized ops: enableInt8Ops in int8.ts). Call before
 * loading a model or creating a backend that uses them.
 */
export function registerOps(ops: readonly OpDef<any>[]): void {
  for (const op of ops) TABLE.set(op.name, op);
}

export function findOp(name: string): OpDef<any> | undefined {
  return OPS.get(name);
}
