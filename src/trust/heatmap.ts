// What explain() returns, and how it is drawn: a saliency map at the model's input resolution, where it lies
// on the image that was explained, and an RGBA overlay of it on that image with a colour-bar legend.
// Browser-safe: pixels only; heatmapImageData() wraps them for a canvas, heatmap-png.ts encodes them in Node.
import { InputError } from '../errors.js';
import type { GlobalType } from '../globals.js';
import type { PixelImage } from '../vision/preprocess.js';

export type ExplainMethod = 'cam' | 'occlusion';

/** A rectangle in pixels. */
export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Heatmap {
  /** The model's input size: the map has one value per input pixel. */
  readonly width: number;
  readonly height: number;
  /**
   * Row-major height × width. cam: the class activation map after ReLU (0 = no evidence), upsampled
   * bilinearly from the feature map; occlusion: the mean drop of the class's log-probability when a patch
   * covers the pixel (negative where covering it raised the score).
   */
  readonly data: Float32Array;
  readonly classIndex: number;
  readonly label?: string;
  readonly method: ExplainMethod;
  /** The class's probability on the unaltered image. */
  readonly score: number;
  /**
   * The part of the explained image the model saw (after its resize and centre crop), in that image's
   * pixels: where the map lies on it. The whole map for a preprocessed tensor.
   */
  readonly region: Region;
}

/** 8-bit RGBA pixels, row-major (what renderHeatmap draws; ImageData has this shape). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export interface OverlayOptions {
  /** Opacity of the heatmap over the image at its hottest, 0..1 (default 0.6). */
  readonly alpha?: number;
  /** Draw a colour bar (low → high, left to right) along the bottom (default true). */
  readonly legend?: boolean;
}

/** Largest overlay drawn (pixels): what one RGBA buffer of it may take. */
export const MAX_OVERLAY_PIXELS = 1 << 26;

