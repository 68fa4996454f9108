// Hand-built graphs for the format tests: a small but realistic CNN (every storage dtype among its
// weights, labels, preprocessing) and a graph of odd constants (scalars, empty tensors, f16 edge values).
import type { Constant, Graph } from '../../src/graph/ir.js';
import { randomF32, rng } from '../helpers/harness.js';

function f32(shape: number[], seed: number, scale = 0.5): Constant {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, dtype: 'f32', data: randomF32(n, { seed, min: -scale, max: scale }) };
}

function ints<T extends Int8Array | Uint8Array>(make: new (n: number) => T, shape: number[], seed: number, lo: number, hi: number): T {
  const n = shape.reduce((a, b) => a * b, 1), r = rng(seed), out = new make(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(r() * (hi - lo + 1));
  return out;
}

function halfs(shape: number[], seed: number): Constant {
  const n = shape.reduce((a, b) => a * b, 1), r = rng(seed), data = new Uint16Array(n);
  // Finite halves of moderate magnitude: sign random, exponent 5..17, mantissa random.
  for (let i = 0; i < n; i++) data[i] = (r() < 0.5 ? 0x8000 : 0) | ((5 + Math.floor(r() * 13)) << 10) | Math.floor(r() * 1024);
  return { shape, dtype: 'f16', data };
}

const CONV = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], autoPad: 'NOTSET' };
const POOL = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], autoPad: 'NOTSET', ceilMode: false, countIncludePad: false };

