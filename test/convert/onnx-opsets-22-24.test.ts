// Default-domain opsets 22 to 24 (issue #15): every op the importer supports that ONNX bumped there changed
// only its types, or gained an attribute for types we do not compute (QuantizeLinear precision and
// DequantizeLinear output_dtype at 23, Cast round_mode at 24). Each model below is built at opset 21 and at
// 22, 23 and 24: it must import to the same graph at every opset and give what onnxruntime-web gives at that
// opset (the installed onnxruntime-web 1.30 loads models up to opset 26). A float type other than float32,
// a cast to float8 and an opset past 24 are refused by name.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { MAX_OPSET } from '../../src/convert/onnx/opsets.js';
import type { Graph } from '../../src/graph/ir.js';
import { UnsupportedOpError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { expectClose, randomF32 } from '../helpers/harness.js';
import { i64, OnnxModel, runOrtModel, type Feed } from '../helpers/onnx-builder.js';

const rand = (n: number, seed: number, min = -1, max = 1): Float32Array => randomF32(n, { seed, min, max });
const feed = (dims: number[], seed = 1, min = -1, max = 1): Feed => ({ dims, data: rand(dims.reduce((a, b) => a * b, 1), seed, min, max) });
const TOL = { atol: 1e-5, rtol: 1e-5 };
const NEW_OPSETS = [22, 23, 24];

interface Case { name: string; model: (opset: number) => OnnxModel; feeds: Record<string, Feed> }

const CASES: Case[] = [
  {
    // 5 wide, kernel 2, stride 2, pads 1 with ceil_mode: the 4th window would start in the right padding and is
    // dropped (the text MaxPool-22 and AveragePool-22 added), so the output is 3 wide.
    name: 'opset 22: Conv, HardSigmoid, HardSwish, MaxPool/AveragePool with ceil_mode, GlobalAveragePool, GlobalMaxPool, Dropout',
    model: (v) => new OnnxModel(v).input('x', ['N', 3, 5, 5]).init('w', [4, 3, 3, 3], rand(108, 1)).init('b', [4], rand(4, 2))
      .node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] })
      .node('HardSigmoid', ['c'], ['hs'], { alpha: { float: 0.3 } }).node('HardSwish', ['c'], ['hw']).node('Add', ['hs', 'hw'], ['a'])
      .node('Dropout', ['a'], ['d'])
      .node('MaxPool', ['d'], ['mp'], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 })
      .node('AveragePool', ['d'], ['ap'], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 })
      .node('GlobalAveragePool', ['mp'], ['ga']).node('GlobalMaxPool', ['ap'], ['gm'])
      .output('mp').output('ap').output('ga').output('gm'),
    feeds: { x: feed([2, 3, 5, 5], 3, -3, 3) },
  },
  {
    name: 'opset 22: RNN, GRU, LSTM',
    model: (v) => {
      const H = 4;
      return new OnnxModel(v).input('x', [5, 2, 3])
        .init('w', [1, H, 3], rand(H * 3, 4)).init('r', [1, H, H], rand(H * H, 5)).init('b', [1, 2 * H], rand(2 * H, 6))
        .node('RNN', ['x', 'w', 'r', 'b'], ['ry', 'rh'], { hidden_size: H })
        .init('gw', [1, 3 * H, 3], rand(3 * H * 3, 7)).init('gr', [1, 3 * H, H], rand(3 * H * H, 8))
        .node('GRU', ['x', 'gw', 'gr'], ['gy', 'gh'], { hidden_size: H, linear_before_reset: 1 })
        .init('lw', [1, 4 * H, 3], rand(4 * H * 3, 9)).init('lr', [1, 4 * H, H], rand(4 * H * H, 10))
        .node('LSTM', ['x', 'lw', 'lr'], ['ly', 'lh', 'lc'], { hidden_size: H })
        .output('ry').output('gh').output('ly').output('lc');
    },
    feeds: { x: feed([5, 2, 3], 11) },
  },
  {
    name: 'opsets 23 and 24: Identity, Reshape, Flatten, Transpose, Pad with axes, Squeeze, Unsqueeze, Shape, Cast, ConstantOfShape, Constant',
    model: (v) => new OnnxModel(v).input('x', ['N', 3, 4])
      .node('Identity', ['x'], ['i'])
      .init('s', [3], i64(0, 4, 3)).node('Reshape', ['i', 's'], ['r'])
      .node('Transpose', ['r'], ['t'], { perm: [0, 2, 1] })
      .init('p', [2], i64(1, 2)).init('pa', [1], i64(2)).node('Pad', ['t', 'p', '', 'pa'], ['pd'], { mode: 'edge' })
      .init('u', [1], i64(1)).node('Unsqueeze', ['pd', 'u'], ['us']).node('Squeeze', ['us', 'u'], ['sq'])
      .node('Flatten', ['sq'], ['f'], { axis: 1 })
      // Folded: a [1, 1] tensor of 2.5 built from the shape of x.
      .node('Shape', ['x'], ['sh'], { start: 1, end: 2 }).node('Cast', ['sh'], ['shf'], { to: 1 })
      .init('one', [1], i64(1)).node('Concat', ['one', 'one'], ['cs'], { axis: 0 })
      .node('ConstantOfShape', ['cs'], ['k'], { value: { tensor: { dims: [1], data: Float32Array.of(2.5) } } })
      .node('Constant', [], ['c3'], { value: { tensor: { dims: [1], data: Float32Array.of(3) } } })
      .node('Div', ['shf', 'c3'], ['q']).node('Mul', ['f', 'k'], ['fk']).node('Add', ['fk', 'q'], ['y'])
      .output('y'),
    feeds: { x: feed([2, 3, 4], 12) },
  },
  {
    // precision and output_dtype set to float32 (1) from 23: what the default (the scale's type) gives. The
    // importer keeps real values (QuantizeLinear is a Clip to the grid's range), so x lies on the grid.
    name: 'opsets 23 and 24: QuantizeLinear with precision, DequantizeLinear with output_dtype, quantized weights',
    model: (v) => {
      const typed = (a: Record<string, number>) => (v >= 23 ? a : {});
      const wq = Int8Array.from(rand(4 * 3 * 9, 13, -100, 100), Math.round);
      return new OnnxModel(v).input('x', ['N', 3, 6, 6])
        .init('xs', [], Float32Array.of(0.0625)).init('xz', [], Uint8Array.of(128))
        .node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq'], typed({ precision: 1 }))
        .node('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd'], typed({ output_dtype: 1 }))
        .init('wq', [4, 3, 3, 3], wq).init('ws', [4], Float32Array.of(0.01, 0.02, 0.005, 0.015)).init('wz', [4], new Int8Array(4))
        .node('DequantizeLinear', ['wq', 'ws', 'wz'], ['w'], { axis: 0, ...typed({ output_dtype: 1 }) })
        .node('Conv', ['xd', 'w'], ['c']).node('Relu', ['c'], ['y']).output('y');
    },
    feeds: { x: { dims: [2, 3, 6, 6], data: rand(216, 14, -100, 100).map((a) => Math.round(a) / 16) } },
  },
];

