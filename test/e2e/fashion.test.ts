// The Fashion-MNIST models trained by examples/train (models/fashion/), end to end: TF.js's own
// predictions against the CLI-converted .eim files run through Session on the js reference backend,
// on the real test set (test/fixtures/fashion-mnist). TF.js's top-1 over all 10,000 images is
// precomputed by examples/train/predict-tfjs.mjs (minutes of tfjs cpu time); it is checked live here.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashion, type FashionSplit } from '../../examples/train/idx.mjs';
import { readEimFile } from '../../src/format/node.js';
import type { Graph } from '../../src/graph/ir.js';
import { Session } from '../../src/runtime/session.js';

const MODELS_DIR = 'models/fashion';
const FIXTURES = 'test/fixtures/fashion-mnist';
const TEST_IMAGES = 10_000;
const LIVE = 100;          // images TF.js predicts live in the test
const MIN_AGREEMENT = 0.999;
const MAX_ACCURACY_GAP = 0.1; // percentage points, .eim f32 vs TF.js
const MAX_INT8_DELTA = 1;     // percentage points, int8 vs f32 .eim
const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

interface ModelCase {
  readonly name: string;
  /** Accuracy the model must reach (TF.js over all 10,000, and the .eim on its images). */
  readonly target: number;
  /** Test images run through the reference backend: a prefix of the test set. */
  readonly images: number;
  /** One image's input shape, without the batch. */
  readonly shape: readonly number[];
}

// The js backend is scalar: the CNN (~2.8M MACs per image), LSTM (~2.2M) and GRU (~1.7M) take ~2-3 s
// of CPU per 1,000 images there, twice over (f32 and int8), so they are scored on the first 2,000
// test images; SimpleRNN (~0.56M MACs) on all 10,000.
const CASES: readonly ModelCase[] = [
  { name: 'simplernn', target: 0.85, images: 10_000, shape: [28, 28] },
  { name: 'lstm', target: 0.85, images: 2_000, shape: [28, 28] },
  { name: 'gru', target: 0.85, images: 2_000, shape: [28, 28] },
];

let test: FashionSplit;
/** All test images scaled to [0, 1], as the models were trained. */
let pixels: Float32Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  test = loadFashion('t10k', FIXTURES);
  pixels = Float32Array.from(test.images, (v) => v / 255);
});

function argmax(data: Float32Array, at: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (data[at + k] > data[at + best]) best = k;
  return best;
}

function accuracy(top1: Uint8Array, count = top1.length): number {
  let correct = 0;
  for (let i = 0; i < count; i++) if (top1[i] === test.labels[i]) correct++;
  return correct / count;
}

function agreement(a: Uint8Array, b: Uint8Array, count: number): number {
  let same = 0;
  for (let i = 0; i < count; i++) if (a[i] === b[i]) same++;
  return same / count;
}

/** TF.js's own loader, fed from disk (pure-JS tfjs has no file:// handler). */
async function loadTfjs(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const bytes = new Uint8Array(shards.reduce((a, s) => a + s.byteLength, 0));
  let at = 0;
  for (const s of shards) { bytes.set(s, at); at += s.byteLength; }
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: bytes.buffer,
  }));
}

interface Scored { top1: Uint8Array; probs: Float32Array; backend: string }

/** Runs the first `count` test images through `graph` on the js backend. */
async function runEim(graph: Graph, count: number): Promise<Scored> {
  const session = await Session.create(graph, { backend: 'js' });
  const [input] = session.inputs;
  const [output] = session.outputs;
  const top1 = new Uint8Array(count);
  const probs = new Float32Array(count * 10);
  const batch = 250;
  for (let at = 0; at < count; at += batch) {
    const n = Math.min(batch, count - at);
    const out = (await session.run({ [input.name]: pixels.subarray(at * 784, (at + n) * 784) }))[output.name];
    expect(out.shape).toEqual([n, 10]);
    probs.set(out.data, at * 10);
    for (let i = 0; i < n; i++) top1[at + i] = argmax(out.data, i * 10, 10);
  }
  const backend = session.backend;
  session.dispose();
  return { top1, probs, backend };
}

interface Row {
  model: string; backend: string; images: number; tfjsAcc10k: number; tfjsAcc: number; f32Acc: number; agreement: number;
  int8Acc: number; int8Agreement: number; tfjsBytes: number; f32Bytes: number; int8Bytes: number; seconds: number;
}
const rows: Row[] = [];

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

