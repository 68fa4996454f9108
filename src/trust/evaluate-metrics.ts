// Scores of a labelled set → the figures `edgeinfer eval` and evaluate() report: top-1/top-5 accuracy,
// balanced accuracy, per-class precision/recall/F1, the confusion matrix, and calibration (expected
// calibration error over equal-width confidence bins, with the bins for a reliability diagram).
// Pure arithmetic on a score matrix, so any run (ours, TF.js's) can be scored the same way.
import { InputError } from '../errors.js';
import { classLabel } from '../vision/labels.js';
import { topKIndices } from '../vision/topk.js';

/** Bins of the reliability diagram and of the ECE, as in Guo et al. 2017 ("On Calibration of Modern Neural Networks"). */
export const DEFAULT_BINS = 15;

export interface ClassMetrics {
  readonly index: number;
  readonly label: string;
  /** Samples whose true class this is. */
  readonly support: number;
  /** Of the samples predicted as this class, the share that are (0 when none were predicted). */
  readonly precision: number;
  /** Of this class's samples, the share predicted as it (0 without support). */
  readonly recall: number;
  readonly f1: number;
}

/** One confidence bin: samples whose top score lies in (lower, upper]. */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean top score of the bin's samples (0 when empty). */
  readonly confidence: number;
  /** Share of the bin's samples whose top class is right (0 when empty). */
  readonly accuracy: number;
}

export interface EvaluationMetrics {
  readonly samples: number;
  readonly classes: number;
  readonly labels: readonly string[];
  /** Share of samples whose best class is the true one (ties: the lower class index wins, as everywhere). */
  readonly top1: number;
  /** Share whose true class is among the 5 best (all classes when there are fewer). */
  readonly top5: number;
  /** Mean recall over the classes that have samples: accuracy as if every class were equally frequent. */
  readonly balancedAccuracy: number;
  /** Mean F1 over the classes that have samples. */
  readonly macroF1: number;
  readonly perClass: readonly ClassMetrics[];
  /** confusion[true][predicted]: sample counts. */
  readonly confusion: readonly (readonly number[])[];
  /** Expected calibration error: Σ over bins of (count / samples) · |accuracy − confidence|. */
  readonly ece: number;
  /** Mean negative log-likelihood of the true class (scores clamped at 1e-12). */
  readonly nll: number;
  readonly bins: readonly ReliabilityBin[];
  /** With thresholds: samples answered "unknown" (top score below its class's threshold), and the accuracy on the others. */
  readonly unknown?: { readonly count: number; readonly coverage: number; readonly accuracy: number };
}

export interface MetricsOptions {
  /** Class names (default: the model's, else "class <i>"). */
  readonly labels?: readonly string[];
  readonly bins?: number;
  /** Per-class least top score; below it a sample counts as "unknown". */
  readonly thresholds?: readonly number[];
}

/** Most samples × classes a score matrix may hold (a Float32Array of 1 GiB). */
export const MAX_SCORES = 2 ** 28;

/**
 * The metrics of `scores` (row i: the `classes` probabilities of sample i) against `labels` (class
 * indices). Throws InputError when the sizes disagree or a label is not a class.
 */
export function computeMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, classes: number, options: MetricsOptions = {}): EvaluationMetrics {
  const n = labels.length;
  const nBins = options.bins ?? DEFAULT_BINS;
  if (!Number.isInteger(classes) || classes < 1 || scores.length !== n * classes || n * classes > MAX_SCORES) {
    throw new InputError('scores do not match the labels', { expected: `${n} x ${classes} scores (at most ${MAX_SCORES})`, received: `${scores.length}` });
  }
  if (!Number.isInteger(nBins) || nBins < 1 || nBins > 1000) throw new InputError('bins must be an integer in 1..1000', { received: String(nBins) });
  const { thresholds } = options;
  if (thresholds && thresholds.length !== classes) throw new InputError('thresholds need one number per class', { expected: `${classes}`, received: `${thresholds.length}` });
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const binCount = new Float64Array(nBins), binConf = new Float64Array(nBins), binRight = new Float64Array(nBins);
  const k = Math.min(5, classes);
  let top1 = 0, top5 = 0, nll = 0, rejected = 0, acceptedRight = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new InputError(`label of sample ${i} is not a class`, { expected: `an integer in 0..${classes - 1}`, received: String(label) });
    }
    const row = Array.prototype.slice.call(scores, i * classes, (i + 1) * classes) as number[];
    const best = topKIndices(row, k);
    const predicted = best[0];
    const confidence = row[predicted];
    const right = predicted === label;
    confusion[label][predicted]++;
    if (right) top1++;
    if (best.includes(label)) top5++;
    nll -= Math.log(Math.max(row[label], 1e-12));
    // (lower, upper] bins; a confidence of 0 (or NaN) falls in the first.
    const b = Math.min(nBins - 1, Math.max(0, Math.ceil(confidence * nBins) - 1));
    binCount[b]++;
    binConf[b] += Number.isFinite(confidence) ? confidence : 0;
    if (right) binRight[b]++;
    if (thresholds && !(confidence >= thresholds[predicted])) rejected++;
    else if (right) acceptedRight++;
  }
  const perClass: ClassMetrics[] = [];
  for (let c = 0; c < classes; c++) {
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, row) => a + row[c], 0);
    const tp = confusion[c][c];
    const precision = predictedAs ? tp / predictedAs : 0, recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ index: c, label: classLabel(options.labels, c), support, precision, recall, f1 });
  }
  const present = perClass.filter((m) => m.support > 0);
  const mean = (f: (m: ClassMetrics) => number): number => (present.length ? present.reduce((a, m) => a + f(m), 0) / present.length : 0);
  const bins: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < nBins; b++) {
    const count = binCount[b];
    const confidence = count ? binConf[b] / count : 0, accuracy = count ? binRight[b] / count : 0;
    ece += (count / Math.max(n, 1)) * Math.abs(accuracy - confidence);
    bins.push({ lower: b / nBins, upper: (b + 1) / nBins, count, confidence, accuracy });
  }
  const accepted = n - rejected;
  return {
    samples: n,
    classes,
    labels: perClass.map((m) => m.label),
    top1: n ? top1 / n : 0,
    top5: n ? top5 / n : 0,
    balancedAccuracy: mean((m) => m.recall),
    macroF1: mean((m) => m.f1),
    perClass,
    confusion,
    ece,
    nll: n ? nll / n : 0,
    bins,
    ...(thresholds ? { unknown: { count: rejected, coverage: n ? accepted / n : 0, accuracy: accepted ? acceptedRight / accepted : 0 } } : {}),
  };
}
