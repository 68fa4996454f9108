// Reshape, Flatten and Identity on every backend: copies (or aliases) that keep every value, sizes past
// the workgroup with a tail.
import { Flatten, Identity, Reshape } from '../../src/ops/reshape.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

const x = randomTensor([2, 3, 4, 5], { seed: 9 });
const y = randomTensor([2, 3, 5, 7], { seed: 1 });

export const CASES: OpCase[] = [
  { name: '[2,3,4,5] shape [0,-1]', op: Reshape, attrs: { shape: [0, -1] }, inputs: [x] },
  { name: '[2,3,5,7] shape [0,-1,7]', op: Reshape, attrs: { shape: [0, -1, 7] }, inputs: [y] },
  { name: '[2,3,4,5] axis 2', op: Flatten, attrs: { axis: 2 }, inputs: [x] },
  { name: '[2,3,5,7] axis 1', op: Flatten, attrs: { axis: 1 }, inputs: [y] },
  { name: '[2,3,4,5]', op: Identity, inputs: [x] },
  { name: '[65]', op: Identity, inputs: [randomTensor([65], { seed: 2 })] },
];
