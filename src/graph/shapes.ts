// Shape inference over a whole graph at a given batch size, by name: for the passes and tools that work
// on a graph before it is prepared. The inference itself is the prepared graph's (plan.ts buildPlan).
import type { Shape } from '../tensor.js';
import type { Graph } from './ir.js';
import { buildPlan } from './plan.js';
import { resolveNodes, type ResolvedNode } from './resolve.js';

export function inferShapes(graph: Graph, batch: number, resolved: readonly ResolvedNode[] = resolveNodes(graph)): Map<string, Shape> {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  const shapes = new Map<string, Shape>();
  for (const [name, c] of graph.constants) shapes.set(name, c.shape);
  for (const v of buildPlan(graph, resolved, batch).values) if (v.name !== '') shapes.set(v.name, v.shape);
  return shapes;
}
