// Keras layer class -> converter. InputLayer and nested models are handled by the walker
// (src/convert/tfjs/convert.ts); any class missing here is reported as unsupported.
import type { LayerConverter } from '../context.js';
import { conv1d, conv2d, depthwiseConv2d, separableConv2d } from './conv.js';
import { activation, dense, flatten, leakyRelu, passThrough, permute, prelu, relu, reshape, softmax } from './core.js';
import { add, average, concatenate, multiply, subtract } from './merge.js';
import { masking } from './masking.js';
import { batchNormalization } from './normalization.js';
import { zeroPadding1d, zeroPadding2d } from './padding.js';
import {
  averagePooling1d, averagePooling2d, globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d,
  globalMaxPooling2d, maxPooling1d, maxPooling2d,
} from './pooling.js';
import { bidirectional, gru, lstm, simpleRnn } from './recurrent.js';

export const LAYER_CONVERTERS: ReadonlyMap<string, LayerConverter> = new Map<string, LayerConverter>([
  ['Conv2D', conv2d], ['Convolution2D', conv2d],
  ['DepthwiseConv2D', depthwiseConv2d],
  ['SeparableConv2D', separableConv2d], ['SeparableConvolution2D', separableConv2d],
  ['Conv1D', conv1d], ['Convolution1D', conv1d],
  ['MaxPooling2D', maxPooling2d], ['MaxPool2D', maxPooling2d],
  ['AveragePooling2D', averagePooling2d], ['AvgPool2D', averagePooling2d],
  ['MaxPooling1D', maxPooling1d], ['MaxPool1D', maxPooling1d],
  ['AveragePooling1D', averagePooling1d], ['AvgPool1D', averagePooling1d],
  ['GlobalAveragePooling2D', globalAveragePooling2d], ['GlobalAvgPool2D', globalAveragePooling2d],
  ['GlobalMaxPooling2D', globalMaxPooling2d], ['GlobalMaxPool2D', globalMaxPooling2d],
  ['GlobalAveragePooling1D', globalAveragePooling1d], ['GlobalAvgPool1D', globalAveragePooling1d],
  ['GlobalMaxPooling1D', globalMaxPooling1d], ['GlobalMaxPool1D', globalMaxPooling1d],
  ['Dense', dense],
  ['Flatten', flatten],
  ['Reshape', reshape],
  ['Permute', permute],
  ['Activation', activation],
  ['ReLU', relu],
  ['LeakyReLU', leakyRelu],
  ['PReLU', prelu],
  ['Softmax', softmax],
  ['BatchNormalization', batchNormalization],
  ['Add', add], ['Subtract', subtract], ['Multiply', multiply], ['Average', average],
  ['Concatenate', concatenate],
  ['ZeroPadding1D', zeroPadding1d], ['ZeroPadding2D', zeroPadding2d],
  ['Masking', masking],
  ['SimpleRNN', simpleRnn], ['LSTM', lstm], ['GRU', gru], ['Bidirectional', bidirectional],
  ...['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']
    .map((c): [string, LayerConverter] => [c, passThrough]),
]);
