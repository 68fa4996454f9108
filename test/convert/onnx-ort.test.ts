// Imported small models run on the reference backend (Session, js) against onnxruntime-web on the same
// ONNX bytes: layout conversion, axis remapping, opset variants and quantized lowering checked by value.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { Session } from '../../src/runtime/session.js';
import { maxAbsDiff, randomF32, transposeData } from '../helpers/harness.js';
import { i64, OnnxModel, quantizedHead, runOrtModel, twoGridConcatModel, type Feed } from '../helpers/onnx-builder.js';

/** Runs `bytes` on both runtimes and returns the worst |ours - ort| per output (also checks shapes). */
async function compare(bytes: Uint8Array, feeds: Record<string, Feed>, tol = 1e-4): Promise<Record<string, number>> {
  const want = await runOrtModel(bytes, feeds);
  const session = await Session.create(importOnnx(bytes), { backend: 'js' });
  const ins: Record<string, Float32Array> = {};
  for (const [k, f] of Object.entries(feeds)) ins[k] = Float32Array.from(f.data as ArrayLike<number>);
  const got = await session.run(ins);
  const diffs: Record<string, number> = {};
  for (const [k, w] of Object.entries(want)) {
    expect(got[k], `output ${k}`).toBeDefined();
    expect([...got[k].shape], `shape of ${k}`).toEqual(w.dims);
    diffs[k] = maxAbsDiff(got[k].data, w.data);
    const scale = Math.max(1, ...w.data.map(Math.abs));
    expect(diffs[k], `max |diff| of ${k} (max |value| ${scale})`).toBeLessThanOrEqual(tol * scale);
  }
  session.dispose();
  return diffs;
}

const feed = (dims: number[], seed = 1, min = -1, max = 1): Feed => ({ dims, data: randomF32(dims.reduce((a, b) => a * b, 1), { seed, min, max }) });
const w = (n: number, seed: number, scale = 0.5): Float32Array => randomF32(n, { seed, min: -scale, max: scale });

