// The Fashion-MNIST classifiers as TF.js layers models: the Keras-example CNN on 28x28x1 images and
// three recurrent ones that read an image as 28 steps of 28 pixels. Initializers are seeded.
import * as tf from '@tensorflow/tfjs';

export const MODEL_NAMES = ['cnn', 'simplernn', 'lstm', 'gru'];

function glorot(seed) {
  return tf.initializers.glorotUniform({ seed });
}

function cnn(seed) {
  const conv = (filters, extra = {}) => tf.layers.conv2d({
    filters, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(seed++), ...extra,
  });
  return tf.sequential({
    name: 'fashion_cnn',
    layers: [
      conv(32, { inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: glorot(seed++) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(seed++) }),
    ],
  });
}

function recurrent(kind, seed) {
  const common = {
    units: 128, inputShape: [28, 28],
    kernelInitializer: glorot(seed),
    recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1 }),
  };
  const cell = kind === 'simplernn' ? tf.layers.simpleRNN({ ...common, activation: 'tanh' })
    // Gates use the logistic sigmoid, the Keras 2.3+ default (TF.js's own default is hard_sigmoid).
    : kind === 'lstm' ? tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' })
      : tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' });
  return tf.sequential({
    name: `fashion_${kind}`,
    layers: [cell, tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(seed + 2) })],
  });
}

/** Builds the untrained model `name` (one of MODEL_NAMES). */
export function buildModel(name, seed = 1) {
  if (name === 'cnn') return cnn(seed);
  if (MODEL_NAMES.includes(name)) return recurrent(name, seed);
  throw new Error(`unknown model "${name}" (models: ${MODEL_NAMES.join(', ')})`);
}

/** The input shape one image takes for `name`, without the batch dimension. */
export function inputShape(name) {
  return name === 'cnn' ? [28, 28, 1] : [28, 28];
}