/** 16x16 grey digits -> 10 classes: Conv(f32) MaxPool Conv(int8 per-channel) MaxPool DWConv(u8 + zero point) GAP Flatten Gemm(f16) Softmax. */
export function smallCnn(): Graph {
  const constants = new Map<string, Constant>([
    ['conv1.w', f32([8, 3, 3, 1], 1)],
    ['conv1.b', f32([8], 2, 0.1)],
    ['conv2.w', {
      shape: [16, 3, 3, 8], dtype: 'i8', data: ints(Int8Array, [16, 3, 3, 8], 3, -127, 127),
      quant: { axis: 0, scales: Float32Array.from({ length: 16 }, (_, i) => 0.002 + i * 0.0005) },
    }],
    ['conv2.b', f32([16], 4, 0.1)],
    ['dw.w', {
      shape: [16, 3, 3, 1], dtype: 'u8', data: ints(Uint8Array, [16, 3, 3, 1], 5, 0, 255),
      quant: { axis: 0, scales: Float32Array.of(0.01), zeroPoints: Int32Array.of(128) },
    }],
    ['fc.w', halfs([10, 16], 6)],
    ['fc.b', f32([10], 7, 0.1)],
  ]);
  return {
    inputs: [{ name: 'image', shape: [-1, 16, 16, 1], sourcePerm: [0, 3, 1, 2] }],
    outputs: [{ name: 'probs', shape: [-1, 10] }],
    constants,
    nodes: [
      { name: 'conv1', op: 'Conv', inputs: ['image', 'conv1.w', 'conv1.b'], outputs: ['c1'], attrs: { kernel: [3, 3], group: 1, ...CONV, activation: { op: 'Relu' } } },
      { name: 'pool1', op: 'MaxPool', inputs: ['c1'], outputs: ['p1'], attrs: POOL },
      { name: 'conv2', op: 'Conv', inputs: ['p1', 'conv2.w', 'conv2.b'], outputs: ['c2'], attrs: { kernel: [3, 3], group: 1, ...CONV, activation: { op: 'Clip', min: 0, max: 6 } } },
      { name: 'pool2', op: 'MaxPool', inputs: ['c2'], outputs: ['p2'], attrs: POOL },
      { name: 'dw', op: 'Conv', inputs: ['p2', 'dw.w', ''], outputs: ['d'], attrs: { kernel: [3, 3], group: 16, ...CONV } },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['d'], outputs: ['g'], attrs: {} },
      { name: 'flat', op: 'Flatten', inputs: ['g'], outputs: ['f'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', inputs: ['f', 'fc.w', 'fc.b'], outputs: ['logits'], attrs: { transA: 0, transB: 1, alpha: 1, beta: 1 } },
      { name: 'softmax', op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
    ],
    metadata: {
      name: 'small-cnn',
      producer: 'edgeinfer tests',
      source: 'hand-built, random weights',
      description: 'digits "0"-"9", ünïcödé ✓',
      labels: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
      preprocess: {
        width: 16, height: 16, channels: 1, colorOrder: 'GRAY', scale: 1 / 255, mean: [0.1307], std: [0.3081],
        resize: 'stretch', crop: 'none',
      },
      outputKind: 'probabilities',
    },
  };
}

/** f16 bit patterns worth storing: zeros, subnormals, the largest finite, infinities, NaNs. */
export const F16_EDGES = Uint16Array.of(0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x3c00, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xffff);

/** Every dtype and quantization form, plus shapes that are easy to get wrong (scalar, empty, rank 5). */
export function oddConstants(): Graph {
  const constants = new Map<string, Constant>([
    ['scalar', { shape: [], dtype: 'f32', data: Float32Array.of(-0) }],
    ['empty', { shape: [3, 0, 2], dtype: 'f32', data: new Float32Array(0) }],
    ['f32.special', { shape: [6], dtype: 'f32', data: Float32Array.of(NaN, Infinity, -Infinity, 3.4028234663852886e38, 1.4e-45, -0) }],
    ['f16.edges', { shape: [F16_EDGES.length], dtype: 'f16', data: F16_EDGES.slice() }],
    ['rank5', f32([1, 2, 1, 3, 2], 11)],
    ['i8.tensor', { shape: [2, 3], dtype: 'i8', data: Int8Array.of(-128, -1, 0, 1, 127, 5), quant: { axis: 0, scales: Float32Array.of(0.5) } }],
    ['i8.tensor.zp', { shape: [4], dtype: 'i8', data: Int8Array.of(-128, 0, 3, 127), quant: { axis: 0, scales: Float32Array.of(0.25), zeroPoints: Int32Array.of(-3) } }],
    ['i8.axis1', {
      shape: [2, 3, 2], dtype: 'i8', data: ints(Int8Array, [2, 3, 2], 12, -128, 127),
      quant: { axis: 1, scales: Float32Array.of(0.1, 0.2, 0.3), zeroPoints: Int32Array.of(-1, 0, 1) },
    }],
    ['u8.axis0', {
      shape: [3, 5], dtype: 'u8', data: ints(Uint8Array, [3, 5], 13, 0, 255),
      quant: { axis: 0, scales: Float32Array.of(1e-3, 2e-3, 3e-3), zeroPoints: Int32Array.of(0, 128, 255) },
    }],
    ['u8.scalar', { shape: [], dtype: 'u8', data: Uint8Array.of(200), quant: { axis: 0, scales: Float32Array.of(0.5), zeroPoints: Int32Array.of(100) } }],
  ]);
  return {
    inputs: [{ name: 'x', shape: [-1, 3] }, { name: 'seq', shape: [2, 5, 4], sourcePerm: [1, 0, 2] }],
    outputs: [{ name: 'y', shape: [-1, 3] }, { name: 'h', shape: [2, 1, 4] }],
    constants,
    nodes: [
      { name: 'add', op: 'Add', inputs: ['x', 'scalar'], outputs: ['y'], attrs: { note: 'attrs of every JSON type', flag: true, none: null, floats: [0.1, -2.5e-30], names: ['a', 'b'], empty: [], nested: { op: 'LeakyRelu', alpha: 0.2 } } },
      { name: 'gru', op: 'GRU', inputs: ['seq', 'rank5', 'rank5', '', '', ''], outputs: ['', 'h'], attrs: { hiddenSize: 4, direction: 'forward', activations: ['Sigmoid', 'Tanh'] } },
    ],
    metadata: {},
  };
}