async function runJs(g: Graph, feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
  const s = await Session.create(g, { backend: 'js' });
  const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, Float32Array.from(f.data as ArrayLike<number>)])));
  s.dispose();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data]));
}

/** The graph without its metadata (which names the source opset). */
const body = (g: Graph) => ({ nodes: g.nodes, inputs: g.inputs, outputs: g.outputs, constants: g.constants });

describe('ONNX opsets 22 to 24: type-only bumps import as at opset 21', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const base = importOnnx(c.model(21).encode(), { name: 'm' });
    const baseOut = await runJs(base, c.feeds);
    for (const v of NEW_OPSETS) {
      const bytes = c.model(v).encode();
      const g = importOnnx(bytes, { name: 'm' });
      expect(body(g), `opset ${v}`).toEqual(body(base));
      const ort = await runOrtModel(bytes, c.feeds);
      const got = await runJs(g, c.feeds);
      for (const [k, want] of Object.entries(ort)) {
        expectClose(got[k], want.data, TOL, `${k} at opset ${v} vs onnxruntime-web`);
        expectClose(got[k], baseOut[k], { atol: 0, rtol: 0 }, `${k} at opset ${v} vs opset 21`);
      }
    }
  });

  it('the MaxPool ceil_mode case drops the window that would start in the right padding', async () => {
    const ort = await runOrtModel(CASES[0].model(22).encode(), CASES[0].feeds);
    expect(ort.mp.dims).toEqual([2, 4, 3, 3]);
    expect(ort.ap.dims).toEqual([2, 4, 3, 3]);
  });
});

