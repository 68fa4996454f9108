// What the Fashion-MNIST tests of evaluate, calibrate and priors share: test images as 8-bit gray pixels, as
// `edgeinfer eval` hands IDX images over, the sequence inputs, and one evaluation of a model on a range of them.
import { load } from '../../src/runtime/node-load.js';
import { evaluate, labelledSet, type Evaluation } from '../../src/trust/evaluate.js';
import { ImageClassifier, type ClassifierOptions } from '../../src/vision/classifier.js';
import type { PixelImage } from '../../src/vision/preprocess.js';
import { SequenceClassifier } from '../../src/vision/sequence-classifier.js';
import { FASHION_PREPROCESS, PIXELS, testSet, TEST_IMAGES } from '../e2e/fashion-helpers.js';

/** Test image i as 8-bit gray pixels. */
export const grayImage = (i: number): PixelImage => ({ width: 28, height: 28, format: 'GRAY', data: testSet().images.subarray(i * PIXELS, (i + 1) * PIXELS) });

/** Test image i as the 28 rows of 28 values a recurrent model takes. */
export const rows = (i: number): Float32Array => testSet().pixels.subarray(i * PIXELS, (i + 1) * PIXELS);

/**
 * Evaluates the .eim at `file` (the CNN as an image model, the others as sequence models) on the wasm
 * backend over test images [start, end), with classifier `options` (e.g. a calibration).
 */
export async function evaluateFashion(file: string, image: boolean, start = 0, end = TEST_IMAGES, options: ClassifierOptions = {}): Promise<Evaluation> {
  const labels = testSet().labels.subarray(start, end);
  const indices = Array.from({ length: end - start }, (_, i) => start + i);
  if (image) {
    const c = await ImageClassifier.create(file, { loader: load, backend: 'wasm', preprocess: FASHION_PREPROCESS, maxBatch: 64, ...options });
    try { return await evaluate(c, labelledSet(indices.map(grayImage), labels)); } finally { c.dispose(); }
  }
  const c = await SequenceClassifier.create(file, { loader: load, backend: 'wasm', ...options });
  try { return await evaluate(c, labelledSet(indices.map(rows), labels)); } finally { c.dispose(); }
}
