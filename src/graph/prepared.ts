// The prepared graph: everything about a model that does not depend on the backend, derived once per
// load and consumed by the Session and every backend. Validation, attribute parsing and shape inference
// run here and nowhere else; per batch size, a plan gives every value its shape, its lifetime (which
// steps touch it) and its alias (an op whose output shares its input's memory), from which each backend
// lays out memory with the planners of arena.ts. Plans are kept for a few batch sizes only.
import { BackendUnavailableError, GraphError } from '../errors.js';
import { OpError } from '../ops/op.js';
import { Transpose } from '../ops/transpose.js';
import { sizeOf, type Shape } from '../tensor.js';
import { planArena, planSlots, type ArenaPlan, type Lifetime, type SlotPlan } from './arena.js';
import type { Graph, Node, ValueInfo } from './ir.js';
import { optimize } from './optimize.js';
import { modelName, resolveNodes, type ResolvedNode } from './resolve.js';
import { checkOutputPerms, checkStructure } from './validate.js';

/** Batch plans kept per layout; the least recently used one goes first. */
export const MAX_BATCH_PLANS = 4;

/**
 * Where a run's tensors are: 'source', the source model's own layout (an ONNX image is NCHW), or 'ir',
 * the runtime's (NHWC). The two differ only for models whose inputs or outputs carry a sourcePerm.
 */
export type Layout = 'source' | 'ir';

/** A node input: one of the plan's values, or a weight. */
export type ValueRef = { readonly kind: 'value'; readonly id: number } | { readonly kind: 'constant'; readonly name: string };

export interface PlannedValue {
  readonly id: number;
  /** '' for an output a node produces but the graph never names. */
  readonly name: string;
  readonly shape: Shape;
  /** Elements. */
  readonly size: number;
  /** The first and last step that touch it: -1 = written before the first step; nodes.length = read after the last. */
  readonly first: number;
  readonly last: number;
  /** The value whose memory this one shares (an aliasing op's output); its owner's lifetime covers both. */
  readonly aliasOf?: number;
}

export interface PlannedNode extends ResolvedNode {
  readonly inputs: readonly (ValueRef | undefined)[];
  /** Every output the op produces (value ids), also those the node leaves unnamed. */
  readonly outputs: readonly number[];
}

/** One batch size of one layout: the shapes, the nodes over value ids, the lifetimes. */
export interface BatchPlan {
  readonly batch: number;
  readonly layout: Layout;
  readonly values: readonly PlannedValue[];
  readonly nodes: readonly PlannedNode[];
  /** Graph inputs and outputs, in the graph's order (an output may be a weight). */
  readonly inputs: readonly number[];
  readonly outputs: readonly ValueRef[];
  /**
   * The memory owners (values that alias no other) and their lifetimes, each covering its aliases, with
   * `bytes(v)` of the largest member: what arena.ts lays out.
   */
  owners(bytes: (v: PlannedValue) => number): { readonly ids: readonly number[]; readonly items: readonly Lifetime[] };
  /** Offsets of every value (aliases share their owner's) in one block, `extra` items after them. */
  arena(bytes: (v: PlannedValue) => number, align: number, extra?: readonly Lifetime[]): { readonly offsets: readonly number[]; readonly extra: readonly number[]; readonly size: number };
  /** A slot (a whole buffer reused whole) for every value, and the slots' sizes. */
  slots(bytes: (v: PlannedValue) => number): { readonly slotOf: readonly number[]; readonly slotBytes: readonly number[] };
}

export interface PrepareOptions {
  /** Run the graph passes first (default true). */
  readonly optimize?: boolean;
}

/** Counts of the work done here, for tests that prove it happens once per load. */
export const prepareCounters = { graphs: 0, plans: 0 };

export function inputShape(shape: readonly number[], batch: number): Shape {
  // The batch is the one -1; in a source layout it may sit on any axis.
  return shape.map((d) => (d === -1 ? batch : d));
}

export class PreparedGraph {
  /** The op names the graph uses: what a backend must implement. */
  readonly ops: ReadonlySet<string>;
  readonly #resolved: readonly ResolvedNode[];
  readonly #plans = new Map<string, BatchPlan>();
  #source: { graph: Graph; resolved: ResolvedNode[] } | undefined;

  readonly #permuted: boolean;

  private constructor(readonly graph: Graph, resolved: ResolvedNode[]) {
    this.#resolved = resolved;
    this.ops = new Set(graph.nodes.map((n) => n.op));
    this.#permuted = graph.inputs.some((v) => v.sourcePerm) || graph.outputs.some((v) => v.sourcePerm);
  }

