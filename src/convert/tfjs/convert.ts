// Walks a parsed topology in dependency order and converts each layer call with the converter
// table; a model used as a layer is walked recursively with its inputs bound to the caller's values.
import { ModelFormatError, UnsupportedOpError } from '../../errors.js';
import type { GraphBuilder, Value } from './builder.js';
import { LayerContext } from './context.js';
import { child, describe } from './json.js';
import { passThrough } from './layers/core.js';
import { LAYER_CONVERTERS } from './layers/index.js';
import type { LayerSpec, ModelSpec, TensorRef } from './topology.js';
import type { Weight } from './weights.js';

export interface ConvertEnv {
  readonly b: GraphBuilder;
  readonly modelName: string;
  readonly kerasMajor: number;
  /** Finds a layer's weight from the name segments locating the layer and the enclosing model names. */
  readonly findWeight: (path: readonly string[], key: string, scope: readonly string[]) => Weight | undefined;
}

/** Binds an input of the model being walked: the top level makes graph inputs, nested models take the caller's. */
export type InputBinder = (layer: LayerSpec, index: number) => Value;

/** Layers that may see masked time steps: recurrent ones skip them, per-step ones pass the mask on. */
const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU', 'Bidirectional']);
const PER_STEP = new Set(['Dense', 'Activation', 'ReLU', 'LeakyReLU']);

function refKey(r: TensorRef): string {
  return `${r.layer}\u0000${r.node}\u0000${r.tensor}`;
}

function refText(r: TensorRef): string {
  return `${r.layer}[${r.node}][${r.tensor}]`;
}

export function convertModel(spec: ModelSpec, env: ConvertEnv, bindInput: InputBinder, scope: readonly string[] = []): Value[] {
  const byName = new Map(spec.layers.map((l) => [l.name, l]));
  const produced = new Map<string, Value>();

  spec.inputs.forEach((ref, i) => {
    const layer = byName.get(ref.layer);
    const where = child(child(spec.path, 'input_layers'), i);
    if (!layer) throw new ModelFormatError(`model input names layer ${describe(ref.layer)}, which the model does not have`, where);
    if (layer.className !== 'InputLayer') throw new ModelFormatError(`model input ${describe(ref.layer)} is a ${layer.className}, not an InputLayer`, where);
    produced.set(refKey({ layer: ref.layer, node: 0, tensor: 0 }), bindInput(layer, i));
  });

  const pending: { layer: LayerSpec; call: number }[] = [];
  for (const layer of spec.layers) {
    if (layer.className !== 'InputLayer') layer.calls.forEach((_, call) => pending.push({ layer, call }));
  }
  while (pending.length > 0) {
    const ready = pending.findIndex(({ layer, call }) => layer.calls[call].every((r) => produced.has(refKey(r))));
    if (ready < 0) {
      const { layer, call } = pending[0];
      const missing = layer.calls[call].find((r) => !produced.has(refKey(r)))!;
      throw new ModelFormatError(`layer ${describe(layer.name)} reads ${refText(missing)}, which no layer of the model produces`,
        child(child(layer.path, 'inbound_nodes'), call));
    }
    const [{ layer, call }] = pending.splice(ready, 1);
    const inputs = layer.calls[call].map((r) => produced.get(refKey(r))!);
    const outputs = convertCall(layer, call, inputs, env, scope);
    outputs.forEach((v, tensor) => produced.set(refKey({ layer: layer.name, node: call, tensor }), v));
  }

  return spec.outputs.map((ref, i) => {
    const v = produced.get(refKey(ref));
    if (!v) throw new ModelFormatError(`model output ${refText(ref)} is not produced by any layer`, child(child(spec.path, 'output_layers'), i));
    return v;
  });
}

function convertCall(layer: LayerSpec, call: number, inputs: Value[], env: ConvertEnv, scope: readonly string[]): Value[] {
  if (layer.model) {
    const inner = layer.model;
    if (inputs.length !== inner.inputs.length) {
      throw new ModelFormatError(`nested model ${describe(layer.name)} takes ${inner.inputs.length} inputs, the call gives ${inputs.length}`, child(layer.path, 'inbound_nodes'));
    }
    return convertModel(inner, env, (input, i) => {
      const v = inputs[i];
      const want = input.inputShape;
      if (want && (want.length !== v.shape.length - 1 || want.some((d, k) => d !== null && d !== v.shape[k + 1]))) {
        throw new ModelFormatError(`nested model ${describe(layer.name)} expects per-sample shape ${describe(want)}, the call gives ${describe(v.shape.slice(1))}`, input.path);
      }
      return v;
    }, [...scope, layer.name]);
  }
  const convert = LAYER_CONVERTERS.get(layer.className);
  if (!convert) throw new UnsupportedOpError(layer.className, layer.name, env.modelName, 'no converter for this layer class');
  const outName = call === 0 ? layer.name : `${layer.name}_call${call}`;
  const ctx = new LayerContext(layer, inputs, env.b, env.modelName, outName, env.kerasMajor,
    (path, key) => env.findWeight(path, key, scope));
  const lengths = inputs.map((v) => env.b.masked.get(v.name)).find((v) => v);
  const perStep = PER_STEP.has(layer.className) || convert === passThrough;
  if (lengths && !perStep && !RECURRENT.has(layer.className)) {
    // Missing steps are compacted away, which equals Keras only where every step is treated alike until a recurrence.
    ctx.unsupported(`it would see the time steps masked by Masking "${env.b.mask!.layer}"; only recurrent layers and per-step layers (${[...PER_STEP].join(', ')}) or Dropout-like ones) may come between a Masking layer and the last recurrent layer`);
  }
  const outputs = convert(ctx);
  if (lengths && perStep) outputs.forEach((v) => env.b.masked.set(v.name, lengths));
  return outputs;
}

/** Weight lookup by Keras naming: `<...>/<layer>/<...>/<key>[:0]`, preferring the exact scoped name. */
export function weightFinder(weights: ReadonlyMap<string, Weight>): ConvertEnv['findWeight'] {
  const byKey = new Map<string, { prefix: string[]; w: Weight }[]>();
  for (const w of weights.values()) {
    const segs = w.name.split('/');
    const key = segs.pop()!.replace(/:\d+$/, '');
    const list = byKey.get(key) ?? [];
    list.push({ prefix: segs, w });
    byKey.set(key, list);
  }
  const isSubsequence = (needle: readonly string[], hay: readonly string[]): boolean => {
    let i = 0;
    for (const s of hay) if (i < needle.length && s === needle[i]) i++;
    return i === needle.length;
  };
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);
  return (path, key, scope) => {
    const found = (byKey.get(key) ?? []).filter((c) => isSubsequence(path, c.prefix));
    if (found.length <= 1) return found[0]?.w;
    const exact = found.filter((c) => same(c.prefix, [...scope, ...path]));
    const local = found.filter((c) => same(c.prefix, path));
    const pick = exact.length === 1 ? exact : local.length === 1 ? local : [];
    if (pick.length === 1) return pick[0].w;
    throw new ModelFormatError(`weight ${path.join('/')}/${key} is ambiguous: ${found.map((c) => c.w.name).join(', ')}`, found[0].w.where);
  };
}
