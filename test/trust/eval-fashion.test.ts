// evaluate() on the Fashion-MNIST test set against TF.js for the same models: every figure that depends
// only on the top-1 class (accuracy 91.07 % for the CNN, the confusion matrix, per-class precision, recall and
// F1, balanced accuracy) equals the one computed from TF.js's own predictions over all 10,000 images
// (test/fixtures/fashion-mnist/tfjs-top1-*.u8); the figures that need every probability (top-5, ECE, NLL)
// equal live TF.js's on the first images. Image (CNN, through the pixel path `edgeinfer eval` uses) and
// sequence (GRU) models, on the wasm backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from '../../src/runtime/node-load.js';
import { computeMetrics, type EvaluationMetrics } from '../../src/trust/evaluate-metrics.js';
import { evaluate, labelledSet, type Evaluation } from '../../src/trust/evaluate.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { SequenceClassifier } from '../../src/vision/sequence-classifier.js';
import { CLASSES, FASHION_PREPROCESS, LABELS, modelFiles, PIXELS, testSet, TEST_IMAGES, tfjsTop1 } from '../e2e/fashion-helpers.js';
import { grayImage, rows } from './eval-helpers.js';

const LIVE = 1000; // images TF.js scores live here (its pure-JS cpu backend is slow)
/** One-hot rows of a top-1 list: the figures that depend on the top class only. */
function oneHot(top1: Uint8Array, count: number): Float32Array {
  const s = new Float32Array(count * CLASSES);
  for (let i = 0; i < count; i++) s[i * CLASSES + top1[i]] = 1;
  return s;
}

function expectSameTop1Figures(ours: EvaluationMetrics, theirs: EvaluationMetrics): void {
  expect(ours.top1).toBe(theirs.top1);
  expect(ours.confusion).toEqual(theirs.confusion);
  expect(ours.balancedAccuracy).toBe(theirs.balancedAccuracy);
  expect(ours.macroF1).toBe(theirs.macroF1);
  expect(ours.perClass).toEqual(theirs.perClass);
}

/** TF.js's layers model from models/fashion/<name>/, read from disk into its memory loader. */
async function tfjsModel(name: string): Promise<tf.LayersModel> {
  const dir = modelFiles(name).dir;
  const { modelTopology, weightsManifest } = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightData = Buffer.concat(weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p)))));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology, weightSpecs: weightsManifest.flatMap((group) => group.weights),
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
  }));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('evaluate() on the Fashion-MNIST test set equals TF.js', () => {
  const { labels } = testSet();
  let cnn: Evaluation;
  let classifier: ImageClassifier;

  beforeAll(async () => {
    classifier = await ImageClassifier.create(modelFiles('cnn').f32, { loader: load, backend: 'wasm', preprocess: FASHION_PREPROCESS, maxBatch: 64 });
    cnn = await evaluate(classifier, labelledSet(Array.from({ length: TEST_IMAGES }, (_, i) => grayImage(i)), labels));
  }, 120_000);
  afterAll(() => classifier?.dispose());

  it('CNN: 91.07 % and every top-1 figure as TF.js\'s predictions over all 10,000 images', () => {
    expect(cnn.report.samples).toBe(TEST_IMAGES);
    expect(cnn.report.top1).toBe(0.9107);
    expect(cnn.report.labels).toEqual(LABELS);
    expectSameTop1Figures(cnn.report, computeMetrics(oneHot(tfjsTop1('cnn'), TEST_IMAGES), labels, CLASSES, { labels: LABELS }));
    expect(cnn.report.samplesPerSecond).toBeGreaterThan(0);
    console.log(`fashion cnn (wasm): top-1 ${cnn.report.top1}, top-5 ${cnn.report.top5}, balanced ${cnn.report.balancedAccuracy.toFixed(4)}, `
      + `ECE ${cnn.report.ece.toFixed(4)}, NLL ${cnn.report.nll.toFixed(4)}, ${cnn.report.samplesPerSecond.toFixed(0)} images/s`);
  });

  it(`CNN: top-5, ECE, NLL and the reliability bins as live TF.js's on the first ${LIVE} images`, async () => {
    const model = await tfjsModel('cnn');
    const probs = tf.tidy(() => (model.predict(tf.tensor(testSet().pixels.subarray(0, LIVE * PIXELS), [LIVE, 28, 28, 1])) as tf.Tensor).dataSync() as Float32Array);
    model.dispose();
    const theirs = computeMetrics(probs, labels.subarray(0, LIVE), CLASSES);
    const ours = computeMetrics(cnn.scores.subarray(0, LIVE * CLASSES), labels.subarray(0, LIVE), CLASSES);
    expectSameTop1Figures(ours, theirs);
    expect(ours.top5).toBe(theirs.top5);
    expect(ours.bins.map((b) => b.count)).toEqual(theirs.bins.map((b) => b.count));
    expect(Math.abs(ours.ece - theirs.ece)).toBeLessThan(1e-5);
    expect(Math.abs(ours.nll - theirs.nll)).toBeLessThan(1e-5);
  }, 120_000);

  it('GRU (a sequence model): every top-1 figure as TF.js\'s over all 10,000 images', async () => {
    const gru = await SequenceClassifier.create(modelFiles('gru').f32, { loader: load, backend: 'wasm' });
    try {
      const { report } = await evaluate(gru, labelledSet(Array.from({ length: TEST_IMAGES }, (_, i) => rows(i)), labels));
      expectSameTop1Figures(report, computeMetrics(oneHot(tfjsTop1('gru'), TEST_IMAGES), labels, CLASSES, { labels: LABELS }));
      console.log(`fashion gru (wasm): top-1 ${report.top1}, balanced ${report.balancedAccuracy.toFixed(4)}, ECE ${report.ece.toFixed(4)}`);
    } finally {
      gru.dispose();
    }
  }, 120_000);
});
