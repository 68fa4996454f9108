// Evaluates nodes whose inputs are all constants with their op's reference and stores the
// results as constants. Pure data movement (Transpose, Reshape, Flatten, Identity) keeps the
// input's storage (f16/i8/u8 stay compact); everything else yields f32.
import { GraphError } from '../../errors.js';
import { OpError } from '../../ops/op.js';
import { findOp } from '../../ops/registry.js';
import { sizeOf, tensor, type Shape } from '../../tensor.js';
import type { Constant, Graph, Node } from '../ir.js';
import { GraphIndex } from '../graph-utils.js';
import { constantValues, f32Constant, transposeConstant } from './weights.js';

/** Results larger than this stay computed at run time rather than bloating the model file. */
export const MAX_FOLDED_ELEMENTS = 4 * 1024 * 1024;

/** The same values in the input's storage, or undefined when only an f32 result is possible. */
function moveStorage(node: Node, input: Constant, outShape: Shape): Constant | undefined {
  if (input.dtype === 'f32') return undefined;
  if (node.op === 'Transpose') {
    const perm = Array.isArray(node.attrs.perm) ? (node.attrs.perm as number[]) : input.shape.map((_, i) => input.shape.length - 1 - i);
    return transposeConstant(input, perm);
  }
  const relabel = node.op === 'Reshape' || node.op === 'Flatten' || node.op === 'Identity';
  // A per-axis quantization has no well-defined axis after an arbitrary reshape.
  if (!relabel || (input.quant && input.quant.scales.length > 1)) return undefined;
  return { ...input, shape: [...outShape] };
}

function foldOne(graph: Graph, ix: GraphIndex, node: Node): boolean {
  const present = node.inputs.filter((name) => name !== '');
  if (present.length === 0 || node.outputs.some((o) => o !== '' && ix.isOutput(o))) return false;
  const inputs = node.inputs.map((name) => (name === '' ? undefined : graph.constants.get(name)));
  if (inputs.some((c, i) => c === undefined && node.inputs[i] !== '')) return false;
  const op = findOp(node.op);
  if (!op) return false;
  let outShapes: Shape[];
  let attrs: unknown;
  try {
    attrs = op.parseAttrs(node.attrs);
    outShapes = op.inferShape(inputs.map((c) => c?.shape), attrs);
  } catch (e) {
    if (e instanceof OpError) throw new GraphError(`${node.op}: ${e.message}`, node.name);
    throw e;
  }
  if (outShapes.length < node.outputs.length) {
    throw new GraphError(`${node.op} produces ${outShapes.length} outputs, node lists ${node.outputs.length}`, node.name);
  }
  if (outShapes.reduce((n, s) => n + sizeOf(s), 0) > MAX_FOLDED_ELEMENTS) return false;
  const moved = present.length === 1 && outShapes.length === 1 ? moveStorage(node, graph.constants.get(present[0])!, outShapes[0]) : undefined;
  let results: Constant[];
  if (moved) {
    results = [moved];
  } else {
    const outs = outShapes.map((s) => tensor(s));
    op.reference(inputs.map((c) => (c ? tensor(c.shape, constantValues(c)) : undefined)), attrs, outs);
    results = outs.map((t) => f32Constant(t.shape, t.data));
  }
  node.outputs.forEach((name, i) => { if (name !== '') graph.constants.set(name, results[i]); });
  ix.remove(node);
  return true;
}

export function foldConstants(graph: Graph): boolean {
  const ix = new GraphIndex(graph);
  // In list order, so a chain of constant nodes folds in one sweep.
  for (const node of graph.nodes) foldOne(graph, ix, node);
  return ix.commit();
}
