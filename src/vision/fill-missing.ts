// Missing pixels (transparent, or marked in a mask the caller passes) filled by a stated policy before an
// image is classified, so what the model sees there is a choice, not an accident: a transparent cut-out
// otherwise shows the model black (alpha dropped), which can change its class.
// - a colour [r, g, b];
// - 'mean': the model's mean colour, i.e. the pixel that its normalisation maps to 0;
// - 'edge': each missing pixel takes the colour of the nearest known pixel (two raster passes, the
//   nearest known pixel carried between neighbours: exact for most shapes, off by a pixel at worst).
// Partly transparent pixels are composited over the fill. Browser-safe; in `edgeinfer/advanced`.
import { InputError } from '../errors.js';
import type { ImagePreprocess } from '../graph/ir.js';
import { formatOf, type PixelImage } from './preprocess.js';

export type FillPolicy = 'mean' | 'edge' | readonly [number, number, number];

export interface FillMissingOptions {
  readonly fill: FillPolicy;
  /** width × height values, non-zero where a pixel is missing (besides the pixels whose alpha is 0). */
  readonly mask?: ArrayLike<number>;
  /** The model's preprocessing, which 'mean' needs (a classifier's `preprocess`). */
  readonly preprocess?: ImagePreprocess;
}

/** The colour that `pre` normalises to zero, in RGB 0..255. */
export function meanColor(pre: ImagePreprocess): [number, number, number] {
  const level = (c: number) => Math.min(255, Math.max(0, Math.round(pre.mean[Math.min(c, pre.mean.length - 1)] / pre.scale)));
  const [a, b, c] = [level(0), level(1), level(2)];
  if (pre.channels === 1 || pre.colorOrder === 'GRAY') return [a, a, a];
  return pre.colorOrder === 'BGR' ? [c, b, a] : [a, b, c];
}

/**
 * `image` as RGB pixels (GRAY stays GRAY) with its missing pixels filled. Known pixels keep their values;
 * a pixel with alpha a (0 < a < 255) becomes a·pixel + (1 − a)·fill.
 */
export function fillMissing(image: PixelImage, options: FillMissingOptions): PixelImage {
  const format = formatOf(image, 'fillMissing image');
  const { fill, mask, preprocess } = options ?? ({} as FillMissingOptions);
  const { width, height, data } = image;
  const n = width * height, step = format === 'RGBA' ? 4 : format === 'RGB' ? 3 : 1;
  if (mask !== undefined && (mask === null || typeof mask !== 'object' || mask.length !== n)) {
    throw new InputError('fillMissing: mask must have one value per pixel', { expected: `${n} values (${width}x${height})`, received: mask === null || typeof mask !== 'object' ? String(mask) : `${mask.length} values` });
  }
  let color: readonly number[] | undefined;
  if (fill === 'mean') {
    if (!preprocess) throw new InputError("fillMissing: fill 'mean' needs the model's preprocess", { expected: 'options.preprocess', received: 'none' });
    color = meanColor(preprocess);
  } else if (Array.isArray(fill)) {
    if (fill.length !== 3 || !fill.every((v) => typeof v === 'number' && v >= 0 && v <= 255)) throw new InputError('fillMissing: a fill colour is 3 values in 0..255', { received: JSON.stringify(fill) });
    color = fill;
  } else if (fill !== 'edge') {
    throw new InputError('fillMissing: unknown fill', { expected: "'mean', 'edge' or [r, g, b]", received: String(fill) });
  }
  const out = step === 1 ? 1 : 3;
  const alpha = (i: number): number => (mask?.[i] ? 0 : step === 4 ? data[i * 4 + 3] : 255);
  const pixels = new Uint8Array(n * out);
  // The fill under pixel i: the colour, or the nearest fully known pixel's.
  const nearest = color ? undefined : nearestKnown(width, height, (i) => alpha(i) === 255);
  for (let i = 0; i < n; i++) {
    const a = alpha(i) / 255;
    const src = nearest ? nearest[i] * step : -1;
    for (let c = 0; c < out; c++) {
      const under = color ? (out === 1 ? Math.round((color[0] + color[1] + color[2]) / 3) : color[c]) : data[src + c];
      pixels[i * out + c] = a === 1 ? data[i * step + c] : Math.round(data[i * step + c] * a + under * (1 - a));
    }
  }
  return { width, height, data: pixels, format: out === 1 ? 'GRAY' : 'RGB' };
}

/** For each pixel, the index of a nearest pixel where `known` holds (itself when it does). */
function nearestKnown(width: number, height: number, known: (i: number) => boolean): Int32Array {
  const n = width * height;
  const near = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) if (known(i)) near[i] = i;
  if (!near.some((v) => v >= 0)) throw new InputError("fillMissing: fill 'edge' needs at least one known pixel", { received: 'every pixel missing' });
  const dist = (i: number, j: number): number => {
    const dx = (i % width) - (j % width), dy = ((i / width) | 0) - ((j / width) | 0);
    return dx * dx + dy * dy;
  };
  const relax = (i: number, x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const s = near[y * width + x];
    if (s >= 0 && (near[i] < 0 || dist(i, s) < dist(i, near[i]))) near[i] = s;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      relax(i, x - 1, y); relax(i, x - 1, y - 1); relax(i, x, y - 1); relax(i, x + 1, y - 1);
    }
    for (let x = width - 1; x >= 0; x--) relax(y * width + x, x + 1, y);
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      relax(i, x + 1, y); relax(i, x + 1, y + 1); relax(i, x, y + 1); relax(i, x - 1, y + 1);
    }
    for (let x = 0; x < width; x++) relax(y * width + x, x - 1, y);
  }
  return near;
}