/** Samples `src` (sh × sw) at `dh × dw` by bilinear interpolation with centres aligned (half-pixel), edges clamped. */
export function resizeMap(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sh / dh - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, sh - 1), ty = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sw / dw - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, sw - 1), tx = fx - x0;
      const top = src[y0 * sw + x0] * (1 - tx) + src[y0 * sw + x1] * tx;
      const bottom = src[y1 * sw + x0] * (1 - tx) + src[y1 * sw + x1] * tx;
      out[y * dw + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** Low → high: dark blue, cyan, yellow, red (a perceptually ordered ramp that reads on photos). */
const RAMP: readonly (readonly [number, number, number])[] = [[20, 20, 120], [0, 160, 220], [250, 230, 40], [220, 30, 20]];

/** The ramp's colour at t in 0..1. */
export function heatColor(t: number): [number, number, number] {
  const u = Math.min(Math.max(t, 0), 1) * (RAMP.length - 1);
  const i = Math.min(Math.floor(u), RAMP.length - 2), f = u - i;
  const a = RAMP[i], b = RAMP[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** RGBA bytes of `image` whatever its format. */
function rgbaOf(image: PixelImage): Uint8ClampedArray {
  const { width, height, data } = image;
  const n = width * height, step = data.length / n;
  if (![1, 3, 4].includes(step)) throw new InputError('overlay image: pixel data length fits no format', { expected: `${n}, ${n * 3} or ${n * 4} bytes`, received: `${data.length}` });
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const p = i * step;
    out[i * 4] = data[p];
    out[i * 4 + 1] = data[step === 1 ? p : p + 1];
    out[i * 4 + 2] = data[step === 1 ? p : p + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/**
 * The map over `image` (the image explain() was given; without it, over black at the map's own size) as RGBA:
 * each pixel of the map's region is blended with the ramp's colour of its value, scaled from the map's
 * minimum (or 0) to its maximum, at an opacity that grows with the value; pixels outside the region are dimmed.
 * With `legend`, a colour bar 1/16 of the height along the bottom.
 */
export function renderHeatmap(map: Heatmap, image?: PixelImage, options: OverlayOptions = {}): RgbaImage {
  const alpha = options.alpha ?? 0.6;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new InputError('invalid options.alpha', { expected: 'a number in 0..1', received: String(alpha) });
  const width = image?.width ?? map.width, height = image?.height ?? map.height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > MAX_OVERLAY_PIXELS) {
    throw new InputError('overlay size out of range', { expected: `1..${MAX_OVERLAY_PIXELS} pixels`, received: `${width}x${height}` });
  }
  const out = image ? rgbaOf(image) : new Uint8ClampedArray(width * height * 4).fill(255);
  if (!image) for (let i = 0; i < out.length; i += 4) out[i] = out[i + 1] = out[i + 2] = 0;
  const r = image ? map.region : { x: 0, y: 0, width, height };
  let lo = 0, hi = 0;
  for (const v of map.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi - lo || 1;
  const { width: mw, height: mh, data } = map;
  for (let y = 0; y < height; y++) {
    const fy = (y + 0.5 - r.y) * mh / r.height - 0.5;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const fx = (x + 0.5 - r.x) * mw / r.width - 0.5;
      if (fx < -0.5 || fy < -0.5 || fx > mw - 0.5 || fy > mh - 0.5) {
        for (let c = 0; c < 3; c++) out[o + c] *= 0.4;
        continue;
      }
      const cx = Math.min(Math.max(fx, 0), mw - 1), cy = Math.min(Math.max(fy, 0), mh - 1);
      const x0 = Math.floor(cx), y0 = Math.floor(cy), x1 = Math.min(x0 + 1, mw - 1), y1 = Math.min(y0 + 1, mh - 1);
      const tx = cx - x0, ty = cy - y0;
      const v = (data[y0 * mw + x0] * (1 - tx) + data[y0 * mw + x1] * tx) * (1 - ty) + (data[y1 * mw + x0] * (1 - tx) + data[y1 * mw + x1] * tx) * ty;
      const t = (v - lo) / span;
      const a = alpha * (0.35 + 0.65 * t);
      const color = heatColor(t);
      for (let c = 0; c < 3; c++) out[o + c] = out[o + c] * (1 - a) + color[c] * a;
    }
  }
  if (options.legend !== false) drawLegend(out, width, height);
  return { width, height, data: out };
}

/** The colour bar, inset from the bottom edge, with a white frame: low on the left, high on the right. */
function drawLegend(out: Uint8ClampedArray, width: number, height: number): void {
  const bar = Math.max(2, Math.round(height / 16)), margin = Math.max(1, Math.round(bar / 3));
  const x0 = margin, x1 = width - margin, y0 = height - margin - bar, y1 = height - margin;
  if (x1 - x0 < 4 || y0 < 0) return;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const frame = y === y0 || y === y1 - 1 || x === x0 || x === x1 - 1;
      const color = frame ? [255, 255, 255] : heatColor((x - x0) / (x1 - x0 - 1));
      const o = (y * width + x) * 4;
      out[o] = color[0]; out[o + 1] = color[1]; out[o + 2] = color[2]; out[o + 3] = 255;
    }
  }
}

/** renderHeatmap() as an ImageData, ready for a canvas's putImageData (browsers and workers). */
export function heatmapImageData(map: Heatmap, image?: PixelImage, options?: OverlayOptions): GlobalType<'ImageData', RgbaImage> {
  const ctor = (globalThis as { ImageData?: new (data: Uint8ClampedArray, w: number, h: number) => unknown }).ImageData;
  if (!ctor) throw new InputError('ImageData is not available here', { expected: 'a browser or worker (Node: heatmapPng)', received: 'no ImageData' });
  const { width, height, data } = renderHeatmap(map, image, options);
  return new ctor(data, width, height) as GlobalType<'ImageData', RgbaImage>;
}
