// A soak: 5,000 classifications through ImageClassifier on the wasm SIMD and js backends must not
// grow the JS heap or the wasm linear memory: everything an inference needs
// is allocated once, at the first run.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../src/graph/ir.js';
import { optimize } from '../../src/graph/optimize.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { Session } from '../../src/runtime/session.js';
import { createWasmBackend } from '../wasm/helpers.js';
import { mnistDigits } from '../helpers/mnist.js';
import { loadMnist8Graph } from '../helpers/models.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc(); gc();
  return process.memoryUsage().heapUsed;
}

let graph: Graph;
beforeAll(() => {
  graph = optimize(loadMnist8Graph());
  // Gray 28x28 digits as the model takes them: pixel / 255, no resize.
  graph.metadata.preprocess = {
    width: 28, height: 28, channels: 1, colorOrder: 'GRAY', scale: 1 / 255, mean: [0], std: [1], resize: 'stretch', crop: 'none',
  };
});

/** 8-bit gray pixels of real digits, so every classification does real work. */
function digitImages(n: number) {
  const { images } = mnistDigits(n);
  return Array.from({ length: n }, (_, i) => ({
    width: 28, height: 28, format: 'GRAY' as const, data: Uint8Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)),
  }));
}

describe('soak: 5,000 classifications', () => {
  for (const name of ['wasm', 'js'] as const) {
    it(`on ${name}: JS heap and wasm memory stay flat`, async () => {
      const backend = name === 'wasm' ? await createWasmBackend('simd') : 'js';
      const session = await Session.create(graph, { backend });
      const classifier = await ImageClassifier.create(session, { topK: 3 });
      const images = digitImages(50);
      const wasmBytes = () => (typeof backend === 'string' ? 0 : (backend as WasmBackend).memoryBytes);
      // Warm up: the first runs build the plan and let V8 settle.
      for (let i = 0; i < 200; i++) await classifier.classify(images[i % images.length]);
      const heap0 = heapAfterGc(), wasm0 = wasmBytes();
      for (let i = 0; i < 5000; i++) {
        const top = await classifier.classify(images[i % images.length]);
        expect(top.length).toBe(3);
      }
      const heap1 = heapAfterGc(), wasm1 = wasmBytes();
      console.log(`${name}: JS heap ${(heap0 / 2 ** 20).toFixed(1)} -> ${(heap1 / 2 ** 20).toFixed(1)} MiB, wasm memory ${wasm0} -> ${wasm1} bytes`);
      expect(wasm1).toBe(wasm0);
      expect(heap1 - heap0).toBeLessThan(2 * 2 ** 20);
      session.dispose();
    });
  }
});
