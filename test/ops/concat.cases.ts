// Concat on every backend: every axis (negative too), pieces of unequal sizes, NHWC channels off the SIMD
// width, and later pieces as constants.
import { Concat } from '../../src/ops/concat.js';
import type { Shape } from '../../src/tensor.js';
import { randomTensor } from '../helpers/harness.js';
import type { OpCase } from '../helpers/run-op.js';

const JOINS: [Shape[], number][] = [
  [[[2, 3, 4], [2, 5, 4], [2, 1, 4]], 1], [[[1, 4, 4, 3], [1, 4, 4, 5]], 3], [[[2, 3], [4, 3]], 0], [[[3, 2, 2], [3, 2, 2]], -1],
  // Each axis of [2, 3, 4], the pieces growing along it.
  ...[0, 1, 2, -1].map((axis): [Shape[], number] => [[0, 1, 2].map((k) => [2, 3, 4].map((d, i) => (i === (axis + 3) % 3 ? d + k + 1 : d))), axis]),
];

export const CASES: OpCase[] = JOINS.flatMap(([shapes, axis], i) => {
  const xs = shapes.map((s, k) => randomTensor(s, { seed: 20 + k + 10 * i }));
  const name = `${shapes.map((s) => `[${s}]`).join(' ')} axis ${axis}`;
  return [
    { name, op: Concat, attrs: { axis }, inputs: xs },
    { name: `${name}, later pieces constant`, op: Concat, attrs: { axis }, inputs: xs, constants: xs.slice(1).map((_, k) => k + 1) },
  ];
});
