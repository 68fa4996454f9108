// Folds `Add(y, c)` / `Sub(y, c)` of a per-output-channel constant after Conv/Gemm/MatMul into
// that node's bias input, when y has no other reader and no activation runs before the add.
import type { Shape } from '../../tensor.js';
import type { Graph, Node } from '../ir.js';
import { consumersOf, isGraphOutput, producersOf, removeNode, setConstantInput } from '../graph-utils.js';
import { inferShapes } from '../shapes.js';
import { channelVector, constantOf, f32Constant } from './weights.js';

const HOSTS = new Set(['Conv', 'Gemm', 'MatMul']);

/** The host's bias as a length-n vector before the add (zeros when absent), or undefined if it cannot be read as one. */
function currentBias(graph: Graph, host: Node, n: number, shapes: Map<string, Shape>): Float32Array | undefined {
  const name = host.inputs[2] ?? '';
  if (host.op === 'MatMul') {
    // The bias is along the last axis only when B is a matrix; a vector B drops that axis.
    if (shapes.get(host.inputs[1])?.length !== 2) return undefined;
  }
  if (name === '') return new Float32Array(n);
  const c = constantOf(graph, name);
  if (!c) return undefined;
  if (host.op !== 'Gemm') return channelVector(c, n, 1);
  // Gemm adds beta * C with C broadcast to [M, N]: only a C constant along M folds to a vector.
  const v = channelVector(c, n, 2);
  if (!v) return undefined;
  const beta = typeof host.attrs.beta === 'number' ? host.attrs.beta : 1;
  for (let i = 0; i < n; i++) v[i] *= beta;
  return v;
}

function fuseOne(graph: Graph, add: Node): boolean {
  if (add.inputs.length !== 2 || add.outputs.length !== 1) return false;
  const producers = producersOf(graph);
  // Add is commutative; Sub only folds as y - c.
  const slots = add.op === 'Add' ? [0, 1] : [0];
  for (const i of slots) {
    const y = add.inputs[i], c = constantOf(graph, add.inputs[1 - i]);
    const host = producers.get(y);
    if (!c || !host || !HOSTS.has(host.op) || host.outputs.length !== 1) continue;
    if (host.attrs.activation !== undefined && host.attrs.activation !== null) continue;
    if (isGraphOutput(graph, y) || (consumersOf(graph).get(y)?.length ?? 0) !== 1) continue;
    const shapes = inferShapes(graph, 1);
    const yShape = shapes.get(y)!;
    const n = yShape[yShape.length - 1];
    if (yShape.length === 0 || n === undefined) continue;
    const extra = channelVector(c, n, yShape.length);
    const bias = currentBias(graph, host, n, shapes);
    if (!extra || !bias) continue;
    const sign = add.op === 'Sub' ? -1 : 1;
    const sum = new Float32Array(n);
    for (let k = 0; k < n; k++) sum[k] = bias[k] + sign * extra[k];
    setConstantInput(graph, host, 2, f32Constant([n], sum), `${host.name}_bias`);
    if (host.op === 'Gemm') host.attrs = { ...host.attrs, beta: 1 };
    host.outputs[0] = add.outputs[0];
    removeNode(graph, add);
    return true;
  }
  return false;
}

export function fuseBias(graph: Graph): boolean {
  let changed = false;
  for (const node of graph.nodes.filter((n) => n.op === 'Add' || n.op === 'Sub')) {
    if (fuseOne(graph, node)) changed = true;
  }
  return changed;
}
