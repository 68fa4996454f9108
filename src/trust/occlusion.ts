// Occlusion maps (Zeiler & Fergus 2014) for any model: a patch of the fill value slides over the model's
// input, and each pixel gets the mean drop of the class's score (explain() passes log-probabilities) over the
// patches that covered it.
// The occluded inputs are made one run at a time (`batch` of them), so memory stays that of one run and the
// backend amortises its per-run cost; progress is reported and an AbortSignal checked between runs.
import { AbortError } from '../runtime/abort.js';
import { InputError } from '../errors.js';

/** Most occluded inputs one map may take: patch positions per axis multiplied. */
export const MAX_OCCLUSION_RUNS = 65_536;

export interface OcclusionGeometry {
  readonly patch: number;
  readonly stride: number;
  /** Top-left corners along y and x; the last one of each axis touches the far edge. */
  readonly ys: readonly number[];
  readonly xs: readonly number[];
}

function starts(size: number, patch: number, stride: number): number[] {
  const out: number[] = [];
  for (let p = 0; p + patch < size; p += stride) out.push(p);
  out.push(size - patch);
  return out;
}

/** Patch positions over an H × W input; the defaults: a patch of 1/8 of the shorter side, half of it as stride. */
export function occlusionGeometry(H: number, W: number, patch?: number, stride?: number): OcclusionGeometry {
  const side = Math.min(H, W);
  const p = patch ?? Math.max(1, Math.round(side / 8));
  if (!Number.isInteger(p) || p < 1 || p > side) throw new InputError('invalid options.patch', { expected: `an integer in 1..${side}`, received: String(p) });
  const s = stride ?? Math.max(1, Math.round(p / 2));
  if (!Number.isInteger(s) || s < 1 || s > side) throw new InputError('invalid options.stride', { expected: `an integer in 1..${side}`, received: String(s) });
  const ys = starts(H, p, s), xs = starts(W, p, s);
  if (ys.length * xs.length > MAX_OCCLUSION_RUNS) {
    throw new InputError('too many occlusion positions', { expected: `at most ${MAX_OCCLUSION_RUNS} (a larger patch or stride)`, received: `${ys.length * xs.length}` });
  }
  return { patch: p, stride: s, ys, xs };
}

export interface OcclusionRun {
  /** One preprocessed input, NHWC [H, W, C]. */
  readonly input: Float32Array;
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly geometry: OcclusionGeometry;
  readonly fill: number;
  /** The class's score on the unoccluded input. */
  readonly base: number;
  /** Inputs per run. */
  readonly batch: number;
  /** The class's score for each of `inputs` (each H × W × C). */
  readonly score: (inputs: Float32Array[]) => Promise<number[]>;
  readonly onProgress?: (progress: { done: number; total: number }) => void;
  readonly signal?: AbortSignal;
}

/** The occlusion map, H × W. */
export async function occlusionMap(r: OcclusionRun): Promise<Float32Array> {
  const { input, H, W, C, geometry: { patch, ys, xs }, fill } = r;
  const positions = ys.flatMap((y) => xs.map((x) => [y, x] as const));
  const sum = new Float32Array(H * W), count = new Float32Array(H * W);
  for (let start = 0; start < positions.length; start += r.batch) {
    if (r.signal?.aborted) throw new AbortError('explain (occlusion)', { cause: r.signal.reason });
    const chunk = positions.slice(start, start + r.batch);
    const inputs = chunk.map(([y0, x0]) => {
      const x = input.slice();
      for (let y = y0; y < y0 + patch; y++) x.fill(fill, (y * W + x0) * C, (y * W + x0 + patch) * C);
      return x;
    });
    const scores = await r.score(inputs);
    chunk.forEach(([y0, x0], i) => {
      const drop = r.base - scores[i];
      for (let y = y0; y < y0 + patch; y++) {
        for (let x = x0; x < x0 + patch; x++) { sum[y * W + x] += drop; count[y * W + x]++; }
      }
    });
    r.onProgress?.({ done: Math.min(start + r.batch, positions.length), total: positions.length });
  }
  for (let i = 0; i < sum.length; i++) sum[i] = count[i] ? sum[i] / count[i] : 0;
  return sum;
}
