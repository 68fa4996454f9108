// Folds `Add(y, c)` / `Sub(y, c)` of a per-output-channel constant after Conv/Gemm/MatMul into
// that node's bias input, when y has no other reader and no activation runs before the add.
import type { Shape } from '../../tensor.js';
import type { Graph, Node } from '../ir.js';
import { GraphIndex, setConstantInput } from '../graph-utils.js';
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

/** `shapes()`: batch-1 shapes, inferred once per sweep (a fusion keeps every value's shape). */
function fuseOne(graph: Graph, ix: GraphIndex, add: Node, shapesOf: () => Map<string, Shape>): boolean {
  if (add.inputs.length !== 2 || add.outputs.length !== 1) return false;
  // Add is commutative; Sub only folds as y - c.
  const slots = add.op === 'Add' ? [0, 1] : [0];
  for (const i of slots) {
    const y = add.inputs[i], c = constantOf(graph, add.inputs[1 - i]);
    const host = ix.producer(y);
    if (!c || !host || !HOSTS.has(host.op) || host.outputs.length !== 1) continue;
    if (host.attrs.activation !== undefined && host.attrs.activation !== null) continue;
    if (ix.isOutput(y) || ix.readers(y) !== 1) continue;
    const shapes = shapesOf();
    const yShape = shapes.get(y)!;
    const n = yShape[yShape.length - 1];
    if (yShape.length === 0 || n === undefined) continue;
    const extra = channelVector(c, n, yShape.length);
    const bias = currentBias(graph, host, n, shapes);
    if (!extra || !bias) continue;
    const sign = add.op === 'Sub' ? -1 : 1;
    const sum = new Float32Array(n);
    for (let k = 0; k < n; k++) sum[k] = bias[k] + sign * extra[k];
    setConstantInput(graph, host, 2, f32Constant([n], sum), `${host.name}_bias`, ix);
    if (host.op === 'Gemm') host.attrs = { ...host.attrs, beta: 1 };
    ix.remove(add);
    ix.setOutput(host, 0, add.outputs[0]);
    return true;
  }
  return false;
}

export function fuseBias(graph: Graph): boolean {
  const adds = graph.nodes.filter((n) => n.op === 'Add' || n.op === 'Sub');
  if (adds.length === 0) return false;
  const ix = new GraphIndex(graph);
  // Inferred before the first rewrite of the sweep: the graph is whole then.
  let shapes: Map<string, Shape> | undefined;
  const shapesOf = (): Map<string, Shape> => (shapes ??= inferShapes(graph, 1));
  for (const node of adds) fuseOne(graph, ix, node, shapesOf);
  return ix.commit();
}
