// Each pass on small hand-built graphs: it must fire (node count / ops) where it applies, stay
// away where it must not, and never change the graph's results.
import { describe, expect, it } from 'vitest';
import { F32_MAX } from '../../src/ops/activation.js';
import { GraphBuilder, opsOf } from './build.js';
import { optimizeAndCompare, randomFeeds } from './check.js';

/** BN parameters for `c` channels; `negative` makes some scales negative. */
function bnParams(b: GraphBuilder, prefix: string, c: number, negative = false): string[] {
  return [
    b.constant(`${prefix}_scale`, [c], undefined, negative ? { min: -1.5, max: 1.5 } : { min: 0.5, max: 1.5 }),
    b.constant(`${prefix}_bias`, [c]),
    b.constant(`${prefix}_mean`, [c]),
    b.constant(`${prefix}_var`, [c], undefined, { min: 0.1, max: 1 }),
  ];
}

describe('drop-identity', () => {
  it('rewires consumers of an Identity in the middle of the graph', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 6]);
    const r = b.node('Relu', [x]);
    const id = b.node('Identity', [r]);
    const s = b.node('Softmax', [id]);
    const t = b.node('Tanh', [id]);
    b.output(s).output(t);
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Relu', 'Softmax', 'Tanh']);
  });

  it('keeps the graph output name when the Identity writes it', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 4]);
    const s = b.node('Softmax', [x]);
    b.node('Identity', [s], {}, { outputs: ['probs'] });
    b.output('probs');
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Softmax']);
    expect(graph.nodes[0].outputs).toEqual(['probs']);
  });

  it('keeps an Identity from a graph input or onto a second graph output', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 4]);
    b.node('Identity', [x], {}, { outputs: ['copy'] });
    const s = b.node('Softmax', [x]);
    b.node('Identity', [s], {}, { outputs: ['probs2'] });
    b.output('copy').output(s).output('probs2');
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Identity', 'Softmax', 'Identity']);
  });
});

