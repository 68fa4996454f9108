// Folds BatchNormalization (channel = last axis) into the Conv/Gemm/MatMul before it:
// y = (x - mean) * s + bias with s = scale / sqrt(var + eps), so W' = W * s per output
// channel and b' = b * s + bias - mean * s. Needs constant weights and BN parameters.
import type { AttrValue, Constant, Graph, Node } from '../ir.js';
import { GraphIndex, setConstantInput } from '../graph-utils.js';
import { channelVector, constantOf, constantValues, f32Constant, scaleAlongAxis } from './weights.js';

/** Per-channel multiplier and offset of a BN node, or undefined if its parameters are not usable constants. */
function bnAffine(graph: Graph, bn: Node): { mul: Float64Array; add: Float64Array } | undefined {
  if (bn.inputs.length < 5 || bn.outputs.length !== 1) return undefined;
  const params = bn.inputs.slice(1, 5).map((name) => constantOf(graph, name));
  if (params.some((c) => !c || c.shape.length !== 1)) return undefined;
  const [scale, bias, mean, variance] = (params as Constant[]).map(constantValues);
  const n = scale.length;
  if ([bias, mean, variance].some((v) => v.length !== n)) return undefined;
  const eps = typeof bn.attrs.epsilon === 'number' ? bn.attrs.epsilon : 1e-5;
  const mul = new Float64Array(n), add = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    mul[k] = scale[k] / Math.sqrt(variance[k] + eps);
    add[k] = bias[k] - mean[k] * mul[k];
  }
  return { mul, add };
}

/** Where a host keeps its per-output-channel weights: the weight input slot and the output-channel axis. */
function weightAxis(graph: Graph, host: Node): { slot: number; axis: number } | undefined {
  const w = constantOf(graph, host.inputs[1]);
  if (!w) return undefined;
  switch (host.op) {
    case 'Conv': return w.shape.length === 4 ? { slot: 1, axis: 0 } : undefined;
    case 'Gemm': return w.shape.length === 2 ? { slot: 1, axis: host.attrs.transB ? 0 : 1 } : undefined;
    case 'MatMul': return w.shape.length === 2 ? { slot: 1, axis: 1 } : undefined;
    default: return undefined;
  }
}

/** The host's bias as seen after the product (Gemm's beta applied), zeros when absent. */
function hostBias(graph: Graph, host: Node, n: number): Float32Array | undefined {
  const name = host.inputs[2] ?? '';
  if (name === '') return new Float32Array(n);
  const c = constantOf(graph, name);
  if (!c) return undefined;
  if (host.op !== 'Gemm') return channelVector(c, n, 1);
  const v = channelVector(c, n, 2);
  const beta = typeof host.attrs.beta === 'number' ? host.attrs.beta : 1;
  if (v) for (let k = 0; k < n; k++) v[k] *= beta;
  return v;
}

function foldOne(graph: Graph, ix: GraphIndex, bn: Node): boolean {
  const x = bn.inputs[0];
  const host = ix.producer(x);
  if (!host || host.outputs.length !== 1 || !['Conv', 'Gemm', 'MatMul'].includes(host.op)) return false;
  // An activation between the product and the BN cannot be moved past the scale.
  if (host.attrs.activation !== undefined && host.attrs.activation !== null) return false;
  if (ix.isOutput(x) || ix.readers(x) !== 1) return false;
  const affine = bnAffine(graph, bn);
  const where = weightAxis(graph, host);
  if (!affine || !where) return false;
  const w = constantOf(graph, host.inputs[where.slot])!;
  const n = affine.mul.length;
  if (w.shape[where.axis] !== n) return false;
  const scaled = scaleAlongAxis(w, where.axis, affine.mul);
  const bias = hostBias(graph, host, n);
  if (!scaled || !bias) return false;
  const folded = new Float32Array(n);
  for (let k = 0; k < n; k++) folded[k] = bias[k] * affine.mul[k] + affine.add[k];
  setConstantInput(graph, host, where.slot, scaled, `${host.name}_weight`, ix);
  setConstantInput(graph, host, 2, f32Constant([n], folded), `${host.name}_bias`, ix);
  const attrs: Record<string, AttrValue> = { ...host.attrs };
  if (host.op === 'Gemm') attrs.beta = 1;
  if (bn.attrs.activation !== undefined && bn.attrs.activation !== null) attrs.activation = bn.attrs.activation;
  host.attrs = attrs;
  ix.remove(bn);
  ix.setOutput(host, 0, bn.outputs[0]);
  return true;
}

export function foldBatchNorm(graph: Graph): boolean {
  const bns = graph.nodes.filter((n) => n.op === 'BatchNormalization');
  if (bns.length === 0) return false;
  const ix = new GraphIndex(graph);
  for (const node of bns) foldOne(graph, ix, node);
  return ix.commit();
}
