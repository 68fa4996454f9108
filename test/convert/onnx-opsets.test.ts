// Default-domain opsets 1 to 21 (issue #15): the version table (src/convert/onnx/opsets.ts) covers every op
// the importer converts or folds; each op whose schema changed is imported at its old version and gives
// what the same model at a new opset gives (and what onnxruntime-web gives on both, where it runs the old
// version: it registers most kernels from opset 7 on); an opset past the newest known, an op before it
// existed, an attribute its version does not have and the training modes of old opsets are refused by name.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { DEFAULT_DOMAIN_CONVERTERS } from '../../src/convert/onnx/converters.js';
import { FOLDERS } from '../../src/convert/onnx/fold.js';
import { MAX_OPSET, OP_VERSIONS, since } from '../../src/convert/onnx/opsets.js';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { expectClose, randomF32 } from '../helpers/harness.js';
import { i64, OnnxModel, runOrtModel, type Feed } from '../helpers/onnx-builder.js';

const rand = (n: number, seed: number, min = -1, max = 1): Float32Array => randomF32(n, { seed, min, max });
const feed = (dims: number[], seed = 1, min = -1, max = 1): Feed => ({ dims, data: rand(dims.reduce((a, b) => a * b, 1), seed, min, max) });
const TOL = { atol: 1e-5, rtol: 1e-5 };

async function runJs(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
  const s = await Session.create(importOnnx(bytes), { backend: 'js' });
  const ins = Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, Float32Array.from(f.data as ArrayLike<number>)]));
  const out = await s.run(ins);
  s.dispose();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
}

interface Pair {
  /** What changed between the two versions. */
  name: string;
  old: OnnxModel;
  now: OnnxModel;
  feeds: Record<string, Feed>;
  /** onnxruntime-web runs the old version too: compare with it as well. */
  ortOld?: boolean;
}

