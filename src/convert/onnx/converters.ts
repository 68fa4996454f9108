// The converter table: (domain, op type) -> converter. Folding (fold.ts) runs first where it applies;
// the default domain's versions, and which opsets a converter adapts, are in opsets.ts.
import type { Converter } from './common.js';
import { ELEMENTWISE_CONVERTERS } from './ops-elementwise.js';
import { NN_CONVERTERS } from './ops-nn.js';
import { MS_CONVERTERS, QUANT_CONVERTERS } from './ops-quant.js';
import { RNN_CONVERTERS } from './ops-rnn.js';
import { SHAPE_CONVERTERS } from './ops-shape.js';

export const DEFAULT_DOMAIN_CONVERTERS: Readonly<Record<string, Converter>> = {
  ...ELEMENTWISE_CONVERTERS,
  ...NN_CONVERTERS,
  ...SHAPE_CONVERTERS,
  ...QUANT_CONVERTERS,
  ...RNN_CONVERTERS,
};

export { MAX_OPSET, MIN_OPSET } from './opsets.js';

export const DOMAINS: Readonly<Record<string, Readonly<Record<string, Converter>>>> = {
  '': DEFAULT_DOMAIN_CONVERTERS,
  'com.microsoft': MS_CONVERTERS,
};

/** Ops that need NHWC input: a rank-4 result feeding them (possibly through element-wise ops) is converted eagerly. */
export const NHWC_CONSUMERS = new Set(['Conv', 'QLinearConv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
  'QLinearGlobalAveragePool', 'BatchNormalization']);

/** Ops whose output keeps their input's layout. */
export const LAYOUT_PRESERVING = new Set(['Relu', 'Clip', 'LeakyRelu', 'PRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh',
  'Add', 'Sub', 'Mul', 'Div', 'QuantizeLinear', 'DequantizeLinear', 'QLinearAdd', 'Split', 'Concat', 'Identity', 'Dropout', 'Pad']);
