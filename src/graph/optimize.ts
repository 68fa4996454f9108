// optimize(graph): a new graph with the same numerical results and fewer, fused nodes. The
// caller's graph is left untouched: passes work on a copy and replace constants, never write them.
import type { Graph } from './ir.js';
import { cloneGraph, removeDead, topologicalOrder } from './graph-utils.js';
import { dropIdentity } from './passes/drop-identity.js';
import { foldConstants } from './passes/fold-constants.js';
import { foldTransposeIntoDense } from './passes/fold-transpose-into-dense.js';
import { foldBatchNorm } from './passes/fold-batch-norm.js';
import { hoistThroughReshape } from './passes/hoist-through-reshape.js';
import { fuseBias } from './passes/fuse-bias.js';
import { fuseActivation } from './passes/fuse-activation.js';
import { mergeReshapes } from './passes/merge-reshapes.js';

/** A pass rewrites the graph in place and says whether it changed anything. */
export type Pass = (graph: Graph) => boolean;

/**
 * Order matters within a round: constants fold first so weights computed by nodes become
 * foldable; BatchNorm folds before biases and activations are fused, because a fused
 * activation would stop the BatchNorm from moving into the product. A BatchNorm or activation behind the
 * Reshape of a 1-D layer moves before it first, so that both can fold; the
 * Reshape pairs left between 1-D layers then cancel.
 */
export const PASSES: readonly { readonly name: string; readonly run: Pass }[] = [
  { name: 'drop-identity', run: dropIdentity },
  { name: 'fold-constants', run: foldConstants },
  { name: 'fold-transpose-into-dense', run: foldTransposeIntoDense },
  { name: 'hoist-through-reshape', run: hoistThroughReshape },
  { name: 'fold-batch-norm', run: foldBatchNorm },
  { name: 'fuse-bias', run: fuseBias },
  { name: 'fuse-activation', run: fuseActivation },
  { name: 'merge-reshapes', run: mergeReshapes },
  { name: 'remove-dead', run: removeDead },
];

/** Every pass removes or rewires a node when it reports a change; this only guards against a bug looping. */
const MAX_ROUNDS = 64;

export function optimize(graph: Graph, passes: readonly { readonly run: Pass }[] = PASSES): Graph {
  const g = cloneGraph(graph);
  g.nodes = topologicalOrder(g);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    for (const pass of passes) if (pass.run(g)) changed = true;
    if (!changed) break;
  }
  return g;
}
