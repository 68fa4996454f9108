// A minimal graph interpreter for pass tests: each node's reference in list order, constants
// dequantized here independently of src/ so a wrong quantization rewrite shows up.
import type { Constant, Graph } from '../../src/graph/ir.js';
import { findOp } from '../../src/ops/registry.js';
import { tensor, type Tensor } from '../../src/tensor.js';

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export function constantTensor(c: Constant): Tensor {
  const n = c.data.length;
  const out = new Float32Array(n);
  if (c.dtype === 'f32') out.set(c.data as Float32Array);
  else if (c.dtype === 'f16') for (let i = 0; i < n; i++) out[i] = f16ToF32(c.data[i]);
  else {
    const q = c.quant!;
    let inner = 1;
    for (let a = q.axis + 1; a < c.shape.length; a++) inner *= c.shape[a];
    for (let i = 0; i < n; i++) {
      const k = q.scales.length === 1 ? 0 : Math.floor(i / inner) % c.shape[q.axis];
      out[i] = (c.data[i] - (q.zeroPoints?.[k] ?? 0)) * q.scales[k];
    }
  }
  return tensor(c.shape, out);
}

/** Runs every node with its op's reference; returns the graph outputs by name. */
export function runGraph(graph: Graph, feeds: Record<string, Tensor>): Record<string, Tensor> {
  const values = new Map<string, Tensor>();
  for (const v of graph.inputs) {
    const t = feeds[v.name];
    if (!t) throw new Error(`no feed for input ${v.name}`);
    values.set(v.name, t);
  }
  for (const [name, c] of graph.constants) values.set(name, constantTensor(c));
  for (const node of graph.nodes) {
    const op = findOp(node.op);
    if (!op) throw new Error(`unknown op ${node.op} at ${node.name}`);
    const ins = node.inputs.map((name) => {
      if (name === '') return undefined;
      const t = values.get(name);
      if (!t) throw new Error(`value ${name} not computed before node ${node.name}`);
      return t;
    });
    const attrs = op.parseAttrs(node.attrs);
    const outs = op.inferShape(ins.map((t) => t?.shape), attrs).map((s) => tensor(s));
    op.reference(ins, attrs, outs);
    node.outputs.forEach((name, i) => { if (name !== '') values.set(name, outs[i]); });
  }
  const result: Record<string, Tensor> = {};
  for (const v of graph.outputs) {
    const t = values.get(v.name);
    if (!t) throw new Error(`graph output ${v.name} not computed`);
    result[v.name] = t;
  }
  return result;
}
