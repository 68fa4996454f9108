// What both exporters need to know about an IR graph: each node bound to its op, every value's
// shape at batch 1, which axis of it is the batch, and the float values of its constants.
import { dequantize } from '../../src/graph/constant.js';
import type { Graph } from '../../src/graph/ir.js';
import { resolveNodes, type ResolvedNode } from '../../src/graph/resolve.js';
import { inferShapes } from '../../src/graph/shapes.js';
import type { Shape } from '../../src/tensor.js';

export class GraphInfo {
  readonly resolved: ResolvedNode[];
  private readonly read = new Set<string>();
  private readonly shapes1: Map<string, Shape>;
  private readonly shapes2: Map<string, Shape>;

  constructor(readonly graph: Graph) {
    this.resolved = resolveNodes(graph);
    this.shapes1 = inferShapes(graph, 1, this.resolved);
    // A second batch size shows which axis of each value moves with the batch.
    this.shapes2 = inferShapes(graph, 2, this.resolved);
    for (const n of graph.nodes) for (const i of n.inputs) this.read.add(i);
    for (const v of graph.outputs) this.read.add(v.name);
  }

  /** Whether a node or the graph's outputs read the value. */
  isUsed(name: string): boolean {
    return name !== '' && this.read.has(name);
  }

  isConstant(name: string): boolean {
    return this.graph.constants.has(name);
  }

  /** Shape at batch 1. */
  shape(name: string): Shape {
    const s = this.shapes1.get(name);
    if (!s) throw new Error(`value "${name}" has no shape`);
    return s;
  }

  /** The axis that carries the batch, or -1 when the value does not depend on it. */
  batchAxis(name: string): number {
    const a = this.shape(name), b = this.shapes2.get(name)!;
    const moving = a.map((_, i) => i).filter((i) => a[i] !== b[i]);
    if (moving.length > 1) throw new Error(`value "${name}" has the batch folded into several axes: ${a} vs ${b}`);
    return moving.length ? moving[0] : -1;
  }

  /** The shape with the batch axis as -1 (what a Reshape target or a declared input needs). */
  freeShape(name: string): number[] {
    const s = [...this.shape(name)], a = this.batchAxis(name);
    if (a >= 0) s[a] = -1;
    return s;
  }

  constantData(name: string): Float32Array {
    const c = this.graph.constants.get(name);
    if (!c) throw new Error(`"${name}" is not a constant`);
    return dequantize(c);
  }
}

/** out.shape[i] = shape[perm[i]], data moved to match (row-major). */
export function transposeData(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  if (perm.every((p, i) => p === i)) return data.slice();
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, acc = 1; i >= 0; i--) { inStrides[i] = acc; acc *= shape[i]; }
  const stepIn = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) { src += stepIn[i]; break; }
      src -= stepIn[i] * (outShape[i] - 1);
      idx[i] = 0;
    }
  }
  return out;
}

export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

export function isIdentity(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}

export function identity(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/**
 * Whether transposing a tensor of `shape` by `perm` leaves its data order unchanged: true when the
 * axes longer than 1 (the batch axis counted as long) keep their relative order.
 */
export function keepsDataOrder(shape: readonly number[], batchAxis: number, perm: readonly number[]): boolean {
  const long = perm.filter((p) => shape[p] !== 1 || p === batchAxis);
  return long.every((p, i) => i === 0 || long[i - 1] < p);
}
