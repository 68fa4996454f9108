// The prepared graph: everything about a model that does not depend on the backend, derived once per
// load and consumed by the Session and every backend. Validation, attribute parsing and shape inference
// run here and nowhere else; per batch size, a plan gives every value its shape, its lifetime (which
// steps touch it) and its alias (an op whose output shares its input's memory), from which each backend
// lays out memory with the planners of arena.ts. Plans are kept for a few batch sizes only.
import { BackendUnavailableError } from '../errors.js';
import { Transpose } from '../ops/transpose.js';
import type { Graph, Node, ValueInfo } from './ir.js';
import { topologicalOrder } from './topological-order.js';
import { buildPlan, inversePerm, sourceShape, type BatchPlan, type Layout } from './plan.js';
import { modelName, resolveNodes, type ResolvedNode } from './resolve.js';
import { checkOutputPerms, checkStructure } from './validate.js';

export { sourceShape, type BatchPlan, type Layout, type PlannedNode, type PlannedValue, type ValueRef } from './plan.js';

/** Batch plans kept per layout; the least recently used one goes first. */
export const MAX_BATCH_PLANS = 4;

/** Counts of the work done here, for tests that prove it happens once per load. */
export const prepareCounters = { graphs: 0, plans: 0 };

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

  /**
   * Checks the graph and binds every node to its op: once per load. The graph runs as given: fusing and
   * folding is the converter's work (optimize(), which `edgeinfer convert` runs), so the runtime does not
   * carry the passes; nodes are only put in an order that runs.
   */
  static build(graph: Graph): PreparedGraph {
    const g: Graph = { ...graph, nodes: topologicalOrder(graph) };
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

  /** The batch a run gets unless its inputs say otherwise: the model's fixed batch, else 1. */
  get defaultBatch(): number {
    return this.graph.inputs.find((v) => v.shape[0] !== -1)?.shape[0] ?? 1;
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

  /**
   * The plan for `batch` in `layout`: built at its first use, kept while among the last few used. A new plan
   * is cached (and the oldest dropped) only once `admit` accepts it: a run refused for its size evicts nothing.
   */
  plan(batch: number, layout: Layout = 'source', admit?: (plan: BatchPlan) => void): BatchPlan {
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
    admit?.(plan);
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
      return { name: v.name, shape: sourceShape(v) };
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
      outputs: g.outputs.map((v) => ({ name: v.name, shape: sourceShape(v) })),
    };
    // The model's own nodes keep their parsed attributes; only the edge Transposes are parsed here.
    const edge = (n: Node): ResolvedNode => ({ node: n, op: Transpose, attrs: Transpose.parseAttrs(n.attrs) });
    const resolved = [...head.map(edge), ...this.#resolved.map((r, i) => ({ ...r, node: body[i] })), ...tail.map(edge)];
    return this.#source = { graph, resolved };
  }
}

