// The k best of scores[0..n), best first, as src/vision/topk.ts ranks them (higher first, NaN last, the
// lower index on ties), over softmax probabilities when `soft` (src/vision/topk.ts's softmax: exp in double
// precision after subtracting the max, each probability rounded once to f32, written to probs[n]). keep: 0,
// or a bit per class (bit i % 32 of word i / 32) that must be set for class i to compete. best: k i32 of
// scratch. out: k scores, then k indices as f32 (-1 once the kept classes run out). Nothing is allocated.

// @ts-ignore: decorator
@inline function score(s: usize, i: i32): f32 {
  return load<f32>(s + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function ranksBefore(s: usize, a: i32, b: i32): bool {
  const sa = score(s, a), sb = score(s, b);
  if (sa != sb) {
    if (isNaN(sb)) return !isNaN(sa);
    if (isNaN(sa)) return false;
    return sa > sb;
  }
  return a < b;
}

export function topk_f32(scores: usize, n: i32, k: i32, keep: usize, soft: bool, probs: usize, best: usize, out: usize): void {
  let s = scores;
  if (soft) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = <f64>score(scores, i);
      if (x > m) m = x; // NaN never is: a row of NaNs leaves -Infinity, as the reference's max does
    }
    if (m == -Infinity) {
      for (let i = 0; i < n; i++) store<f32>(probs + (<usize>i << 2), NaN);
    } else {
      let sum: f64 = 0;
      for (let i = 0; i < n; i++) sum += Math.exp(<f64>score(scores, i) - m);
      for (let i = 0; i < n; i++) store<f32>(probs + (<usize>i << 2), <f32>(Math.exp(<f64>score(scores, i) - m) / sum));
    }
    s = probs;
  }
  let found = 0;
  for (let i = 0; i < n; i++) {
    if (keep != 0 && (load<u32>(keep + (<usize>(i >>> 5) << 2)) & (1 << (i & 31))) == 0) continue;
    if (found == k && !ranksBefore(s, i, load<i32>(best + (<usize>(k - 1) << 2)))) continue;
    let j = min(found, k - 1);
    if (found < k) found++;
    while (j > 0 && ranksBefore(s, i, load<i32>(best + (<usize>(j - 1) << 2)))) {
      store<i32>(best + (<usize>j << 2), load<i32>(best + (<usize>(j - 1) << 2)));
      j--;
    }
    store<i32>(best + (<usize>j << 2), i);
  }
  for (let j = 0; j < k; j++) {
    const b = load<i32>(best + (<usize>j << 2));
    store<f32>(out + (<usize>j << 2), j < found ? score(s, b) : 0);
    store<f32>(out + (<usize>(k + j) << 2), j < found ? <f32>b : -1);
  }
}
