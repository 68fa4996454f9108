// evaluate-metrics.ts on small hand-worked cases (accuracy, top-5, balanced accuracy, precision/recall/F1,
// the confusion matrix, ECE bins, thresholds), priors.ts's EM on a synthetic label shift with known
// answer, and calibrate.ts recovering a known temperature from data generated with it.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { applyCalibration, fitCalibration } from '../../src/trust/calibrate.js';
import { computeMetrics } from '../../src/trust/evaluate-metrics.js';
import { evaluate, labelledSet } from '../../src/trust/evaluate.js';
import { estimatePriors, priorWeights, reweight } from '../../src/trust/priors.js';
import { softmax } from '../../src/vision/topk.js';

/** A seeded uniform generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('computeMetrics', () => {
  // 3 classes, 6 samples; predictions: 0,0,1,1,2,0 for labels 0,0,1,2,2,2.
  const scores = Float32Array.of(
    0.9, 0.05, 0.05, // label 0 → 0 (conf 0.9)
    0.6, 0.3, 0.1,   // label 0 → 0 (0.6)
    0.2, 0.7, 0.1,   // label 1 → 1 (0.7)
    0.1, 0.5, 0.4,   // label 2 → 1 (0.5)
    0.1, 0.1, 0.8,   // label 2 → 2 (0.8)
    0.5, 0.1, 0.4,   // label 2 → 0 (0.5)
  );
  const labels = [0, 0, 1, 2, 2, 2];

  it('counts accuracy, the confusion matrix and the per-class figures as worked by hand', () => {
    const m = computeMetrics(scores, labels, 3, { labels: ['a', 'b', 'c'] });
    expect(m.top1).toBeCloseTo(4 / 6, 12);
    expect(m.top5).toBe(1);
    expect(m.confusion).toEqual([[2, 0, 0], [0, 1, 0], [1, 1, 1]]);
    // precision a 2/3, b 1/2, c 1; recall a 1, b 1, c 1/3
    expect(m.perClass.map((c) => [c.label, c.support, c.precision, c.recall])).toEqual([['a', 2, 2 / 3, 1], ['b', 1, 0.5, 1], ['c', 3, 1, 1 / 3]]);
    expect(m.perClass[0].f1).toBeCloseTo(0.8, 12);
    expect(m.balancedAccuracy).toBeCloseTo((1 + 1 + 1 / 3) / 3, 12);
    expect(m.nll).toBeCloseTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.7) + Math.log(0.4) + Math.log(0.8) + Math.log(0.4)) / 6, 6);
  });

  it('bins confidences in (lower, upper] and weighs each bin\'s gap by its share (ECE)', () => {
    const m = computeMetrics(scores, labels, 3, { bins: 2 });
    // bin (0, .5]: 0.5 wrong, 0.5 wrong → conf .5, acc 0; bin (.5, 1]: .9 .6 .7 .8 all right → conf .75, acc 1
    expect(m.bins.map((b) => b.count)).toEqual([2, 4]);
    expect(m.bins[0].confidence).toBeCloseTo(0.5, 6);
    expect(m.bins[1].accuracy).toBe(1);
    expect(m.ece).toBeCloseTo((2 / 6) * 0.5 + (4 / 6) * 0.25, 6);
    expect(computeMetrics(scores, labels, 3).bins).toHaveLength(15);
  });

  it('counts a top score below its class\'s threshold as "unknown"', () => {
    const m = computeMetrics(scores, labels, 3, { thresholds: [0.55, 0.9, 0.5] });
    // rejected: sample 3 (class 1 at 0.5 < 0.9), sample 2 (class 1 at 0.7 < 0.9), sample 5 (class 0 at 0.5 < 0.55)
    expect(m.unknown).toEqual({ count: 3, coverage: 0.5, accuracy: 1 });
  });

  it('refuses sizes that disagree and labels that are not classes', () => {
    expect(() => computeMetrics(scores, labels.slice(1), 3)).toThrow(InputError);
    expect(() => computeMetrics(scores, [0, 0, 1, 2, 2, 3], 3)).toThrow(InputError);
    expect(() => computeMetrics(scores, labels, 3, { bins: 0 })).toThrow(InputError);
  });

  it('evaluate() scores a classifier\'s batches the same way and re-weights with given priors', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => scores.slice(i * 3, i * 3 + 3));
    const fake = { classes: 3, labels: undefined, backend: 'js', scoresBatch: async (items: readonly number[]) => items.map((i) => rows[i]) };
    const { report } = await evaluate(fake, labelledSet([0, 1, 2, 3, 4, 5], labels), { chunk: 4 });
    expect(report.top1).toBeCloseTo(4 / 6, 12);
    const shifted = await evaluate(fake, labelledSet([0, 1, 2, 3, 4, 5], labels), { priors: [1, 1, 8] });
    expect(shifted.report.priorCorrection).toEqual({ priors: [0.1, 0.1, 0.8], estimated: false });
    expect(shifted.report.confusion[2]).toEqual([0, 0, 3]);
  });
});

describe('estimatePriors (Saerens et al. EM)', () => {
  it('recovers the class frequencies of a shifted set from calibrated posteriors', () => {
    // Two Gaussian classes N(-1, 1) and N(1, 1) with equal training priors: p(1|x) = sigmoid(2x).
    const random = rng(7);
    const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const n = 20000, share1 = 0.2;
    const scores = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const x = (i < share1 * n ? 1 : -1) + gauss();
      const p1 = 1 / (1 + Math.exp(-2 * x));
      scores[2 * i] = 1 - p1;
      scores[2 * i + 1] = p1;
    }
    const { priors, converged } = estimatePriors(scores, 2);
    expect(converged).toBe(true);
    expect(priors[1]).toBeCloseTo(share1, 1.5);
    // The plain mean of the posteriors is biased toward 0.5; EM corrects it.
    const naive = scores.filter((_, j) => j % 2 === 1).reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(priors[1] - share1)).toBeLessThan(Math.abs(naive - share1));
  });

  it('reweight and priorWeights are Bayes\' rule', () => {
    expect(priorWeights([0.5, 0.5], [0.25, 0.75])).toEqual([2, 2 / 3]);
    const r = reweight(Float32Array.of(0.5, 0.5), 2, [3, 1]);
    expect(Array.from(r)).toEqual([0.75, 0.25]);
    expect(() => estimatePriors(new Float32Array(3), 2)).toThrow(InputError);
  });
});

describe('fitCalibration', () => {
  it('finds the temperature that generated the labels, and bias terms with --bias', () => {
    const random = rng(3);
    const classes = 4, n = 8000, T = 2.5;
    const logits = new Float32Array(n * classes);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < classes; k++) logits[i * classes + k] = (random() - 0.5) * 12;
      // Labels drawn from softmax(logits / T): the model's raw scores are over-confident by T.
      const p = softmax(logits.subarray(i * classes, (i + 1) * classes).map((v) => v / T));
      let u = random(), y = 0;
      while (y < classes - 1 && (u -= p[y]) > 0) y++;
      labels[i] = y;
    }
    const probs = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) probs.set(softmax(logits.subarray(i * classes, (i + 1) * classes)), i * classes);
    const fit = fitCalibration(probs, labels, classes);
    expect(fit.calibration.temperature).toBeGreaterThan(T * 0.9);
    expect(fit.calibration.temperature).toBeLessThan(T * 1.1);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
    const calibrated = computeMetrics(applyCalibration(probs, classes, fit.calibration), labels, classes);
    expect(calibrated.ece).toBeLessThan(computeMetrics(probs, labels, classes).ece / 2);
    const withBias = fitCalibration(probs, labels, classes, { bias: true });
    expect(withBias.calibration.bias).toHaveLength(classes);
    expect(withBias.nllAfter).toBeLessThanOrEqual(fit.nllAfter + 1e-9);
    expect(Math.abs(withBias.calibration.bias!.reduce((a, b) => a + b, 0))).toBeLessThan(1e-9);
  });

  it('refuses labels that are not classes and scores of the wrong size', () => {
    expect(() => fitCalibration(Float32Array.of(0.5, 0.5), [2], 2)).toThrow(InputError);
    expect(() => fitCalibration(Float32Array.of(0.5), [0], 2)).toThrow(InputError);
  });
});
