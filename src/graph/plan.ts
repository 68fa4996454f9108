// One batch size of a graph: every value's shape, its lifetime (which steps touch it) and its alias (an op
// whose output shares its input's memory), the nodes over value ids; what the prepared graph caches per
// batch and what backends lay out memory from (arena.ts). The one shape inference over a graph.
import { GraphError } from '../errors.js';
import { OpError } from '../ops/op.js';
import { sizeOf, type Shape } from '../tensor.js';
import { planArena, planSlots, type ArenaPlan, type Lifetime, type SlotPlan } from './arena.js';
import type { Graph, Node } from './ir.js';
import type { ResolvedNode } from './resolve.js';

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
  /** Offsets of every value in one block (aliases share their owner's), and the block's size. */
  arena(bytes: (v: PlannedValue) => number, align: number): { readonly offsets: readonly number[]; readonly size: number };
  /** A slot (a whole buffer reused whole) for every value, and the slots' sizes. */
  slots(bytes: (v: PlannedValue) => number): { readonly slotOf: readonly number[]; readonly slotBytes: readonly number[] };
}

function inputShape(shape: readonly number[], batch: number): Shape {
  // The batch is the one -1; in a source layout it may sit on any axis.
  return shape.map((d) => (d === -1 ? batch : d));
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

/** Shapes, nodes over value ids and lifetimes of `graph` at `batch`: the one shape inference over a graph. */
export function buildPlan(graph: Graph, resolved: readonly ResolvedNode[], batch: number, layout: Layout = 'ir'): BatchPlan {
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
    if (!byName.has(v.name) && !graph.constants.has(v.name)) throw new GraphError(`graph output "${v.name}" is never produced`, v.name);
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

  arena(bytes: (v: PlannedValue) => number, align: number): { offsets: number[]; size: number } {
    const { ids, items } = this.owners(bytes);
    const laid: ArenaPlan = planArena(items, align);
    return { offsets: this.#perValue(ids, laid.offsets), size: laid.size };
  }

  slots(bytes: (v: PlannedValue) => number): { slotOf: number[]; slotBytes: number[] } {
    const { ids, items } = this.owners(bytes);
    const laid: SlotPlan = planSlots(items);
    return { slotOf: this.#perValue(ids, laid.slotOf), slotBytes: laid.slotBytes };
  }

  /** `placed[i]` is where owner ids[i] went: every value gets its owner's place. */
  #perValue(ids: readonly number[], placed: readonly number[]): number[] {
    const of = new Array<number>(this.values.length);
    ids.forEach((id, i) => { of[id] = placed[i]; });
    for (const v of this.values) if (v.aliasOf !== undefined) of[v.id] = of[v.aliasOf];
    return of;
  }
}

/** A value's shape as the source model sees it: transpose(shape, sourcePerm) when it has one. */
export function sourceShape(v: { readonly shape: readonly number[]; readonly sourcePerm?: readonly number[] }): number[] {
  return v.sourcePerm ? v.sourcePerm.map((p) => v.shape[p]) : [...v.shape];
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

