// Test helpers for the TF.js importer: TF.js (cpu backend) as the oracle, models saved in memory
// as model.json + concatenated weight bytes, seeded weights, and our reference backend's output.
import * as tf from '@tensorflow/tfjs';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import type { Graph } from '../../src/graph/ir.js';
import { Session, type SessionOptions } from '../../src/runtime/session.js';
import { randomF32 } from '../helpers/harness.js';

let ready: Promise<void> | undefined;

export function tfReady(): Promise<void> {
  ready ??= tf.setBackend('cpu').then(() => undefined);
  return ready;
}

export interface Saved {
  /** model.json as tfjs writes it next to a single shard. */
  modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: WeightSpec[] }[]; [key: string]: unknown };
  weightData: Uint8Array;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

function join(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  const parts = data === undefined ? [] : Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(new Uint8Array(p), at); at += p.byteLength; }
  return out;
}

/** Saves a tfjs model in memory, in model.json form (one weight group). */
export async function save(model: tf.LayersModel): Promise<Saved> {
  let saved: Saved | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = {
      modelJson: {
        format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: (a.weightSpecs ?? []) as WeightSpec[] }],
      },
      weightData: join(a.weightData),
    };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

/** Loads model.json + bytes back into tfjs (how tfjs itself reads a manifest, quantized ones included). */
export async function loadTf(s: Saved): Promise<tf.LayersModel> {
  const specs = s.modelJson.weightsManifest.flatMap((g) => g.weights);
  const bytes = s.weightData.slice().buffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: s.modelJson.modelTopology as object, weightSpecs: specs as tf.io.WeightsManifestEntry[], weightData: bytes }));
}

/** Replaces every weight with seeded values; variances stay positive so BatchNorm is well defined. */
export function seedWeights(model: tf.LayersModel, seed: number, scale = 0.5): void {
  const weights = model.weights.map((w, i) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, d) => a * d, 1);
    const positive = /moving_variance|gamma/.test(w.originalName);
    const v = randomF32(n, positive ? { seed: seed + i, min: 0.5, max: 1.5 } : { seed: seed + i, min: -scale, max: scale });
    return tf.tensor(v, shape);
  });
  model.setWeights(weights);
  weights.forEach((t) => t.dispose());
}

export function predictTf(model: tf.LayersModel, inputs: { data: Float32Array; shape: number[] }[]): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor(x.data, x.shape));
    const ys = model.predict(xs.length === 1 ? xs[0] : xs);
    return (Array.isArray(ys) ? ys : [ys]).map((y) => y.dataSync() as Float32Array);
  });
}

/** Runs a graph on the js reference backend; inputs in graph-input order, outputs in graph-output order. */
export async function runOurs(graph: Graph, inputs: Float32Array[], backend: SessionOptions['backend'] = 'js'): Promise<Float32Array[]> {
  const session = await Session.create(graph, { backend });
  try {
    const feeds = Object.fromEntries(graph.inputs.map((v, i) => [v.name, inputs[i]]));
    const out = await session.run(feeds);
    return graph.outputs.map((v) => out[v.name].data);
  } finally {
    session.dispose();
  }
}

export interface Comparison {
  graph: Graph;
  maxDiff: number;
  ours: Float32Array[];
  theirs: Float32Array[];
}

/** Saves, imports and runs `model` on seeded inputs of `shapes` (batch included); compares with tfjs predict. */
export async function compareWithTf(model: tf.LayersModel, shapes: number[][], seed = 7): Promise<Comparison> {
  const saved = await save(model);
  const graph = importTfjsLayers(saved.modelJson, saved.weightData);
  const inputs = shapes.map((shape, i) => ({ shape, data: randomF32(shape.reduce((a, d) => a * d, 1), { seed: seed + 100 * i, min: -1, max: 1 }) }));
  const theirs = predictTf(model, inputs);
  const ours = await runOurs(graph, inputs.map((x) => x.data));
  let maxDiff = 0;
  ours.forEach((o, k) => {
    if (o.length !== theirs[k].length) throw new Error(`output ${k}: ${o.length} values, tfjs gives ${theirs[k].length}`);
    for (let i = 0; i < o.length; i++) maxDiff = Math.max(maxDiff, Math.abs(o[i] - theirs[k][i]));
  });
  return { graph, maxDiff, ours, theirs };
}