afterAll(() => {
  if (rows.length === 0) return;
  const head = ['model', 'backend', 'images', 'TF.js acc (10k)', 'TF.js acc', '.eim f32 js acc', 'agree w/ TF.js', 'int8 acc', 'int8 delta', 'int8 agree', 'weights.bin', '.eim f32', '.eim int8', 'js s'];
  const body = rows.map((r) => [r.model, r.backend, String(r.images), pct(r.tfjsAcc10k), pct(r.tfjsAcc), pct(r.f32Acc), pct(r.agreement), pct(r.int8Acc),
    `${((r.int8Acc - r.f32Acc) * 100).toFixed(2)} pt`, pct(r.int8Agreement), kib(r.tfjsBytes), kib(r.f32Bytes), kib(r.int8Bytes), r.seconds.toFixed(1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(['Fashion-MNIST: TF.js (cpu) vs .eim on the js backend', line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'));
});

for (const c of CASES) {
  const subset = c.images === TEST_IMAGES ? 'all 10,000 test images' : `the first ${c.images.toLocaleString('en-US')} test images`;
  describe(`fashion ${c.name}`, () => {
    const dir = join(MODELS_DIR, c.name);
    const f32Path = join(MODELS_DIR, `${c.name}.eim`);
    const int8Path = join(MODELS_DIR, `${c.name}-int8.eim`);
    let tfjsTop1: Uint8Array;
    let f32: Scored;
    let int8: Scored;
    let t0 = 0;

    beforeAll(() => {
      tfjsTop1 = new Uint8Array(readFileSync(join(FIXTURES, `tfjs-top1-${c.name}.u8`)));
      t0 = performance.now();
    });

    it(`TF.js reaches ${pct(c.target)} on all 10,000 test images (precomputed top-1)`, () => {
      expect(tfjsTop1.length).toBe(TEST_IMAGES);
      expect(accuracy(tfjsTop1)).toBeGreaterThanOrEqual(c.target);
    });

    it(`.eim files carry the labels and the model's interface`, async () => {
      for (const path of [f32Path, int8Path]) {
        const g = await readEimFile(path);
        expect(g.metadata.labels).toEqual(LABELS);
        expect(g.inputs.map((v) => v.shape)).toEqual([[-1, ...c.shape]]);
      }
    });

    it(`live TF.js matches its precomputed top-1 and the f32 .eim's probabilities on ${LIVE} images`, async () => {
      const model = await loadTfjs(dir);
      const live = tf.tidy(() => (model.predict(tf.tensor(pixels.subarray(0, LIVE * 784), [LIVE, ...c.shape])) as tf.Tensor).dataSync() as Float32Array);
      model.dispose();
      const ours = await runEim(await readEimFile(f32Path), LIVE);
      let worst = 0;
      for (let i = 0; i < LIVE; i++) {
        expect(argmax(live, i * 10, 10), `image ${i}: live TF.js vs the precomputed top-1`).toBe(tfjsTop1[i]);
        for (let k = 0; k < 10; k++) worst = Math.max(worst, Math.abs(live[i * 10 + k] - ours.probs[i * 10 + k]));
      }
      expect(worst, 'largest probability difference, TF.js vs .eim f32').toBeLessThan(1e-4);
    });

    it(`f32 .eim on the js backend agrees with TF.js on >= 99.9% of ${subset}, same accuracy within 0.1 pt`, async () => {
      f32 = await runEim(await readEimFile(f32Path), c.images);
      const agree = agreement(f32.top1, tfjsTop1, c.images);
      const tfAcc = accuracy(tfjsTop1, c.images), ourAcc = accuracy(f32.top1);
      expect(agree).toBeGreaterThanOrEqual(MIN_AGREEMENT);
      expect(Math.abs(ourAcc - tfAcc) * 100).toBeLessThanOrEqual(MAX_ACCURACY_GAP + 1e-9);
      expect(ourAcc).toBeGreaterThanOrEqual(c.target);
    });

    it(`int8 .eim accuracy within ${MAX_INT8_DELTA} pt of f32 on ${subset}`, async () => {
      expect(f32, 'the f32 run above').toBeDefined();
      int8 = await runEim(await readEimFile(int8Path), c.images);
      const delta = (accuracy(int8.top1) - accuracy(f32.top1)) * 100;
      expect(Math.abs(delta)).toBeLessThanOrEqual(MAX_INT8_DELTA);
      rows.push({
        model: c.name, backend: f32.backend, images: c.images, tfjsAcc10k: accuracy(tfjsTop1), tfjsAcc: accuracy(tfjsTop1, c.images),
        f32Acc: accuracy(f32.top1), agreement: agreement(f32.top1, tfjsTop1, c.images),
        int8Acc: accuracy(int8.top1), int8Agreement: agreement(int8.top1, f32.top1, c.images),
        tfjsBytes: statSync(join(dir, 'weights.bin')).size, f32Bytes: statSync(f32Path).size, int8Bytes: statSync(int8Path).size,
        seconds: (performance.now() - t0) / 1000,
      });
    });
  });
}
