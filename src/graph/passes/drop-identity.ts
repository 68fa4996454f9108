// Removes Identity nodes (importers turn Dropout into Identity) by wiring their consumers to the
// Identity's input. A graph output keeps its name: the producer is renamed to write it directly.
import type { Graph, Node } from '../ir.js';
import { GraphIndex } from '../graph-utils.js';

function dropOne(ix: GraphIndex, node: Node): boolean {
  const [x] = node.inputs, [y] = node.outputs;
  if (x === undefined || x === '' || y === undefined || y === '' || node.outputs.length !== 1) return false;
  if (!ix.isOutput(y)) {
    ix.replaceUses(y, x);
    ix.remove(node);
    return true;
  }
  // y is a graph output: only a node's private output can take its name. A graph input, a
  // constant or another graph output must stay what it is, so the Identity stays too.
  const producer = ix.producer(x);
  if (!producer || ix.isOutput(x)) return false;
  ix.setOutput(producer, producer.outputs.indexOf(x), y);
  ix.replaceUses(x, y);
  ix.remove(node);
  return true;
}

export function dropIdentity(graph: Graph): boolean {
  const identities = graph.nodes.filter((n) => n.op === 'Identity');
  if (identities.length === 0) return false;
  const ix = new GraphIndex(graph);
  for (const node of identities) dropOne(ix, node);
  return ix.commit();
}
