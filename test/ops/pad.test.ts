// Pad: constant/reflect/edge by hand (including negative pads that crop), a sweep against
// onnxruntime-web (opset 13: pads and the constant are inputs there), errors.
// Then the case table (pad.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Pad } from '../../src/ops/pad.js';
import { OpError } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './pad.cases.js';

function expectOpError(fn: () => unknown, pattern: RegExp): void {
  expect(fn).toThrow(OpError);
  expect(fn).toThrow(pattern);
}

const vec = (values: number[]) => tensor([values.length], Float32Array.from(values));
const pad1 = (values: number[], attrs: Attrs) => Array.from(runReference(Pad, [vec(values)], attrs)[0].data);

describe('Pad, hand-computed', () => {
  it('constant fills with value', () => {
    expect(pad1([1, 2, 3], { pads: [2, 1], value: 9 })).toEqual([9, 9, 1, 2, 3, 9]);
    expect(pad1([1, 2, 3], { pads: [1, 0] })).toEqual([0, 1, 2, 3]);
  });

  it('reflect mirrors without repeating the edge; edge repeats it', () => {
    expect(pad1([1, 2, 3, 4], { pads: [2, 3], mode: 'reflect' })).toEqual([3, 2, 1, 2, 3, 4, 3, 2, 1]);
    expect(pad1([1, 2, 3], { pads: [2, 2], mode: 'edge' })).toEqual([1, 1, 1, 2, 3, 3, 3]);
  });

  it('negative pads crop, and padding reads relative to the uncropped input', () => {
    expect(pad1([1, 2, 3, 4, 5], { pads: [-1, -2] })).toEqual([2, 3]);
    expect(pad1([1, 2, 3, 4, 5], { pads: [-1, 2], mode: 'edge' })).toEqual([2, 3, 4, 5, 5, 5]);
    expect(pad1([1, 2, 3, 4], { pads: [3, -2], mode: 'reflect' })).toEqual([4, 3, 2, 1, 2]);
  });

  it('pads each NHWC axis independently', () => {
    const x = tensor([1, 2, 2, 2], Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]));
    const [y] = runReference(Pad, [x], { pads: [0, 1, 0, 0, 0, 0, 1, 1], mode: 'edge' });
    expect(y.shape).toEqual([1, 3, 3, 3]);
    // Row 0 repeats row 1 (the first input row); the last column repeats the second; channel 2 repeats channel 1.
    expect(Array.from(y.data)).toEqual([
      1, 10, 10, 2, 20, 20, 2, 20, 20,
      1, 10, 10, 2, 20, 20, 2, 20, 20,
      3, 30, 30, 4, 40, 40, 4, 40, 40,
    ]);
  });
});

// Every pad is at most dim - 1 so that each case is valid for reflect too.
const CASES: [Shape, number[]][] = [
  [[1, 5, 6, 3], [0, 1, 2, 0, 0, 2, 1, 0]],
  [[2, 3], [1, 2, 0, 1]],
  [[4], [3, 2]],
  [[2, 4, 4, 5], [0, 3, 0, 1, 0, 0, 2, 2]],
  [[1, 4, 5, 2], [0, -1, 1, 0, 0, 2, -2, 0]],
  [[2, 1, 3, 2, 3], [1, 0, 2, 1, 0, 0, 0, 1, 1, 2]],
];

describe('Pad vs onnxruntime-web', () => {
  for (const mode of ['constant', 'reflect', 'edge'] as const) {
    it.each(CASES)(`${mode} %j pads %j`, async (shape, pads) => {
      const r = shape.length;
      const x = randomTensor(shape, { seed: pads.reduce((a, b) => a * 7 + b + 3, r) });
      const [y] = runReference(Pad, [x], { pads, mode, value: 0.75 });
      const [o] = await runOrtNode('Pad', [
        { dims: [...shape], data: x.data },
        { dims: [2 * r], data: BigInt64Array.from(pads.map(BigInt)), constant: true },
        mode === 'constant' ? { dims: [], data: Float32Array.of(0.75), constant: true } : undefined,
      ], { mode });
      expect(o.dims).toEqual(y.shape);
      expectClose(y.data, o.data, Pad.tolerance, `Pad ${mode} ${JSON.stringify(shape)}`);
    });
  }
});

describe('Pad errors', () => {
  it.each([
    [{}, /pads/],
    [{ pads: [1, 2, 3] }, /pads.*even/],
    [{ pads: [1.5, 0] }, /pads/],
    [{ pads: [1, 1], mode: 'wrap' }, /mode/],
    [{ pads: [1, 1], value: 'nan' }, /value/],
  ] as [Attrs, RegExp][])('parseAttrs rejects %j', (attrs, pattern) => {
    expectOpError(() => Pad.parseAttrs(attrs), pattern);
  });

  it('inferShape names the input and the offending axis', () => {
    expectOpError(() => Pad.inferShape([[2, 3, 4]], Pad.parseAttrs({ pads: [1, 1, 1, 1] })), /pads has 4 values.*\[2,3,4\] needs 6/);
    expectOpError(() => Pad.inferShape([[2, 3]], Pad.parseAttrs({ pads: [0, -2, 0, -1] })), /axis 1 leave 0.*\[2,3\]/);
    expectOpError(() => Pad.inferShape([[2, 3]], Pad.parseAttrs({ pads: [0, 3, 0, 0], mode: 'reflect' })), /reflect pads 3 and 0 on axis 1.*at most 2/);
    expectOpError(() => Pad.inferShape([[1, 3]], Pad.parseAttrs({ pads: [0, 0, 1, 0], mode: 'reflect' })), /axis 0.*at most 0/);
    expectOpError(() => Pad.inferShape([undefined], Pad.parseAttrs({ pads: [] })), /input x is missing/);
    expect(Pad.inferShape([[2, 3]], Pad.parseAttrs({ pads: [1, -1, 0, 2], mode: 'edge' }))).toEqual([[3, 4]]);
  });
});

await sweepBackends('Pad', BACKEND_CASES);
