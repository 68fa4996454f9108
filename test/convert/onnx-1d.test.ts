// 1-D convolution and pooling on [N, C, L] (PyTorch Conv1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d(1)):
// imported as the 2-D ops on a unit height, run on every backend variant against onnxruntime-web on the
// same ONNX bytes. Issue #15.
import { afterAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { useBackends } from '../helpers/backends.js';
import { expectClose, maxAbsDiff, randomF32 } from '../helpers/harness.js';
import { OnnxModel, runOrtModel, type Feed } from '../helpers/onnx-builder.js';
import { optimize } from '../../src/graph/optimize.js';

const variants = (await useBackends()).filter((v) => v.precision === 'f32');

const feed = (dims: number[], seed = 1): Feed => ({ dims, data: randomF32(dims.reduce((a, b) => a * b, 1), { seed, min: -1, max: 1 }) });
const w = (n: number, seed: number, scale = 0.5): Float32Array => randomF32(n, { seed, min: -scale, max: scale });

interface Case { name: string; model: () => OnnxModel; feeds: Record<string, Feed> }

const conv = (attrs: Record<string, number | number[] | string>, C = 4, O = 6, K = 3, L = 17): Case => {
  const g = typeof attrs.group === 'number' ? attrs.group : 1;
  return {
    name: `Conv ${JSON.stringify(attrs)}`,
    model: () => new OnnxModel(13).input('x', ['N', C, L]).init('w', [O, C / g, K], w(O * (C / g) * K, 1)).init('b', [O], w(O, 2))
      .node('Conv', ['x', 'w', 'b'], ['y'], attrs).output('y'),
    feeds: { x: feed([2, C, L]) },
  };
};

const pool = (op: string, attrs: Record<string, number | number[] | string>, opset = 19, L = 16): Case => ({
  name: `${op} ${JSON.stringify(attrs)}`,
  model: () => new OnnxModel(opset).input('x', ['N', 3, L]).node(op, ['x'], ['y'], attrs).output('y'),
  feeds: { x: feed([2, 3, L], 3) },
});

const CASES: Case[] = [
  conv({ kernel_shape: [3] }),
  conv({ kernel_shape: [3], group: 2, dilations: [2], pads: [1, 2], strides: [2] }),
  conv({ group: 4, pads: [2, 0], strides: [3] }, 4, 8, 5),
  conv({ dilations: [3], strides: [2], pads: [0, 3] }, 4, 6, 4, 18),
  conv({ strides: [2], auto_pad: 'SAME_UPPER' }, 4, 6, 4, 18),
  conv({ strides: [2], auto_pad: 'SAME_LOWER' }, 4, 6, 4, 17),
  conv({ strides: [2], auto_pad: 'VALID' }),
  pool('MaxPool', { kernel_shape: [3], strides: [2] }),
  pool('MaxPool', { kernel_shape: [3], strides: [2], pads: [1, 1], ceil_mode: 1 }, 19, 15),
  pool('MaxPool', { kernel_shape: [2], strides: [3], dilations: [2], ceil_mode: 1 }),
  pool('MaxPool', { kernel_shape: [3], auto_pad: 'SAME_UPPER', strides: [2] }, 19, 15),
  pool('AveragePool', { kernel_shape: [3], strides: [2], pads: [1, 1] }),
  pool('AveragePool', { kernel_shape: [3], strides: [2], pads: [1, 1], count_include_pad: 1 }),
  pool('AveragePool', { kernel_shape: [4], strides: [3], pads: [2, 1], ceil_mode: 1 }, 19, 15),
  pool('AveragePool', { kernel_shape: [4], strides: [3], pads: [2, 1], ceil_mode: 1, count_include_pad: 1 }, 19, 15),
  pool('GlobalAveragePool', {}),
  pool('GlobalMaxPool', {}),
  {
    // What torch.onnx exports for Conv1d-BN-ReLU-MaxPool1d-Conv1d-ReLU-AdaptiveAvgPool1d(1)-Flatten-Linear-Softmax.
    name: 'a PyTorch-style 1-D CNN classifier',
    model: () => new OnnxModel(13)
      .input('x', ['N', 2, 40])
      .init('w1', [8, 2, 5], w(80, 1)).init('b1', [8], w(8, 2))
      .node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [5], pads: [2, 2] })
      .init('s', [8], w(8, 3, 1)).init('bb', [8], w(8, 4)).init('m', [8], w(8, 5)).init('v', [8], randomF32(8, { seed: 6, min: 0.5, max: 2 }))
      .node('BatchNormalization', ['c1', 's', 'bb', 'm', 'v'], ['bn'])
      .node('Relu', ['bn'], ['r1'])
      .node('MaxPool', ['r1'], ['p1'], { kernel_shape: [2], strides: [2] })
      .init('w2', [8, 1, 3], w(24, 7)).node('Conv', ['p1', 'w2'], ['dw'], { group: 8, pads: [1, 1] })
      .init('w3', [12, 8, 1], w(96, 8)).node('Conv', ['dw', 'w3'], ['c3'])
      .node('Relu', ['c3'], ['r3'])
      .node('GlobalAveragePool', ['r3'], ['g'])
      .node('Flatten', ['g'], ['f'])
      .init('fc', [5, 12], w(60, 9)).init('fb', [5], w(5, 10))
      .node('Gemm', ['f', 'fc', 'fb'], ['logits'], { transB: 1 })
      .node('Softmax', ['logits'], ['y'], { axis: 1 })
      .output('y').output('r1'),
    feeds: { x: feed([3, 2, 40], 11) },
  },
];