const PAIRS: Pair[] = [
  {
    name: 'activations with consumed_inputs (opset 1) and without (6)',
    old: new OnnxModel(1).input('x', [2, 5])
      .node('Relu', ['x'], ['a'], { consumed_inputs: [0] }).node('LeakyRelu', ['x'], ['b'], { alpha: { float: 0.2 }, consumed_inputs: [0] })
      .node('Add', ['a', 'b'], ['c'], { consumed_inputs: [0, 0] }).node('Sigmoid', ['c'], ['d'], { consumed_inputs: [0] })
      .node('HardSigmoid', ['c'], ['e'], { consumed_inputs: [0] }).node('Tanh', ['e'], ['f'], { consumed_inputs: [0] })
      .node('Mul', ['d', 'f'], ['y']).output('y'),
    now: new OnnxModel(13).input('x', [2, 5])
      .node('Relu', ['x'], ['a']).node('LeakyRelu', ['x'], ['b'], { alpha: { float: 0.2 } }).node('Add', ['a', 'b'], ['c'])
      .node('Sigmoid', ['c'], ['d']).node('HardSigmoid', ['c'], ['e']).node('Tanh', ['e'], ['f']).node('Mul', ['d', 'f'], ['y']).output('y'),
    feeds: { x: feed([2, 5], 1, -3, 3) },
  },
  {
    name: 'Add/Sub/Mul/Div broadcast=1 with axis (opset 6): B [C] at axis 1, constant and run-time',
    old: new OnnxModel(6).input('x', ['N', 3, 4, 5]).input('s', [3]).init('b', [3], rand(3, 2))
      .node('Add', ['x', 'b'], ['a'], { broadcast: 1, axis: 1 }).node('Mul', ['a', 's'], ['m'], { broadcast: 1, axis: 1 })
      .init('w', [5], rand(5, 3, 1, 2)).node('Div', ['m', 'w'], ['d'], { broadcast: 1 })
      .init('hw', [4, 5], rand(20, 4)).node('Sub', ['d', 'hw'], ['y'], { broadcast: 1, axis: 2 }).output('y'),
    now: new OnnxModel(13).input('x', ['N', 3, 4, 5]).input('s', [3]).init('b', [3, 1, 1], rand(3, 2))
      .init('u', [2], i64(1, 2)).node('Unsqueeze', ['s', 'u'], ['s3'])
      .node('Add', ['x', 'b'], ['a']).node('Mul', ['a', 's3'], ['m'])
      .init('w', [5], rand(5, 3, 1, 2)).node('Div', ['m', 'w'], ['d'])
      .init('hw', [4, 5], rand(20, 4)).node('Sub', ['d', 'hw'], ['y']).output('y'),
    feeds: { x: feed([2, 3, 4, 5], 5), s: feed([3], 6) },
  },
  {
    name: 'folded constants with broadcast=1 and axis (opset 6)',
    old: new OnnxModel(6).input('x', [1, 2, 3]).init('p', [2, 3], rand(6, 7)).init('q', [2], rand(2, 8))
      .node('Mul', ['p', 'q'], ['pq'], { broadcast: 1, axis: 0 }).node('Add', ['x', 'pq'], ['y'], { broadcast: 1 }).output('y'),
    now: new OnnxModel(13).input('x', [1, 2, 3]).init('p', [2, 3], rand(6, 7)).init('q', [2, 1], rand(2, 8))
      .node('Mul', ['p', 'q'], ['pq']).node('Add', ['x', 'pq'], ['y']).output('y'),
    feeds: { x: feed([1, 2, 3], 9) },
  },
  {
    name: 'PRelu with a per-channel slope (opset 6) and a shared one',
    old: new OnnxModel(6).input('x', ['N', 3, 4, 4]).init('sl', [3], Float32Array.of(0.1, 0.5, 2)).node('PRelu', ['x', 'sl'], ['a'])
      .init('one', [1], Float32Array.of(0.3)).node('PRelu', ['a', 'one'], ['y']).output('y'),
    now: new OnnxModel(9).input('x', ['N', 3, 4, 4]).init('sl', [3, 1, 1], Float32Array.of(0.1, 0.5, 2)).node('PRelu', ['x', 'sl'], ['a'])
      .init('one', [1], Float32Array.of(0.3)).node('PRelu', ['a', 'one'], ['y']).output('y'),
    feeds: { x: feed([2, 3, 4, 4], 10) },
  },
  {
    name: 'Gemm with broadcast=1 (opset 6)',
    old: new OnnxModel(6).input('x', ['N', 4]).init('w', [4, 3], rand(12, 11)).init('c', [3], rand(3, 12))
      .node('Gemm', ['x', 'w', 'c'], ['y'], { broadcast: 1, alpha: { float: 0.5 }, beta: { float: 2 } }).output('y'),
    now: new OnnxModel(11).input('x', ['N', 4]).init('w', [4, 3], rand(12, 11)).init('c', [3], rand(3, 12))
      .node('Gemm', ['x', 'w', 'c'], ['y'], { alpha: { float: 0.5 }, beta: { float: 2 } }).output('y'),
    feeds: { x: feed([3, 4], 13) },
  },
  {
    name: 'BatchNormalization with is_test=1 and consumed_inputs (opset 1), spatial=1 (7)',
    old: bn(new OnnxModel(1), { is_test: 1, consumed_inputs: [0, 0, 0, 1, 1] }),
    now: bn(new OnnxModel(9), {}),
    feeds: { x: feed([2, 3, 4, 4], 14) },
  },
  {
    // is_test left at its default (0, training) reads as inference, as ONNX's version converter does (6 -> 7).
    name: 'BatchNormalization without is_test (opset 6)',
    old: bn(new OnnxModel(6), {}),
    now: bn(new OnnxModel(9), {}),
    feeds: { x: feed([2, 3, 4, 4], 14) },
  },
  {
    name: 'BatchNormalization with spatial=0: per-activation parameters (opset 7)',
    old: new OnnxModel(7).input('x', ['N', 2, 3]).init('s', [2, 3], rand(6, 15)).init('b', [2, 3], rand(6, 16))
      .init('m', [2, 3], rand(6, 17)).init('v', [2, 3], rand(6, 18, 0.5, 2))
      .node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { spatial: 0, epsilon: { float: 1e-3 } }).output('y'),
    now: (() => {
      // (x - m) / sqrt(v + eps) * s + b, spelled out.
      const v = rand(6, 18, 0.5, 2), s = rand(6, 15);
      const a = s.map((si, i) => si / Math.sqrt(v[i] + 1e-3));
      return new OnnxModel(13).input('x', ['N', 2, 3]).init('m', [2, 3], rand(6, 17)).init('a', [2, 3], a).init('b', [2, 3], rand(6, 16))
        .node('Sub', ['x', 'm'], ['c']).node('Mul', ['c', 'a'], ['d']).node('Add', ['d', 'b'], ['y']).output('y');
    })(),
    feeds: { x: feed([2, 2, 3], 19) },
  },
  {
    name: 'MaxPool and AveragePool before ceil_mode and count_include_pad (opset 1)',
    old: new OnnxModel(1).input('x', ['N', 2, 7, 7])
      .node('MaxPool', ['x'], ['a'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })
      .node('AveragePool', ['x'], ['b'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })
      .node('Add', ['a', 'b'], ['y']).output('y'),
    now: new OnnxModel(13).input('x', ['N', 2, 7, 7])
      .node('MaxPool', ['x'], ['a'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 0 })
      .node('AveragePool', ['x'], ['b'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 0 })
      .node('Add', ['a', 'b'], ['y']).output('y'),
    feeds: { x: feed([2, 2, 7, 7], 20) },
  },
  {
    name: 'AveragePool count_include_pad (opset 7) and dilations (19)',
    old: new OnnxModel(7).input('x', ['N', 2, 7, 7])
      .node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }).output('y'),
    now: new OnnxModel(19).input('x', ['N', 2, 7, 7])
      .node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1, dilations: [1, 1] }).output('y'),
    feeds: { x: feed([2, 2, 7, 7], 21) },
    ortOld: true,
  },
  {
    name: 'Reshape with the shape attribute (opset 4) and input (5)',
    old: new OnnxModel(4).input('x', ['N', 3, 4]).node('Reshape', ['x'], ['y'], { shape: [0, -1], consumed_inputs: [0] }).output('y'),
    now: new OnnxModel(5).input('x', ['N', 3, 4]).init('s', [2], i64(0, -1)).node('Reshape', ['x', 's'], ['y']).output('y'),
    feeds: { x: feed([2, 3, 4], 22) },
  },
  {
    name: 'Pad: `paddings` (opset 1), `pads` (2), inputs (11)',
    old: new OnnxModel(1).input('x', ['N', 3, 4]).node('Pad', ['x'], ['y'], { paddings: [0, 1, 2, 0, 2, 1], mode: 'reflect' }).output('y'),
    now: new OnnxModel(11).input('x', ['N', 3, 4]).init('p', [6], i64(0, 1, 2, 0, 2, 1)).node('Pad', ['x', 'p'], ['y'], { mode: 'reflect' }).output('y'),
    feeds: { x: feed([2, 3, 4], 23) },
  },
  {
    name: 'Pad with `pads` and a value (opset 2)',
    old: new OnnxModel(2).input('x', ['N', 3, 4]).node('Pad', ['x'], ['y'], { pads: [0, 1, 2, 0, 2, 1], value: { float: -2.5 } }).output('y'),
    now: new OnnxModel(11).input('x', ['N', 3, 4]).init('p', [6], i64(0, 1, 2, 0, 2, 1)).init('v', [], Float32Array.of(-2.5))
      .node('Pad', ['x', 'p', 'v'], ['y']).output('y'),
    feeds: { x: feed([2, 3, 4], 24) },
    ortOld: true,
  },
  {
    name: 'Clip with consumed_inputs (opset 1) and attributes (6)',
    old: new OnnxModel(1).input('x', [2, 6]).node('Clip', ['x'], ['y'], { min: { float: -0.5 }, max: { float: 0.25 }, consumed_inputs: [0] }).output('y'),
    now: new OnnxModel(11).input('x', [2, 6]).init('lo', [], Float32Array.of(-0.5)).init('hi', [], Float32Array.of(0.25))
      .node('Clip', ['x', 'lo', 'hi'], ['y']).output('y'),
    feeds: { x: feed([2, 6], 25) },
  },
  {
    name: 'Softmax and LogSoftmax coerced to 2-D (opset 1, default axis 1)',
    old: new OnnxModel(1).input('x', ['N', 3, 4]).node('Softmax', ['x'], ['a']).node('LogSoftmax', ['x'], ['b'], { axis: 2 })
      .output('a').output('b'),
    now: new OnnxModel(13).input('x', ['N', 3, 4]).init('s', [2], i64(0, -1)).node('Reshape', ['x', 's'], ['f'])
      .node('Softmax', ['f'], ['sf'], { axis: 1 }).init('t', [3], i64(0, 3, 4)).node('Reshape', ['sf', 't'], ['a'])
      .node('LogSoftmax', ['x'], ['b'], { axis: 2 }).output('a').output('b'),
    feeds: { x: feed([2, 3, 4], 26, -4, 4) },
    ortOld: true,
  },
  {
    name: 'Dropout without is_test (opset 6): the identity, as from opset 7',
    old: new OnnxModel(6).input('x', [2, 3]).node('Dropout', ['x'], ['d']).node('Relu', ['d'], ['y']).output('y'),
    now: new OnnxModel(7).input('x', [2, 3]).node('Dropout', ['x'], ['d']).node('Relu', ['d'], ['y']).output('y'),
    feeds: { x: feed([2, 3], 21) },
  },
  {
    name: 'Dropout with is_test=1 (opset 6) and a ratio input (12)',
    old: new OnnxModel(6).input('x', [2, 3]).node('Dropout', ['x'], ['d'], { is_test: 1, ratio: { float: 0.3 } }).node('Relu', ['d'], ['y']).output('y'),
    now: new OnnxModel(12).input('x', [2, 3]).init('r', [], Float32Array.of(0.3)).node('Dropout', ['x', 'r'], ['d']).node('Relu', ['d'], ['y']).output('y'),
    feeds: { x: feed([2, 3], 27) },
  },
  {
    name: 'Concat without axis (opset 3: axis 1), run-time and folded',
    old: new OnnxModel(3).input('x', ['N', 2, 3]).init('c', [4, 1], rand(4, 28)).init('d', [4, 2], rand(8, 29))
      .node('Concat', ['c', 'd'], ['cd']).node('Concat', ['x', 'x'], ['xx']).node('Add', ['xx', 'cd'], ['y'], { broadcast: 1 }).output('y'),
    now: new OnnxModel(7).input('x', ['N', 2, 3]).init('c', [4, 1], rand(4, 28)).init('d', [4, 2], rand(8, 29))
      .node('Concat', ['c', 'd'], ['cd'], { axis: 1 }).node('Concat', ['x', 'x'], ['xx'], { axis: 1 }).node('Add', ['xx', 'cd'], ['y']).output('y'),
    feeds: { x: feed([2, 2, 3], 30) },
  },
  {
    name: 'Split: sizes as input 1 (opset 1), attribute (2), input (13)',
    old: new OnnxModel(1).input('x', ['N', 5]).init('sp', [2], i64(2, 3)).node('Split', ['x', 'sp'], ['a', 'b'], { axis: 1 })
      .node('Relu', ['b'], ['y']).output('a').output('y'),
    now: new OnnxModel(13).input('x', ['N', 5]).init('sp', [2], i64(2, 3)).node('Split', ['x', 'sp'], ['a', 'b'], { axis: 1 })
      .node('Relu', ['b'], ['y']).output('a').output('y'),
    feeds: { x: feed([2, 5], 31) },
  },
  {
    name: 'Split with the split attribute (opset 2)',
    old: new OnnxModel(2).input('x', ['N', 5]).node('Split', ['x'], ['a', 'b'], { axis: 1, split: [4, 1] }).output('a').output('b'),
    now: new OnnxModel(13).input('x', ['N', 5]).init('sp', [2], i64(4, 1)).node('Split', ['x', 'sp'], ['a', 'b'], { axis: 1 }).output('a').output('b'),
    feeds: { x: feed([2, 5], 32) },
    ortOld: true,
  },
  {
    name: 'Unsqueeze, Squeeze and ReduceMean with axes attributes (opset 1)',
    old: new OnnxModel(1).input('x', ['N', 3, 4]).node('Unsqueeze', ['x'], ['u'], { axes: [1] }).node('ReduceMean', ['u'], ['r'], { axes: [3] })
      .node('Squeeze', ['r'], ['y'], { axes: [1, 3] }).output('y'),
    now: new OnnxModel(18).input('x', ['N', 3, 4]).init('a1', [1], i64(1)).init('a3', [1], i64(3)).init('a13', [2], i64(1, 3))
      .node('Unsqueeze', ['x', 'a1'], ['u']).node('ReduceMean', ['u', 'a3'], ['r']).node('Squeeze', ['r', 'a13'], ['y']).output('y'),
    feeds: { x: feed([2, 3, 4], 33) },
    ortOld: true,
  },
  {
    name: 'Cast with a type name (opset 5), folded',
    old: new OnnxModel(5).input('x', [2, 3]).init('k', [3], i64(1, -2, 3)).node('Cast', ['k'], ['kf'], { to: 'FLOAT' })
      .node('Mul', ['x', 'kf'], ['y'], { broadcast: 1 }).output('y'),
    now: new OnnxModel(7).input('x', [2, 3]).init('k', [3], i64(1, -2, 3)).node('Cast', ['k'], ['kf'], { to: 1 }).node('Mul', ['x', 'kf'], ['y']).output('y'),
    feeds: { x: feed([2, 3], 34) },
  },
  {
    name: 'RNN and GRU with output_sequence (opset 1, GRU 3) and without (7)',
    old: rnn(new OnnxModel(3), { output_sequence: 1 }),
    now: rnn(new OnnxModel(7), {}),
    feeds: { x: feed([5, 2, 3], 35) },
  },
  {
    name: 'a CNN at opset 1: Conv, Relu, MaxPool, BatchNorm, GlobalAveragePool, Flatten, Gemm, Softmax, Transpose, MatMul',
    old: cnn(new OnnxModel(1), true),
    now: cnn(new OnnxModel(13), false),
    feeds: { x: feed([2, 3, 8, 8], 36) },
  },
];

