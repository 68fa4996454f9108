// optimize() as a whole: passes enabling each other up to a fixed point on an importer-like CNN,
// the caller's graph untouched, idempotence, and the structural helpers it relies on.
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { optimize } from '../../src/graph/optimize.js';
import { topologicalOrder, uniqueName } from '../../src/graph/graph-utils.js';
import { GraphBuilder, opsOf } from './build.js';
import { optimizeAndCompare, randomFeeds } from './check.js';
import { runGraph } from './run.js';

function bn(b: GraphBuilder, x: string, c: number, prefix: string): string {
  return b.node('BatchNormalization', [
    x,
    b.constant(`${prefix}_scale`, [c], undefined, { min: 0.5, max: 1.5 }),
    b.constant(`${prefix}_bias`, [c]),
    b.constant(`${prefix}_mean`, [c]),
    b.constant(`${prefix}_var`, [c], undefined, { min: 0.2, max: 1 }),
  ]);
}

/** What the ONNX importer makes of a small NCHW CNN with Dropout and BatchNorm. */
function importedCnn(): GraphBuilder {
  const b = new GraphBuilder();
  const x = b.input('x', [-1, 8, 8, 3]);
  let y = b.node('Conv', [x, b.constant('w1', [8, 3, 3, 3])], { pads: [1, 1, 1, 1] });
  y = b.node('Identity', [y]);
  y = b.node('Relu', [bn(b, y, 8, 'bn1')]);
  y = b.node('Identity', [y]);
  y = b.node('Conv', [y, b.constant('w2', [4, 1, 1, 8])]);
  y = b.node('Add', [y, b.constant('b2', [4])]);
  y = b.node('Clip', [y], { min: 0, max: 6 });
  y = b.node('MaxPool', [y], { kernel: [2, 2], strides: [2, 2] });
  y = b.node('Transpose', [y], { perm: [0, 3, 1, 2] });
  y = b.node('Reshape', [y], { shape: [0, -1] });
  // The dense weights arrive transposed by a node, as some exporters write them.
  const wt = b.node('Transpose', [b.constant('w3', [64, 10])], { perm: [1, 0] });
  y = b.node('Gemm', [y, wt, b.constant('c3', [10])], { transB: 1 });
  y = b.node('Softmax', [y]);
  b.node('Identity', [y], {}, { outputs: ['probs'] });
  b.output('probs');
  return b;
}

describe('optimize', () => {
  it('reduces an imported CNN to fused Conv/Conv/MaxPool/Reshape/Gemm/Softmax with the same results', () => {
    const g = importedCnn().graph;
    const { graph, maxDiff } = optimizeAndCompare(g, randomFeeds(g, 2));
    expect(opsOf(g)).toHaveLength(15);
    expect(opsOf(graph)).toEqual(['Conv', 'Conv', 'MaxPool', 'Reshape', 'Gemm', 'Softmax']);
    expect(graph.nodes[0].attrs.activation).toEqual({ op: 'Relu' });
    expect(graph.nodes[1].attrs.activation).toEqual({ op: 'Clip', min: 0, max: 6 });
    expect(graph.nodes[3].inputs[0]).toBe(graph.nodes[2].outputs[0]);
    expect(graph.nodes[5].outputs).toEqual(['probs']);
    // w1, its bias, w2, its bias, the permuted dense weights and c3: nothing else survives.
    expect(graph.constants.size).toBe(6);
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('is idempotent', () => {
    const once = optimize(importedCnn().graph);
    const twice = optimize(once);
    expect(twice.nodes).toEqual(once.nodes);
    expect([...twice.constants.keys()]).toEqual([...once.constants.keys()]);
  });

  it('does not fold BN into weights another Conv still reads', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 4, 4, 2]);
    const w = b.constant('w', [3, 3, 3, 2]);
    b.output(bn(b, b.node('Conv', [x, w], { pads: [1, 1, 1, 1] }), 3, 'bn'));
    b.output(b.node('Conv', [x, w], { pads: [1, 1, 1, 1] }));
    const { graph } = optimizeAndCompare(b.graph);
    expect(opsOf(graph)).toEqual(['Conv', 'Conv']);
    expect(graph.nodes[1].inputs[1]).toBe('w');
    expect(graph.nodes[0].inputs[1]).not.toBe('w');
    expect(graph.constants.get('w')).toBe(b.graph.constants.get('w'));
  });

  it('puts nodes listed out of order into topological order', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    const s = b.node('Softmax', [x]);
    b.output(b.node('Tanh', [s]));
    const ordered = b.graph;
    const shuffled = { ...ordered, nodes: [...ordered.nodes].reverse() };
    expect(opsOf({ ...shuffled, nodes: topologicalOrder(shuffled) })).toEqual(['Softmax', 'Tanh']);
    const opt = optimize(shuffled);
    expect(opsOf(opt)).toEqual(['Softmax', 'Tanh']);
    const feeds = randomFeeds(ordered);
    expect(runGraph(opt, feeds)).toEqual(runGraph(ordered, feeds));
  });

  it('rejects a cycle with a GraphError naming a node', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2]);
    b.node('Add', [x, 'loop_b'], {}, { name: 'a', outputs: ['loop_a'] });
    b.node('Relu', ['loop_a'], {}, { name: 'b', outputs: ['loop_b'] });
    b.output('loop_b');
    expect(() => optimize(b.graph)).toThrow(GraphError);
    expect(() => optimize(b.graph)).toThrow(/cycle/);
  });

  it('rejects a value produced twice', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2]);
    b.node('Relu', [x], {}, { name: 'r1', outputs: ['y'] });
    b.node('Tanh', [x], {}, { name: 'r2', outputs: ['y'] });
    b.output('y');
    expect(() => optimize(b.graph)).toThrow(/produced twice.*r2/);
  });
});

describe('graph-utils', () => {
  it('uniqueName skips taken names and reserves the one it returns', () => {
    const taken = new Set(['w', 'w_1']);
    expect(uniqueName(taken, 'w')).toBe('w_2');
    expect(uniqueName(taken, 'w')).toBe('w_3');
    expect(uniqueName(taken, 'v')).toBe('v');
  });
});
