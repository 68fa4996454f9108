// Add/Sub/Mul/Div/PRelu and broadcasting: hand-checked values, broadcast shapes as the
// importers produce them (scalar, [C] over NHWC, [N,1,1,C], both sides), onnxruntime-web, errors; then the case table
// (binary.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Add, Div, Mul, PRelu, Sub } from '../../src/ops/binary.js';
import { broadcastShape, broadcastStrides, forEachBroadcast } from '../../src/ops/broadcast.js';
import { OpError, type OpDef } from '../../src/ops/op.js';
import { tensor, type Shape, type Tensor } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { BROADCASTS, CASES } from './binary.cases.js';
import { SIZES } from './unary.cases.js';

const t = (shape: Shape, values: number[]): Tensor => tensor(shape, Float32Array.from(values));

/** Random values kept away from 0 (|v| in [0.5, 2]) so Div stays well-conditioned. */
function nonZero(shape: Shape, seed: number): Tensor {
  const r = randomTensor(shape, { seed, min: -1.5, max: 1.5 });
  for (let i = 0; i < r.data.length; i++) r.data[i] += r.data[i] < 0 ? -0.5 : 0.5;
  return r;
}

async function ort(op: OpDef<any>, a: Tensor, b: Tensor) {
  const [out] = await runOrtNode(op.name, [{ dims: [...a.shape], data: a.data }, { dims: [...b.shape], data: b.data }], {});
  return out;
}