describe('ONNX opsets 22 to 24: what they add beyond float32 is refused by name', () => {
  const err = (m: OnnxModel): UnsupportedOpError => {
    try {
      importOnnx(m.encode(), { name: 'm' });
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedOpError);
      return e as UnsupportedOpError;
    }
    throw new Error('imported');
  };
  const qdq = (v: number, q: Record<string, number>, dq: Record<string, number>) => new OnnxModel(v).input('x', [2, 3])
    .init('s', [], Float32Array.of(0.1)).init('z', [], Uint8Array.of(0))
    .node('QuantizeLinear', ['x', 's', 'z'], ['q'], q).node('DequantizeLinear', ['q', 's', 'z'], ['y'], dq).output('y');

  it('opset 25 names the op and the newest known opset', () => {
    expect(MAX_OPSET).toBe(24);
    const e = err(new OnnxModel(25).input('x', [2, 3]).node('Relu', ['x'], ['y']).output('y'));
    expect(e.op).toBe('Relu');
    expect(e.message).toMatch('opset 25; the newest opset known here is 24');
  });

  it.each([
    ['QuantizeLinear precision float16 (23)', qdq(23, { precision: 10 }, {}), 'QuantizeLinear', /precision FLOAT16 at opset 23/],
    ['DequantizeLinear output_dtype float16 (24)', qdq(24, {}, { output_dtype: 10 }), 'DequantizeLinear', /output_dtype FLOAT16 at opset 24/],
    ['QuantizeLinear precision before 23', qdq(21, { precision: 1 }, {}), 'QuantizeLinear', /attribute precision/],
    ['DequantizeLinear output_dtype before 23', qdq(22, {}, { output_dtype: 1 }), 'DequantizeLinear', /attribute output_dtype/],
  ])('%s', (_what, m, op, message) => {
    const e = err(m);
    expect(e.op).toBe(op);
    expect(e.message).toMatch(message);
  });

  const cast = (v: number, attrs: Record<string, number | string>) => new OnnxModel(v).input('x', [3])
    .init('k', [3], Float32Array.of(1, 2, 4)).node('Cast', ['k'], ['kc'], attrs).node('Mul', ['x', 'kc'], ['y']).output('y');

  it.each([
    ['Cast to float8e8m0 with round_mode (24)', cast(24, { to: 24, round_mode: 'nearest' }), /Cast to (FLOAT8E8M0|type 24)/],
    ['Cast to float8e4m3fn (23)', cast(23, { to: 17 }), /Cast to (FLOAT8E4M3FN|type 17)/],
    ['Cast round_mode before 24', cast(23, { to: 1, round_mode: 'up' }), /attribute round_mode/],
  ])('%s', (_what, m, message) => {
    const e = err(m);
    expect(e.op).toBe('Cast');
    expect(e.message).toMatch(message);
  });

  it('Cast with round_mode to float32 at 24 imports (round_mode only concerns float8e8m0)', async () => {
    const g = importOnnx(cast(24, { to: 1, round_mode: 'down' }).encode(), { name: 'm' });
    const out = await runJs(g, { x: { dims: [3], data: Float32Array.of(1, 1, 1) } });
    expect([...out.y]).toEqual([1, 2, 4]);
  });
});
