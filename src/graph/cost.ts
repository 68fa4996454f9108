// Multiply-adds per inference, node by node, from each op's own macs(): the one count behind
// `inspect`, `bench` and GFLOP/s figures.
import type { Shape } from '../tensor.js';
import type { Graph } from './ir.js';
import { resolveNodes, type ResolvedNode } from './resolve.js';
import { inferShapes } from './shapes.js';

/** MACs of each node at this batch size (undefined for ops that define no count). */
export function nodeMacs(graph: Graph, batch = 1, resolved: readonly ResolvedNode[] = resolveNodes(graph),
  shapes: Map<string, Shape> = inferShapes(graph, batch, resolved)): (number | undefined)[] {
  const shapeOf = (name: string): Shape | undefined => (name === '' ? undefined : shapes.get(name));
  return resolved.map(({ node, op, attrs }) =>
    op.macs ? op.macs(node.inputs.map(shapeOf), node.outputs.map((o) => shapeOf(o) ?? []), attrs) : undefined);
}

export function graphMacs(graph: Graph, batch = 1): number {
  return nodeMacs(graph, batch).reduce<number>((s, m) => s + (m ?? 0), 0);
}
