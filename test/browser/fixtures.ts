// Model files the pages fetch, made here with the Node API and served from memory: mnist-8 converted
// from the staged ONNX file to .eim (what `edgeinfer convert` does), and the ONNX file itself for ort-web;
// and what Node answers for the sample photos, which the pages must match.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnx } from '../../src/convert/onnx.js';
import { writeEim } from '../../src/format/writer.js';
import type { Graph } from '../../src/graph/ir.js';
import { optimize } from '../../src/graph/optimize.js';
import { DEFAULT_MODEL_PATH, NodeImageClassifier } from '../../src/vision/node-classifier.js';
import { ROOT } from './bundle.js';
import type { TestServer } from './server.js';

export const MNIST_EIM_URL = '/data/mnist-8.eim';
export const MNIST_ONNX_URL = '/data/mnist-8.onnx';

let mnist: { graph: Graph; onnx: Uint8Array; eim: Uint8Array } | undefined;

/** mnist-8 as imported (the graph Node runs) and as bytes; converted once per run. */
export function mnistModel(): { graph: Graph; onnx: Uint8Array; eim: Uint8Array } {
  if (!mnist) {
    const onnx = new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/models/mnist-8/mnist-8.onnx')));
    const graph = importOnnx(onnx, { name: 'mnist-8' });
    mnist = { graph, onnx, eim: writeEim(optimize(graph)) };
  }
  return mnist;
}

export function serveMnist(server: TestServer): void {
  const m = mnistModel();
  server.put(MNIST_ONNX_URL, m.onnx);
  server.put(MNIST_EIM_URL, m.eim);
}

export const SAMPLES_DIR = join(ROOT, 'models/samples');
export const SAMPLE_PHOTOS = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.jpg')).sort();

export interface TopClass { readonly index: number; readonly label: string; readonly score: number }

let nodeTop1: Promise<Map<string, TopClass>> | undefined;

/**
 * The default model's top-1 for each sample photo in Node (jpeg-js decoding, wasm backend): what
 * the browser, decoding with its own JPEG decoder, must agree with. Computed once per run.
 */
export function nodeTop1ByPhoto(): Promise<Map<string, TopClass>> {
  nodeTop1 ??= (async () => {
    const t0 = performance.now();
    const node = await NodeImageClassifier.create(DEFAULT_MODEL_PATH, { backend: 'wasm', cache: false, maxBatch: 5 });
    try {
      const results = await node.classifyBatch(SAMPLE_PHOTOS.map((p) => join(SAMPLES_DIR, p)), { topK: 1 });
      console.log(`Node (jpeg-js decode, wasm) classified ${SAMPLE_PHOTOS.length} photos in ${(performance.now() - t0).toFixed(0)} ms`);
      return new Map(SAMPLE_PHOTOS.map((p, i) => [p, results[i][0]]));
    } finally {
      node.dispose();
    }
  })();
  return nodeTop1;
}