  /** Runs the passes (unless told not to), checks the graph, binds every node to its op: once per load. */
  static build(graph: Graph, options: PrepareOptions = {}): PreparedGraph {
    const g = options.optimize === false ? graph : optimize(graph);
    checkStructure(g);
    const prepared = new PreparedGraph(g, resolveNodes(g));
    prepareCounters.graphs++;
    // Shapes at batch 1 prove the graph consistent before any backend is asked to prepare it.
    const plan = prepared.plan(1, 'ir');
    checkOutputPerms(g, (name) => plan.values.find((v) => v.name === name)?.shape.length ?? g.constants.get(name)!.shape.length);
    return prepared;
  }

  get name(): string {
    return modelName(this.graph);
  }

  get nodes(): readonly ResolvedNode[] {
    return this.#resolved;
  }

  /** Whether the batch is free (an input's dim 0 is -1). */
  get batchFree(): boolean {
    return this.graph.inputs.some((v) => v.shape[0] === -1);
  }

  /** The ops of the graph that `ops` lacks, in first-use order. */
  missingOps(ops: ReadonlySet<string>): string[] {
    return [...this.ops].filter((op) => !ops.has(op));
  }

  /** Throws BackendUnavailableError (with missingOps) unless `ops`, a backend's op table, has every op of the graph. */
  checkCoverage(ops: ReadonlySet<string>, backend: string): void {
    const missing = this.missingOps(ops);
    if (missing.length) throw new BackendUnavailableError(backend, `it does not implement ${missing.join(', ')}`, missing);
  }

