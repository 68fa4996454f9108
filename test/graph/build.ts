// A tiny builder for hand-made test graphs: inputs, seeded random constants, nodes, outputs.
import type { Attrs, Constant, Graph, Quantization } from '../../src/graph/ir.js';
import { sizeOf, type Shape } from '../../src/tensor.js';
import { f32ToF16Bits } from '../../src/graph/constant.js';
import { randomF32 } from '../helpers/harness.js';

export class GraphBuilder {
  readonly graph: Graph = { nodes: [], inputs: [], outputs: [], constants: new Map(), metadata: { name: 'test' } };
  private seed = 1;
  private count = 0;

  input(name: string, shape: number[]): string {
    this.graph.inputs.push({ name, shape });
    return name;
  }

  /** An f32 constant: the given values, or seeded random ones in [min, max]. */
  constant(name: string, shape: Shape, data?: ArrayLike<number>, range: { min?: number; max?: number } = {}): string {
    const values = data ? Float32Array.from(data) : randomF32(sizeOf(shape), { seed: this.seed++, ...range });
    this.graph.constants.set(name, { shape: [...shape], dtype: 'f32', data: values });
    return name;
  }

  /** An f16 constant with seeded random values in [-1, 1]. */
  constantF16(name: string, shape: Shape): string {
    const data = Uint16Array.from(randomF32(sizeOf(shape), { seed: this.seed++ }), f32ToF16Bits);
    this.graph.constants.set(name, { shape: [...shape], dtype: 'f16', data });
    return name;
  }

  /** A quantized constant: random i8 in [-127, 127] or u8 in [0, 255], with the given quantization. */
  constantQ(name: string, shape: Shape, quant: Quantization, dtype: 'i8' | 'u8' = 'i8'): string {
    const [min, max] = dtype === 'i8' ? [-127, 127] : [0, 255];
    const r = randomF32(sizeOf(shape), { seed: this.seed++, min, max });
    const data = dtype === 'i8' ? Int8Array.from(r, Math.round) : Uint8Array.from(r, Math.round);
    const c: Constant = { shape: [...shape], dtype, data, quant };
    this.graph.constants.set(name, c);
    return name;
  }

  /** Adds a node; returns its first output's name (outputs default to `<name>_out`). */
  node(op: string, inputs: string[], attrs: Attrs = {}, opts: { name?: string; outputs?: string[] } = {}): string {
    const name = opts.name ?? `${op.toLowerCase()}${this.count++}`;
    const outputs = opts.outputs ?? [`${name}_out`];
    this.graph.nodes.push({ name, op, inputs, outputs, attrs });
    return outputs[0];
  }

  output(name: string, shape: number[] = []): this {
    this.graph.outputs.push({ name, shape });
    return this;
  }
}

export function opsOf(graph: Graph): string[] {
  return graph.nodes.map((n) => n.op);
}
