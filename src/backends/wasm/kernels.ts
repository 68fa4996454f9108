// Op name -> prepare function of the wasm backend. The backend's `ops` set is this table's keys,
// so a model with an op missing here is rejected at Session.create.
import type { PrepareFn } from './context.js';
import { binary, unary } from './prepare/elementwise.js';
import { gemm, matmul } from './prepare/gemm.js';
import { conv } from './prepare/conv.js';
import { averagePool, globalAveragePool, globalMaxPool, maxPool } from './prepare/pool.js';
import { batchNorm, reshape, softmax } from './prepare/misc.js';
import { concat, pad, reduceMean, split, transpose } from './prepare/movement.js';
import { gru, lstm, rnn } from './prepare/recurrent.js';

const TABLE = new Map<string, PrepareFn>([
  ['Relu', unary], ['Clip', unary], ['LeakyRelu', unary], ['Sigmoid', unary], ['Tanh', unary],
  ['HardSigmoid', unary], ['HardSwish', unary],
  ['Add', binary('Add')], ['Sub', binary('Sub')], ['Mul', binary('Mul')], ['Div', binary('Div')], ['PRelu', binary('PRelu')],
  ['Gemm', gemm], ['MatMul', matmul], ['Conv', conv],
  ['MaxPool', maxPool], ['AveragePool', averagePool], ['GlobalAveragePool', globalAveragePool], ['GlobalMaxPool', globalMaxPool],
  ['Softmax', softmax(false)], ['LogSoftmax', softmax(true)], ['BatchNormalization', batchNorm],
  ['Reshape', reshape], ['Flatten', reshape], ['Identity', reshape],
  ['Transpose', transpose], ['Concat', concat], ['Split', split], ['Pad', pad], ['ReduceMean', reduceMean],
  ['RNN', rnn], ['LSTM', lstm], ['GRU', gru],
]);

export const KERNELS: ReadonlyMap<string, PrepareFn> = TABLE;

/** Adds kernels of ops registered on demand (int8.ts); backends created afterwards offer them. */
export function registerKernels(entries: readonly (readonly [string, PrepareFn])[]): void {
  for (const [op, fn] of entries) TABLE.set(op, fn);
}
