// The two graph helpers the runtime needs (PreparedGraph orders what it is given); the passes' other
// helpers are in graph-utils.ts, which re-exports these.
import { GraphError } from '../errors.js';
import type { Graph, Node } from './ir.js';
/** Value name -> the node that writes it. Throws GraphError when two nodes write one value. */
export function producersOf(graph: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const node of graph.nodes) {
    for (const name of node.outputs) {
      if (name === '') continue;
      if (m.has(name)) throw new GraphError(`value "${name}" is produced twice (also by "${m.get(name)!.name}")`, node.name);
      m.set(name, node);
    }
  }
  return m;
}


/**
 * Nodes ordered so that every producer comes before its consumers. Keeps the given order where
 * it is already valid (a depth-first walk in list order), so importers' order survives.
 * Throws GraphError on a cycle.
 */
export function topologicalOrder(graph: Graph): Node[] {
  const producers = producersOf(graph);
  const state = new Map<Node, 'visiting' | 'done'>();
  const order: Node[] = [];
  for (const root of graph.nodes) {
    if (state.has(root)) continue;
    // Explicit stack: real models are deep enough to overflow recursion.
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const dep = producers.get(top.node.inputs[top.next++]);
        if (!dep) continue;
        const s = state.get(dep);
        if (s === 'visiting') throw new GraphError(`cycle through value "${top.node.inputs[top.next - 1]}"`, top.node.name);
        if (s === undefined) {
          state.set(dep, 'visiting');
          stack.push({ node: dep, next: 0 });
        }
      } else {
        state.set(top.node, 'done');
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}