describe('broadcastShape', () => {
  it('follows numpy rules', () => {
    expect(broadcastShape([2, 3], [2, 3])).toEqual([2, 3]);
    expect(broadcastShape([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShape([2, 3], [])).toEqual([2, 3]);
    expect(broadcastShape([4, 5, 6, 3], [3])).toEqual([4, 5, 6, 3]);
    expect(broadcastShape([2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShape([1, 5, 1, 3], [2, 1, 7, 1])).toEqual([2, 5, 7, 3]);
    expect(broadcastShape([0, 3], [1, 3])).toEqual([0, 3]);
  });
  it('throws OpError naming both shapes when incompatible', () => {
    expect(() => broadcastShape([2, 3], [4])).toThrow(OpError);
    expect(() => broadcastShape([2, 3], [4])).toThrow(/\[2,3\].*\[4\]/);
    expect(() => broadcastShape([5, 2, 3], [3, 3])).toThrow(/cannot be broadcast/);
  });
  it('gives zero strides on broadcast axes, and matching offsets', () => {
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([2, 1, 4], [2, 3, 4])).toEqual([4, 0, 1]);
    const seen: number[][] = [];
    forEachBroadcast([2, 1], [1, 3], [2, 3], (o, ia, ib) => seen.push([o, ia, ib]));
    expect(seen).toEqual([[0, 0, 0], [1, 0, 1], [2, 0, 2], [3, 1, 0], [4, 1, 1], [5, 1, 2]]);
  });
});

describe('binary ops: hand-written cases', () => {
  it('same shape', () => {
    const a = t([3], [1, 2, 3]), b = t([3], [10, 20, -30]);
    expect([...runReference(Add, [a, b])[0].data]).toEqual([11, 22, -27]);
    expect([...runReference(Sub, [a, b])[0].data]).toEqual([-9, -18, 33]);
    expect([...runReference(Mul, [a, b])[0].data]).toEqual([10, 40, -90]);
    expect([...runReference(Div, [b, a])[0].data]).toEqual([10, 10, -10]);
  });
  it('broadcasts both sides', () => {
    const [y] = runReference(Add, [t([2, 1], [1, 2]), t([1, 3], [10, 20, 30])]);
    expect(y.shape).toEqual([2, 3]);
    expect([...y.data]).toEqual([11, 21, 31, 12, 22, 32]);
  });
  it('broadcasts a scalar on either side', () => {
    expect([...runReference(Sub, [t([], [10]), t([3], [1, 2, 3])])[0].data]).toEqual([9, 8, 7]);
    expect([...runReference(Sub, [t([3], [1, 2, 3]), t([], [10])])[0].data]).toEqual([-9, -8, -7]);
    expect(runReference(Mul, [t([], [2]), t([], [3])])[0]).toEqual({ shape: [], data: Float32Array.of(6) });
  });
  it('Div follows IEEE for zero divisors', () => {
    const y = runReference(Div, [t([3], [1, -1, 0]), t([3], [0, 0, 0])])[0].data;
    expect(y[0]).toBe(Infinity);
    expect(y[1]).toBe(-Infinity);
    expect(y[2]).toBeNaN();
  });
  it('PRelu scales negatives by a per-channel slope', () => {
    const [y] = runReference(PRelu, [t([2, 2], [-1, 2, -3, -4]), t([2], [0.5, 0.25])]);
    expect(y.shape).toEqual([2, 2]);
    expect([...y.data]).toEqual([-0.5, 2, -1.5, -1]);
  });
});


describe('binary ops match onnxruntime-web', () => {
  for (const op of [Add, Sub, Mul, Div]) {
    it(`${op.name} over sizes with tails`, async () => {
      for (const n of SIZES) {
        const a = randomTensor([n], { seed: n, min: -4, max: 4 }), b = nonZero([n], n + 1000);
        const want = await ort(op, a, b);
        expectClose(runReference(op, [a, b])[0].data, want.data, op.tolerance, `${op.name} n=${n}`);
      }
    });
    it(`${op.name} broadcasting`, async () => {
      for (const [i, [as, bs]] of BROADCASTS.entries()) {
        const a = randomTensor(as, { seed: 7 * i + 1, min: -4, max: 4 }), b = nonZero(bs, 7 * i + 2);
        const [y] = runReference(op, [a, b]);
        const want = await ort(op, a, b);
        expect(y.shape, `${op.name} [${as}] with [${bs}]`).toEqual(want.dims);
        expectClose(y.data, want.data, op.tolerance, `${op.name} [${as}] with [${bs}]`);
      }
    });
  }
  it('PRelu with slopes per channel, scalar, full and partial', async () => {
    const cases: [Shape, Shape][] = [[[2, 5, 6, 8], [8]], [[2, 5, 6, 64], [64]], [[3, 4, 5, 7], [1]], [[3, 4, 5, 7], []],
      [[2, 3, 4, 5], [2, 3, 4, 5]], [[2, 3, 4, 5], [3, 1, 5]], [[257], [257]], [[4, 65], [1, 65]]];
    for (const [i, [xs, ss]] of cases.entries()) {
      const x = randomTensor(xs, { seed: 31 * i + 3, min: -4, max: 4 }), slope = randomTensor(ss, { seed: 31 * i + 4 });
      const [y] = runReference(PRelu, [x, slope]);
      const want = await ort(PRelu, x, slope);
      expect(y.shape).toEqual(want.dims);
      expectClose(y.data, want.data, PRelu.tolerance, `PRelu [${xs}] slope [${ss}]`);
    }
  });
});

describe('binary ops reject bad input', () => {
  it('mismatched shapes name both', () => {
    expect(() => Add.inferShape([[2, 3], [2]], {})).toThrow(/\[2,3\].*\[2\]/);
    expect(() => Mul.inferShape([[4, 4, 3], [4, 2, 3]], {})).toThrow(OpError);
  });
  it('missing inputs are named', () => {
    expect(() => Sub.inferShape([[2, 3], undefined], {})).toThrow(/input B/);
    expect(() => Div.inferShape([undefined, [2]], {})).toThrow(/input A/);
    expect(() => PRelu.inferShape([[2, 3]], {})).toThrow(/slope/);
  });
  it('PRelu slope broadcasts only onto X', () => {
    expect(() => PRelu.inferShape([[2, 3], [5]], {})).toThrow(OpError);
    expect(() => PRelu.inferShape([[3], [2, 3]], {})).toThrow(/slope \[2,3\].*X \[3\]/);
    expect(() => PRelu.inferShape([[1, 3], [2, 3]], {})).toThrow(OpError);
    expect(PRelu.inferShape([[2, 4, 3], [4, 1]], {})).toEqual([[2, 4, 3]]);
  });
});

await sweepBackends('binary ops', CASES);
