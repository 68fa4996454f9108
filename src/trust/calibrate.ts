// Temperature scaling (Guo et al. 2017): one number T fitted on a labelled set so that softmax(logits / T)
// minimises the negative log-likelihood; optionally with per-class bias terms b, softmax(logits / T + b)
// (vector scaling with one shared scale). Logits are recovered from probabilities as log(p): softmax is
// shift-invariant, so log(softmax(z)) = z − logsumexp(z) serves as well as z. What comes out is stored in
// a model's metadata.calibration, which the classifiers apply to every score.
import { InputError } from '../errors.js';
import type { Calibration, Graph } from '../graph/ir.js';

export interface CalibrationFit {
  readonly calibration: Calibration;
  /** Mean negative log-likelihood of the true class before and after, on the fitting set. */
  readonly nllBefore: number;
  readonly nllAfter: number;
}

export interface FitOptions {
  /** Also fit one bias term per class (default false: the temperature alone, which keeps the ranking). */
  readonly bias?: boolean;
  /** Whether the scores are probabilities (default, as classifiers' scoresBatch returns them) or logits. */
  readonly scores?: 'probabilities' | 'logits';
}

/** log(0) of an underflowed f32 probability would be -Infinity: clamp at the smallest f32 subnormal's log. */
const MIN_LOG = Math.log(1.4e-45);
const TEMPERATURE_RANGE = [1e-3, 1e3] as const;

/** Mean NLL of softmax(scale · z + bias) at the labels, and its gradient in (scale, bias) when `grad` is given. */
function nll(z: Float64Array, labels: ArrayLike<number>, classes: number, scale: number, bias: Float64Array, grad?: Float64Array): number {
  const n = labels.length;
  const e = new Float64Array(classes);
  let total = 0;
  grad?.fill(0);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) { e[k] = scale * z[i * classes + k] + bias[k]; if (e[k] > max) max = e[k]; }
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(e[k] - max);
    const y = labels[i];
    total += max + Math.log(sum) - e[y];
    if (grad) {
      for (let k = 0; k < classes; k++) {
        const d = Math.exp(e[k] - max) / sum - (k === y ? 1 : 0);
        grad[0] += d * z[i * classes + k];
        grad[1 + k] += d;
      }
    }
  }
  if (grad) for (let j = 0; j < grad.length; j++) grad[j] /= n;
  return total / n;
}

/** Golden-section search of a unimodal f on [lo, hi]. */
function goldenMin(f: (x: number) => number, lo: number, hi: number, steps = 80): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo, b = hi, c = b - g * (b - a), d = a + g * (b - a), fc = f(c), fd = f(d);
  for (let s = 0; s < steps; s++) {
    if (fc < fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c); } else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d); }
  }
  return (a + b) / 2;
}

/**
 * Fits temperature scaling (and with `bias`, per-class bias terms) to `scores` (row i: the `classes` scores of
 * sample i, uncalibrated) and `labels`. The NLL is convex in (1/T, b), so the temperature is a 1-D search and
 * the bias terms follow by gradient descent with backtracking from it.
 */
export function fitCalibration(scores: ArrayLike<number>, labels: ArrayLike<number>, classes: number, options: FitOptions = {}): CalibrationFit {
  const n = labels.length;
  if (!Number.isInteger(classes) || classes < 2 || scores.length !== n * classes) {
    throw new InputError('calibration scores do not match the labels', { expected: `${n} x ${classes} scores, 2 classes or more`, received: `${scores.length}` });
  }
  if (n === 0) throw new InputError('calibration needs labelled samples', { received: '0 samples' });
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classes) {
      throw new InputError(`label of sample ${i} is not a class`, { expected: `0..${classes - 1}`, received: String(labels[i]) });
    }
  }
  const logits = options.scores === 'logits';
  const z = Float64Array.from({ length: n * classes }, (_, j) => {
    const v = logits ? scores[j] : Math.max(Math.log(scores[j]), MIN_LOG);
    if (!Number.isFinite(v)) throw new InputError(`score ${j % classes} of sample ${Math.floor(j / classes)} is not a ${logits ? 'finite logit' : 'probability'}`, { received: String(scores[j]) });
    return v;
  });
  const zero = new Float64Array(classes);
  const nllBefore = nll(z, labels, classes, 1, zero);
  // Search log T: the NLL is smooth and unimodal in it.
  const logT = goldenMin((t) => nll(z, labels, classes, Math.exp(-t), zero), Math.log(TEMPERATURE_RANGE[0]), Math.log(TEMPERATURE_RANGE[1]));
  let scale = Math.exp(-logT);
  const bias = new Float64Array(classes);
  let nllAfter = nll(z, labels, classes, scale, bias);
  if (options.bias) {
    const grad = new Float64Array(classes + 1);
    let step = 1;
    for (let it = 0; it < 2000; it++) {
      const f = nll(z, labels, classes, scale, bias, grad);
      const norm2 = grad.reduce((a, g) => a + g * g, 0);
      if (norm2 < 1e-14) break;
      // Armijo backtracking: halve until the decrease is at least a tenth of the linear prediction.
      step = Math.min(step * 2, 64);
      for (;;) {
        const s = scale - step * grad[0];
        const b = bias.map((v, k) => v - step * grad[1 + k]);
        const f2 = s > 0 ? nll(z, labels, classes, s, b) : Infinity;
        if (f2 <= f - 0.1 * step * norm2) { scale = s; bias.set(b); nllAfter = f2; break; }
        step /= 2;
        if (step < 1e-12) { it = Infinity; break; }
      }
    }
    // softmax is shift-invariant: store the bias centred, which is also how the gradient leaves it.
    const mean = bias.reduce((a, b) => a + b, 0) / classes;
    for (let k = 0; k < classes; k++) bias[k] -= mean;
  }
  const calibration: Calibration = { temperature: 1 / scale };
  if (options.bias) calibration.bias = Array.from(bias);
  return { calibration, nllBefore, nllAfter };
}

/** softmax(log p / T + bias) of each row of probabilities: what the classifiers compute from a stored calibration. */
export function applyCalibration(scores: Float32Array, classes: number, calibration: Calibration): Float32Array {
  const out = new Float32Array(scores.length);
  const z = new Float64Array(classes);
  for (let i = 0; i < scores.length; i += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) { z[k] = Math.log(scores[i + k]) / calibration.temperature + (calibration.bias?.[k] ?? 0); if (z[k] > max) max = z[k]; }
    let sum = 0;
    for (let k = 0; k < classes; k++) { z[k] = Math.exp(z[k] - max); sum += z[k]; }
    for (let k = 0; k < classes; k++) out[i + k] = z[k] / sum;
  }
  return out;
}

/** A copy of `graph` (sharing its nodes and weights) whose metadata carries `calibration`. */
export function withCalibration(graph: Graph, calibration: Calibration | undefined, thresholds?: readonly number[]): Graph {
  const metadata = { ...graph.metadata };
  if (calibration) metadata.calibration = { ...calibration }; else delete metadata.calibration;
  if (thresholds) metadata.thresholds = [...thresholds];
  return { ...graph, metadata };
}
