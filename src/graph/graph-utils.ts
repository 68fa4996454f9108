// Small structural helpers shared by the graph passes: who produces and who consumes a value,
// topological order, fresh names, rewiring uses, dead-code removal and copying a graph.
// None of them touches a Constant's data.
import { GraphError } from '../errors.js';
import type { Constant, Graph, Node } from './ir.js';

export interface Use {
  readonly node: Node;
  /** Position in node.inputs. */
  readonly index: number;
}

/** Value name -> every (node, input slot) that reads it. Graph outputs are not uses; see isGraphOutput. */
export function consumersOf(graph: Graph): Map<string, Use[]> {
  const m = new Map<string, Use[]>();
  for (const node of graph.nodes) {
    node.inputs.forEach((name, index) => {
      if (name === '') return;
      let list = m.get(name);
      if (!list) m.set(name, (list = []));
      list.push({ node, index });
    });
  }
  return m;
}

/** Value name -> the node that writes it. Throws GraphError when two nodes write one value. */
export function producersOf(graph: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const node of graph.nodes) {
    for (const name of node.outputs) {
      if (name === '') continue;
      if (m.has(name)) throw new GraphError(`value "${name}" is produced twice (also by "${m.get(name)!.name}")`, node.name);
      m.set(name, node);
    }
  }
  return m;
}

export function isGraphOutput(graph: Graph, name: string): boolean {
  return graph.outputs.some((v) => v.name === name);
}

/**
 * Nodes ordered so that every producer comes before its consumers. Keeps the given order where
 * it is already valid (a depth-first walk in list order), so importers' order survives.
 * Throws GraphError on a cycle.
 */
export function topologicalOrder(graph: Graph): Node[] {
  const producers = producersOf(graph);
  const state = new Map<Node, 'visiting' | 'done'>();
  const order: Node[] = [];
  for (const root of graph.nodes) {
    if (state.has(root)) continue;
    // Explicit stack: real models are deep enough to overflow recursion.
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const dep = producers.get(top.node.inputs[top.next++]);
        if (!dep) continue;
        const s = state.get(dep);
        if (s === 'visiting') throw new GraphError(`cycle through value "${top.node.inputs[top.next - 1]}"`, top.node.name);
        if (s === undefined) {
          state.set(dep, 'visiting');
          stack.push({ node: dep, next: 0 });
        }
      } else {
        state.set(top.node, 'done');
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}

/** Every name in use: values (inputs, constants, node outputs) and node names share one namespace here. */
export function takenNames(graph: Graph): Set<string> {
  const s = new Set<string>();
  for (const v of graph.inputs) s.add(v.name);
  for (const name of graph.constants.keys()) s.add(name);
  for (const node of graph.nodes) {
    s.add(node.name);
    for (const o of node.outputs) s.add(o);
  }
  return s;
}

/** `base`, or `base_1`, `base_2`, ... : the first one not in `taken` (which it is then added to). */
export function uniqueName(taken: Set<string>, base: string): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** Makes every node input that reads `from` read `to` instead. Graph outputs are left alone. */
export function replaceUses(graph: Graph, from: string, to: string): void {
  for (const node of graph.nodes) {
    for (let i = 0; i < node.inputs.length; i++) if (node.inputs[i] === from) node.inputs[i] = to;
  }
}

export function removeNode(graph: Graph, node: Node): void {
  const i = graph.nodes.indexOf(node);
  if (i >= 0) graph.nodes.splice(i, 1);
}

/**
 * Drops nodes none of whose outputs is read (by a node or as a graph output), then constants no
 * node reads. Returns whether anything was removed.
 */
export function removeDead(graph: Graph): boolean {
  const live = new Set<string>(graph.outputs.map((v) => v.name));
  const kept: Node[] = [];
  // Walk consumers-first so one sweep removes whole dead chains.
  const order = topologicalOrder(graph);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    if (!node.outputs.some((o) => o !== '' && live.has(o))) continue;
    kept.push(node);
    for (const name of node.inputs) if (name !== '') live.add(name);
  }
  let changed = kept.length !== graph.nodes.length;
  if (changed) {
    const keep = new Set(kept);
    graph.nodes = graph.nodes.filter((n) => keep.has(n));
  }
  for (const name of [...graph.constants.keys()]) {
    if (!live.has(name)) {
      graph.constants.delete(name);
      changed = true;
    }
  }
  return changed;
}

/**
 * A copy the passes may rewrite freely: new node objects, arrays and constant map. Constant
 * objects and their data are shared, so passes must replace a constant, never write into it.
 */
export function cloneGraph(graph: Graph): Graph {
  return {
    nodes: graph.nodes.map((n) => ({ name: n.name, op: n.op, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
    inputs: graph.inputs.map((v) => ({ ...v, shape: [...v.shape], ...(v.sourcePerm ? { sourcePerm: [...v.sourcePerm] } : {}) })),
    outputs: graph.outputs.map((v) => ({ ...v, shape: [...v.shape], ...(v.sourcePerm ? { sourcePerm: [...v.sourcePerm] } : {}) })),
    constants: new Map<string, Constant>(graph.constants),
    metadata: { ...graph.metadata },
  };
}

/**
 * Points input `index` of `node` at `value`. The constant it read is replaced under its own name
 * when this is its only reader; otherwise `value` gets a fresh name so other readers keep theirs.
 */
export function setConstantInput(graph: Graph, node: Node, index: number, value: Constant, baseName: string): void {
  const current = node.inputs[index] ?? '';
  if (current !== '' && graph.constants.has(current) && !isGraphOutput(graph, current)) {
    const readers = graph.nodes.reduce((n, other) => n + other.inputs.filter((i) => i === current).length, 0);
    if (readers === 1) {
      graph.constants.set(current, value);
      return;
    }
  }
  const name = uniqueName(takenNames(graph), baseName);
  graph.constants.set(name, value);
  while (node.inputs.length <= index) node.inputs.push('');
  node.inputs[index] = name;
}
