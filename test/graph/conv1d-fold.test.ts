// Conv1d + BatchNorm1d + ReLU stacks (issue #15): the importer runs a 1-D Conv as a 2-D one on a unit height
// between two Reshapes, so BN and ReLU sit behind a Reshape. hoist-through-reshape moves them before it,
// fold-batch-norm and fuse-activation fold them into the Conv, and merge-reshapes cancels the Reshape pairs
// between layers. Checked on a PyTorch-style 1-D classifier: node counts drop, every backend matches
// onnxruntime-web on the same ONNX bytes within 1e-5; and on small graphs, where the passes must not fire.
import { afterAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { optimize } from '../../src/graph/optimize.js';
import type { Graph } from '../../src/graph/ir.js';
import { Session } from '../../src/runtime/session.js';
import { useBackends } from '../helpers/backends.js';
import { expectClose, maxAbsDiff, randomF32 } from '../helpers/harness.js';
import { OnnxModel, runOrtModel, type Feed } from '../helpers/onnx-builder.js';
import { GraphBuilder, opsOf } from './build.js';
import { optimizeAndCompare } from './check.js';

const variants = (await useBackends()).filter((v) => v.precision === 'f32');
const w = (n: number, seed: number, lo = -0.5, hi = 0.5): Float32Array => randomF32(n, { seed, min: lo, max: hi });

/**
 * What torch.onnx exports for Conv1d-BatchNorm1d-ReLU x3 (the middle one strided, a MaxPool1d after the
 * first), AdaptiveAvgPool1d(1), Flatten, Linear.
 */
function classifier(): OnnxModel {
  const m = new OnnxModel(17).input('x', ['N', 3, 50]);
  let prev = 'x', c = 3;
  const layers = [{ o: 8, k: 5, s: 1 }, { o: 16, k: 3, s: 2 }, { o: 16, k: 3, s: 1 }];
  layers.forEach(({ o, k, s }, l) => {
    m.init(`w${l}`, [o, c, k], w(o * c * k, 10 * l + 1)).init(`b${l}`, [o], w(o, 10 * l + 2))
      .node('Conv', [prev, `w${l}`, `b${l}`], [`c${l}`], { kernel_shape: [k], pads: [k >> 1, k >> 1], strides: [s] })
      .init(`g${l}`, [o], w(o, 10 * l + 3, 0.5, 1.5)).init(`be${l}`, [o], w(o, 10 * l + 4))
      .init(`mu${l}`, [o], w(o, 10 * l + 5)).init(`var${l}`, [o], w(o, 10 * l + 6, 0.2, 2))
      .node('BatchNormalization', [`c${l}`, `g${l}`, `be${l}`, `mu${l}`, `var${l}`], [`n${l}`], { epsilon: { float: 1e-5 } })
      .node('Relu', [`n${l}`], [`r${l}`]);
    prev = `r${l}`;
    if (l === 0) {
      m.node('MaxPool', [prev], ['p0'], { kernel_shape: [2], strides: [2] });
      prev = 'p0';
    }
    c = o;
  });
  return m.node('GlobalAveragePool', [prev], ['gap']).node('Flatten', ['gap'], ['f'])
    .init('fc', [4, c], w(4 * c, 99)).init('fb', [4], w(4, 98))
    .node('Gemm', ['f', 'fc', 'fb'], ['logits'], { transB: 1 }).output('logits');
}

const count = (g: Graph, op?: string): number => g.nodes.filter((n) => op === undefined || n.op === op).length;

describe('Conv1d + BN + ReLU fold into one Conv', () => {
  const bytes = classifier().encode();
  const feeds: Record<string, Feed> = { x: { dims: [3, 3, 50], data: randomF32(450, { seed: 5, min: -2, max: 2 }) } };
  const imported = importOnnx(bytes);
  const optimized = optimize(imported);
  const worst = new Map<string, number>();
  afterAll(() => console.log(`Conv1d+BN+ReLU classifier: ${count(imported)} nodes imported (${count(imported, 'Reshape')} Reshape), `
    + `${count(optimized)} optimized (${count(optimized, 'Reshape')} Reshape); worst |ours - ort|: `
    + [...worst].map(([id, d]) => `${id} ${d.toExponential(2)}`).join(', ')));

  it('leaves one Conv with a fused ReLU per layer and no BN, ReLU or Reshape pair between layers', () => {
    expect(count(imported, 'BatchNormalization')).toBe(3);
    expect(opsOf(optimized)).toEqual(['Reshape', 'Conv', 'MaxPool', 'Conv', 'Conv', 'GlobalAveragePool', 'Reshape', 'Gemm']);
    for (const conv of optimized.nodes.filter((n) => n.op === 'Conv')) expect(conv.attrs.activation).toEqual({ op: 'Relu' });
    expect(count(optimized)).toBeLessThan(count(imported) / 2);
  });

  it.each(variants.map((v) => [v.id, v] as const))('matches onnxruntime-web on %s', async (_id, v) => {
    if (v.skipReason !== undefined) return void console.warn(`skipped ${v.id}: ${v.skipReason}`);
    const want = (await runOrtModel(bytes, feeds)).logits;
    const s = await Session.create(optimized, { backend: await v.backend() });
    const got = (await s.run({ x: feeds.x.data as Float32Array })).logits;
    expect([...got.shape]).toEqual(want.dims);
    expectClose(got.data, want.data, { atol: 1e-5, rtol: 1e-5 }, `logits on ${v.id}`);
    worst.set(v.id, maxAbsDiff(got.data, want.data));
  });
});

describe('hoist-through-reshape and merge-reshapes stay where they must', () => {
  /** Conv on NHWC [N, 1, 6, 4] -> Reshape `target` -> `after`. */
  function convReshape(target: number[], after: (b: GraphBuilder, r: string) => void): GraphBuilder {
    const b = new GraphBuilder();
    const x = b.input('x', [-1, 1, 6, 3]);
    const c = b.node('Conv', [x, b.constant('w', [4, 1, 3, 3]), b.constant('b', [4])], { kernel: [1, 3], pads: [0, 1, 0, 1] });
    after(b, b.node('Reshape', [c], { shape: target }));
    return b;
  }
  const bn = (b: GraphBuilder, x: string, c: number): string => b.node('BatchNormalization',
    [x, b.constant('s', [c], undefined, { min: 0.5, max: 1.5 }), b.constant('t', [c]), b.constant('m', [c]), b.constant('v', [c], undefined, { min: 0.1, max: 1 })]);

  it('a BN behind a Reshape that keeps the channels last folds, and a ReLU fuses', () => {
    const b = convReshape([-1, 6, 4], (g, r) => { g.output(g.node('Relu', [bn(g, r, 4)])); });
    expect(opsOf(optimizeAndCompare(b.graph).graph)).toEqual(['Conv', 'Reshape']);
  });

  it('a BN behind a Reshape that moves the channels stays', () => {
    const b = convReshape([-1, 4, 6], (g, r) => { g.output(bn(g, r, 6)); });
    expect(opsOf(optimizeAndCompare(b.graph).graph)).toEqual(['Conv', 'Reshape', 'BatchNormalization']);
  });

  it('a ReLU moves through any Reshape of a Conv', () => {
    const b = convReshape([-1, 24], (g, r) => { g.output(g.node('Relu', [r])); });
    expect(opsOf(optimizeAndCompare(b.graph).graph)).toEqual(['Conv', 'Reshape']);
  });

  it('a Reshape whose result is also read elsewhere keeps its ReLU after it', () => {
    const b = convReshape([-1, 24], (g, r) => { g.output(g.node('Relu', [r])).output(g.node('Tanh', [r])); });
    expect(opsOf(optimizeAndCompare(b.graph).graph)).toEqual(['Conv', 'Reshape', 'Relu', 'Tanh']);
  });

  it('a Reshape of a Reshape merges, unless the second copies a dim (0) of the first', () => {
    const two = new GraphBuilder();
    const x = two.input('x', [-1, 2, 6]);
    two.output(two.node('Reshape', [two.node('Reshape', [x], { shape: [-1, 12] })], { shape: [-1, 3, 4] }));
    expect(opsOf(optimizeAndCompare(two.graph).graph)).toEqual(['Reshape']);
    const zero = new GraphBuilder();
    const z = zero.input('x', [-1, 2, 6]);
    zero.output(zero.node('Reshape', [zero.node('Reshape', [z], { shape: [-1, 4, 3] })], { shape: [0, 0, 1, 3] }));
    expect(opsOf(optimizeAndCompare(zero.graph).graph)).toEqual(['Reshape', 'Reshape']);
  });

  it('a Reshape to its own shape goes, one that holds only at batch 1 stays', () => {
    const same = new GraphBuilder();
    const x = same.input('x', [-1, 2, 6]);
    same.output(same.node('Relu', [same.node('Reshape', [x], { shape: [-1, 2, 6] })]));
    expect(opsOf(optimizeAndCompare(same.graph).graph)).toEqual(['Relu']);
    const batch1 = new GraphBuilder();
    const y = batch1.input('x', [-1, 2, 6]);
    batch1.output(batch1.node('Relu', [batch1.node('Reshape', [y], { shape: [1, -1, 6] })]));
    expect(opsOf(optimizeAndCompare(batch1.graph).graph)).toEqual(['Reshape', 'Relu']);
  });
});
