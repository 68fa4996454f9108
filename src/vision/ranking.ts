// Turning one model output's class scores into the ranked {index, label, score} list every
// classifier returns, with the options they all share.
import { InputError } from '../errors.js';
import { classLabel, resolveClasses, type ClassRef } from './labels.js';
import { topKIndices } from './topk.js';

export interface ClassifyOptions {
  /** How many results at most (default: the classifier's topK). */
  readonly topK?: number;
  /** Only results with score >= this. */
  readonly scoreThreshold?: number;
  /** Only these classes (labels or indices) may be returned; scores are not renormalised. */
  readonly allowlist?: readonly ClassRef[];
  /** These classes (labels or indices) are never returned. */
  readonly denylist?: readonly ClassRef[];
}

export interface Classification {
  /** Class index: position in the model's output. */
  readonly index: number;
  /** The model's label for the class, or "class <index>" when it has none. */
  readonly label: string;
  /** Probability (softmax of the logits, or the model's own probabilities), 0..1. */
  readonly score: number;
}

export function checkPositiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new InputError(`${what} must be a positive integer`, { expected: 'an integer >= 1', received: String(v) });
  }
  return v;
}

/**
 * Validates the options once per call and returns the ranking of one score vector; `thresholds` (per class)
 * end the list at the first class below its own, so a top class below it gives [] ("unknown").
 */
export function makeRanker(options: ClassifyOptions, defaultTopK: number, labels: readonly string[] | undefined,
  classes: number, thresholds?: readonly number[]): (scores: Float32Array) => Classification[] {
  const k = Math.min(checkPositiveInt(options.topK ?? defaultTopK, 'topK'), classes);
  const threshold = options.scoreThreshold;
  if (threshold !== undefined && (typeof threshold !== 'number' || Number.isNaN(threshold))) {
    throw new InputError('scoreThreshold must be a number', { expected: 'a number, usually 0..1', received: String(threshold) });
  }
  const allow = options.allowlist === undefined ? undefined : resolveClasses(options.allowlist, labels, classes, 'allowlist');
  const deny = options.denylist === undefined ? undefined : resolveClasses(options.denylist, labels, classes, 'denylist');
  const filtered = allow !== undefined || deny !== undefined;
  const keep = (i: number): boolean => (allow === undefined || allow.has(i)) && (deny === undefined || !deny.has(i));
  return (scores) => {
    const best = topKIndices(scores, k, filtered ? keep : undefined);
    const out: Classification[] = [];
    for (const index of best) {
      const score = scores[index];
      if (threshold !== undefined && !(score >= threshold) || thresholds && !(score >= thresholds[index])) break;
      out.push({ index, label: classLabel(labels, index), score });
    }
    return out;
  };
}