function bn(m: OnnxModel, attrs: Record<string, number | number[]>): OnnxModel {
  return m.input('x', ['N', 3, 4, 4]).init('s', [3], rand(3, 40)).init('b', [3], rand(3, 41)).init('m', [3], rand(3, 42))
    .init('v', [3], rand(3, 43, 0.5, 2)).node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], attrs).output('y');
}

function rnn(m: OnnxModel, attrs: Record<string, number>): OnnxModel {
  const H = 4;
  return m.input('x', [5, 2, 3])
    .init('w', [1, H, 3], rand(H * 3, 44)).init('r', [1, H, H], rand(H * H, 45)).init('b', [1, 2 * H], rand(2 * H, 46))
    .node('RNN', ['x', 'w', 'r', 'b'], ['ry', 'rh'], { hidden_size: H, ...attrs })
    .init('gw', [1, 3 * H, 3], rand(3 * H * 3, 47)).init('gr', [1, 3 * H, H], rand(3 * H * H, 48))
    .node('GRU', ['x', 'gw', 'gr'], ['gy', 'gh'], { hidden_size: H, linear_before_reset: 1, ...attrs })
    .output('ry').output('rh').output('gy').output('gh');
}

function cnn(m: OnnxModel, old: boolean): OnnxModel {
  const legacy = (a: Record<string, number | number[] | { float: number }>) => (old ? { ...a, consumed_inputs: [0] } : a);
  m.input('x', ['N', 3, 8, 8]).init('w', [4, 3, 3, 3], rand(108, 50)).init('cb', [4], rand(4, 51))
    .node('Conv', ['x', 'w', 'cb'], ['c'], { pads: [1, 1, 1, 1] })
    .init('s', [4], rand(4, 52)).init('bb', [4], rand(4, 53)).init('mm', [4], rand(4, 54)).init('vv', [4], rand(4, 55, 0.5, 2))
    .node('BatchNormalization', ['c', 's', 'bb', 'mm', 'vv'], ['n'], old ? { is_test: 1 } : {})
    .node('Relu', ['n'], ['r'], legacy({}))
    .node('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] })
    .node('GlobalAveragePool', ['p'], ['g'])
    .node('Flatten', ['g'], ['f'])
    .init('fc', [4, 5], rand(20, 56)).init('fb', [5], rand(5, 57))
    .node('Gemm', ['f', 'fc', 'fb'], ['l'], old ? { broadcast: 1 } : {})
    .node('Softmax', ['l'], ['y'])
    .node('Transpose', ['p'], ['pt'], { perm: [0, 2, 3, 1] })
    .init('k', [4, 2], rand(8, 58)).node('MatMul', ['pt', 'k'], ['z']);
  return m.output('y').output('z');
}

describe('ONNX opsets: the version table', () => {
  it('lists every op the importer converts or folds, versions ascending up to MAX_OPSET', () => {
    const ops = new Set([...Object.keys(DEFAULT_DOMAIN_CONVERTERS), ...Object.keys(FOLDERS)]);
    expect([...ops].filter((op) => !OP_VERSIONS[op])).toEqual([]);
    expect(Object.keys(OP_VERSIONS).filter((op) => !ops.has(op))).toEqual([]);
    for (const [op, vs] of Object.entries(OP_VERSIONS)) {
      expect(vs, op).toEqual([...vs].sort((a, b) => a - b));
      expect(vs.at(-1)!, op).toBeLessThanOrEqual(MAX_OPSET);
    }
  });

  it('since() refuses a version the table does not record', () => {
    const node = { op: 'Relu', opset: 13 } as Parameters<typeof since>[0];
    expect(since(node, 6)).toBe(true);
    expect(since(node, 14)).toBe(false);
    expect(() => since(node, 7)).toThrow(/internal: Relu has no version 7/);
  });
});

describe('ONNX opsets: an old version gives what the new one gives', () => {
  it.each(PAIRS.map((p) => [p.name, p] as const))('%s', async (_name, p) => {
    const oldBytes = p.old.encode(), nowBytes = p.now.encode();
    const got = await runJs(oldBytes, p.feeds);
    const now = await runJs(nowBytes, p.feeds);
    const ort = await runOrtModel(nowBytes, p.feeds);
    const ortOld = p.ortOld ? await runOrtModel(oldBytes, p.feeds) : undefined;
    expect(Object.keys(got).sort()).toEqual(Object.keys(ort).sort());
    for (const [k, w] of Object.entries(ort)) {
      expect(got[k].shape, k).toEqual(w.dims);
      expectClose(got[k].data, now[k].data, TOL, `${k}: old opset vs new`);
      expectClose(got[k].data, w.data, TOL, `${k}: old opset vs onnxruntime-web at the new one`);
      if (ortOld) expectClose(got[k].data, ortOld[k].data, TOL, `${k}: old opset vs onnxruntime-web at the old one`);
    }
  });
});

describe('ONNX opsets: refusals name the op and the reason', () => {
  const err = (m: OnnxModel): Error => {
    try {
      importOnnx(m.encode(), { name: 'm' });
    } catch (e) {
      return e as Error;
    }
    throw new Error('imported');
  };

  it('an opset past the newest known names the op and the opset', () => {
    const e = err(new OnnxModel(MAX_OPSET + 1).input('x', [2, 3]).node('Relu', ['x'], ['y']).output('y'));
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect((e as UnsupportedOpError).op).toBe('Relu');
    expect(e.message).toMatch(`opset ${MAX_OPSET + 1}; the newest opset known here is ${MAX_OPSET}`);
  });

  it('an op before it existed is malformed', () => {
    const e = err(new OnnxModel(13).input('x', [2, 3]).node('HardSwish', ['x'], ['y']).output('y'));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch('HardSwish does not exist before opset 14; the model imports opset 13');
  });

  it.each([
    ['MaxPool ceil_mode before opset 10', new OnnxModel(8).input('x', [1, 1, 4, 4]).node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2], ceil_mode: 1 }), /attribute ceil_mode/],
    ['AveragePool dilations before opset 19', new OnnxModel(18).input('x', [1, 1, 4, 4]).node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2], dilations: [1, 1] }), /attribute dilations/],
    ['Reshape allowzero before opset 14', new OnnxModel(13).input('x', [2, 3]).init('s', [1], i64(6)).node('Reshape', ['x', 's'], ['y'], { allowzero: 0 }), /attribute allowzero/],
    ['Add broadcast from opset 7', new OnnxModel(7).input('x', [2, 3]).node('Add', ['x', 'x'], ['y'], { broadcast: 1 }), /attribute broadcast/],
    ['RNN layout before opset 14', new OnnxModel(13).input('x', [2, 5, 3]).init('w', [1, 4, 3], rand(12, 1)).init('r', [1, 4, 4], rand(16, 2))
      .node('RNN', ['x', 'w', 'r'], ['y'], { hidden_size: 4, layout: 1 }), /attribute layout/],
  ])('%s is an UnsupportedOpError', (_what, m, message) => {
    const e = err(m.output('y'));
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(message);
  });
});
