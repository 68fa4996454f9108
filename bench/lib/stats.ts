// Latency statistics over per-run samples (milliseconds).

export interface LatencyStats {
  readonly runs: number;
  readonly median: number;
  /** Nearest-rank 90th percentile. */
  readonly p90: number;
  readonly min: number;
  readonly mean: number;
}

export function latencyStats(samples: readonly number[]): LatencyStats {
  if (samples.length === 0) throw new RangeError('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { runs: n, median, p90: s[Math.ceil(0.9 * n) - 1], min: s[0], mean: s.reduce((a, b) => a + b, 0) / n };
}

/** Largest |got - want| and whether every element is within atol + rtol * |want|. */
export function compareOutputs(got: ArrayLike<number>, want: ArrayLike<number>, atol = 1e-4, rtol = 1e-4): { maxAbs: number; ok: boolean } {
  if (got.length !== want.length) return { maxAbs: Infinity, ok: false };
  let maxAbs = 0, ok = true;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= atol + rtol * Math.abs(want[i]))) ok = false;
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
  }
  return { maxAbs, ok };
}
