// TF.js layers model (model.json + weight shards, as written by tfjs or tfjs-converter from Keras)
// -> IR graph. Keras is NHWC like the IR, so only weights are re-laid; the batch dim is left free.
// weightData = every shard of the manifest, concatenated in manifest order.
import { ModelFormatError, UnsupportedOpError } from '../errors.js';
import type { Graph, ModelMetadata, ValueInfo } from '../graph/ir.js';
import { GraphBuilder, type Value } from './tfjs/builder.js';
import { convertModel, weightFinder } from './tfjs/convert.js';
import { expectObject, type JsonObject } from './tfjs/json.js';
import { modelObjectOf, parseModel } from './tfjs/topology.js';
import { decodeWeights } from './tfjs/weights.js';

export interface TfjsImportOptions {
  /** Model name for metadata and error messages; default: the topology's model name. */
  name?: string;
}

/** The Keras major version for activation semantics; TF.js writes "tfjs-layers x.y.z" (Keras 2 definitions). */
function kerasMajor(version: string | undefined): number {
  const m = version?.match(/^(\d+)\./);
  return m ? Number(m[1]) : 2;
}

function producerOf(root: JsonObject, topology: JsonObject): string | undefined {
  const keras = typeof topology.keras_version === 'string' ? topology.keras_version : undefined;
  if (keras && /^\d/.test(keras)) return `keras ${keras}`;
  if (typeof root.generatedBy === 'string') return root.generatedBy;
  return keras;
}

/** model.json's `format` ("layers-model") and `convertedBy`, when present. */
function tfjsVersion(root: JsonObject): string | undefined {
  const parts = [root.format, root.convertedBy].filter((x): x is string => typeof x === 'string' && x !== '');
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export function importTfjsLayers(modelJson: unknown, weightData: Uint8Array, options: TfjsImportOptions = {}): Graph {
  const root = expectObject(modelJson, 'model.json');
  if (root.modelTopology === undefined) throw new ModelFormatError('model.json has no modelTopology', 'modelTopology');
  const topology = expectObject(root.modelTopology, 'modelTopology');
  const { obj, path } = modelObjectOf(topology);
  const spec = parseModel(obj, path);
  const modelName = options.name ?? spec.name;
  const weights = decodeWeights(root, weightData);

  const b = new GraphBuilder();
  const inputs: ValueInfo[] = [];
  const outputs = convertModel(spec, {
    b, modelName,
    kerasMajor: kerasMajor(typeof topology.keras_version === 'string' ? topology.keras_version : undefined),
    findWeight: weightFinder(weights),
  }, (layer) => {
    const dims = layer.inputShape;
    for (const opt of ['sparse', 'ragged']) {
      if (layer.config.bool(opt, false)) throw new UnsupportedOpError('InputLayer', layer.name, modelName, `${opt} input`);
    }
    if (!dims) throw new ModelFormatError(`input layer ${JSON.stringify(layer.name)} declares no shape`, layer.path);
    const free = dims.findIndex((d) => d === null);
    if (free >= 0) throw new UnsupportedOpError('InputLayer', layer.name, modelName, `dimension ${free + 1} of the input is not fixed (only the batch may be free)`);
    const v = b.input(layer.name, [1, ...(dims as number[])]);
    inputs.push({ name: v.name, shape: [-1, ...(dims as number[])] });
    return v;
  });

  // A graph output must be produced by a node and listed once: route pass-throughs via Identity.
  const inputNames = new Set(inputs.map((v) => v.name));
  const seen = new Set<string>();
  const outValues = outputs.map((v): Value => {
    const out = inputNames.has(v.name) || seen.has(v.name) ? b.node('Identity', [v], {}, [`${v.name}_output`], path)[0] : v;
    seen.add(out.name);
    return out;
  });

  const mask = b.mask;
  if (mask) {
    const masked = outValues.find((v) => b.masked.has(v.name));
    const other = b.nodes.find((n) => n.inputs.includes(mask.source.name) && !n.outputs.some((o) => b.masked.has(o)));
    if (masked || other) {
      throw new UnsupportedOpError('Masking', mask.layer, modelName, masked
        ? `output ${masked.name} is still a sequence over the masked time steps (a recurrent layer without return_sequences must end them)`
        : `input ${mask.source.name} is also read unmasked, by ${other!.name}`);
    }
    inputs.push({ name: mask.lengths.name, shape: [-1] });
  }

  const producer = producerOf(root, topology);
  const metadata: ModelMetadata = {
    name: modelName,
    ...(producer ? { producer } : {}),
    ...(b.producers.get(outValues[0]?.name) === 'Softmax' ? { outputKind: 'probabilities' as const } : {}),
    importedFrom: { format: 'tfjs', ...(tfjsVersion(root) ? { version: tfjsVersion(root) } : {}) },
    ...(mask ? { mask: { input: mask.lengths.name, value: mask.value } } : {}),
  };

  return {
    nodes: b.nodes,
    inputs,
    outputs: outValues.map((v) => ({ name: v.name, shape: [-1, ...v.shape.slice(1)] })),
    constants: b.constants,
    metadata,
  };
}