describe('ONNX import vs onnxruntime-web: float models', () => {
  it('a CNN: grouped/strided/dilated Conv, BatchNorm, pools, depthwise, global pool, Flatten, Gemm, Softmax', async () => {
    const C = 4;
    const bytes = new OnnxModel(13)
      .input('x', ['N', 2, 11, 11])
      .init('w1', [C, 1, 3, 3], w(C * 9, 1)).init('b1', [C], w(C, 2))
      .node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], group: 2, strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2] })
      .init('s', [C], w(C, 3, 1)).init('bb', [C], w(C, 4)).init('m', [C], w(C, 5)).init('v', [C], randomF32(C, { seed: 6, min: 0.5, max: 2 }))
      .node('BatchNormalization', ['c1', 's', 'bb', 'm', 'v'], ['bn'], { epsilon: 1e-3 })
      .node('Relu', ['bn'], ['r1'])
      .node('MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 })
      .node('AveragePool', ['r1'], ['p2'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 })
      .init('wd', [C, 1, 3, 3], w(C * 9, 7))
      .node('Conv', ['p2', 'wd'], ['dw'], { group: C, pads: [1, 1, 1, 1] })
      .node('Add', ['p1', 'dw'], ['sum'])
      .node('GlobalAveragePool', ['sum'], ['g'])
      .node('Flatten', ['g'], ['f'])
      .init('fc', [5, C], w(5 * C, 8)).init('fb', [5], w(5, 9))
      .node('Gemm', ['f', 'fc', 'fb'], ['logits'], { transB: 1, alpha: 0.7, beta: 1.3 })
      .node('Softmax', ['logits'], ['y'], { axis: 1 })
      .output('y').output('sum')
      .encode();
    await compare(bytes, { x: feed([2, 2, 11, 11]) });
  });

  it.each(['SAME_UPPER', 'SAME_LOWER', 'VALID'])('Conv and MaxPool with auto_pad %s', async (autoPad) => {
    const bytes = new OnnxModel(11)
      .input('x', [1, 3, 7, 8])
      .init('w', [2, 3, 2, 3], w(36, 1))
      .node('Conv', ['x', 'w'], ['c'], { auto_pad: autoPad, strides: [2, 2] })
      .node('MaxPool', ['c'], ['y'], { kernel_shape: [2, 2], auto_pad: autoPad, strides: [1, 2] })
      .output('y')
      .encode();
    await compare(bytes, { x: feed([1, 3, 7, 8]) });
  });

  it('flattens NCHW data in source order, folds a Shape-built Reshape, coerces a pre-13 Softmax/LogSoftmax', async () => {
    const bytes = new OnnxModel(11)
      .input('x', ['N', 3, 4, 5])
      .init('w', [6, 3, 1, 1], w(18, 1))
      .node('Conv', ['x', 'w'], ['c'])
      .node('Flatten', ['c'], ['flat'], { axis: 1 })
      .init('fc', [120, 7], w(840, 2, 0.1))
      .node('MatMul', ['flat', 'fc'], ['mm'])
      .node('Shape', ['c'], ['shp'])
      .init('i0', [], i64(0))
      .node('Gather', ['shp', 'i0'], ['n'], { axis: 0 })
      .node('Unsqueeze', ['n'], ['n1'], { axes: [0] })
      .init('tail', [3], i64(6, 20, 1))
      .node('Concat', ['n1', 'tail'], ['target'], { axis: 0 })
      .node('Reshape', ['c', 'target'], ['r'])
      .init('copy', [3], i64(0, 0, -1))
      .node('Reshape', ['c', 'copy'], ['r0'])
      .node('Softmax', ['c'], ['sm'], { axis: 1 })
      .node('LogSoftmax', ['c'], ['lsm'], { axis: 2 })
      .output('mm').output('r').output('r0').output('sm').output('lsm')
      .encode();
    await compare(bytes, { x: feed([2, 3, 4, 5]) });
  });

  it('broadcasting binaries and activations against NHWC-held data (rank 1, 3 and 4 constants)', async () => {
    const bytes = new OnnxModel(14)
      .input('x', [1, 3, 4, 5])
      .init('c4', [1, 3, 1, 1], w(3, 1)).init('c3', [3, 1, 1], w(3, 2)).init('c1', [5], w(5, 3)).init('k', [], Float32Array.of(1.7))
      .init('slope', [3, 1, 1], w(3, 4))
      .node('Add', ['x', 'c4'], ['a'])
      .node('Mul', ['a', 'c3'], ['b'])
      .node('Sub', ['c1', 'b'], ['c'])
      .node('Div', ['c', 'k'], ['d'])
      .node('PRelu', ['d', 'slope'], ['e'])
      .node('LeakyRelu', ['e'], ['f'], { alpha: 0.2 })
      .node('HardSigmoid', ['f'], ['g'], { alpha: 0.3, beta: 0.4 })
      .node('HardSwish', ['e'], ['h'])
      .node('Sigmoid', ['h'], ['i'])
      .node('Tanh', ['d'], ['j'])
      .init('lo', [], Float32Array.of(-0.2)).init('hi', [], Float32Array.of(0.3))
      .node('Clip', ['j', 'lo', 'hi'], ['l'])
      .node('Mul', ['x', 'x'], ['sq'])
      .output('g').output('i').output('l').output('sq')
      .encode();
    await compare(bytes, { x: feed([1, 3, 4, 5], 1, -3, 3) });
  });

  it('Concat, Split, Pad, ReduceMean, Transpose, Squeeze/Unsqueeze on NHWC-held values (opset 13)', async () => {
    const bytes = new OnnxModel(13)
      .input('x', ['N', 4, 3, 3])
      .init('w', [2, 4, 1, 1], w(8, 1))
      .node('Conv', ['x', 'w'], ['c'])
      .node('Concat', ['x', 'c'], ['cat'], { axis: 1 })
      .init('sp', [3], i64(1, 2, 3))
      .node('Split', ['cat', 'sp'], ['s0', 's1', 's2'], { axis: 1 })
      .init('pads', [8], i64(0, 0, 1, 2, 0, 1, 0, 1))
      .node('Pad', ['s2', 'pads'], ['pd'], { mode: 'reflect' })
      .init('ax', [2], i64(1, 3))
      .node('ReduceMean', ['pd'], ['rm'], { axes: [2, 3], keepdims: 1 })
      .node('Transpose', ['s1'], ['t'], { perm: [0, 3, 1, 2] })
      .node('Relu', ['t'], ['tr'])
      .init('sq', [1], i64(1))
      .node('Squeeze', ['s0', 'sq'], ['z'])
      .node('Unsqueeze', ['z', 'ax'], ['u'])
      .output('rm').output('tr').output('u').output('pd')
      .encode();
    await compare(bytes, { x: feed([2, 4, 3, 3]) });
  });

  it('Gemm with a broadcast C and a batched 3-D MatMul', async () => {
    const bytes = new OnnxModel(13)
      .input('a', [3, 4]).input('m', [2, 3, 4])
      .init('b', [4, 5], w(20, 1)).init('c', [1, 5], w(5, 2)).init('mb', [4, 6], w(24, 3))
      .node('Gemm', ['a', 'b', 'c'], ['y'], { alpha: { float: 2 }, beta: 0.5 })
      .node('MatMul', ['m', 'mb'], ['z'])
      .output('y').output('z')
      .encode();
    await compare(bytes, { a: feed([3, 4], 1), m: feed([2, 3, 4], 2) });
  });
});

