// Accumulates IR nodes and constants while layers are converted. Every node is checked as it is
// added with its op's own parseAttrs/inferShape (at batch 1), so converters know the shapes they
// work on and a model whose layers do not fit together fails at import, naming the layer.
import { ModelFormatError } from '../../errors.js';
import type { Attrs, Constant, Node } from '../../graph/ir.js';
import { OpError } from '../../ops/op.js';
import { findOp } from '../../ops/registry.js';
import type { Shape } from '../../tensor.js';

/** A value in the graph being built; dim 0 is the batch, held at 1 while importing. */
export interface Value {
  readonly name: string;
  readonly shape: Shape;
}

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly constants = new Map<string, Constant>();
  private readonly shapes = new Map<string, Shape>();
  private readonly used = new Set<string>();
  /** Producer op of each value, for metadata (e.g. whether the output is a softmax). */
  readonly producers = new Map<string, string>();
  readonly inputNames = new Set<string>();
  /** The model's Keras Masking layer, once converted: the input it masks, the lengths input it became, its mask_value. */
  mask?: { readonly layer: string; readonly source: Value; readonly lengths: Value; readonly value: number };
  /** Values whose time axis carries the mask (Masking's output, then per-step layers and recurrent sequences), to their lengths. */
  readonly masked = new Map<string, Value>();

  /** `base`, or `base_1`, `base_2`... : value, node and constant names share one namespace. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  input(base: string, shape: Shape): Value {
    const name = this.unique(base);
    this.shapes.set(name, shape);
    this.inputNames.add(name);
    return { name, shape };
  }

  shapeOf(name: string): Shape {
    const s = this.shapes.get(name);
    if (!s) throw new Error(`tfjs importer: value ${name} has no shape`);
    return s;
  }

  constant(base: string, shape: Shape, data: Float32Array): Value {
    const name = this.unique(base);
    this.constants.set(name, { shape: [...shape], dtype: 'f32', data });
    this.shapes.set(name, shape);
    return { name, shape };
  }

  /**
   * Adds one node whose outputs get names made unique from `outBases`; returns the output values.
   * `where` is the JSON path reported if the op rejects its attributes or input shapes.
   */
  node(op: string, inputs: readonly (Value | undefined)[], attrs: Attrs, outBases: readonly string[], where: string): Value[] {
    const def = findOp(op);
    if (!def) throw new Error(`tfjs importer emitted unknown op ${op}`);
    let shapes: Shape[];
    try {
      shapes = def.inferShape(inputs.map((v) => v?.shape), def.parseAttrs(attrs));
    } catch (e) {
      if (e instanceof OpError) throw new ModelFormatError(`the layer does not fit its inputs: ${op}: ${e.message}`, where, { cause: e });
      throw e;
    }
    const outputs = outBases.map((b, i) => {
      const name = this.unique(b);
      this.shapes.set(name, shapes[i]);
      this.producers.set(name, op);
      return { name, shape: shapes[i] };
    });
    const nodeName = outputs[0].name;
    this.nodes.push({ name: nodeName, op, inputs: inputs.map((v) => v?.name ?? ''), outputs: outputs.map((v) => v.name), attrs });
    return outputs;
  }
}
