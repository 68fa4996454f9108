// A tiny image classifier graph for the hostile cases: any names, labels and op it is given.
import type { Graph } from '../../src/graph/ir.js';

/** x [N,2,2,3] -> Conv 1x1 (3 -> 3) -> GlobalAveragePool -> Flatten -> Softmax: y [N,3], labels a b c. */
export function tinyGraph(labels = ['a', 'b', 'c'], nodeName = 'conv'): Graph {
  return {
    nodes: [
      { name: nodeName, op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel: [1, 1] } },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'], attrs: {} },
      { name: 'flat', op: 'Flatten', inputs: ['g'], outputs: ['f'], attrs: { axis: 1 } },
      { name: 'soft', op: 'Softmax', inputs: ['f'], outputs: ['y'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'x', shape: [-1, 2, 2, 3] }],
    outputs: [{ name: 'y', shape: [-1, 3] }],
    constants: new Map([
      ['w', { shape: [3, 1, 1, 3], dtype: 'f32', data: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1) }],
      ['b', { shape: [3], dtype: 'f32', data: Float32Array.of(0.1, -0.2, 0.3) }],
    ]),
    metadata: {
      name: 'tiny',
      labels,
      preprocess: { width: 2, height: 2, channels: 3, colorOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', crop: 'none' },
    },
  };
}