describe('ONNX import vs onnxruntime-web: recurrent models', () => {
  const T = 4, N = 3, I = 5, H = 3;
  const rnnModel = (op: 'RNN' | 'LSTM' | 'GRU', opset: number, layout: 0 | 1, direction: string, batch: number | string = 'N'): Uint8Array => {
    const G = op === 'RNN' ? 1 : op === 'GRU' ? 3 : 4, D = direction === 'bidirectional' ? 2 : 1;
    const m = new OnnxModel(opset)
      .input('x', layout === 0 ? [T, batch, I] : [batch, T, I])
      .init('W', [D, G * H, I], w(D * G * H * I, 1)).init('R', [D, G * H, H], w(D * G * H * H, 2)).init('B', [D, 2 * G * H], w(D * 2 * G * H, 3))
      .input('h0', layout === 0 ? [D, batch, H] : [batch, D, H]);
    const attrs: Record<string, number | string> = { hidden_size: H, direction };
    if (layout === 1) attrs.layout = 1;
    if (op === 'GRU') attrs.linear_before_reset = 1;
    const outs = op === 'LSTM' ? ['Y', 'Yh', 'Yc'] : ['Y', 'Yh'];
    m.node(op, ['x', 'W', 'R', 'B', '', 'h0'], outs, attrs);
    // Y also read in source order, so the batch-first IR value is transposed back once.
    m.node('Relu', ['Y'], ['Yr']);
    outs.forEach((o) => m.output(o));
    return m.output('Yr').encode();
  };

  it.each([['RNN', 'forward'], ['LSTM', 'bidirectional'], ['GRU', 'reverse']] as const)('%s layout 0 %s', async (op, direction) => {
    const D = direction === 'bidirectional' ? 2 : 1;
    const g = importOnnx(rnnModel(op, 13, 0, direction));
    expect(g.inputs).toEqual([{ name: 'x', shape: [-1, T, I], sourcePerm: [1, 0, 2] }, { name: 'h0', shape: [-1, D, H], sourcePerm: [1, 0, 2] }]);
    // The session takes the batch from dim 0 of the source shape, so the run uses a fixed batch.
    await compare(rnnModel(op, 13, 0, direction, N), { x: feed([T, N, I], 4), h0: feed([D, N, H], 5) });
  });

  // onnxruntime has no layout=1 kernels: the oracle runs the layout=0 twin on transposed tensors.
  it.each([['LSTM', 'forward'], ['GRU', 'bidirectional'], ['RNN', 'reverse']] as const)('%s layout 1 (opset 14) %s', async (op, direction) => {
    const D = direction === 'bidirectional' ? 2 : 1;
    const x = feed([N, T, I], 6), h0 = feed([N, D, H], 7);
    const want = await runOrtModel(rnnModel(op, 14, 0, direction), {
      x: { dims: [T, N, I], data: transposeData(x.data as Float32Array, [N, T, I], [1, 0, 2]) },
      h0: { dims: [D, N, H], data: transposeData(h0.data as Float32Array, [N, D, H], [1, 0, 2]) },
    });
    const session = await Session.create(importOnnx(rnnModel(op, 14, 1, direction)), { backend: 'js' });
    const got = await session.run({ x: x.data as Float32Array, h0: h0.data as Float32Array });
    expect(got.Y.shape).toEqual([N, T, D, H]);
    expect(maxAbsDiff(transposeData(got.Y.data, [N, T, D, H], [1, 2, 0, 3]), want.Y.data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(transposeData(got.Yh.data, [N, D, H], [1, 0, 2]), want.Yh.data)).toBeLessThan(1e-5);
  });
});

describe('ONNX import vs onnxruntime-web: quantized models', () => {
  it('QuantizeLinear, QLinearConv (per-channel), MaxPool, QLinearAdd, QLinearGlobalAveragePool, QLinearMatMul', async () => {
    const C = 3, O = 4;
    const u8 = (...v: number[]): Uint8Array => Uint8Array.from(v);
    const f = (...v: number[]): Float32Array => Float32Array.from(v);
    const wq = Int8Array.from(randomF32(O * C * 9, { seed: 11, min: -100, max: 100 }), Math.round);
    const bytes = quantizedHead(new OnnxModel(13, { 'com.microsoft': 1 })
      .input('x', [1, C, 6, 6])
      .init('xs', [], f(0.02)).init('xz', [], u8(128))
      .init('w', [O, C, 3, 3], wq).init('ws', [O], f(0.004, 0.003, 0.005, 0.002)).init('wz', [O], Int8Array.of(0, 0, 0, 0))
      .init('ys', [], f(0.05)).init('yz', [], u8(0))
      .init('b', [O], Int32Array.of(300, -200, 1000, 0))
      .node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq'])
      .node('QLinearConv', ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], ['cq'], { pads: [1, 1, 1, 1] })
      .node('MaxPool', ['cq'], ['mq'], { kernel_shape: [2, 2], strides: [1, 1], pads: [0, 0, 1, 1] })
      .init('as', [], f(0.06)).init('az', [], u8(20))
      .node('QLinearAdd', ['cq', 'ys', 'yz', 'mq', 'ys', 'yz', 'as', 'az'], ['aq'], {}, 'com.microsoft'), O, { scale: 0.04, zeroPoint: 10 }, {
      data: Int8Array.from(randomF32(O * 5, { seed: 12, min: -120, max: 120 }), Math.round),
      scales: f(0.01, 0.02, 0.015, 0.01, 0.03),
      zeroPoints: new Int8Array(5),
    }).encode();
    // Integer kernels round at every quantized tensor; the float lowering does not: allow a few grid steps.
    const diffs = await compare(bytes, { x: feed([1, C, 6, 6], 3, -2, 2) }, 1);
    expect(diffs.a).toBeLessThanOrEqual(2 * 0.06 + 1e-6);
    expect(diffs.y).toBeLessThanOrEqual(3 * 0.1 + 1e-6);
  });

  it('Concat of quantized tensors with different grids re-grids them', async () => {
    const f = (...v: number[]): Float32Array => Float32Array.from(v);
    const bytes = twoGridConcatModel();
    const diffs = await compare(bytes, { x: feed([1, 2, 3, 3], 5, -1.5, 1.5) }, 1);
    // Each part differs from the integer result by at most half a step of grid 1 (rounding).
    expect(diffs.y).toBeLessThanOrEqual(0.02 / 2 + 1e-6);
  });
});
