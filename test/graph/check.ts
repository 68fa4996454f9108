// Runs a graph before and after optimize() on the reference ops and checks the results agree,
// and that optimize() left the caller's graph exactly as it was.
import { expect } from 'vitest';
import type { Graph } from '../../src/graph/ir.js';
import { optimize } from '../../src/graph/optimize.js';
import type { Tensor } from '../../src/tensor.js';
import { expectClose, maxAbsDiff, randomTensor } from '../helpers/harness.js';
import { runGraph } from './run.js';

/** Folding reorders float arithmetic: results drift by rounding only. */
export const FOLD_TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

interface Snapshot { structure: string; data: Map<string, ArrayLike<number>[]> }

function snapshot(graph: Graph): Snapshot {
  const structure = JSON.stringify({
    nodes: graph.nodes,
    inputs: graph.inputs,
    outputs: graph.outputs,
    constants: [...graph.constants].map(([name, c]) => [name, c.shape, c.dtype, c.quant?.axis]),
  });
  const data = new Map([...graph.constants].map(([name, c]) =>
    [name, [c.data.slice(), ...(c.quant ? [c.quant.scales.slice(), ...(c.quant.zeroPoints ? [c.quant.zeroPoints.slice()] : [])] : [])]]));
  return { structure, data };
}

function expectUnchanged(graph: Graph, before: Snapshot): void {
  const now = snapshot(graph);
  expect(now.structure, 'optimize() must not change its input graph').toBe(before.structure);
  for (const [name, arrays] of before.data) {
    const current = now.data.get(name)!;
    arrays.forEach((a, i) => {
      for (let k = 0; k < a.length; k++) {
        if (!Object.is(a[k], current[i][k])) throw new Error(`optimize() changed constant ${name} (array ${i}, element ${k})`);
      }
    });
  }
}

/** Random feeds for every graph input, batch -1 taken as `batch`. */
export function randomFeeds(graph: Graph, batch = 1, seed = 7): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  graph.inputs.forEach((v, i) => {
    feeds[v.name] = randomTensor(v.shape.map((d) => (d === -1 ? batch : d)), { seed: seed + i, min: -2, max: 2 });
  });
  return feeds;
}

/** optimize(graph), checked to match the original numerically on `feeds`; returns the optimized graph and the worst difference. */
export function optimizeAndCompare(graph: Graph, feeds: Record<string, Tensor> = randomFeeds(graph)): { graph: Graph; maxDiff: number } {
  const before = snapshot(graph);
  const want = runGraph(graph, feeds);
  const opt = optimize(graph);
  expectUnchanged(graph, before);
  const got = runGraph(opt, feeds);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  let maxDiff = 0;
  for (const name of Object.keys(want)) {
    expect(got[name].shape, `output ${name} shape`).toEqual(want[name].shape);
    expectClose(got[name].data, want[name].data, FOLD_TOLERANCE, `output ${name}`);
    maxDiff = Math.max(maxDiff, maxAbsDiff(got[name].data, want[name].data));
  }
  return { graph: opt, maxDiff };
}