describe('fold-batch-norm', () => {
  it('folds BN into a Conv without bias (bias created)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 5, 5, 3]);
    const y = b.node('Conv', [x, b.constant('w', [4, 3, 3, 3])], { pads: [1, 1, 1, 1] });
    const z = b.node('BatchNormalization', [y, ...bnParams(b, 'bn', 4)], { epsilon: 1e-3 });
    b.output(z);
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Conv']);
    expect(graph.nodes[0].inputs[2]).not.toBe('');
    expect(graph.constants.size).toBe(2);
  });

  it('folds BN with a fused activation into a depthwise Conv with bias, then a Relu after it', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 4, 4, 6]);
    const y = b.node('Conv', [x, b.constant('w', [6, 3, 3, 1]), b.constant('b', [6])], { group: 6, pads: [1, 1, 1, 1], strides: [2, 2] });
    const z = b.node('BatchNormalization', [y, ...bnParams(b, 'bn', 6)]);
    b.output(b.node('Relu', [z]));
    const { graph } = optimizeAndCompare(b.graph, randomFeeds(b.graph, 2));
    expect(opsOf(graph)).toEqual(['Conv']);
    expect(graph.nodes[0].attrs.activation).toEqual({ op: 'Relu' });
  });

  it('folds BN into Gemm (transB, C [N], beta) and into MatMul on a 3-D input', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 5]);
    const g = b.node('Gemm', [x, b.constant('wg', [4, 5]), b.constant('cg', [4])], { transB: 1, alpha: 0.5, beta: 2 });
    b.output(b.node('BatchNormalization', [g, ...bnParams(b, 'bn1', 4, true)]));
    const x2 = b.input('x2', [2, 3, 5]);
    const m = b.node('MatMul', [x2, b.constant('wm', [5, 7])]);
    b.output(b.node('BatchNormalization', [m, ...bnParams(b, 'bn2', 7)]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Gemm', 'MatMul']);
    expect(graph.nodes[0].attrs.beta).toBe(1);
  });

  it('folds BN into int8 per-channel weights by scaling the quantization scales', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 4, 4, 2]);
    const w = b.constantQ('w', [3, 1, 1, 2], { axis: 0, scales: Float32Array.of(0.01, 0.02, 0.005) });
    const y = b.node('Conv', [x, w]);
    b.output(b.node('BatchNormalization', [y, ...bnParams(b, 'bn', 3)]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Conv']);
    const folded = graph.constants.get(graph.nodes[0].inputs[1])!;
    expect(folded.dtype).toBe('i8');
    expect(folded.data).toBe(b.graph.constants.get('w')!.data);
    expect(Array.from(folded.quant!.scales)).not.toEqual([0.01, 0.02, 0.005].map(Math.fround));
  });

  it('folds BN into per-tensor int8 and zero-pointed uint8 dense weights (scales become per channel)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 4]);
    const wi = b.constantQ('wi', [5, 4], { axis: 0, scales: Float32Array.of(0.01) });
    b.output(b.node('BatchNormalization', [b.node('Gemm', [x, wi], { transB: 1 }), ...bnParams(b, 'bn1', 5)]));
    const wu = b.constantQ('wu', [4, 6], { axis: 0, scales: Float32Array.of(0.02), zeroPoints: Int32Array.of(128) }, 'u8');
    b.output(b.node('BatchNormalization', [b.node('MatMul', [x, wu]), ...bnParams(b, 'bn2', 6)]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Gemm', 'MatMul']);
    const [gi, gu] = graph.nodes.map((n) => graph.constants.get(n.inputs[1])!);
    expect([gi.dtype, gi.quant!.axis, gi.quant!.scales.length]).toEqual(['i8', 0, 5]);
    expect([gu.dtype, gu.quant!.axis, gu.quant!.scales.length, Array.from(gu.quant!.zeroPoints!)]).toEqual(['u8', 1, 6, Array(6).fill(128)]);
  });

  it('leaves BN alone: negative scale on int8 weights, no foldable producer, shared conv output', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 3, 2]);
    const w = b.constantQ('w', [2, 1, 1, 2], { axis: 0, scales: Float32Array.of(0.01, 0.02) });
    const scale = b.constant('neg_scale', [2], [-1, 0.5]);
    const [, bias, mean, variance] = bnParams(b, 'bn', 2);
    b.output(b.node('BatchNormalization', [b.node('Conv', [x, w]), scale, bias, mean, variance]));
    const sum = b.node('Add', [x, x]);
    b.output(b.node('BatchNormalization', [sum, ...bnParams(b, 'bn2', 2)]));
    const c = b.node('Conv', [x, b.constant('w2', [2, 1, 1, 2])]);
    b.output(c).output(b.node('BatchNormalization', [c, ...bnParams(b, 'bn3', 2)]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph).filter((op) => op === 'BatchNormalization')).toHaveLength(3);
  });

  it('leaves BN after f16 weights alone: re-rounding folded weights to f16 would move the results', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 4]);
    b.output(b.node('BatchNormalization', [b.node('MatMul', [x, b.constantF16('w', [4, 3])]), ...bnParams(b, 'bn', 3)]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['MatMul', 'BatchNormalization']);
  });
});

describe('fuse-bias', () => {
  it('moves Add of [O] or [1,1,1,O] into Conv bias (new or existing)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 4, 4, 3]);
    const y1 = b.node('Conv', [x, b.constant('w1', [5, 3, 3, 3])], { pads: [1, 1, 1, 1] });
    b.output(b.node('Add', [y1, b.constant('c1', [5])]));
    const y2 = b.node('Conv', [x, b.constant('w2', [2, 1, 1, 3]), b.constant('b2', [2])]);
    b.output(b.node('Add', [b.constant('c2', [1, 1, 1, 2]), y2]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Conv', 'Conv']);
    expect(graph.constants.get(graph.nodes[0].inputs[2])!.shape).toEqual([5]);
  });

  it('moves Add/Sub into Gemm (C absent, beta != 1) and MatMul bias', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 4]);
    const g = b.node('Gemm', [x, b.constant('wg', [4, 6])], { beta: 0.25 });
    b.output(b.node('Add', [g, b.constant('cg', [1, 6])]));
    const g2 = b.node('Gemm', [x, b.constant('wg2', [4, 6]), b.constant('cg2', [6])], { beta: 0.5 });
    b.output(b.node('Sub', [g2, b.constant('sub', [6])]));
    const m = b.node('MatMul', [x, b.constant('wm', [4, 2])]);
    b.output(b.node('Add', [m, b.constant('scalar', [1], [0.75])]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Gemm', 'Gemm', 'MatMul']);
    expect(graph.nodes[0].attrs.beta).toBe(1);
  });

  it('keeps Add that is not a per-channel constant, or comes after an activation', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 3, 2]);
    const y = b.node('Conv', [x, b.constant('w', [2, 1, 1, 2])]);
    b.output(b.node('Add', [y, b.constant('spatial', [3, 3, 2])]));
    const r = b.node('Conv', [x, b.constant('w2', [2, 1, 1, 2])], { activation: { op: 'Relu' } });
    b.output(b.node('Add', [r, b.constant('c', [2])]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Conv', 'Add', 'Conv', 'Add']);
  });
});

