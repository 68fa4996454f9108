// The Keras-style CNN of the CPU milestone on 28x28x1 images, as an IR graph (NHWC) with seeded
// Glorot weights: Conv2D(32,3x3,relu) → MaxPool 2 → Conv2D(64,3x3,relu) → MaxPool 2 →
// Conv2D(64,3x3,relu) → Flatten → Dense(64,relu) → Dense(10,softmax). The same network as
// examples/train/models.mjs trains into models/fashion/cnn (preferred when present, see trained.ts).
import type { Graph } from '../../src/graph/ir.js';
import { glorot, smallBias } from './seeded.js';

export function seededKerasCnn(seed = 1000): Graph {
  const conv = (name: string, x: string, w: string, b: string, y: string) => ({
    name, op: 'Conv', inputs: [x, w, b], outputs: [y], attrs: { kernel: [3, 3], activation: { op: 'Relu' } },
  });
  const pool = (name: string, x: string, y: string) => ({ name, op: 'MaxPool', inputs: [x], outputs: [y], attrs: { kernel: [2, 2], strides: [2, 2] } });
  return {
    nodes: [
      conv('conv1', 'image', 'conv1.w', 'conv1.b', 'c1'), pool('pool1', 'c1', 'p1'),
      conv('conv2', 'p1', 'conv2.w', 'conv2.b', 'c2'), pool('pool2', 'c2', 'p2'),
      conv('conv3', 'p2', 'conv3.w', 'conv3.b', 'c3'),
      { name: 'flatten', op: 'Flatten', inputs: ['c3'], outputs: ['flat'], attrs: { axis: 1 } },
      { name: 'dense1', op: 'MatMul', inputs: ['flat', 'dense1.w', 'dense1.b'], outputs: ['d1'], attrs: { activation: { op: 'Relu' } } },
      { name: 'dense2', op: 'MatMul', inputs: ['d1', 'dense2.w', 'dense2.b'], outputs: ['logits'], attrs: {} },
      { name: 'softmax', op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'image', shape: [-1, 28, 28, 1] }],
    outputs: [{ name: 'probs', shape: [-1, 10] }],
    constants: new Map([
      // Conv weights OHWI; Keras' fan_in/fan_out for a kh x kw kernel: kh*kw*in, kh*kw*out.
      ['conv1.w', glorot([32, 3, 3, 1], 9 * 1, 9 * 32, seed + 1)], ['conv1.b', smallBias(32, seed + 2)],
      ['conv2.w', glorot([64, 3, 3, 32], 9 * 32, 9 * 64, seed + 3)], ['conv2.b', smallBias(64, seed + 4)],
      ['conv3.w', glorot([64, 3, 3, 64], 9 * 64, 9 * 64, seed + 5)], ['conv3.b', smallBias(64, seed + 6)],
      // Dense kernels [in, out] as Keras stores them; Flatten is NHWC order, as in Keras.
      ['dense1.w', glorot([576, 64], 576, 64, seed + 7)], ['dense1.b', smallBias(64, seed + 8)],
      ['dense2.w', glorot([64, 10], 64, 10, seed + 9)], ['dense2.b', smallBias(10, seed + 10)],
    ]),
    metadata: { name: 'keras-cnn-seeded', outputKind: 'probabilities', description: 'seeded Glorot weights, bench model' },
  };
}
