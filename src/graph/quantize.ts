// quantizeWeights(): re-stores the weight inputs of Conv/Gemm/MatMul/RNN/LSTM/GRU as f32, f16 or int8
// (converters and `edgeinfer/advanced`; the runtime only reads what it stored, constant.ts).
import type { Constant, Graph, Node } from './ir.js';
import { GraphError, InputError } from '../errors.js';
import { dequantize, f32ToF16 } from './constant.js';
import { roundHalfEven } from '../ops/quant.js';

/** Which input positions of an op hold weights, and the axis of their output channels. */
function weightSlots(n: Node): { input: number; axis: (shape: readonly number[]) => number | undefined }[] {
  switch (n.op) {
    case 'Conv': return [{ input: 1, axis: () => 0 }];                           // OHWI
    case 'Gemm': return [{ input: 1, axis: () => (n.attrs.transB ? 0 : 1) }];   // B is [K,N], or [N,K] transposed
    case 'MatMul': return [{ input: 1, axis: (s) => (s.length >= 2 ? s.length - 1 : undefined) }]; // [..., K, N]
    case 'RNN': case 'LSTM': case 'GRU':                                          // W [D,G*H,I], R [D,G*H,H]
      return [{ input: 1, axis: () => 1 }, { input: 2, axis: () => 1 }];
    default: return [];
  }
}


/** Symmetric int8 along `axis` (per-tensor when undefined): scale = max|w| / 127, no zero point. */
function toInt8(values: Float32Array, shape: readonly number[], axis: number | undefined, name: string, node: string): Constant {
  let inner = 1;
  if (axis !== undefined) for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const channels = axis === undefined ? 1 : shape[axis];
  const period = axis === undefined ? values.length : inner;
  const maxAbs = new Float32Array(channels);
  for (let start = 0, ch = 0; start < values.length; start += period, ch = (ch + 1) % channels) {
    for (let i = start; i < start + period; i++) {
      const a = Math.abs(values[i]);
      if (!Number.isFinite(a)) throw new GraphError(`weight ${JSON.stringify(name)} holds ${values[i]} at element ${i}: cannot quantize to int8`, node);
      if (a > maxAbs[ch]) maxAbs[ch] = a;
    }
  }
  // An all-zero channel gets scale 1 (any positive scale reproduces the zeros).
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const data = new Int8Array(values.length);
  for (let start = 0, ch = 0; start < values.length; start += period, ch = (ch + 1) % channels) {
    const s = scales[ch];
    for (let i = start; i < start + period; i++) data[i] = Math.max(-127, Math.min(127, roundHalfEven(values[i] / s)));
  }
  return { shape, dtype: 'i8', data, quant: { axis: axis ?? 0, scales } };
}

function toF16(values: Float32Array, shape: readonly number[]): Constant {
  return { shape, dtype: 'f16', data: f32ToF16(values) };
}

/**
 * Returns a graph whose weight constants (input 1 of Conv/Gemm/MatMul, W and R of RNN/LSTM/GRU) are
 * stored as `weights`. Biases and every other constant, and constants that are already i8/u8, are left
 * as they are; so is a constant that some node also reads as a non-weight. int8 is symmetric with one
 * scale per output channel (Conv axis 0; Gemm/MatMul the N axis of B; recurrent weights the gate axis 1).
 * The input graph is not modified; the result shares its nodes, inputs, outputs, metadata and
 * unchanged constants (a new constants map holds the re-stored ones).
 */
export function quantizeWeights(graph: Graph, weights: 'f32' | 'f16' | 'int8'): Graph {
  if (weights !== 'f32' && weights !== 'f16' && weights !== 'int8') {
    throw new InputError(`unknown weight storage ${JSON.stringify(weights)}`, { expected: 'f32|f16|int8', received: String(weights) });
  }
  const weightUse = new Map<string, { node: Node; axis: number | undefined }>();
  const otherUse = new Set<string>();
  for (const n of graph.nodes) {
    const slots = weightSlots(n);
    n.inputs.forEach((name, i) => {
      const c = graph.constants.get(name);
      if (!c) return;
      const slot = slots.find((s) => s.input === i);
      if (!slot) {
        otherUse.add(name);
        return;
      }
      const a = slot.axis(c.shape);
      const axis = a !== undefined && a < c.shape.length ? a : undefined;
      const prior = weightUse.get(name);
      // Shared by nodes that disagree on the output axis: one scale for the whole tensor fits both.
      weightUse.set(name, { node: n, axis: prior && prior.axis !== axis ? undefined : axis });
    });
  }
  const constants = new Map(graph.constants);
  for (const [name, use] of weightUse) {
    const c = graph.constants.get(name)!;
    if (otherUse.has(name) || c.dtype === 'i8' || c.dtype === 'u8' || c.data.length === 0) continue;
    if (weights === 'f32') {
      if (c.dtype === 'f16') constants.set(name, { shape: c.shape, dtype: 'f32', data: dequantize(c) });
    } else if (weights === 'f16') {
      if (c.dtype === 'f32') constants.set(name, toF16(c.data as Float32Array, c.shape));
    } else {
      constants.set(name, toInt8(dequantize(c), c.shape, use.axis, name, use.node.name));
    }
  }
  return { ...graph, constants };
}