describe('fuse-activation', () => {
  const acts: [string, Record<string, number>][] = [
    ['Relu', {}], ['Clip', { min: -0.5, max: 0.5 }], ['LeakyRelu', { alpha: 0.2 }], ['Sigmoid', {}],
    ['Tanh', {}], ['HardSigmoid', { alpha: 0.3, beta: 0.4 }], ['HardSwish', {}],
  ];
  it.each(acts)('%s fuses into Conv, Gemm, MatMul and BatchNormalization', (op, attrs) => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3, 3, 4]);
    b.output(b.node(op, [b.node('Conv', [x, b.constant('w', [4, 3, 3, 4])], { pads: [1, 1, 1, 1] })], attrs));
    const x2 = b.input('x2', [2, 4]);
    b.output(b.node(op, [b.node('Gemm', [x2, b.constant('wg', [4, 3])])], attrs));
    b.output(b.node(op, [b.node('MatMul', [x2, b.constant('wm', [4, 3])])], attrs));
    // BN after a non-constant product stays, and takes the activation itself.
    b.output(b.node(op, [b.node('BatchNormalization', [b.node('Add', [x, x]), ...bnParams(b, 'bn', 4)])], attrs));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Conv', 'Gemm', 'MatMul', 'Add', 'BatchNormalization']);
    for (const n of graph.nodes.filter((n) => n.op !== 'Add')) expect(n.attrs.activation).toEqual({ op, ...attrs });
  });

  it('composes Clip after a fused Relu into one Clip, and Relu after Clip into one', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 4]);
    const m = b.node('MatMul', [x, b.constant('w', [4, 5], undefined, { min: -3, max: 3 })]);
    b.output(b.node('Clip', [b.node('Relu', [m])], { min: -1, max: 0.5 }));
    const g = b.node('Gemm', [x, b.constant('wg', [4, 5], undefined, { min: -3, max: 3 })]);
    b.output(b.node('Relu', [b.node('Clip', [g], { min: -1, max: 6 })]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['MatMul', 'Gemm']);
    expect(graph.nodes[0].attrs.activation).toEqual({ op: 'Clip', min: 0, max: 0.5 });
    expect(graph.nodes[1].attrs.activation).toEqual({ op: 'Clip', min: 0, max: 6 });
  });

  it('does not fuse when the product is read elsewhere or already has a non-composable activation', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 4]);
    const m = b.node('MatMul', [x, b.constant('w', [4, 5])]);
    b.output(m).output(b.node('Relu', [m]));
    const s = b.node('MatMul', [x, b.constant('w2', [4, 5])], { activation: { op: 'Sigmoid' } });
    b.output(b.node('Relu', [s]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['MatMul', 'Relu', 'MatMul', 'Relu']);
  });

  it('keeps the default Clip bounds finite', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 4]);
    b.output(b.node('Clip', [b.node('MatMul', [x, b.constant('w', [4, 2])])], { min: 0 }));
    const { graph } = optimizeAndCompare(b.graph);
    expect(graph.nodes[0].attrs.activation).toEqual({ op: 'Clip', min: 0, max: F32_MAX });
  });
});

describe('fold-constants', () => {
  it('evaluates chains of constant nodes, leaving the data-dependent ones', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    const wt = b.node('Transpose', [b.constant('w', [4, 3])], { perm: [1, 0] });
    const w2 = b.node('Mul', [wt, b.constant('two', [1], [2])]);
    b.output(b.node('MatMul', [x, w2]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['MatMul']);
    const w = graph.constants.get(graph.nodes[0].inputs[1])!;
    expect(w.shape).toEqual([3, 4]);
    expect(graph.constants.size).toBe(1);
  });

  it('keeps int8 storage through Transpose and Reshape of a quantized constant', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 6]);
    const q = b.constantQ('q', [4, 6], { axis: 0, scales: Float32Array.of(0.1, 0.2, 0.3, 0.4) });
    const t = b.node('Transpose', [q], { perm: [1, 0] });
    b.output(b.node('MatMul', [x, t]));
    const p = b.constantQ('p', [2, 3, 2], { axis: 0, scales: Float32Array.of(0.05) });
    b.output(b.node('MatMul', [x, b.node('Reshape', [p], { shape: [6, 2] })]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['MatMul', 'MatMul']);
    const [w1, w2] = graph.nodes.map((n) => graph.constants.get(n.inputs[1])!);
    expect([w1.dtype, w1.quant!.axis, w1.shape]).toEqual(['i8', 1, [6, 4]]);
    expect([w2.dtype, w2.shape]).toEqual(['i8', [6, 2]]);
  });

  it('skips results over the size limit', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1]);
    const big = b.node('Add', [b.constant('zeros', [2049 * 2048], new Float32Array(2049 * 2048)), b.constant('one', [1], [1])]);
    b.output(b.node('ReduceMean', [b.node('Add', [big, x])], { axes: [0], keepdims: 1 }));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Add', 'Add', 'ReduceMean']);
  });
});

