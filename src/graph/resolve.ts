// Binds each node to its OpDef and parsed attributes once, turning op and attribute problems
// into typed errors that name the node and the model.
import { GraphError, UnsupportedOpError } from '../errors.js';
import { findOp } from '../ops/registry.js';
import { OpError, type OpDef } from '../ops/op.js';
import type { Graph, Node } from './ir.js';

export interface ResolvedNode {
  readonly node: Node;
  readonly op: OpDef<any>;
  readonly attrs: unknown;
}

export function modelName(graph: Graph): string {
  return graph.metadata.name ?? 'model';
}

export function resolveNode(graph: Graph, node: Node): ResolvedNode {
  const op = findOp(node.op);
  if (!op) throw new UnsupportedOpError(node.op, node.name, modelName(graph));
  try {
    return { node, op, attrs: op.parseAttrs(node.attrs) };
  } catch (e) {
    if (e instanceof OpError) throw new GraphError(`${node.op}: ${e.message}`, node.name);
    throw e;
  }
}

export function resolveNodes(graph: Graph): ResolvedNode[] {
  return graph.nodes.map((n) => resolveNode(graph, n));
}
