// The deletion test of saliency maps (Petsiuk et al. 2018, RISE): delete the input's pixels most salient first
// (set every channel to the fill value) in equal steps, track the class's probability, and take the area under
// that curve; a faithful map makes it fall fast, so its area is well below that of deleting pixels in a random
// (seeded) order. Every step's input of one image goes to the classifier as one list (its runs are batched).
import type { Tensor } from '../../src/tensor.js';
import { resizeMap } from '../../src/trust/heatmap.js';
import type { ImageClassifier } from '../../src/vision/classifier.js';

/** Pixel indices, most salient first; ties (cam's zeros) in a seeded random order. */
export function salientFirst(map: Float32Array, seed: number): Uint32Array {
  const rank = shuffled(map.length, seed);
  const pos = new Uint32Array(map.length);
  rank.forEach((p, i) => { pos[p] = i; });
  return Uint32Array.from(rank).sort((a, b) => map[b] - map[a] || pos[a] - pos[b]);
}

/** 0..n-1 shuffled by a seeded xorshift (Fisher–Yates). */
export function shuffled(n: number, seed: number): Uint32Array {
  const out = Uint32Array.from({ length: n }, (_, i) => i);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The mean of `map` (H × W) over each block × block square (the last row and column of squares may be cut short), row-major. */
export function blockMeans(map: Float32Array, H: number, W: number, block: number): Float32Array {
  const bh = Math.ceil(H / block), bw = Math.ceil(W / block);
  const sum = new Float32Array(bh * bw), count = new Float32Array(bh * bw);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const b = Math.floor(y / block) * bw + Math.floor(x / block);
    sum[b] += map[y * W + x]; count[b]++;
  }
  return sum.map((v, i) => v / count[i]);
}

/**
 * The class's probability after deleting the first k/steps of the squares in `order` (block × block squares of the
 * H × W input, row-major, as blockMeans numbers them), k = 0..steps, and the curve's area (trapezoids over 0..1).
 * Squares rather than single pixels (Samek et al. 2017's region perturbation): scattering fill-valued pixels at
 * random destroys a photo's texture much faster than the same share of contiguous area, whatever is deleted.
 */
export async function deletionCurve(
  classifier: ImageClassifier, input: Tensor, classIndex: number, order: Uint32Array, block: number, steps: number, fill = 0,
): Promise<{ curve: number[]; auc: number }> {
  const [H, W, C] = input.shape.slice(-3), bw = Math.ceil(W / block);
  const inputs: Tensor[] = [];
  for (let k = 0; k <= steps; k++) {
    const x = input.data.slice();
    const upto = Math.round((k / steps) * order.length);
    for (let i = 0; i < upto; i++) {
      const by = Math.floor(order[i] / bw) * block, bx = (order[i] % bw) * block;
      for (let y = by; y < Math.min(by + block, H); y++) x.fill(fill, (y * W + bx) * C, (y * W + Math.min(bx + block, W)) * C);
    }
    inputs.push({ shape: input.shape, data: x });
  }
  const curve = (await classifier.scoresBatch(inputs)).map((p) => p[classIndex]);
  let auc = 0;
  for (let k = 0; k < steps; k++) auc += (curve[k] + curve[k + 1]) / 2 / steps;
  return { curve, auc };
}

/**
 * A random map as coarse as a class activation map: seeded uniform values on a grid × grid lattice, upsampled
 * bilinearly to H × W. Deleting in its order removes contiguous blobs at random places, the null hypothesis a map
 * must beat: a map no better than chance, of the same smoothness.
 */
export function randomSmoothMap(H: number, W: number, grid: number, seed: number): Float32Array {
  const order = shuffled(grid * grid, seed);
  const small = Float32Array.from(order, (v) => v / (grid * grid));
  return resizeMap(small, grid, grid, W, H);
}