describe('fold-transpose-into-dense', () => {
  /** x NHWC -> Transpose to NCHW -> flatten -> dense, as the ONNX importer emits it. */
  function nchwHead(flatten: 'Flatten' | 'Reshape', dense: 'Gemm' | 'GemmT' | 'MatMul', int8 = false) {
    const b = new GraphBuilder();
    const x = b.input('x', [-1, 3, 4, 2]);
    const t = b.node('Transpose', [x], { perm: [0, 3, 1, 2] });
    const f = flatten === 'Flatten' ? b.node('Flatten', [t], { axis: 1 }) : b.node('Reshape', [t], { shape: [-1, 24] });
    const shape = dense === 'GemmT' ? [5, 24] : [24, 5];
    const w = int8
      ? b.constantQ('w', shape, dense === 'GemmT' ? { axis: 0, scales: Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5) } : { axis: 1, scales: Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5) })
      : b.constant('w', shape);
    const y = dense === 'MatMul' ? b.node('MatMul', [f, w]) : b.node('Gemm', [f, w, b.constant('c', [5])], { transB: dense === 'GemmT' ? 1 : 0 });
    b.output(y);
    return b.graph;
  }

  it.each([
    ['Flatten', 'Gemm', false], ['Reshape', 'GemmT', false], ['Flatten', 'MatMul', false],
    ['Reshape', 'Gemm', true], ['Flatten', 'GemmT', true],
  ] as const)('%s -> %s (int8 %s): the Transpose disappears', (flatten, dense, int8) => {
    const g = nchwHead(flatten, dense, int8);
    const { graph } = optimizeAndCompare(g, randomFeeds(g, 2));
    expect(opsOf(graph)).toEqual([flatten, dense === 'GemmT' ? 'Gemm' : dense]);
    expect(graph.nodes[0].inputs[0]).toBe('x');
    expect(graph.constants.get(graph.nodes[1].inputs[1])!.dtype).toBe(int8 ? 'i8' : 'f32');
  });

  it('permutes f16 weights in their own storage', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 2, 3, 2]);
    const f = b.node('Flatten', [b.node('Transpose', [x], { perm: [0, 3, 1, 2] })]);
    b.output(b.node('MatMul', [f, b.constantF16('w', [12, 4])]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Flatten', 'MatMul']);
    expect(graph.constants.get(graph.nodes[1].inputs[1])!.dtype).toBe('f16');
  });

  it('keeps the Transpose for its other readers and leaves a channel-mixing flatten alone', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 4, 2]);
    const t = b.node('Transpose', [x], { perm: [0, 3, 1, 2] });
    b.output(b.node('Gemm', [b.node('Flatten', [t]), b.constant('w', [24, 3])]));
    b.output(b.node('Relu', [t]));
    // Flatten at axis 2 keeps a transposed axis apart: no rewrite is possible there.
    const t2 = b.node('Transpose', [x], { perm: [0, 3, 1, 2] });
    b.output(b.node('MatMul', [b.node('Flatten', [t2], { axis: 2 }), b.constant('w2', [12, 3])]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Transpose', 'Flatten', 'Gemm', 'Relu', 'Transpose', 'Flatten', 'MatMul']);
    expect(graph.nodes[1].inputs[0]).toBe('x');
  });
});

describe('remove-dead', () => {
  it('drops nodes and constants nothing reads', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    b.constant('unused', [3]);
    const dead = b.node('MatMul', [x, b.constant('wd', [3, 3])]);
    b.node('Relu', [dead]);
    b.output(b.node('Softmax', [x]));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Softmax']);
    expect(graph.constants.size).toBe(0);
  });
});
