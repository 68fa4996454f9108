// The reference backend's stages (src/backends/stages.ts) as plain loops over its tensors' arrays: the same
// per-pixel arithmetic as the wasm and WGSL kernels (each source row the y taps reach filtered along x and
// rounded to uint8, then along y, Pillow's 22-bit fixed point), and a double-precision softmax with the
// insertion top-k of src/vision/topk.ts. Tables are sized once; a frame of a new size rebuilds its taps.
import type { DeviceTensor, Step } from '../backend.js';
import {
  checkPreprocessInput, checkRank, checkRankInput, frameTaps, readTopK, rgbaOf,
  type FrameInput, type PreprocessSpec, type PreprocessStage, type RankSpec, type RankStage,
} from '../stages.js';
import { InputError } from '../../errors.js';
import { ranksBefore } from '../../tensor.js';

type HostTensor = DeviceTensor & { readonly data: Float32Array };

const HALF = 1 << 21;

/** Pillow's clip8 of a 22-bit fixed-point accumulator. */
function clip8(acc: number): number {
  return acc <= 0 ? 0 : acc >= 256 << 22 ? 255 : acc >> 22;
}

export function jsPreprocessStage(input: DeviceTensor, spec: PreprocessSpec): PreprocessStage {
  const { H, W } = checkPreprocessInput(input, spec);
  const dst = (input as HostTensor).data;
  const C = spec.channels, { lut } = spec;
  const order = [spec.order[0], spec.order[1] ?? 0, spec.order[2] ?? 0];
  let size = { width: 0, height: 0 };
  let taps: Int32Array = new Int32Array(0), yBase = 0, xStride = 0, yStride = 0;
  let frame: Uint8Array | Uint8ClampedArray | undefined;
  const v = [0, 0, 0], row = [0, 0, 0], acc = [0, 0, 0];
  const step: Step = () => {
    if (!frame) throw new InputError('preprocess stage ran without a frame');
    const src = frame, rowBytes = size.width * 4;
    for (let oy = 0; oy < H; oy++) {
      const ys = taps[yBase + oy], yn = taps[yBase + H + oy], yw = yBase + 2 * H + oy * yStride;
      for (let ox = 0; ox < W; ox++) {
        const xs = taps[ox], xn = taps[W + ox], xw = 2 * W + ox * xStride;
        acc[0] = acc[1] = acc[2] = HALF;
        for (let r = 0; r < yn; r++) {
          row[0] = row[1] = row[2] = HALF;
          let p = (ys + r) * rowBytes + xs * 4;
          for (let t = 0; t < xn; t++, p += 4) {
            const w = taps[xw + t];
            if (C === 1) {
              row[0] += ((src[p] * 19595 + src[p + 1] * 38470 + src[p + 2] * 7471 + 32768) >> 16) * w;
            } else {
              row[0] += src[p] * w;
              row[1] += src[p + 1] * w;
              row[2] += src[p + 2] * w;
            }
          }
          const w = taps[yw + r];
          for (let c = 0; c < C; c++) acc[c] += clip8(row[c]) * w;
        }
        for (let c = 0; c < C; c++) v[c] = clip8(acc[c]);
        const o = (oy * W + ox) * C;
        for (let c = 0; c < C; c++) dst[o + c] = lut[c * 256 + v[order[c]]];
      }
    }
  };
  return {
    step,
    sources: false,
    set: async (f: FrameInput) => {
      const rgba = rgbaOf(f, 'js');
      if (f.width !== size.width || f.height !== size.height) {
        ({ taps, yBase, xStride, yStride } = frameTaps(spec, W, H, f.width, f.height));
        size = { width: f.width, height: f.height };
      }
      frame = rgba;
    },
    dispose: () => { frame = undefined; },
  };
}

export function jsRankStage(scores: DeviceTensor, spec: RankSpec): RankStage {
  checkRankInput(scores, spec);
  const n = spec.classes;
  const logits = (scores as HostTensor).data;
  const probs = spec.softmax ? new Float32Array(n) : undefined;
  const e = spec.softmax ? new Float64Array(n) : undefined;
  const best = new Int32Array(n);
  const out = new Float32Array(2 * n);
  const views = new Map<number, HostTensor>();
  let k = 1, keep: Uint32Array | undefined;
  const step: Step = () => {
    let s = logits;
    if (probs && e) {
      let max = -Infinity;
      for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
      if (max === -Infinity || Number.isNaN(max)) probs.fill(NaN);
      else {
        let sum = 0;
        for (let i = 0; i < n; i++) { e[i] = Math.exp(logits[i] - max); sum += e[i]; }
        for (let i = 0; i < n; i++) probs[i] = e[i] / sum;
      }
      s = probs;
    }
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (keep && !(keep[i >>> 5] & (1 << (i & 31)))) continue;
      if (m === k && !ranksBefore(s, i, best[k - 1])) continue;
      let j = Math.min(m, k - 1);
      if (m < k) m++;
      while (j > 0 && ranksBefore(s, i, best[j - 1])) { best[j] = best[j - 1]; j--; }
      best[j] = i;
    }
    for (let j = 0; j < k; j++) {
      out[j] = j < m ? s[best[j]] : 0;
      out[k + j] = j < m ? best[j] : -1;
    }
  };
  return {
    step,
    set: (kk, mask) => {
      checkRank(kk, n, mask);
      k = kk;
      keep = mask;
      let view = views.get(kk);
      if (!view) views.set(kk, view = { shape: [2 * kk], size: 2 * kk, data: out.subarray(0, 2 * kk) });
      return view;
    },
    read: readTopK,
    dispose: () => { keep = undefined; },
  };
}
