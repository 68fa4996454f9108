// Missing rows of Fashion-MNIST images fed to the trained RNN/LSTM/GRU as sequences (28 rows of 28 pixels):
// the TF.js models with a Keras Masking layer in front, converted by our importer, against TF.js predict
// on 100 test images with 20 % of rows masked, on js, wasm and webgpu (SwiftShader); then the accuracy of
// masked rows vs the same rows zero-filled into the unmasked model, on the first ACCURACY_IMAGES images.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { readEim } from '../../src/format/reader.js';
import { readEimFile } from '../../src/format/node.js';
import { writeEim } from '../../src/format/writer.js';
import type { Graph } from '../../src/graph/ir.js';
import { optimize } from '../../src/graph/optimize.js';
import { Session } from '../../src/runtime/session.js';
import { SequenceClassifier } from '../../src/vision/sequence-classifier.js';
import { CLASSES, formatTable, modelFiles, pct, PIXELS, points, testSet } from '../e2e/fashion-helpers.js';
import { randomF32 } from '../helpers/harness.js';
import { createWasmBackend } from '../wasm/helpers.js';
import { adapterName, newBackend, skipReason as gpuSkipReason } from '../webgpu/gpu.js';

const ROWS = 28, MASK_VALUE = -1, MISSING = 0.2, COMPARE_IMAGES = 100, ACCURACY_IMAGES = 10_000;
const NAMES = ['simplernn', 'lstm', 'gru'] as const;

/** Which rows of image i are missing: each row independently with probability MISSING (seeded). */
const missing = ((): Uint8Array => {
  const u = randomF32(ACCURACY_IMAGES * ROWS, { seed: 2026, min: 0, max: 1 });
  return Uint8Array.from(u, (v) => (v < MISSING ? 1 : 0));
})();

/** Images [from, from+n) as sequences, missing rows set to `fill` (NaN, the mask value, or 0). */
function images(from: number, n: number, fill: number): Float32Array {
  const out = testSet().pixels.slice(from * PIXELS, (from + n) * PIXELS);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < ROWS; r++) if (missing[(from + i) * ROWS + r]) out.fill(fill, (i * ROWS + r) * ROWS, (i * ROWS + r + 1) * ROWS);
  }
  return out;
}

function split(data: Float32Array): Float32Array[] {
  return Array.from({ length: data.length / PIXELS }, (_, i) => data.subarray(i * PIXELS, (i + 1) * PIXELS));
}

interface Masked {
  readonly modelJson: { modelTopology: Record<string, unknown>; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  readonly weights: Uint8Array;
}

/** models/fashion/<name>/ (a Sequential whose first layer takes [28, 28]) with a Masking layer in front. */
function withMasking(name: string): Masked {
  const dir = modelFiles(name).dir;
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const seq = json.modelTopology.config;
  const [first] = seq.layers;
  const shape = first.config.batch_input_shape;
  delete first.config.batch_input_shape;
  seq.layers.unshift({ class_name: 'Masking', config: { name: 'masking', mask_value: MASK_VALUE, batch_input_shape: shape, dtype: 'float32', trainable: true } });
  return { modelJson: json, weights: new Uint8Array(readFileSync(join(dir, 'weights.bin'))) };
}

function tfModel(m: Masked): Promise<tf.LayersModel> {
  const bytes = m.weights.slice().buffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: m.modelJson.modelTopology, weightSpecs: m.modelJson.weightsManifest.flatMap((g) => g.weights), weightData: bytes }));
}

function top1(scores: readonly Float32Array[]): Uint8Array {
  return Uint8Array.from(scores, (p) => p.indexOf(Math.max(...p)));
}

function accuracy(pred: Uint8Array, from = 0): number {
  const { labels } = testSet();
  return pred.reduce((a, c, i) => a + (c === labels[from + i] ? 1 : 0), 0) / pred.length;
}

