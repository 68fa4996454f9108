// Unary activations: hand-checked values, ONNX defaults, sweeps against onnxruntime-web, errors; then the
// case table (unary.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Clip, HardSigmoid, HardSwish, LeakyRelu, Relu, Sigmoid, Tanh } from '../../src/ops/unary.js';
import { F32_MAX } from '../../src/ops/activation.js';
import { OpError, type OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { runOrtNode, type OrtAttr, type OrtTensorIn } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES, SIZES } from './unary.cases.js';


function run(op: OpDef<any>, values: number[], attrs: Attrs = {}): number[] {
  return [...runReference(op, [tensor([values.length], Float32Array.from(values))], attrs)[0].data];
}

describe('unary ops: hand-written cases', () => {
  it('Relu zeroes negatives', () => {
    expect(run(Relu, [-2, -0.5, 0, 0.25, 3])).toEqual([0, 0, 0, 0.25, 3]);
  });
  it('Clip with bounds, and by default a no-op', () => {
    expect(run(Clip, [-7, -1, 0, 2.5, 6, 9], { min: 0, max: 6 })).toEqual([0, 0, 0, 2.5, 6, 6]);
    const x = [-3e38, -1, 0, 1, 3e38];
    expect(run(Clip, x)).toEqual(x.map(Math.fround));
    expect(Clip.parseAttrs({})).toEqual({ op: 'Clip', min: -F32_MAX, max: F32_MAX });
    expect(run(Clip, [-5, 5], { min: -1 })).toEqual([-1, 5]);
  });
  it('LeakyRelu uses alpha 0.01 by default', () => {
    expect(run(LeakyRelu, [-2, 0, 3])).toEqual([Math.fround(-0.02), 0, 3]);
    expect(run(LeakyRelu, [-2, 3], { alpha: 0.5 })).toEqual([-1, 3]);
  });
  it('Sigmoid and Tanh at known points', () => {
    expectClose(run(Sigmoid, [0, 2, -2, 40, -40]), [0.5, 0.8807970779778823, 0.11920292202211755, 1, 4.248354255291589e-18], { atol: 1e-7, rtol: 1e-6 });
    expectClose(run(Tanh, [0, 1, -1, 20]), [0, 0.7615941559557649, -0.7615941559557649, 1], { atol: 1e-7, rtol: 1e-6 });
  });
  it('HardSigmoid uses alpha 0.2, beta 0.5 by default', () => {
    expectClose(run(HardSigmoid, [-3, -1, 0, 1, 3]), [0, 0.3, 0.5, 0.7, 1], { atol: 1e-7, rtol: 0 });
    expectClose(run(HardSigmoid, [0, 1], { alpha: 0.5, beta: 0.25 }), [0.25, 0.75], { atol: 0, rtol: 0 });
  });
  it('HardSwish is x * relu6(x + 3) / 6', () => {
    expectClose(run(HardSwish, [-4, -3, -1, 0, 1, 3, 5]), [0, 0, -1 / 3, 0, 2 / 3, 3, 5], { atol: 1e-7, rtol: 1e-6 });
  });
  it('keeps the input shape', () => {
    const x = randomTensor([2, 3, 4, 5]);
    for (const op of [Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish] as OpDef<any>[]) {
      expect(runReference(op, [x])[0].shape).toEqual([2, 3, 4, 5]);
    }
  });
});

// Each op with the IR attrs and how the same call looks in ONNX: attrs, extra inputs, opset.
const CASES: { op: OpDef<any>; attrs: Attrs; ort: Record<string, OrtAttr>; extra?: OrtTensorIn[]; opset?: number }[] = [
  { op: Relu, attrs: {}, ort: {} },
  { op: Clip, attrs: { min: 0, max: 6 }, ort: {}, extra: [{ dims: [], data: Float32Array.of(0), constant: true }, { dims: [], data: Float32Array.of(6), constant: true }] },
  { op: Clip, attrs: { min: -0.25, max: 0.5 }, ort: {}, extra: [{ dims: [], data: Float32Array.of(-0.25), constant: true }, { dims: [], data: Float32Array.of(0.5), constant: true }] },
  { op: Clip, attrs: {}, ort: {} },
  { op: LeakyRelu, attrs: {}, ort: {} },
  { op: LeakyRelu, attrs: { alpha: 0.2 }, ort: { alpha: { float: 0.2 } } },
  { op: Sigmoid, attrs: {}, ort: {} },
  { op: Tanh, attrs: {}, ort: {} },
  { op: HardSigmoid, attrs: {}, ort: {} },
  { op: HardSigmoid, attrs: { alpha: 1 / 6, beta: 0.5 }, ort: { alpha: { float: 1 / 6 }, beta: { float: 0.5 } } },
  { op: HardSwish, attrs: {}, ort: {}, opset: 14 },
];

describe('unary ops match onnxruntime-web', () => {
  it.each(CASES.map((c, i) => [`${c.op.name} ${JSON.stringify(c.attrs)}`, i] as const))('%s over sizes with tails', async (_, i) => {
    const { op, attrs, ort, extra = [], opset } = CASES[i];
    for (const n of SIZES) {
      const x = randomTensor([n], { seed: n + 17 * i, min: -8, max: 8 });
      const [got] = runReference(op, [x], attrs);
      const [want] = await runOrtNode(op.name, [{ dims: [n], data: x.data }, ...extra], ort, 1, { opset });
      expectClose(got.data, want.data, op.tolerance, `${op.name} n=${n}`);
    }
    const x = randomTensor([2, 5, 7, 3], { seed: 99 + i, min: -6, max: 6 });
    const [got] = runReference(op, [x], attrs);
    const [want] = await runOrtNode(op.name, [{ dims: [2, 5, 7, 3], data: x.data }, ...extra], ort, 1, { opset });
    expect(want.dims).toEqual([...got.shape]);
    expectClose(got.data, want.data, op.tolerance, `${op.name} [2,5,7,3]`);
  });
});

describe('unary ops reject bad input', () => {
  it('names the bad attribute', () => {
    expect(() => Clip.parseAttrs({ min: 6, max: 0 })).toThrow(OpError);
    expect(() => Clip.parseAttrs({ min: 6, max: 0 })).toThrow(/min.*max/);
    expect(() => Clip.parseAttrs({ max: 'six' })).toThrow(/attribute max/);
    expect(() => LeakyRelu.parseAttrs({ alpha: [1] })).toThrow(/attribute alpha/);
    expect(() => HardSigmoid.parseAttrs({ beta: Number.NaN })).toThrow(/attribute beta/);
    expect(() => HardSigmoid.parseAttrs({ alpha: Infinity })).toThrow(OpError);
  });
  it('needs its input', () => {
    expect(() => Relu.inferShape([undefined], Relu.parseAttrs({}))).toThrow(OpError);
    expect(() => Sigmoid.inferShape([], Sigmoid.parseAttrs({}))).toThrow(/input X/);
  });
});

await sweepBackends('unary ops', BACKEND_CASES);
