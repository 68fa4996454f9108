// Transpose(perm, batch axis fixed) -> Flatten/Reshape to [N, K] -> Gemm/MatMul with constant
// weights: flatten the untransposed tensor instead and permute the weights' K axis to match.
// This is how NCHW models reach their classifier once the importer has made images NHWC.
import { OpError } from '../../ops/op.js';
import { findOp } from '../../ops/registry.js';
import { sameShape, sizeOf, stridesOf, type Shape } from '../../tensor.js';
import type { Graph, Node } from '../ir.js';
import { GraphIndex, setConstantInput, type Use } from '../graph-utils.js';
import { inferShapes } from '../shapes.js';
import { constantOf, gatherAlongAxis } from './weights.js';

/** The constant weight of a dense consumer reading `value` as A, and the axis of B that is K; else undefined. */
function denseWeight(graph: Graph, use: Use, k: number): { axis: number } | undefined {
  const { node, index } = use;
  if (index !== 0 || node.inputs[1] === node.inputs[0]) return undefined;
  const b = constantOf(graph, node.inputs[1]);
  if (!b || b.shape.length !== 2) return undefined;
  let axis: number;
  if (node.op === 'Gemm') {
    if (node.attrs.transA) return undefined;
    axis = node.attrs.transB ? 1 : 0;
  } else if (node.op === 'MatMul') {
    axis = 0;
  } else {
    return undefined;
  }
  return b.shape[axis] === k ? { axis } : undefined;
}

/** The flatten's output shape if it were fed `input` directly. */
function flattenedShape(flat: Node, input: Shape): Shape | undefined {
  const op = findOp(flat.op);
  if (!op) return undefined;
  try {
    return op.inferShape([input], op.parseAttrs(flat.attrs))[0];
  } catch (e) {
    if (e instanceof OpError) return undefined;
    throw e;
  }
}

/**
 * index[kX] = kT: the row of the old weights (flattened-transposed order) that the element at
 * flattened-untransposed position kX meets.
 */
function kPermutation(xShape: Shape, perm: readonly number[]): Int32Array {
  const tShape = perm.map((p) => xShape[p]);
  const tStrides = stridesOf(tShape);
  // X axis a sits at T axis perm.indexOf(a): moving one step along it moves T's offset by this.
  const step = xShape.map((_, a) => tStrides[perm.indexOf(a)]);
  const k = sizeOf(xShape.slice(1));
  const index = new Int32Array(k);
  const idx = new Array<number>(xShape.length).fill(0);
  for (let kx = 0; kx < k; kx++) {
    let kt = 0;
    for (let a = 1; a < xShape.length; a++) kt += idx[a] * step[a];
    index[kx] = kt;
    for (let a = xShape.length - 1; a >= 1; a--) { if (++idx[a] < xShape[a]) break; idx[a] = 0; }
  }
  return index;
}

function foldOne(graph: Graph, ix: GraphIndex, transpose: Node, shapes: Map<string, Shape>): boolean {
  if (transpose.inputs.length !== 1 || transpose.outputs.length !== 1) return false;
  const [x] = transpose.inputs, [t] = transpose.outputs;
  const xShape = shapes.get(x)!;
  const rank = xShape.length;
  const perm = Array.isArray(transpose.attrs.perm) ? (transpose.attrs.perm as number[]) : xShape.map((_, i) => rank - 1 - i);
  if (rank < 2 || perm[0] !== 0) return false;
  const k = sizeOf(xShape.slice(1));
  for (const { node: flat, index } of [...ix.uses(t)]) {
    if (index !== 0 || (flat.op !== 'Flatten' && flat.op !== 'Reshape') || flat.outputs.length !== 1) continue;
    const f = flat.outputs[0];
    const want = [xShape[0], k];
    if (!sameShape(shapes.get(f)!, want)) continue;
    const direct = flattenedShape(flat, xShape);
    if (!direct || !sameShape(direct, want)) continue;
    const uses = [...ix.uses(f)];
    if (uses.length === 0 || ix.isOutput(f)) continue;
    const axes = uses.map((u) => denseWeight(graph, u, k));
    if (axes.some((a) => a === undefined)) continue;
    const rows = kPermutation(xShape, perm);
    uses.forEach((u, i) => {
      const b = constantOf(graph, u.node.inputs[1])!;
      setConstantInput(graph, u.node, 1, gatherAlongAxis(b, axes[i]!.axis, rows), `${u.node.name}_weight`, ix);
    });
    ix.setInput(flat, 0, x);
    return true;
  }
  return false;
}

export function foldTransposeIntoDense(graph: Graph): boolean {
  const transposes = graph.nodes.filter((n) => n.op === 'Transpose');
  if (transposes.length === 0) return false;
  // A rewrite keeps every value's shape, so one inference serves the whole sweep.
  const shapes = inferShapes(graph, 1);
  const ix = new GraphIndex(graph);
  let changed = false;
  for (const node of transposes) {
    if (foldOne(graph, ix, node, shapes)) changed = true;
  }
  return changed;
}
