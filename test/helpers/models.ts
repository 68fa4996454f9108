// The staged real models (test/fixtures/models/) imported into IR graphs, as the importers give
// them: not optimized, f32 weights as stored. Each call imports afresh, so callers may rewrite
// the graph they get without affecting anyone else.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importOnnx } from '../../src/convert/onnx.js';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { readTfjsLayersDir } from '../../src/convert/tfjs-node.js';
import type { Graph } from '../../src/graph/ir.js';

/** Absolute path of test/fixtures/models, whatever the working directory. */
export const MODELS_DIR = fileURLToPath(new URL('../fixtures/models/', import.meta.url));

/** The staged ONNX models: each lives at <name>/<name>.onnx. */
export type OnnxFixture = 'mnist-8' | 'mobilenetv2-12-int8' | 'shufflenet-v2-12-int8';

export function onnxFixturePath(name: OnnxFixture): string {
  return `${MODELS_DIR}${name}/${name}.onnx`;
}

export function loadOnnxFixture(name: OnnxFixture): Graph {
  return importOnnx(readFileSync(onnxFixturePath(name)), { name });
}

/** ONNX zoo MNIST (CNTK): input Input3 NCHW [1,1,28,28] in [0,1], output 10 logits; 5,994 weights. */
export function loadMnist8Graph(): Graph {
  return loadOnnxFixture('mnist-8');
}

export const TFJS_MNIST_DIR = `${MODELS_DIR}tfjs-mnist-cnn`;

/** Keras 2.1.4 MNIST CNN as a TF.js layers model: NHWC [-1,28,28,1] in [0,1], softmax over 10; 887,530 weights. */
export async function loadTfjsMnistGraph(): Promise<Graph> {
  const { modelJson, weightData } = await readTfjsLayersDir(TFJS_MNIST_DIR);
  return importTfjsLayers(modelJson, weightData, { name: 'tfjs-mnist-cnn' });
}

/** The ten ImageNet photos staged with their preprocessed inputs and onnxruntime-web reference logits. */
export const IMAGENET_PHOTOS = ['beer_bottle', 'cat', 'dog_retriever', 'dog_weimaraner', 'dog_whippet', 'elephant', 'piano', 'pizza', 'saxophone', 'wine_bottles'] as const;

/** A raw little-endian f32 file (the staged inputs and reference outputs). */
export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Probabilities of logits, in f64. */
export function softmax64(x: Float32Array): Float64Array {
  const m = Math.max(...x);
  const e = Float64Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
