// Moves a standalone activation (Relu, Clip, ...) into the `activation` attribute of the
// Conv/Gemm/MatMul/BatchNormalization before it, and composes Relu/Clip pairs into one Clip.
import { GraphError } from '../../errors.js';
import { ACTIVATION_OPS, F32_MAX, parseActivation, type Activation } from '../../ops/activation.js';
import { OpError } from '../../ops/op.js';
import { findOp } from '../../ops/registry.js';
import type { Graph, Node } from '../ir.js';
import { GraphIndex } from '../graph-utils.js';

const HOSTS = new Set(['Conv', 'Gemm', 'MatMul', 'BatchNormalization']);

function asClip(a: Activation): { min: number; max: number } | undefined {
  if (a.op === 'Relu') return { min: 0, max: F32_MAX };
  if (a.op === 'Clip') return { min: a.min, max: a.max };
  return undefined;
}

/**
 * second(first(x)) as one activation, when both are Relu/Clip: clamping to [a,b] then [c,d] is
 * clamping to [max(a,c), min(b,d)] while those intervals overlap. Undefined otherwise.
 */
export function composeActivations(first: Activation, second: Activation): Activation | undefined {
  const f = asClip(first), s = asClip(second);
  if (!f || !s) return undefined;
  const min = Math.max(f.min, s.min), max = Math.min(f.max, s.max);
  if (min > max) return undefined;
  return min === 0 && max === F32_MAX ? { op: 'Relu' } : { op: 'Clip', min, max };
}

function parseStandalone(node: Node): Activation {
  try {
    return findOp(node.op)!.parseAttrs(node.attrs) as Activation;
  } catch (e) {
    if (e instanceof OpError) throw new GraphError(`${node.op}: ${e.message}`, node.name);
    throw e;
  }
}

function existingActivation(host: Node): Activation | undefined {
  try {
    return parseActivation(host.attrs.activation);
  } catch (e) {
    if (e instanceof OpError) throw new GraphError(`${host.op}: ${e.message}`, host.name);
    throw e;
  }
}

function fuseOne(ix: GraphIndex, act: Node): boolean {
  if (act.inputs.length !== 1 || act.outputs.length !== 1) return false;
  const x = act.inputs[0];
  const host = ix.producer(x);
  if (!host || !HOSTS.has(host.op) || host.outputs.length !== 1) return false;
  // The host's output must have no other reader, or they would see the activated values.
  if (ix.isOutput(x) || ix.readers(x) !== 1) return false;
  const added = parseStandalone(act);
  const current = existingActivation(host);
  const fused = current ? composeActivations(current, added) : added;
  if (!fused) return false;
  host.attrs = { ...host.attrs, activation: fused };
  ix.remove(act);
  ix.setOutput(host, 0, act.outputs[0]);
  return true;
}

export function fuseActivation(graph: Graph): boolean {
  const ops = new Set<string>(ACTIVATION_OPS);
  const acts = graph.nodes.filter((n) => ops.has(n.op));
  if (acts.length === 0) return false;
  const ix = new GraphIndex(graph);
  for (const node of acts) fuseOne(ix, node);
  return ix.commit();
}
