// A Reshape of a Reshape is the second one alone, and a Reshape to the shape it is given is an Identity
// (which drop-identity then removes). Both appear between 1-D layers: each is a 2-D op on a unit height
// with a Reshape to [N, L, C] after it and one to [N, 1, L, C] before the next, and once
// hoist-through-reshape has moved the BN and ReLU between them out of the way, the pair cancels.
import type { Shape } from '../../tensor.js';
import type { Graph, Node } from '../ir.js';
import { GraphIndex } from '../graph-utils.js';
import { inferShapes } from '../shapes.js';

/** A 0 in the target copies a dim of the Reshape's input, so that input cannot change under it. */
function copiesInputDims(r: Node): boolean {
  const target = r.attrs.shape;
  return !Array.isArray(target) || (target.includes(0) && r.attrs.allowzero !== true && r.attrs.allowzero !== 1);
}

function mergeChains(graph: Graph, reshapes: readonly Node[]): boolean {
  const ix = new GraphIndex(graph);
  for (const r of reshapes) {
    const x = r.inputs[0];
    const first = ix.producer(x);
    if (!first || first.op !== 'Reshape' || ix.isRemoved(first) || ix.isOutput(x) || ix.readers(x) !== 1 || copiesInputDims(r)) continue;
    ix.setInput(r, 0, first.inputs[0]);
    ix.remove(first);
  }
  return ix.commit();
}

const same = (a: Shape | undefined, b: Shape | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Reshapes whose output shape is their input's become Identity. The batch is the only free dim and
 * every dim is affine in it, so equal shapes at batch 1 and 2 are equal at every batch.
 */
function markIdentities(graph: Graph, reshapes: readonly Node[]): boolean {
  let at: Map<string, Shape>[];
  try {
    at = [1, 2].map((batch) => inferShapes(graph, batch));
  } catch {
    // A graph whose shapes do not infer (a fixed batch of 1, a bad attribute) is left as it is: loading it
    // reports the problem with its node.
    return false;
  }
  let changed = false;
  for (const r of reshapes) {
    if (!at.every((shapes) => same(shapes.get(r.inputs[0]), shapes.get(r.outputs[0])))) continue;
    r.op = 'Identity';
    r.attrs = {};
    changed = true;
  }
  return changed;
}

export function mergeReshapes(graph: Graph): boolean {
  if (!graph.nodes.some((n) => n.op === 'Reshape')) return false;
  const merged = mergeChains(graph, graph.nodes.filter((n) => n.op === 'Reshape'));
  const marked = markIdentities(graph, graph.nodes.filter((n) => n.op === 'Reshape'));
  return merged || marked;
}
