// Small TFLite models built here (tflite-helpers.ts writes the FlatBuffer), imported and run on every
// backend against TF.js (cpu), whose ops have TFLite's semantics (NHWC, SAME padding with the odd pixel at
// the end, average pools over the taps inside the input). Float models match within 1e-4; quantized ones
// are compared with the float computation they stand for (weights dequantized, each output clamped to its
// grid): we compute in float, TFLite in integers, so only the lowering is checked here, and the Coral
// models check the numbers against TFLite itself.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../src/convert/tflite/import.js';
import { f16BitsToF32, f32ToF16Bits } from '../../src/graph/constant.js';
import { Session } from '../../src/runtime/session.js';
import { useBackends } from '../helpers/backends.js';
import { randomF32 } from '../helpers/harness.js';
import { describeTfjsCases, type Case, type Feed } from './tflite-cases.js';
import { ACT, f32Bytes, i32Bytes, ModelBuilder, OP, opts, T } from './tflite-helpers.js';

const variants = (await useBackends()).filter((v) => v.precision === 'f32' && v.id !== 'wasm-relaxed');

const SAME = 0, VALID = 1;

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const rand = (shape: number[], seed: number, scale = 1): Float32Array => randomF32(size(shape), { seed, min: -scale, max: scale });
const feed = (shape: number[], seed: number, scale = 1): Feed => ({ shape, data: rand(shape, seed, scale) });
const t4 = (f: Feed): tf.Tensor4D => tf.tensor4d(f.data, f.shape as [number, number, number, number]);
/** OHWI [O, kh, kw, I] (TFLite) as TF's HWIO. */
const hwio = (w: Float32Array, s: number[]): tf.Tensor4D => tf.tensor4d(w, s as [number, number, number, number]).transpose([1, 2, 3, 0]);
const out = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;
const clamp = (t: tf.Tensor, lo: number, hi: number): tf.Tensor => tf.clipByValue(t, lo, hi);

function convCase(): Case {
  const x = feed([1, 9, 9, 3], 1), w = rand([4, 3, 3, 3], 2, 0.5), b = rand([4], 3, 0.5);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  m.output(m.op(OP.CONV_2D, [xi, m.f32('w', [4, 3, 3, 3], w), m.f32('b', [4], b)], 'y', [1, 5, 5, 4], opts.conv({ padding: SAME, sw: 2, sh: 2, act: ACT.RELU6 })));
  return {
    name: 'CONV_2D SAME stride 2, bias, fused RELU6', bytes: m.bytes(), feeds: { x },
    want: () => ({ y: out(tf.relu6(tf.conv2d(t4(x), hwio(w, [4, 3, 3, 3]), 2, 'same').add(tf.tensor1d(b)))) }),
  };
}

function dilatedCase(): Case {
  const x = feed([1, 10, 8, 2], 4), w = rand([3, 3, 3, 2], 5, 0.5);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  m.output(m.op(OP.CONV_2D, [xi, m.f32('w', [3, 3, 3, 2], w), -1], 'y', [1, 6, 4, 3], opts.conv({ padding: VALID, act: ACT.TANH, dw: 2, dh: 2 })));
  return {
    name: 'CONV_2D VALID dilation 2, no bias, fused TANH', bytes: m.bytes(), feeds: { x },
    want: () => ({ y: out(tf.tanh(tf.conv2d(t4(x), hwio(w, [3, 3, 3, 2]), 1, 'valid', 'NHWC', 2))) }),
  };
}

