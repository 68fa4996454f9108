// The Fashion-MNIST models trained by examples/train (models/fashion/): the oracle side. TF.js's top-1
// over all 10,000 test images is precomputed by examples/train/predict-tfjs.mjs (minutes of tfjs cpu
// time); here live TF.js must reproduce it, and the f32 .eim its probabilities, on the first images.
// fashion-backends.test.ts runs the .eim files on every backend against that top-1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readEimFile } from '../../src/format/node.js';
import {
  accuracy, argmax, CASES, classifyTestImages, LABELS, maxProbDiff, modelFiles, pct, PIXELS, testSet, TEST_IMAGES, tfjsTop1,
} from './fashion-helpers.js';

const LIVE = 100; // images TF.js predicts live in the test

beforeAll(async () => {
  await tf.setBackend('cpu');
});

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

for (const c of CASES) {
  describe(`fashion ${c.name}: TF.js and the .eim files`, () => {
    const files = modelFiles(c.name);

    it(`TF.js reaches ${pct(c.target)} on all 10,000 test images (precomputed top-1)`, () => {
      const top1 = tfjsTop1(c.name);
      expect(top1.length).toBe(TEST_IMAGES);
      expect(accuracy(top1)).toBeGreaterThanOrEqual(c.target);
    });

    it('.eim files carry the labels and the model\'s interface', async () => {
      for (const path of [files.f32, files.int8]) {
        const g = await readEimFile(path);
        expect(g.metadata.labels).toEqual(LABELS);
        expect(g.inputs.map((v) => v.shape)).toEqual([[-1, ...c.shape]]);
      }
    });

    it(`live TF.js matches its precomputed top-1 and the f32 .eim's probabilities (js backend) on ${LIVE} images`, async () => {
      const top1 = tfjsTop1(c.name);
      const model = await loadTfjs(files.dir);
      const input = testSet().pixels.subarray(0, LIVE * PIXELS);
      const live = tf.tidy(() => (model.predict(tf.tensor(input, [LIVE, ...c.shape])) as tf.Tensor).dataSync() as Float32Array);
      model.dispose();
      const ours = await classifyTestImages(files.f32, 'js', LIVE);
      for (let i = 0; i < LIVE; i++) expect(argmax(live, i * 10, 10), `image ${i}: live TF.js vs the precomputed top-1`).toBe(top1[i]);
      expect(maxProbDiff(live, ours.probs), 'largest probability difference, TF.js vs .eim f32').toBeLessThan(1e-4);
    });
  });
}
