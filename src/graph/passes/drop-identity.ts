// Removes Identity nodes (importers turn Dropout into Identity) by wiring their consumers to the
// Identity's input. A graph output keeps its name: the producer is renamed to write it directly.
import type { Graph, Node } from '../ir.js';
import { isGraphOutput, producersOf, removeNode, replaceUses } from '../graph-utils.js';

function dropOne(graph: Graph, node: Node, producers: Map<string, Node>): boolean {
  const [x] = node.inputs, [y] = node.outputs;
  if (x === undefined || x === '' || y === undefined || y === '' || node.outputs.length !== 1) return false;
  if (!isGraphOutput(graph, y)) {
    replaceUses(graph, y, x);
    removeNode(graph, node);
    return true;
  }
  // y is a graph output: only a node's private output can take its name. A graph input, a
  // constant or another graph output must stay what it is, so the Identity stays too.
  const producer = producers.get(x);
  if (!producer || isGraphOutput(graph, x)) return false;
  producer.outputs[producer.outputs.indexOf(x)] = y;
  replaceUses(graph, x, y);
  removeNode(graph, node);
  return true;
}

export function dropIdentity(graph: Graph): boolean {
  let changed = false;
  for (const node of graph.nodes.filter((n) => n.op === 'Identity')) {
    if (dropOne(graph, node, producersOf(graph))) changed = true;
  }
  return changed;
}
