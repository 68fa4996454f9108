// Label shift on Fashion-MNIST: the CNN (trained on balanced classes) meets a deployment where Trouser is
// 10x as frequent and Shirt and Ankle boot 10x rarer: a resample of the test set with every Trouser image
// 10 times and a fixed tenth of the Shirts and Ankle boots. The classifier's `priors` option re-weights its
// posteriors, with the true deployment priors or with those estimated from the resample's images alone by
// Saerens et al.'s EM (no labels). Accuracy must rise with both; balanced accuracy is printed: it is the
// accuracy under uniform priors, which the balanced training already optimises, so moving the decision
// toward the frequent class trades a little of it for the accuracy on the deployment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from '../../src/runtime/node-load.js';
import { evaluate, labelledSet, type EvaluationReport } from '../../src/trust/evaluate.js';
import { estimatePriors } from '../../src/trust/priors.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import type { PixelImage } from '../../src/vision/preprocess.js';
import { CLASSES, FASHION_PREPROCESS, formatTable, LABELS, modelFiles, pct, points, testSet, TEST_IMAGES } from '../e2e/fashion-helpers.js';
import { grayImage } from './eval-helpers.js';

const FACTOR = [1, 10, 1, 1, 1, 1, 0.1, 1, 1, 0.1]; // Trouser x10, Shirt and Ankle boot x0.1

/** Test-set indices: each image FACTOR times, fractions as every 10th image of the class (deterministic). */
function resample(): number[] {
  const seen = new Array<number>(CLASSES).fill(0);
  const out: number[] = [];
  for (let i = 0; i < TEST_IMAGES; i++) {
    const k = testSet().labels[i];
    const f = FACTOR[k];
    if (f >= 1) for (let r = 0; r < f; r++) out.push(i);
    else if (seen[k]++ % Math.round(1 / f) === 0) out.push(i);
  }
  return out;
}

describe('prior correction on an imbalanced resample of the Fashion-MNIST test set (CNN, wasm)', () => {
  const indices = resample();
  const images: PixelImage[] = indices.map(grayImage);
  const labels = Uint8Array.from(indices, (i) => testSet().labels[i]);
  const truth = FACTOR.map((f) => (f * 1000) / indices.length);
  const results: { name: string; report: EvaluationReport }[] = [];

  async function run(name: string, priors?: readonly number[]): Promise<EvaluationReport> {
    const c = await ImageClassifier.create(modelFiles('cnn').f32, { loader: load, backend: 'wasm', preprocess: FASHION_PREPROCESS, maxBatch: 64, priors });
    try {
      expect(c.priors).toEqual(priors);
      const { report } = await evaluate(c, labelledSet(images, labels));
      results.push({ name, report });
      return report;
    } finally {
      c.dispose();
    }
  }

  let plain: EvaluationReport;
  let estimated: number[];
  beforeAll(async () => {
    plain = await run('none');
    const c = await ImageClassifier.create(modelFiles('cnn').f32, { loader: load, backend: 'wasm', preprocess: FASHION_PREPROCESS, maxBatch: 64 });
    try {
      // The unlabelled inputs' posteriors are all EM needs.
      const scores = await c.scoresBatch(images);
      estimated = estimatePriors(Float32Array.from(scores.flatMap((s) => [...s])), CLASSES).priors;
    } finally {
      c.dispose();
    }
  }, 300_000);

  afterAll(() => {
    const head = ['priors', 'accuracy', 'balanced accuracy', ...LABELS.map((l) => `recall ${l.split('/')[0]}`)];
    console.log(formatTable(`Prior correction, Fashion-MNIST test resample of ${indices.length} images (Trouser x10, Shirt and Ankle boot x0.1)`, head,
      results.map(({ name, report }) => [name, pct(report.top1), pct(report.balancedAccuracy), ...report.perClass.map((c) => pct(c.recall))])));
    console.log(`true priors      ${truth.map((p) => p.toFixed(4)).join(' ')}\nEM-estimated     ${estimated.map((p) => p.toFixed(4)).join(' ')}`);
    const [, em, known] = results.map((r) => r.report);
    if (em && known) {
      console.log(`accuracy ${points(em.top1 - plain.top1)} (EM), ${points(known.top1 - plain.top1)} (true priors); `
        + `balanced accuracy ${points(em.balancedAccuracy - plain.balancedAccuracy)} (EM), ${points(known.balancedAccuracy - plain.balancedAccuracy)} (true priors)`);
    }
  });

  it('EM estimates the deployment priors from the unlabelled images to within 1.5 points each', () => {
    expect(indices.length).toBe(17_200);
    estimated.forEach((p, k) => expect(Math.abs(p - truth[k]), LABELS[k]).toBeLessThan(0.015));
  });

  it('the classifier re-weighted with the EM-estimated priors is more accurate on the deployment', async () => {
    const em = await run('EM-estimated', estimated);
    expect(em.top1).toBeGreaterThan(plain.top1 + 0.005);
  }, 300_000);

  it('so is it with the true deployment priors; the frequent class gains recall, the rare ones lose some', async () => {
    const known = await run('true', truth);
    expect(known.top1).toBeGreaterThan(plain.top1 + 0.005);
    expect(known.perClass[1].recall).toBeGreaterThan(plain.perClass[1].recall);
    expect(known.perClass[6].recall).toBeLessThan(plain.perClass[6].recall);
  }, 300_000);
});