describe('ONNX 1-D windows vs onnxruntime-web on every backend', () => {
  const worst = new Map<string, number>();
  afterAll(() => console.log(`1-D windows, worst |ours - ort|: ${[...worst].map(([id, d]) => `${id} ${d.toExponential(2)}`).join(', ')}`));
  describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const bytes = c.model().encode();
    const ins = Object.fromEntries(Object.entries(c.feeds).map(([k, f]) => [k, f.data as Float32Array]));
    it.each(variants.map((v) => [v.id, v] as const))('on %s', async (_id, v) => {
      if (v.skipReason !== undefined) return void console.warn(`skipped ${v.id}: ${v.skipReason}`);
      const want = await runOrtModel(bytes, c.feeds);
      const graph = importOnnx(bytes);
      expect(graph.inputs[0].shape[0]).toBe(-1);
      const s = await Session.create(optimize(graph), { backend: await v.backend() });
      // The backend belongs to the file (useBackends disposes it): only the session's own state goes.
      const got = await s.run(ins);
      for (const [k, o] of Object.entries(want)) {
        expect([...got[k].shape], `${k} shape`).toEqual(o.dims);
        expectClose(got[k].data, o.data, { atol: 2e-5, rtol: 1e-4 }, `${c.name} ${k} on ${v.id}`);
        worst.set(v.id, Math.max(worst.get(v.id) ?? 0, maxAbsDiff(got[k].data, o.data)));
      }
    });
  });
});

describe('ONNX 1-D windows: the lowering', () => {
  it('a chain of 1-D layers keeps [N, L, C]: no Transpose, Reshapes between', () => {
    const g = importOnnx(CASES.at(-1)!.model().encode());
    const ops = g.nodes.map((n) => n.op);
    // The input and the output r1 are [N, L, C] in the IR, in [N, C, L] through their sourcePerm.
    expect(ops.filter((o) => o === 'Transpose')).toHaveLength(0);
    expect(g.inputs).toEqual([{ name: 'x', shape: [-1, 40, 2], sourcePerm: [0, 2, 1] }]);
    expect(g.outputs.find((o) => o.name === 'r1')).toEqual({ name: 'r1', shape: [-1, 40, 8], sourcePerm: [0, 2, 1] });
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(3);
    const conv = g.nodes.find((n) => n.op === 'Conv')!;
    expect(conv.attrs).toMatchObject({ kernel: [1, 5], strides: [1, 1], dilations: [1, 1], pads: [0, 2, 0, 2] });
    expect(g.constants.get('w1')!.shape).toEqual([8, 1, 5, 2]);
  });

  it('weights computed at run time are laid out the same way', async () => {
    const bytes = new OnnxModel(13).input('x', [1, 3, 9]).input('k', [2, 3, 4])
      .node('Conv', ['x', 'k'], ['y'], { strides: [2], pads: [1, 1] }).output('y').encode();
    const feeds = { x: feed([1, 3, 9], 1), k: feed([2, 3, 4], 2) };
    const want = (await runOrtModel(bytes, feeds)).y;
    const s = await Session.create(importOnnx(bytes), { backend: 'js' });
    const got = (await s.run({ x: feeds.x.data as Float32Array, k: feeds.k.data as Float32Array })).y;
    expect([...got.shape]).toEqual(want.dims);
    expectClose(got.data, want.data, { atol: 1e-6, rtol: 1e-5 });
  });

  it('refuses 3-D windows and mismatched ranks by name', () => {
    const c3 = new OnnxModel(13).input('x', [1, 2, 4, 4, 4]).init('w', [2, 2, 1, 1, 1], w(4, 1)).node('Conv', ['x', 'w'], ['y']).output('y');
    expect(() => importOnnx(c3.encode())).toThrow(UnsupportedOpError);
    expect(() => importOnnx(c3.encode())).toThrow(/input of rank 5 \(only 1-D and 2-D/);
    const wr = new OnnxModel(13).input('x', [1, 2, 8]).init('w', [2, 2, 1, 1], w(4, 1)).node('Conv', ['x', 'w'], ['y']).output('y');
    expect(() => importOnnx(wr.encode())).toThrow(ModelFormatError);
    expect(() => importOnnx(wr.encode())).toThrow(/weights of rank 4 for a 1-D convolution/);
    const ks = new OnnxModel(13).input('x', [1, 2, 8]).node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2] }).output('y');
    expect(() => importOnnx(ks.encode())).toThrow(/a 2-D kernel_shape on a 1-D input/);
  });
});
