// Moves a standalone activation (Relu, Clip, ...) into the `activation` attribute of the
// Conv/Gemm/MatMul/BatchNormalization before it, and composes Relu/Clip pairs into one Clip.
import { GraphError } from '../../errors.js';
import { ACTIVATION_OPS, F32_MAX, parseActivation, type Activation } from '../../ops/activation.js';
import { OpError } from '../../ops/op.js';
import { findOp } from '../../ops/registry.js';
import type { Graph, Node } from '../ir.js';
import { consumersOf, isGraphOutput, producersOf, removeNode } from '../graph-utils.js';

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

function fuseOne(graph: Graph, act: Node): boolean {
  if (act.inputs.length !== 1 || act.outputs.length !== 1) return false;
  const x = act.inputs[0];
  const host = producersOf(graph).get(x);
  if (!host || !HOSTS.has(host.op) || host.outputs.length !== 1) return false;
  // The host's output must have no other reader, or they would see the activated values.
  if (isGraphOutput(graph, x) || (consumersOf(graph).get(x)?.length ?? 0) !== 1) return false;
  const added = parseStandalone(act);
  const current = existingActivation(host);
  const fused = current ? composeActivations(current, added) : added;
  if (!fused) return false;
  host.attrs = { ...host.attrs, activation: fused };
  host.outputs[0] = act.outputs[0];
  removeNode(graph, act);
  return true;
}

export function fuseActivation(graph: Graph): boolean {
  const ops = new Set<string>(ACTIVATION_OPS);
  let changed = false;
  for (const node of graph.nodes.filter((n) => ops.has(n.op))) {
    if (fuseOne(graph, node)) changed = true;
  }
  return changed;
}
