// Label shift: when the deployment's class frequencies differ from the training set's, Bayes' rule
// re-weights each posterior by priors[k] / train[k] (what the classifiers' `priors` option applies). The
// deployment's priors are rarely known; estimatePriors finds them from unlabelled inputs' posteriors by
// the EM procedure of Saerens, Latinne & Decaestecker (2002, "Adjusting the outputs of a classifier to new
// a priori probabilities: a simple procedure", Neural Computation 14). It works best on calibrated scores.
import { InputError } from '../errors.js';

export interface PriorEstimate {
  /** The deployment's class probabilities, summing to 1. */
  readonly priors: number[];
  readonly iterations: number;
  /** Whether the largest change of a prior fell below the tolerance before maxIterations. */
  readonly converged: boolean;
}

export interface EstimatePriorsOptions {
  /** The class frequencies the scores reflect (the training set's); uniform by default. */
  readonly trainPriors?: readonly number[];
  readonly maxIterations?: number;
  /** Stop once no prior changes by more than this (default 1e-6). */
  readonly tolerance?: number;
}

/** `v` normalised to sum 1, or InputError when it is not `n` non-negative finite numbers with a positive sum. */
export function normalisePriors(v: readonly number[], n: number, what: string): number[] {
  const sum = v.reduce((a, b) => a + b, 0);
  if (v.length !== n || !v.every((x) => Number.isFinite(x) && x >= 0) || !(sum > 0)) {
    throw new InputError(`${what} must be ${n} non-negative numbers with a positive sum`, { expected: `${n} numbers`, received: `${v.length}: ${v.slice(0, 4).join(', ')}` });
  }
  return v.map((x) => x / sum);
}

/** Checks a score matrix's size; returns its rows. */
function rowsOf(scores: ArrayLike<number>, classes: number): number {
  if (!Number.isInteger(classes) || classes < 1 || scores.length % classes !== 0) {
    throw new InputError('scores are not rows of one score per class', { expected: `a multiple of ${classes} values`, received: `${scores.length}` });
  }
  return scores.length / classes;
}

/** Saerens et al.'s EM: the deployment priors under which the re-weighted posteriors average to those priors. */
export function estimatePriors(scores: ArrayLike<number>, classes: number, options: EstimatePriorsOptions = {}): PriorEstimate {
  const n = rowsOf(scores, classes);
  if (n === 0) throw new InputError('estimating priors needs at least one unlabelled sample', { received: '0 samples' });
  const train = normalisePriors(options.trainPriors ?? new Array<number>(classes).fill(1), classes, 'trainPriors');
  const maxIterations = options.maxIterations ?? 1000, tolerance = options.tolerance ?? 1e-6;
  let priors = train.slice();
  const q = new Float64Array(classes);
  for (let it = 1; it <= maxIterations; it++) {
    const next = new Float64Array(classes);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < classes; k++) { q[k] = train[k] > 0 ? (scores[i * classes + k] * priors[k]) / train[k] : 0; sum += q[k]; }
      if (sum > 0) for (let k = 0; k < classes; k++) next[k] += q[k] / sum;
    }
    const total = next.reduce((a, b) => a + b, 0);
    const updated = Array.from(next, (x) => x / total);
    const change = Math.max(...updated.map((p, k) => Math.abs(p - priors[k])));
    priors = updated;
    if (change < tolerance) return { priors, iterations: it, converged: true };
  }
  return { priors, iterations: maxIterations, converged: false };
}

/** What the classifiers' `priors` option takes for a deployment with `priors` and a training set with `train`: their ratio. */
export function priorWeights(priors: readonly number[], train?: readonly number[]): number[] {
  const p = normalisePriors(priors, priors.length, 'priors');
  const t = normalisePriors(train ?? new Array<number>(p.length).fill(1), p.length, 'trainPriors');
  return p.map((x, k) => (t[k] > 0 ? x / t[k] : 0));
}

/** Each row of `scores` multiplied by `weights` and renormalised (Bayes' rule for new priors), as a new matrix. */
export function reweight(scores: ArrayLike<number>, classes: number, weights: readonly number[]): Float32Array {
  const n = rowsOf(scores, classes);
  if (weights.length !== classes) throw new InputError('weights need one number per class', { expected: `${classes}`, received: `${weights.length}` });
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += scores[i * classes + k] * weights[k];
    for (let k = 0; k < classes; k++) out[i * classes + k] = sum > 0 ? (scores[i * classes + k] * weights[k]) / sum : 0;
  }
  return out;
}