function maxDiff(a: readonly Float32Array[], b: Float32Array): number {
  let worst = 0;
  a.forEach((p, i) => p.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - b[i * CLASSES + k])); }));
  return worst;
}

const graphs = new Map<string, Graph>();
const tfScores = new Map<string, Float32Array>();
const rows: string[][] = [];
const accRows: string[][] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const name of NAMES) {
    const m = withMasking(name);
    // As edgeinfer convert writes it: imported, optimized, through the file.
    graphs.set(name, readEim(writeEim(optimize(importTfjsLayers(m.modelJson, m.weights)))));
    const model = await tfModel(m);
    tfScores.set(name, tf.tidy(() => (model.predict(tf.tensor(images(0, COMPARE_IMAGES, MASK_VALUE), [COMPARE_IMAGES, ROWS, ROWS])) as tf.Tensor).dataSync() as Float32Array));
    model.dispose();
  }
}, 120_000);

afterAll(() => {
  const share = missing.subarray(0, COMPARE_IMAGES * ROWS).reduce((a, v) => a + v, 0) / (COMPARE_IMAGES * ROWS);
  console.log(formatTable(`Fashion-MNIST sequences with missing rows (${pct(share)} of rows of the first ${COMPARE_IMAGES} test images, seeded): ours vs TF.js 4 predict (cpu) with Keras Masking; webgpu adapter: ${adapterName}`,
    ['model', 'backend', 'missing rows given as', 'max |dp| vs TF.js', 'top-1 agreement'], rows));
  const all = missing.reduce((a, v) => a + v, 0) / missing.length;
  console.log(formatTable(`Fashion-MNIST accuracy on the first ${ACCURACY_IMAGES} test images, ${pct(all)} of rows missing (wasm): masked (Keras Masking) vs zero-filled rows into the unmasked model`,
    ['model', 'no rows missing', 'zero-filled', 'masked', 'masked - zero-filled'], accRows));
});

const BACKENDS = [
  { id: 'js', fills: [Number.NaN, MASK_VALUE], open: async (g: Graph) => Session.create(g, { backend: 'js' }) },
  { id: 'wasm', fills: [Number.NaN], open: async (g: Graph) => Session.create(g, { backend: await createWasmBackend('simd') }) },
  { id: 'webgpu', fills: [Number.NaN], skip: gpuSkipReason, open: async (g: Graph) => Session.create(g, { backend: await newBackend() }) },
] as const;

