// BatchNormalization (channel last, parameters as constants) on every backend: channels off the SIMD width
// and past the workgroup, rank 2 and 4, a 1x1x1x1 input, epsilon, and fused activations.
import { BatchNormalization } from '../../src/ops/batch-norm.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

const SHAPES: Shape[] = [[2, 5], [3, 7], [1, 3, 3, 7], [2, 3, 4, 5], [2, 4, 5, 16], [1, 2, 2, 67], [1, 1, 1, 1]];
const ATTRS: Attrs[] = [{}, { epsilon: 1e-3, activation: { op: 'Relu' } }, { activation: { op: 'Tanh' } }];

export const CASES: OpCase[] = SHAPES.flatMap((shape, i) => {
  const C = shape[shape.length - 1];
  const x = randomTensor(shape, { seed: 1 + i, min: -4, max: 4 });
  const params = [randomTensor([C], { seed: 2 }), randomTensor([C], { seed: 3 }), randomTensor([C], { seed: 4 }), randomTensor([C], { seed: 5, min: 0.1, max: 2 })];
  return ATTRS.map((attrs): OpCase => ({
    name: `x [${shape}] ${JSON.stringify(attrs)}`, op: BatchNormalization, attrs, inputs: [x, ...params], constants: [1, 2, 3, 4],
  }));
});
