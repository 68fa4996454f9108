// evaluate(classifier, samples): runs a labelled set through a classifier (image or sequence, any backend)
// and scores it (evaluate-metrics.ts), timing the runs; with `priors` the posteriors are first re-weighted
// to given deployment priors, or to ones estimated from the set itself without its labels (Saerens' EM).
// Browser-safe: the readers of folders, CSV and IDX files are in evaluate-data.ts (Node).
import { InputError } from '../errors.js';
import type { Calibration } from '../graph/ir.js';
import { computeMetrics, MAX_SCORES, type EvaluationMetrics } from './evaluate-metrics.js';
import { estimatePriors, normalisePriors, reweight } from './priors.js';

/** What evaluate() needs of a classifier: ImageClassifier and SequenceClassifier are ones. */
export interface Evaluable<T> {
  readonly classes: number;
  readonly labels: readonly string[] | undefined;
  readonly backend: string;
  readonly calibration?: Calibration;
  readonly priors?: readonly number[];
  readonly thresholds?: readonly number[];
  scoresBatch(items: readonly T[]): Promise<Float32Array[]>;
}

/** A labelled set read a slice at a time, so that a large one (image files) is never held whole. */
export interface LabelledSet<T> {
  /** Class index of every sample. */
  readonly labels: ArrayLike<number>;
  /** Samples [start, start + count). */
  read(start: number, count: number): readonly T[] | Promise<readonly T[]>;
}

export interface EvaluateOptions {
  /** Samples read and classified per step (default 256). */
  readonly chunk?: number;
  /** Confidence bins of the ECE and reliability diagram (default 15). */
  readonly bins?: number;
  /**
   * Re-weight the posteriors to these deployment priors (relative to uniform training priors, or to
   * `trainPriors`), or to priors estimated from the set's own scores by EM ('estimate'). This comes on top
   * of the classifier's own `priors`, if it has any.
   */
  readonly priors?: readonly number[] | 'estimate';
  readonly trainPriors?: readonly number[];
  /** Per-class least top score (default: the classifier's); below it a sample counts as "unknown". */
  readonly thresholds?: readonly number[];
  /** Called after each step with the samples done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface EvaluationReport extends EvaluationMetrics {
  readonly backend: string;
  /** The calibration the classifier applied, when it had one. */
  readonly calibration?: Calibration;
  /** The deployment priors the scores were re-weighted to, and whether they were estimated. */
  readonly priorCorrection?: { readonly priors: readonly number[]; readonly estimated: boolean; readonly iterations?: number };
  /** Wall time of reading, preprocessing and classifying, and samples per second over it. */
  readonly seconds: number;
  readonly samplesPerSecond: number;
}

export interface Evaluation {
  readonly report: EvaluationReport;
  /** Every sample's class probabilities, row after row, as scored (after any prior correction). */
  readonly scores: Float32Array;
}

/** The probabilities of every sample of `set`, in order, `chunk` samples per scoresBatch call. */
export async function scoreSet<T>(classifier: Evaluable<T>, set: LabelledSet<T>, options: EvaluateOptions = {}): Promise<Float32Array> {
  const n = set.labels.length, classes = classifier.classes;
  const chunk = options.chunk ?? 256;
  if (!Number.isInteger(chunk) || chunk < 1) throw new InputError('chunk must be a positive integer', { received: String(chunk) });
  if (n * classes > MAX_SCORES) throw new InputError('too many samples to score at once', { expected: `at most ${Math.floor(MAX_SCORES / classes)}`, received: `${n}` });
  const scores = new Float32Array(n * classes);
  for (let start = 0; start < n; start += chunk) {
    options.signal?.throwIfAborted();
    const count = Math.min(chunk, n - start);
    const items = await set.read(start, count);
    if (items.length !== count) throw new InputError(`the set gave ${items.length} samples at ${start}`, { expected: `${count}`, received: `${items.length}` });
    const rows = await classifier.scoresBatch(items);
    rows.forEach((row, i) => scores.set(row, (start + i) * classes));
    options.onProgress?.(start + count, n);
  }
  return scores;
}

/** Runs `set` through `classifier` and scores the result against the set's labels. */
export async function evaluate<T>(classifier: Evaluable<T>, set: LabelledSet<T>, options: EvaluateOptions = {}): Promise<Evaluation> {
  const t0 = performance.now();
  let scores = await scoreSet(classifier, set, options);
  const seconds = (performance.now() - t0) / 1000;
  const classes = classifier.classes;
  let priorCorrection: EvaluationReport['priorCorrection'];
  if (options.priors !== undefined) {
    const train = options.trainPriors && normalisePriors(options.trainPriors, classes, 'trainPriors');
    const estimate = options.priors === 'estimate' ? estimatePriors(scores, classes, { trainPriors: train }) : undefined;
    const priors = estimate?.priors ?? normalisePriors(options.priors as readonly number[], classes, 'priors');
    scores = reweight(scores, classes, priors.map((p, k) => (train ? (train[k] > 0 ? p / train[k] : 0) : p)));
    priorCorrection = { priors, estimated: estimate !== undefined, ...(estimate ? { iterations: estimate.iterations } : {}) };
  }
  const metrics = computeMetrics(scores, set.labels, classes, {
    labels: classifier.labels, bins: options.bins, thresholds: options.thresholds ?? classifier.thresholds,
  });
  const report: EvaluationReport = {
    ...metrics,
    backend: classifier.backend,
    ...(classifier.calibration ? { calibration: classifier.calibration } : {}),
    ...(priorCorrection ? { priorCorrection } : {}),
    seconds,
    samplesPerSecond: seconds > 0 ? metrics.samples / seconds : 0,
  };
  return { report, scores };
}

/** A LabelledSet over inputs already in memory. */
export function labelledSet<T>(inputs: readonly T[], labels: ArrayLike<number>): LabelledSet<T> {
  if (inputs.length !== labels.length) throw new InputError('inputs and labels differ in length', { expected: `${inputs.length} labels`, received: `${labels.length}` });
  return { labels, read: (start, count) => inputs.slice(start, start + count) };
}
