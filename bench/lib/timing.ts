// The timing scheme both benches use: how long each pass of a case warms up and how many runs it times
// (vitest bench runs it in Node; the browser page runs it with runPlan, the same loop as tinybench's).
// No Node APIs: the page bundles it.

export interface TimingOptions {
  readonly warmupIterations: number;
  readonly warmupTime: number;
  readonly iterations: number;
  readonly time: number;
}

/** A reference run over this (ms) counts as heavy: it gets one pass of a few runs. */
export const HEAVY_MS = 250;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));

/**
 * Timing loop of one pass of one case. V8 optimizes wasm only after a number of calls, in the
 * background (slow on a busy machine), so the first pass warms up for 1.5 s and at least 5 calls;
 * later passes only re-warm caches after the other runtimes ran. Each pass times at least 3 runs
 * and at least `passMs`. `heavy`: the js reference on a big model, one warm-up and 4 runs.
 */
export function timingPlan(estimateMs: number | undefined, heavy: boolean, pass: number, passMs: number): TimingOptions {
  if (heavy) return { warmupIterations: 1, warmupTime: 0, iterations: 4, time: 0 };
  const est = Math.max(estimateMs ?? 1, 1e-3);
  return {
    warmupIterations: pass === 0 ? clamp(1500 / est, 5, 50) : clamp(100 / est, 1, 5),
    warmupTime: pass === 0 ? 1500 : 20,
    iterations: clamp(passMs / est, 3, 10),
    time: passMs,
  };
}

/**
 * Warm-up calls until both warmupIterations and warmupTime are reached, then timed calls until both
 * iterations and time are; returns the timed calls' durations (ms).
 */
export async function runPlan(fn: () => Promise<unknown>, plan: TimingOptions): Promise<number[]> {
  for (let n = 0, t0 = performance.now(); n < plan.warmupIterations || performance.now() - t0 < plan.warmupTime; n++) await fn();
  const samples: number[] = [];
  let total = 0;
  while (samples.length < plan.iterations || total < plan.time) {
    const t = performance.now();
    await fn();
    const d = performance.now() - t;
    samples.push(d);
    total += d;
  }
  return samples;
}
