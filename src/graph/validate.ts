// Structural checks on a graph before anything runs it: every value defined once and before use,
// source permutations well formed. Ops, attributes and shapes are checked when the graph is prepared
// (prepared.ts), which is what validateGraph adds.
import { GraphError } from '../errors.js';
import type { Graph } from './ir.js';
import { resolveNodes } from './resolve.js';
import { inferShapes } from './shapes.js';

function checkPerm(perm: readonly number[] | undefined, rank: number, where: string): void {
  if (!perm) return;
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw new GraphError(`sourcePerm [${perm}] is not a permutation of rank ${rank}`, where);
  }
}

/** Definitions, uses and input shapes; output permutations once shapes are known (checkOutputPerms). */
export function checkStructure(graph: Graph): void {
  const defined = new Set<string>();
  const define = (name: string, where: string) => {
    if (name === '') return;
    if (defined.has(name)) throw new GraphError(`value "${name}" is defined twice`, where);
    defined.add(name);
  };
  for (const v of graph.inputs) {
    if (v.shape.some((d, i) => !Number.isInteger(d) || d < (i === 0 ? -1 : 1) || d === 0)) {
      throw new GraphError(`input shape [${v.shape}] must have positive dims (dim 0 may be -1)`, v.name);
    }
    checkPerm(v.sourcePerm, v.shape.length, v.name);
    define(v.name, v.name);
  }
  for (const name of graph.constants.keys()) define(name, name);
  const nodeNames = new Set<string>();
  for (const node of graph.nodes) {
    if (nodeNames.has(node.name)) throw new GraphError('node name is used twice', node.name);
    nodeNames.add(node.name);
    for (const i of node.inputs) {
      if (i !== '' && !defined.has(i)) throw new GraphError(`input "${i}" is not produced before use`, node.name);
    }
    for (const o of node.outputs) define(o, node.name);
  }
  for (const v of graph.outputs) {
    if (!defined.has(v.name)) throw new GraphError(`graph output "${v.name}" is never produced`, v.name);
  }
}

/** sourcePerm of each output against its rank (`rankOf` from the shapes at some batch). */
export function checkOutputPerms(graph: Graph, rankOf: (name: string) => number): void {
  for (const v of graph.outputs) checkPerm(v.sourcePerm, rankOf(v.name), v.name);
}

/** For tools that check a graph without running it (convert): structure, ops, attributes and shapes. */
export function validateGraph(graph: Graph): void {
  checkStructure(graph);
  const shapes = inferShapes(graph, 1, resolveNodes(graph));
  checkOutputPerms(graph, (name) => shapes.get(name)!.length);
}