describe('SequenceClassifier: Fashion RNN/LSTM/GRU with 20 % of rows missing', () => {
  for (const name of NAMES) {
    for (const b of BACKENDS) {
      it.skipIf('skip' in b && b.skip !== undefined)(`${name} on ${b.id}: the probabilities of TF.js with Keras Masking`, async () => {
        const session = await b.open(graphs.get(name)!);
        const c = await SequenceClassifier.create(session);
        try {
          expect(c.backend).toBe(b.id);
          for (const fill of b.fills) {
            const ours = await c.scoresBatch(split(images(0, COMPARE_IMAGES, fill)));
            const theirs = tfScores.get(name)!;
            const worst = maxDiff(ours, theirs);
            const agree = top1(ours).reduce((a, v, i) => a + (v === theirs.subarray(i * CLASSES, (i + 1) * CLASSES).indexOf(Math.max(...theirs.subarray(i * CLASSES, (i + 1) * CLASSES))) ? 1 : 0), 0);
            rows.push([name, b.id, Number.isNaN(fill) ? 'NaN' : `mask value ${fill}`, worst.toExponential(2), `${agree}/${COMPARE_IMAGES}`]);
            expect(worst).toBeLessThan(1e-4);
          }
        } finally {
          c.dispose();
          session.dispose();
        }
      }, 300_000);
    }
  }

  it('short sequences: the rows a sequence lacks at its end are missing, as masked rows there', async () => {
    const c = await SequenceClassifier.create(graphs.get('lstm')!, { backend: 'js' });
    try {
      const full = images(0, 4, Number.NaN);
      const seqs = split(full).map((s, i) => s.slice(0, (ROWS - 4 * i - 1) * ROWS));
      split(full).forEach((s, i) => s.fill(Number.NaN, (ROWS - 4 * i - 1) * ROWS));
      const short = await c.scoresBatch(seqs);
      const nan = await c.scoresBatch(split(full));
      short.forEach((p, i) => p.forEach((v, k) => expect(v).toBeCloseTo(nan[i][k], 6)));
      // As frames too, and with nothing left: the zero state, as TF.js (test/convert/tfjs-mask.test.ts).
      const frames = Array.from({ length: 10 }, (_, r) => full.subarray(r * ROWS, (r + 1) * ROWS));
      expect((await c.scoresBatch([frames]))[0]).toEqual((await c.scoresBatch([full.slice(0, 10 * ROWS)]))[0]);
      expect((await c.classify([])).length).toBeGreaterThan(0);
    } finally {
      c.dispose();
    }
  });

  it(`accuracy on ${ACCURACY_IMAGES} images: masked vs zero-filled rows`, async () => {
    for (const name of NAMES) {
      const open = async (g: Graph): Promise<Session> => Session.create(g, { backend: await createWasmBackend('simd') });
      const maskedSession = await open(graphs.get(name)!), plainSession = await open(await readEimFile(modelFiles(name).f32));
      const masked = await SequenceClassifier.create(maskedSession, { maxBatch: 250 });
      const plain = await SequenceClassifier.create(plainSession, { maxBatch: 250 });
      try {
        const run = async (c: SequenceClassifier, fill: number | undefined): Promise<number> => {
          const pred = new Uint8Array(ACCURACY_IMAGES);
          for (let at = 0; at < ACCURACY_IMAGES; at += 1000) {
            const data = fill === undefined ? testSet().pixels.slice(at * PIXELS, (at + 1000) * PIXELS) : images(at, 1000, fill);
            pred.set(top1(await c.scoresBatch(split(data))), at);
          }
          return accuracy(pred);
        };
        const [clean, zero, mask] = [await run(plain, undefined), await run(plain, 0), await run(masked, Number.NaN)];
        accRows.push([name, pct(clean), pct(zero), pct(mask), points(mask - zero)]);
        // Sanity only (chance is 10 %). No ordering of masked vs zero-filled is asserted: these models were trained
        // without missing rows, and skipping a row moves every row below it up, which the RNN (61.96 % vs 80.35 %
        // zero-filled, measured) minds more than a black row in place.
        expect(Math.min(clean, zero, mask)).toBeGreaterThan(0.4);
      } finally {
        maskedSession.dispose();
        plainSession.dispose();
      }
    }
  }, 600_000);

  it('keeps the InputError for NaN rows and short sequences on a model without a mask, saying so', async () => {
    const plain = await SequenceClassifier.create(await readEimFile(modelFiles('gru').f32), { backend: 'js' });
    try {
      await expect(plain.classify(images(0, 1, Number.NaN))).rejects.toThrow(/non-finite value at \d+ \(the model has no Keras Masking\)/);
      await expect(plain.classify(testSet().pixels.slice(0, 20 * ROWS))).rejects.toThrow(/wrong length \(the model has no Keras Masking\)/);
      await expect(plain.classify(Array.from({ length: 29 }, () => new Float32Array(ROWS)))).rejects.toThrow(/wrong number of frames.*expected 28 frames/);
    } finally {
      plain.dispose();
    }
    const masked = await SequenceClassifier.create(graphs.get('gru')!, { backend: 'js' });
    try {
      const inf = images(0, 1, 0); inf[5] = Infinity;
      await expect(masked.classify(inf)).rejects.toThrow(/non-finite value at 5 \(expected finite numbers, received Infinity\)$/);
    } finally {
      masked.dispose();
    }
  });
});

