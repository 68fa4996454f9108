// Small structural helpers shared by the graph passes: who produces and who consumes a value,
// topological order, fresh names, rewiring uses, dead-code removal and copying a graph.
// None of them touches a Constant's data.
import { GraphError } from '../errors.js';
import type { Constant, Graph, Node } from './ir.js';
import { producersOf, topologicalOrder } from './topological-order.js';

// In a module of their own so that the runtime (prepared.ts) takes only them into the browser bundle.
export { producersOf, topologicalOrder } from './topological-order.js';

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

export function isGraphOutput(graph: Graph, name: string): boolean {
  return graph.outputs.some((v) => v.name === name);
}

/**
 * Producers, readers and graph outputs of a graph, kept up to date by the rewrites made through it, so a
 * pass asks them in O(1) per node instead of rebuilding a map per node (quadratic on deep graphs).
 * Removed nodes leave graph.nodes at commit(), once per pass, not one splice each.
 */
export class GraphIndex {
  readonly #producers: Map<string, Node>;
  readonly #consumers: Map<string, Use[]>;
  readonly #outputs: Set<string>;
  readonly #removed = new Set<Node>();
  #taken?: Set<string>;

  constructor(readonly graph: Graph) {
    this.#producers = producersOf(graph);
    this.#consumers = consumersOf(graph);
    this.#outputs = new Set(graph.outputs.map((v) => v.name));
  }

  producer(name: string): Node | undefined {
    return this.#producers.get(name);
  }

  /** Every (node, slot) that reads `name`; do not modify. */
  uses(name: string): readonly Use[] {
    return this.#consumers.get(name) ?? [];
  }

  readers(name: string): number {
    return this.#consumers.get(name)?.length ?? 0;
  }

  isOutput(name: string): boolean {
    return this.#outputs.has(name);
  }

  /** A name not in use (as takenNames), then taken. */
  fresh(base: string): string {
    this.#taken ??= takenNames(this.graph);
    return uniqueName(this.#taken, base);
  }

  #dropUse(name: string, node: Node, index: number): void {
    const list = this.#consumers.get(name);
    if (!list) return;
    const i = list.findIndex((u) => u.node === node && u.index === index);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#consumers.delete(name);
  }

  #addUse(name: string, node: Node, index: number): void {
    if (name === '') return;
    let list = this.#consumers.get(name);
    if (!list) this.#consumers.set(name, (list = []));
    list.push({ node, index });
  }

  /** node.inputs[index] = name (padding with '' as needed). */
  setInput(node: Node, index: number, name: string): void {
    while (node.inputs.length <= index) node.inputs.push('');
    this.#dropUse(node.inputs[index], node, index);
    node.inputs[index] = name;
    this.#addUse(name, node, index);
  }

  /** node.outputs[index] = name. */
  setOutput(node: Node, index: number, name: string): void {
    const old = node.outputs[index];
    if (old !== '' && this.#producers.get(old) === node) this.#producers.delete(old);
    node.outputs[index] = name;
    if (name !== '') this.#producers.set(name, node);
    this.#taken?.add(name);
  }

  /** Makes every node input that reads `from` read `to` instead (replaceUses). */
  replaceUses(from: string, to: string): void {
    if (from === to) return;
    for (const u of this.#consumers.get(from) ?? []) {
      u.node.inputs[u.index] = to;
      this.#addUse(to, u.node, u.index);
    }
    this.#consumers.delete(from);
  }

  /** Takes the node out: its reads and writes are forgotten now, the list is filtered at commit(). */
  remove(node: Node): void {
    if (this.#removed.has(node)) return;
    this.#removed.add(node);
    node.inputs.forEach((name, i) => this.#dropUse(name, node, i));
    for (const o of node.outputs) if (o !== '' && this.#producers.get(o) === node) this.#producers.delete(o);
  }

  isRemoved(node: Node): boolean {
    return this.#removed.has(node);
  }

  /** Applies the removals to graph.nodes (keeping its order); returns whether any node went. */
  commit(): boolean {
    if (this.#removed.size === 0) return false;
    this.graph.nodes = this.graph.nodes.filter((n) => !this.#removed.has(n));
    this.#removed.clear();
    return true;
  }
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

/** Per name set, the suffix to try next for each base: n nodes of one base cost O(n), not O(n^2). */
const nextSuffix = new WeakMap<Set<string>, Map<string, number>>();

/**
 * `base`, or `base_1`, `base_2`, ... : a name not in `taken` (which it is then added to). Suffixes
 * already handed out for `base` are not tried again.
 */
export function uniqueName(taken: Set<string>, base: string): string {
  if (!taken.has(base)) {
    taken.add(base);
    return base;
  }
  let next = nextSuffix.get(taken);
  if (!next) nextSuffix.set(taken, (next = new Map()));
  let i = next.get(base) ?? 1;
  while (taken.has(`${base}_${i}`)) i++;
  const name = `${base}_${i}`;
  next.set(base, i + 1);
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
export function setConstantInput(graph: Graph, node: Node, index: number, value: Constant, baseName: string, ix?: GraphIndex): void {
  const current = node.inputs[index] ?? '';
  if (current !== '' && graph.constants.has(current) && !(ix ? ix.isOutput(current) : isGraphOutput(graph, current))) {
    const readers = ix ? ix.readers(current) : graph.nodes.reduce((n, other) => n + other.inputs.filter((i) => i === current).length, 0);
    if (readers === 1) {
      graph.constants.set(current, value);
      return;
    }
  }
  const name = ix ? ix.fresh(baseName) : uniqueName(takenNames(graph), baseName);
  graph.constants.set(name, value);
  if (ix) {
    ix.setInput(node, index, name);
    return;
  }
  while (node.inputs.length <= index) node.inputs.push('');
  node.inputs[index] = name;
}
