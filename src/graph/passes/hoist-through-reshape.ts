// Moves a BatchNormalization or a standalone activation from after a Reshape to before it, when what
// feeds the Reshape is a Conv/Gemm/MatMul that the later passes fold it into. This is the shape of a
// 1-D layer: importers run Conv1d as a 2-D Conv on a unit height and Reshape its [N, 1, L, C] result
// back to [N, L, C], so the BN and ReLU of a Conv1d+BN+ReLU stack sit behind that Reshape.
// An activation is element-wise, so it commutes with any Reshape. BN scales along the last axis: it
// commutes when the Reshape keeps the host's output channels as its last axis (the bytes of channel k
// stay every C-th element on both sides).
import { ACTIVATION_OPS } from '../../ops/activation.js';
import type { Graph, Node } from '../ir.js';
import { GraphIndex } from '../graph-utils.js';
import { constantOf } from './weights.js';

const HOSTS = new Set(['Conv', 'Gemm', 'MatMul']);
/** An activation also fuses into a BatchNormalization that could not fold. */
const ACTIVATION_HOSTS = new Set([...HOSTS, 'BatchNormalization']);
const ACTIVATIONS = new Set<string>(ACTIVATION_OPS);

/** The last-axis size of a host's output, read from its constant weights; undefined when not known. */
function hostChannels(graph: Graph, host: Node): number | undefined {
  const w = constantOf(graph, host.inputs[1]);
  if (!w) return undefined;
  if (host.op === 'Conv') return w.shape.length === 4 ? w.shape[0] : undefined;
  if (w.shape.length !== 2) return undefined;
  return host.op === 'Gemm' && host.attrs.transB ? w.shape[0] : w.shape[1];
}

/** Whether `node` may move above the Reshape that produces its input. */
function movable(graph: Graph, node: Node, reshape: Node, host: Node): boolean {
  if (ACTIVATIONS.has(node.op)) return node.inputs.length === 1;
  if (node.op !== 'BatchNormalization' || node.inputs.length < 5) return false;
  // Its parameters must not be computed by a node that comes after the Reshape in the list.
  if (node.inputs.slice(1, 5).some((name) => !constantOf(graph, name))) return false;
  const target = reshape.attrs.shape;
  const channels = hostChannels(graph, host);
  return Array.isArray(target) && channels !== undefined && target.at(-1) === channels;
}

function hoistOne(graph: Graph, ix: GraphIndex, position: Map<Node, number>, node: Node): boolean {
  if (node.outputs.length !== 1) return false;
  const x = node.inputs[0];
  const reshape = ix.producer(x);
  if (!reshape || reshape.op !== 'Reshape' || reshape.outputs.length !== 1) return false;
  if (ix.isOutput(x) || ix.readers(x) !== 1) return false;
  const y = reshape.inputs[0];
  const host = ix.producer(y);
  const hosts = ACTIVATIONS.has(node.op) ? ACTIVATION_HOSTS : HOSTS;
  if (!host || !hosts.has(host.op) || host.outputs.length !== 1 || ix.isOutput(y) || ix.readers(y) !== 1) return false;
  if (!movable(graph, node, reshape, host)) return false;
  const out = node.outputs[0];
  ix.setInput(node, 0, y);
  ix.setOutput(node, 0, ix.fresh(`${out}__before_reshape`));
  ix.setInput(reshape, 0, node.outputs[0]);
  ix.setOutput(reshape, 0, out);
  // The node takes the Reshape's place in the list and the Reshape the node's: both orders stay valid,
  // since the node now reads only what was there before the Reshape.
  const i = position.get(reshape)!, j = position.get(node)!;
  graph.nodes[i] = node;
  graph.nodes[j] = reshape;
  position.set(node, i).set(reshape, j);
  return true;
}

export function hoistThroughReshape(graph: Graph): boolean {
  const candidates = graph.nodes.filter((n) => n.op === 'BatchNormalization' || ACTIVATIONS.has(n.op));
  if (candidates.length === 0 || !graph.nodes.some((n) => n.op === 'Reshape')) return false;
  const ix = new GraphIndex(graph);
  const position = new Map(graph.nodes.map((n, i) => [n, i]));
  let changed = false;
  for (const node of candidates) if (hoistOne(graph, ix, position, node)) changed = true;
  return changed;
}
