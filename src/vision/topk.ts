// Scores → ranked classes: a numerically stable softmax and a top-k selection over one score row.
// Ties rank the lower class index first, so results are the same on every backend and run.
import { ranksBefore } from '../tensor.js';

/** exp(x - max) / sum, in double precision: large logits never overflow, tiny ones round to 0. */
export function softmax(logits: ArrayLike<number>): Float32Array {
  const n = logits.length;
  const out = new Float32Array(n);
  if (n === 0) return out;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  // All -Infinity (or NaN) rows have no meaningful distribution; NaN in, NaN out.
  if (max === -Infinity || Number.isNaN(max)) return out.fill(NaN);
  const e = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) { e[i] = Math.exp(logits[i] - max); sum += e[i]; }
  for (let i = 0; i < n; i++) out[i] = e[i] / sum;
  return out;
}

/**
 * The indices of the k best scores, best first, looking only at indices for which `keep` (when
 * given) is true. A bounded insertion list: O(n·k), which beats sorting for the usual k ≤ 10.
 */
export function topKIndices(scores: ArrayLike<number>, k: number, keep?: (index: number) => boolean): number[] {
  const best: number[] = [];
  if (k <= 0) return best;
  for (let i = 0; i < scores.length; i++) {
    if (keep && !keep(i)) continue;
    if (best.length === k && !ranksBefore(scores, i, best[k - 1])) continue;
    let j = Math.min(best.length, k - 1);
    if (best.length < k) best.push(i);
    while (j > 0 && ranksBefore(scores, i, best[j - 1])) { best[j] = best[j - 1]; j--; }
    best[j] = i;
  }
  return best;
}