function groupedCase(): Case {
  const x = feed([1, 6, 6, 4], 6), w = rand([6, 3, 3, 2], 7, 0.5), b = rand([6], 8, 0.5);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  m.output(m.op(OP.CONV_2D, [xi, m.f32('w', [6, 3, 3, 2], w), m.f32('b', [6], b)], 'y', [1, 6, 6, 6], opts.conv({ padding: SAME, act: ACT.RELU })));
  return {
    name: 'CONV_2D grouped (filter takes 2 of 4 channels), fused RELU', bytes: m.bytes(), feeds: { x },
    want: () => {
      const [x0, x1] = tf.split(t4(x), 2, 3);
      const [w0, w1] = tf.split(hwio(w, [6, 3, 3, 2]), 2, 3);
      return { y: out(tf.relu(tf.concat([tf.conv2d(x0 as tf.Tensor4D, w0 as tf.Tensor4D, 1, 'same'), tf.conv2d(x1 as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same')], 3).add(tf.tensor1d(b)))) };
    },
  };
}

function depthwiseCase(): Case {
  const x = feed([1, 7, 7, 3], 9), w = rand([1, 3, 3, 6], 10, 0.7), b = rand([6], 11, 0.3);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  m.output(m.op(OP.DEPTHWISE_CONV_2D, [xi, m.f32('w', [1, 3, 3, 6], w), m.f32('b', [6], b)], 'y', [1, 4, 4, 6],
    opts.depthwise({ padding: SAME, sw: 2, sh: 2, mult: 2, act: ACT.RELU_N1_TO_1 })));
  return {
    name: 'DEPTHWISE_CONV_2D multiplier 2, SAME stride 2, fused RELU_N1_TO_1', bytes: m.bytes(), feeds: { x },
    // [1, kh, kw, C * M] is TF's [kh, kw, C, M] in the same order.
    want: () => ({ y: out(clamp(tf.depthwiseConv2d(t4(x), tf.tensor4d(w, [3, 3, 3, 2]), 2, 'same').add(tf.tensor1d(b)), -1, 1)) }),
    check: (g) => expect(g.nodes.find((n) => n.op === 'Conv')?.attrs.group).toBe(3),
  };
}

function poolCase(): Case {
  const x = feed([1, 7, 7, 3], 12);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  m.output(m.op(OP.AVERAGE_POOL_2D, [xi], 'avg', [1, 4, 4, 3], opts.pool({ padding: SAME, sw: 2, sh: 2, fw: 3, fh: 3 })));
  m.output(m.op(OP.MAX_POOL_2D, [xi], 'max', [1, 3, 3, 3], opts.pool({ padding: VALID, sw: 2, sh: 2, fw: 2, fh: 2, act: ACT.RELU })));
  return {
    name: 'AVERAGE_POOL_2D SAME (padding not counted), MAX_POOL_2D VALID with fused RELU', bytes: m.bytes(), feeds: { x },
    want: () => ({ avg: out(tf.avgPool(t4(x), 3, 2, 'same')), max: out(tf.relu(tf.maxPool(t4(x), 2, 2, 'valid'))) }),
  };
}

function fullyConnectedCase(): Case {
  const x = feed([1, 2, 2, 3], 13), w = rand([5, 12], 14, 0.5), b = rand([5], 15, 0.5);
  const x2 = feed([1, 4, 6], 16), w2 = rand([3, 6], 17, 0.5);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape), x2i = m.input('x2', x2.shape);
  m.output(m.op(OP.FULLY_CONNECTED, [xi, m.f32('w', [5, 12], w), m.f32('b', [5], b)], 'y', [1, 5], opts.fc({ act: ACT.RELU })));
  m.output(m.op(OP.FULLY_CONNECTED, [x2i, m.f32('w2', [3, 6], w2), -1], 'y2', [1, 4, 3], opts.fc({ keep: true })));
  return {
    name: 'FULLY_CONNECTED on a 4-D input with bias and RELU; keep_num_dims on a 3-D input', bytes: m.bytes(), feeds: { x, x2 },
    want: () => ({
      y: out(tf.relu(tf.matMul(tf.tensor2d(x.data, [1, 12]), tf.tensor2d(w, [5, 12]), false, true).add(tf.tensor1d(b)))),
      y2: out(tf.matMul(tf.tensor2d(x2.data, [4, 6]), tf.tensor2d(w2, [3, 6]), false, true)),
    }),
  };
}

function elementwiseCase(): Case {
  const x = feed([1, 3, 4, 3], 18), k = rand([3], 19), k2 = rand([1, 1, 4, 1], 20);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  const a = m.op(OP.ADD, [xi, m.f32('k', [3], k)], 'a', [1, 3, 4, 3], opts.add(ACT.RELU));
  const mu = m.op(OP.MUL, [a, xi], 'mu', [1, 3, 4, 3], opts.mul());
  const s = m.op(OP.SUB, [mu, m.f32('k2', [1, 1, 4, 1], k2)], 's', [1, 3, 4, 3], opts.sub(ACT.RELU6));
  const c = m.op(OP.CONCATENATION, [s, xi], 'c', [1, 3, 4, 6], opts.concat(-1));
  const mean = m.op(OP.MEAN, [c, m.i32('axes', [2], [1, 2])], 'mean', [1, 1, 1, 6], opts.reducer(true));
  const r = m.op(OP.RESHAPE, [mean, m.i32('shape', [2], [1, -1])], 'r', [1, 6], opts.reshape([1, -1]));
  m.output(m.op(OP.SOFTMAX, [r], 'p', [1, 6], opts.softmax(0.5)));
  m.output(m.op(OP.MEAN, [c, m.i32('axes2', [1], [-1])], 'mean2', [1, 3, 4], opts.reducer(false)));
  return {
    name: 'ADD/MUL/SUB broadcasting with fused activations, CONCATENATION axis -1, MEAN, RESHAPE, SOFTMAX beta 0.5', bytes: m.bytes(), feeds: { x },
    want: () => {
      const xt = t4(x);
      const cc = tf.concat([tf.relu6(tf.relu(xt.add(tf.tensor1d(k))).mul(xt).sub(tf.tensor4d(k2, [1, 1, 4, 1]))), xt], 3);
      return { p: out(tf.softmax(tf.mean(cc, [1, 2]).reshape([1, 6]).mul(0.5))), mean2: out(tf.mean(cc, 3)) };
    },
  };
}

function activationsCase(): Case {
  const x = feed([1, 4, 5, 2], 21, 8);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  const p = m.op(OP.PAD, [xi, m.i32('pads', [4, 2], [0, 0, 1, 2, 2, 1, 0, 0])], 'pad', [1, 7, 8, 2]);
  m.output(m.op(OP.PADV2, [p, m.i32('pads2', [4, 2], [0, 0, 0, 1, 1, 0, 0, 0]), m.f32('v', [], [0.5])], 'pad2', [1, 8, 9, 2]));
  for (const [op, name] of [[OP.RELU, 'relu'], [OP.RELU6, 'relu6'], [OP.LOGISTIC, 'sigmoid'], [OP.TANH, 'tanh'], [OP.HARD_SWISH, 'hswish']] as const) {
    m.output(m.op(op, [xi], name, x.shape));
  }
  m.output(m.op(OP.LEAKY_RELU, [xi], 'leaky', x.shape, opts.leakyRelu(0.2)));
  const sq = m.op(OP.MEAN, [xi, m.i32('axes', [2], [1, 2])], 'm', [1, 1, 1, 2], opts.reducer(true));
  m.output(m.op(OP.SQUEEZE, [sq], 'squeezed', [1, 2], opts.squeeze([1, 2])));
  return {
    name: 'PAD, PADV2, RELU, RELU6, LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, SQUEEZE', bytes: m.bytes(), feeds: { x },
    want: () => {
      const xt = t4(x);
      const padded = tf.pad(xt, [[0, 0], [1, 2], [2, 1], [0, 0]]);
      return {
        pad2: out(tf.pad(padded, [[0, 0], [0, 1], [1, 0], [0, 0]], 0.5)),
        relu: out(tf.relu(xt)), relu6: out(tf.relu6(xt)), sigmoid: out(tf.sigmoid(xt)), tanh: out(tf.tanh(xt)),
        hswish: out(xt.mul(tf.relu6(xt.add(3))).div(6)), leaky: out(tf.leakyRelu(xt, 0.2)),
        squeezed: out(tf.mean(xt, [1, 2])),
      };
    },
  };
}

/** Float in, QUANTIZE to uint8, a uint8 CONV_2D (uint8 weights, int32 bias), DEQUANTIZE out. */
function quantizedEdgesCase(): Case {
  const x = feed([1, 6, 6, 2], 22, 5);
  const wq = Uint8Array.from(randomF32(3 * 3 * 3 * 2, { seed: 23, min: 0, max: 255 }), Math.floor);
  const ws = 0.01, wz = 120, xs = 1 / 32, xz = 128, ys = 0.05, yz = 10;
  const bq = Int32Array.from(randomF32(3, { seed: 24, min: -2000, max: 2000 }), Math.round);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  const q = m.op(OP.QUANTIZE, [xi], 'xq', x.shape, undefined, { type: T.U8, quant: { scale: [xs], zeroPoint: [xz] } });
  const w = m.tensor({ name: 'w', shape: [3, 3, 3, 2], type: T.U8, data: wq, quant: { scale: [ws], zeroPoint: [wz] } });
  const b = m.tensor({ name: 'b', shape: [3], type: T.I32, data: i32Bytes(bq), quant: { scale: [xs * ws], zeroPoint: [0] } });
  const y = m.op(OP.CONV_2D, [q, w, b], 'yq', [1, 6, 6, 3], opts.conv({ padding: SAME }), { type: T.U8, quant: { scale: [ys], zeroPoint: [yz] } });
  m.output(m.op(OP.DEQUANTIZE, [y], 'y', [1, 6, 6, 3]));
  return {
    name: 'QUANTIZE -> uint8 CONV_2D (per-tensor uint8 weights, int32 bias) -> DEQUANTIZE: float semantics with the grids\' clamps', bytes: m.bytes(), feeds: { x },
    want: () => {
      const xin = clamp(t4(x), (0 - xz) * xs, (255 - xz) * xs);
      const wf = Float32Array.from(wq, (v) => (v - wz) * ws);
      const conv = tf.conv2d(xin as tf.Tensor4D, hwio(wf, [3, 3, 3, 2]), 1, 'same').add(tf.tensor1d(Float32Array.from(bq, (v) => v * xs * ws)));
      return { y: out(clamp(conv, (0 - yz) * ys, (255 - yz) * ys)) };
    },
    check: (g) => {
      expect([...g.constants.values()].find((c) => c.dtype === 'u8')?.quant).toEqual({ axis: 0, scales: Float32Array.of(ws), zeroPoints: Int32Array.of(wz) });
      expect(g.metadata.preprocess).toBeUndefined();
    },
  };
}

/** TF2 full-integer: int8 input and output, per-channel int8 weights, int32 biases with and without their own scales. */
function int8PerChannelCase(): Case {
  const xs = 0.02, xz = -10, ys = 0.1, yz = 5;
  const xq = Int8Array.from(randomF32(1 * 5 * 5 * 3, { seed: 25, min: -128, max: 127 }), Math.round);
  const x = { shape: [1, 5, 5, 3], data: Float32Array.from(xq, (v) => (v - xz) * xs) };
  const wq = Int8Array.from(randomF32(4 * 3 * 3 * 3, { seed: 26, min: -127, max: 127 }), Math.round);
  const wsc = [0.01, 0.02, 0.005, 0.03];
  const bq = Int32Array.from(randomF32(4, { seed: 27, min: -3000, max: 3000 }), Math.round);
  const dwq = Int8Array.from(randomF32(3 * 3 * 4, { seed: 28, min: -127, max: 127 }), Math.round);
  const dwsc = [0.02, 0.01, 0.04, 0.03];
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape, { type: T.I8, quant: { scale: [xs], zeroPoint: [xz] } });
  const w = m.tensor({ name: 'w', shape: [4, 3, 3, 3], type: T.I8, data: new Uint8Array(wq.buffer), quant: { scale: wsc, zeroPoint: [0, 0, 0, 0], dim: 0 } });
  const b = m.tensor({ name: 'b', shape: [4], type: T.I32, data: i32Bytes(bq), quant: { scale: wsc.map((s) => s * xs), zeroPoint: [0, 0, 0, 0] } });
  const h = m.op(OP.CONV_2D, [xi, w, b], 'h', [1, 5, 5, 4], opts.conv({ padding: SAME, act: ACT.RELU }), { type: T.I8, quant: { scale: [ys], zeroPoint: [yz] } });
  const dw = m.tensor({ name: 'dw', shape: [1, 3, 3, 4], type: T.I8, data: new Uint8Array(dwq.buffer), quant: { scale: dwsc, zeroPoint: [0, 0, 0, 0], dim: 3 } });
  // A bias without quantization parameters: its scale is input scale x weight scale.
  const db = m.tensor({ name: 'db', shape: [4], type: T.I32, data: i32Bytes([100, -200, 300, -400]) });
  m.output(m.op(OP.DEPTHWISE_CONV_2D, [h, dw, db], 'y', [1, 5, 5, 4], opts.depthwise({ padding: SAME }), { type: T.I8, quant: { scale: [0.05], zeroPoint: [-3] } }));
  return {
    name: 'int8 per-channel CONV_2D and DEPTHWISE_CONV_2D (TF2 full-integer), int8 input and output', bytes: m.bytes(), feeds: { x },
    want: () => {
      const wf = Float32Array.from(wq, (v, i) => v * wsc[Math.floor(i / 27)]);
      const hv = clamp(tf.relu(tf.conv2d(t4(x), hwio(wf, [4, 3, 3, 3]), 1, 'same').add(tf.tensor1d(Float32Array.from(bq, (v, o) => v * wsc[o] * xs)))), 0, (127 - yz) * ys);
      const dwf = Float32Array.from(dwq, (v, i) => v * dwsc[i % 4]);
      const y = tf.depthwiseConv2d(hv as tf.Tensor4D, tf.tensor4d(dwf, [3, 3, 4, 1]), 1, 'same').add(tf.tensor1d([100, -200, 300, -400].map((v, o) => v * ys * dwsc[o])));
      return { y: out(clamp(y, (-128 + 3) * 0.05, (127 + 3) * 0.05)) };
    },
    check: (g) => {
      const w8 = [...g.constants.values()].filter((c) => c.dtype === 'i8');
      expect(w8.map((c) => [c.shape, c.quant!.axis, c.quant!.scales.length])).toEqual([[[4, 3, 3, 3], 0, 4], [[4, 3, 3, 1], 0, 4]]);
      // int8 input: the integer is the pixel - 128, so x = (p - 128 - zero_point) * scale.
      const f = Math.fround(xs);
      expect(g.metadata.preprocess).toMatchObject({ scale: f, mean: [(128 + xz) * f, (128 + xz) * f, (128 + xz) * f], std: [1, 1, 1] });
    },
  };
}

/** float16 weights behind DEQUANTIZE, kept as f16 in the graph; int8 weights of a hybrid FULLY_CONNECTED. */
function f16AndHybridCase(): Case {
  const x = feed([1, 4, 4, 3], 29);
  const w = rand([2, 3, 3, 3], 30, 0.5);
  const half = Uint16Array.from(w, (v) => f32ToF16Bits(v));
  const w16 = Float32Array.from(half, (h) => f16BitsToF32(h));
  const fcq = Int8Array.from(randomF32(5 * 32, { seed: 31, min: -127, max: 127 }), Math.round);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  const wh = m.tensor({ name: 'w_f16', shape: [2, 3, 3, 3], type: T.F16, data: new Uint8Array(half.buffer) });
  const wd = m.op(OP.DEQUANTIZE, [wh], 'w', [2, 3, 3, 3]);
  const c = m.op(OP.CONV_2D, [xi, wd, -1], 'c', [1, 4, 4, 2], opts.conv({ padding: SAME }));
  const fw = m.tensor({ name: 'fc_w', shape: [5, 32], type: T.I8, data: new Uint8Array(fcq.buffer), quant: { scale: [0.01], zeroPoint: [0] } });
  m.output(m.op(OP.FULLY_CONNECTED, [c, fw, -1], 'y', [1, 5], opts.fc()));
  return {
    name: 'float16 weights through DEQUANTIZE (kept f16); a hybrid FULLY_CONNECTED with int8 weights', bytes: m.bytes(), feeds: { x },
    want: () => {
      const cv = tf.conv2d(t4(x), hwio(w16, [2, 3, 3, 3]), 1, 'same').reshape([1, 32]);
      return { y: out(tf.matMul(cv, tf.tensor2d(Float32Array.from(fcq, (v) => v * 0.01), [5, 32]), false, true)) };
    },
    check: (g) => expect([...g.constants.values()].map((c) => c.dtype).sort()).toEqual(['f16', 'i8']),
  };
}

const CASES: readonly (() => Case)[] = [
  convCase, dilatedCase, groupedCase, depthwiseCase, poolCase, fullyConnectedCase, elementwiseCase, activationsCase,
  quantizedEdgesCase, int8PerChannelCase, f16AndHybridCase,
];

describeTfjsCases('TFLite ops', CASES, variants, (g) => {
  // NHWC in both: no Transpose; every value keeps the batch in dimension 0.
  expect(g.nodes.filter((n) => n.op === 'Transpose')).toEqual([]);
  for (const v of g.inputs) expect(v.shape[0]).toBe(-1);
});

describe('the batch', () => {
  it('stays free through RESHAPE, FULLY_CONNECTED and SOFTMAX, and a batch of 3 equals 3 runs', async () => {
    const { bytes, feeds } = fullyConnectedCase();
    const g = importTflite(bytes);
    expect(g.inputs.map((v) => v.shape)).toEqual([[-1, 2, 2, 3], [-1, 4, 6]]);
    const s = await Session.create(g, { backend: 'js' });
    const one = await s.run({ x: feeds.x.data, x2: feeds.x2.data });
    const three = await s.run({ x: new Float32Array([...feeds.x.data, ...feeds.x.data, ...feeds.x.data]), x2: new Float32Array([...feeds.x2.data, ...feeds.x2.data, ...feeds.x2.data]) });
    expect([...three.y.shape]).toEqual([3, 5]);
    expect([...three.y2.shape]).toEqual([3, 4, 3]);
    expect(Array.from(three.y.data.subarray(10, 15))).toEqual(Array.from(one.y.data));
  });

  it('is kept as the file has it when an op moves it (a RESHAPE of [1, 4, 6] to [4, 6])', () => {
    const m = new ModelBuilder();
    const x = m.input('x', [1, 4, 6]);
    m.output(m.op(OP.SOFTMAX, [m.op(OP.RESHAPE, [x, m.i32('s', [2], [4, 6])], 'r', [4, 6])], 'y', [4, 6], opts.softmax(1)));
    const g = importTflite(m.bytes());
    expect(g.inputs[0].shape).toEqual([1, 4, 6]);
    expect(g.outputs[0].shape).toEqual([4, 6]);
  });

  it('is kept when a CONCATENATION joins along it', () => {
    const m = new ModelBuilder();
    const x = m.input('x', [1, 3]);
    m.output(m.op(OP.CONCATENATION, [x, x], 'y', [2, 3], opts.concat(0)));
    expect(importTflite(m.bytes()).inputs[0].shape).toEqual([1, 3]);
  });

  it('a float input (no quantization, no metadata) has no preprocessing; its constant bytes need no alignment', () => {
    const x = feed([1, 2, 2, 1], 40);
    const m = new ModelBuilder();
    const xi = m.input('x', x.shape);
    // An odd-length name shifts every later buffer off a 4-byte boundary.
    m.output(m.op(OP.ADD, [xi, m.tensor({ name: 'k', shape: [1], data: f32Bytes([2.5]) })], 'y', x.shape));
    const g = importTflite(m.bytes({ description: 'odd' }));
    expect(g.metadata.preprocess).toBeUndefined();
    expect(g.metadata.outputKind).toBe('logits');
    expect(g.metadata.producer).toBe('odd (TFLite schema 3)');
  });
});