  /** The plan for `batch` in `layout`: built at its first use, kept while among the last few used. */
  plan(batch: number, layout: Layout = 'source'): BatchPlan {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    // Without a sourcePerm the two layouts are one: one plan serves both.
    if (!this.#permuted) layout = 'ir';
    const key = `${layout}:${batch}`;
    const hit = this.#plans.get(key);
    if (hit) {
      this.#plans.delete(key);
      this.#plans.set(key, hit);
      return hit;
    }
    const { graph, resolved } = layout === 'ir' ? { graph: this.graph, resolved: this.#resolved } : this.#sourceGraph();
    const plan = buildPlan(graph, resolved, batch, layout);
    prepareCounters.plans++;
    this.#plans.set(key, plan);
    const ofLayout = [...this.#plans.keys()].filter((k) => k.startsWith(`${layout}:`));
    if (ofLayout.length > MAX_BATCH_PLANS) this.#plans.delete(ofLayout[0]);
    return plan;
  }

  /** Whether `plan` is still cached (a Session drops its backend resources for plans that are not). */
  holds(plan: BatchPlan): boolean {
    return this.#plans.get(`${plan.layout}:${plan.batch}`) === plan;
  }

  /** How many batch plans are cached now (at most MAX_BATCH_PLANS per layout). */
  get planCount(): number {
    return this.#plans.size;
  }

  /**
   * The graph as a caller in the source layout sees it: a Transpose into the IR layout after each input
   * that has a sourcePerm, and one back before each such output, so the backend's own kernel does the
   * permute. Identical to the graph when no value has a sourcePerm.
   */
  #sourceGraph(): { graph: Graph; resolved: ResolvedNode[] } {
    if (this.#source) return this.#source;
    const g = this.graph;
    const rename = new Map<string, string>();
    const fresh = (name: string, suffix: string): string => {
      let n = `${name}::${suffix}`;
      while (g.constants.has(n) || g.nodes.some((x) => x.outputs.includes(n) || x.inputs.includes(n))) n += '_';
      return n;
    };
    const head: Node[] = [];
    const inputs: ValueInfo[] = g.inputs.map((v) => {
      if (!v.sourcePerm) return v;
      const ir = fresh(v.name, 'ir');
      rename.set(v.name, ir);
      head.push({ name: fresh(v.name, 'to-ir'), op: 'Transpose', inputs: [v.name], outputs: [ir], attrs: { perm: inversePerm(v.sourcePerm) } });
      return { name: v.name, shape: v.sourcePerm.map((p) => v.shape[p]) };
    });
    const tail: Node[] = [];
    for (const v of g.outputs) {
      if (!v.sourcePerm) continue;
      const ir = fresh(v.name, 'ir');
      rename.set(v.name, ir);
      tail.push({ name: fresh(v.name, 'to-source'), op: 'Transpose', inputs: [ir], outputs: [v.name], attrs: { perm: [...v.sourcePerm] } });
    }
    const renamed = (name: string) => rename.get(name) ?? name;
    const body = g.nodes.map((n) => ({ ...n, inputs: n.inputs.map(renamed), outputs: n.outputs.map(renamed) }));
    for (const t of tail) t.inputs = t.inputs.map(renamed);
    const graph: Graph = {
      ...g,
      nodes: [...head, ...body, ...tail],
      inputs,
      outputs: g.outputs.map((v) => ({ name: v.name, shape: v.sourcePerm ? v.sourcePerm.map((p) => v.shape[p]) : v.shape })),
    };
    // The model's own nodes keep their parsed attributes; only the edge Transposes are parsed here.
    const edge = (n: Node): ResolvedNode => ({ node: n, op: Transpose, attrs: Transpose.parseAttrs(n.attrs) });
    const resolved = [...head.map(edge), ...this.#resolved.map((r, i) => ({ ...r, node: body[i] })), ...tail.map(edge)];
    return this.#source = { graph, resolved };
  }
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

function wrap<T>(node: Node, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OpError) throw new GraphError(`${node.op}: ${e.message}`, node.name);
    throw e;
  }
}

interface MutableValue { id: number; name: string; shape: Shape; size: number; first: number; last: number; aliasOf?: number }

function buildPlan(graph: Graph, resolved: readonly ResolvedNode[], batch: number, layout: Layout): BatchPlan {
  const values: MutableValue[] = [];
  const byName = new Map<string, number>();
  const add = (name: string, shape: Shape, first: number): number => {
    const id = values.length;
    values.push({ id, name, shape, size: sizeOf(shape), first, last: first });
    if (name !== '') byName.set(name, id);
    return id;
  };
  const inputs = graph.inputs.map((v) => add(v.name, inputShape(v.shape, batch), -1));
  const ref = (name: string, where: string): ValueRef => {
    const id = byName.get(name);
    if (id !== undefined) return { kind: 'value', id };
    if (graph.constants.has(name)) return { kind: 'constant', name };
    throw new GraphError(`input "${name}" is not produced before use`, where);
  };
  const shapeOf = (r: ValueRef): Shape => (r.kind === 'value' ? values[r.id].shape : graph.constants.get(r.name)!.shape);
  const nodes: PlannedNode[] = resolved.map((rn, step) => {
    const { node, op, attrs } = rn;
    const ins = node.inputs.map((name) => (name === '' ? undefined : ref(name, node.name)));
    for (const r of ins) if (r?.kind === 'value') values[r.id].last = step;
    const outShapes = wrap(node, () => op.inferShape(ins.map((r) => (r ? shapeOf(r) : undefined)), attrs));
    if (outShapes.length < node.outputs.length) {
      throw new GraphError(`${node.op} produces ${outShapes.length} outputs, node lists ${node.outputs.length}`, node.name);
    }
    const outs = outShapes.map((shape, i) => add(node.outputs[i] ?? '', shape, step));
    const src = ins[0];
    if (op.aliasesInput && src?.kind === 'value') values[outs[0]].aliasOf = values[src.id].aliasOf ?? src.id;
    return { ...rn, inputs: ins, outputs: outs };
  });
  const outputs = graph.outputs.map((v) => {
    const r = ref(v.name, v.name);
    // Read after the last step: live to the end.
    if (r.kind === 'value') values[r.id].last = nodes.length;
    return r;
  });
  return new Plan(batch, layout, values, nodes, inputs, outputs);
}

class Plan implements BatchPlan {
  constructor(
    readonly batch: number,
    readonly layout: Layout,
    readonly values: readonly PlannedValue[],
    readonly nodes: readonly PlannedNode[],
    readonly inputs: readonly number[],
    readonly outputs: readonly ValueRef[],
  ) {}

  owners(bytes: (v: PlannedValue) => number): { ids: number[]; items: Lifetime[] } {
    const spans = new Map<number, { bytes: number; first: number; last: number }>();
    for (const v of this.values) {
      const owner = v.aliasOf ?? v.id;
      const s = spans.get(owner);
      const b = bytes(v);
      if (s) { s.bytes = Math.max(s.bytes, b); s.first = Math.min(s.first, v.first); s.last = Math.max(s.last, v.last); } else spans.set(owner, { bytes: b, first: v.first, last: v.last });
    }
    return { ids: [...spans.keys()], items: [...spans.values()] };
  }

  arena(bytes: (v: PlannedValue) => number, align: number, extra: readonly Lifetime[] = []): { offsets: number[]; extra: number[]; size: number } {
    const { ids, items } = this.owners(bytes);
    const laid: ArenaPlan = planArena([...items, ...extra], align);
    const offsets = new Array<number>(this.values.length);
    ids.forEach((id, i) => { offsets[id] = laid.offsets[i]; });
    for (const v of this.values) if (v.aliasOf !== undefined) offsets[v.id] = offsets[v.aliasOf];
    return { offsets, extra: laid.offsets.slice(ids.length), size: laid.size };
  }

  slots(bytes: (v: PlannedValue) => number): { slotOf: number[]; slotBytes: number[] } {
    const { ids, items } = this.owners(bytes);
    const laid: SlotPlan = planSlots(items);
    const slotOf = new Array<number>(this.values.length);
    ids.forEach((id, i) => { slotOf[id] = laid.slotOf[i]; });
    for (const v of this.values) if (v.aliasOf !== undefined) slotOf[v.id] = slotOf[v.aliasOf];
    return { slotOf, slotBytes: laid.slotBytes };
  }
}
