// What a layer converter gets: the layer's config, its input values, its weights by Keras name,
// and emit helpers that name nodes after the layer and report errors against its JSON path.
import { ModelFormatError, UnsupportedOpError } from '../../errors.js';
import type { Attrs } from '../../graph/ir.js';
import { shapeToString, type Shape } from '../../tensor.js';
import type { GraphBuilder, Value } from './builder.js';
import type { Config } from './json.js';
import type { LayerSpec } from './topology.js';
import type { Weight } from './weights.js';

export class LayerContext {
  constructor(
    readonly layer: LayerSpec,
    readonly inputs: readonly Value[],
    readonly b: GraphBuilder,
    readonly modelName: string,
    /** Base name of this call's outputs (the layer name, suffixed for a shared layer's later calls). */
    readonly outName: string,
    /** Major Keras version that wrote the model (TF.js counts as 2: same activation definitions). */
    readonly kerasMajor: number,
    private readonly findWeight: (path: readonly string[], key: string) => Weight | undefined,
    /** Name segments that locate this layer's weights: the layer name, or wrapper then inner layer. */
    readonly weightPath: readonly string[] = [layer.name],
  ) {}

  /** A context for a layer wrapped inside this one (Bidirectional's forward/backward layers). */
  wrapped(layer: LayerSpec, weightName: string): LayerContext {
    return new LayerContext(layer, this.inputs, this.b, this.modelName, this.outName, this.kerasMajor, this.findWeight,
      [...this.weightPath, weightName]);
  }

  get cfg(): Config {
    return this.layer.config;
  }

  unsupported(detail: string): never {
    throw new UnsupportedOpError(this.layer.className, this.layer.name, this.modelName, detail);
  }

  fail(message: string, where = this.layer.path): never {
    throw new ModelFormatError(`${this.layer.className} "${this.layer.name}": ${message}`, where);
  }

  /** The single input of a one-input layer. */
  input(): Value {
    if (this.inputs.length !== 1) this.fail(`expects 1 input, got ${this.inputs.length}`, `${this.layer.path}.inbound_nodes`);
    return this.inputs[0];
  }

  /** Rejects channels_first data: Keras NHWC is the IR layout and nothing here re-lays activations. */
  channelsLast(): void {
    const f = this.cfg.string('data_format', 'channels_last');
    if (f === 'channels_first') this.unsupported('data_format channels_first');
    if (f !== 'channels_last') this.fail(`unknown data_format ${JSON.stringify(f)}`, this.cfg.at('data_format'));
  }

  /**
   * Adds a node. With no `suffix` its outputs take the layer's own name (the layer's result);
   * with one, `<layer>/<suffix>` (an intermediate).
   */
  emit(op: string, inputs: readonly (Value | undefined)[], attrs: Attrs, suffix?: string, outputs = 1): Value[] {
    const base = suffix === undefined ? this.outName : `${this.outName}/${suffix}`;
    const names = outputs === 1 ? [base] : Array.from({ length: outputs }, (_, i) => `${base}:${i}`);
    return this.b.node(op, inputs, attrs, names, this.layer.path);
  }

  emit1(op: string, inputs: readonly (Value | undefined)[], attrs: Attrs, suffix?: string): Value {
    return this.emit(op, inputs, attrs, suffix)[0];
  }

  constant(suffix: string, shape: Shape, data: Float32Array): Value {
    return this.b.constant(`${this.outName}/${suffix}`, shape, data);
  }

  optionalWeight(key: string, want?: Shape): Weight | undefined {
    const w = this.findWeight(this.weightPath, key);
    if (w && want && (w.shape.length !== want.length || w.shape.some((d, i) => d !== want[i]))) {
      throw new ModelFormatError(`weight ${w.name} of ${this.layer.className} "${this.layer.name}" has shape ${shapeToString(w.shape)}, expected ${shapeToString(want)}`, w.where);
    }
    return w;
  }

  /** The layer's weight `key` (kernel, bias, gamma...), checked against `want` when given. */
  weight(key: string, want?: Shape): Weight {
    const w = this.optionalWeight(key, want);
    if (!w) throw new ModelFormatError(`weight ${this.weightPath.join('/')}/${key} of ${this.layer.className} "${this.layer.name}" is missing from the weights manifest`, 'weightsManifest');
    return w;
  }
}

export type LayerConverter = (ctx: LayerContext) => Value[];
