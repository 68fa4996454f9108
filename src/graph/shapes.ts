// Shape inference over a whole graph at a given batch size: the graph inputs' batch dim (-1)
// becomes `batch`, every other shape follows from the ops' inferShape.
import { GraphError } from '../errors.js';
import { OpError } from '../ops/op.js';
import type { Shape } from '../tensor.js';
import type { Graph } from './ir.js';
import { resolveNodes, type ResolvedNode } from './resolve.js';

export function inputShape(shape: readonly number[], batch: number): Shape {
  return shape.map((d, i) => (i === 0 && d === -1 ? batch : d));
}

export function inferShapes(graph: Graph, batch: number, resolved: readonly ResolvedNode[] = resolveNodes(graph)): Map<string, Shape> {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  const shapes = new Map<string, Shape>();
  for (const v of graph.inputs) shapes.set(v.name, inputShape(v.shape, batch));
  for (const [name, c] of graph.constants) shapes.set(name, c.shape);
  for (const { node, op, attrs } of resolved) {
    const ins = node.inputs.map((name) => {
      if (name === '') return undefined;
      const s = shapes.get(name);
      if (!s) throw new GraphError(`input "${name}" is not produced before use`, node.name);
      return s;
    });
    let outs: Shape[];
    try {
      outs = op.inferShape(ins, attrs);
    } catch (e) {
      if (e instanceof OpError) throw new GraphError(`${node.op}: ${e.message}`, node.name);
      throw e;
    }
    if (outs.length < node.outputs.length) {
      throw new GraphError(`${node.op} produces ${outs.length} outputs, node lists ${node.outputs.length}`, node.name);
    }
    node.outputs.forEach((name, i) => { if (name !== '') shapes.set(name, outs[i]); });
  }
  for (const v of graph.outputs) {
    if (!shapes.has(v.name)) throw new GraphError(`graph output "${v.name}" is never produced`, v.name);
  }
  return shapes;
}
