// Pixels → model input, driven by a model's ImagePreprocess metadata; pure and browser-safe.
// In: 8-bit RGBA / RGB / GRAY pixels (ImageData fits as is). Out: f32 NHWC [N, H, W, C], the IR layout
// (a Session converts to the source layout, e.g. NCHW, itself); x = (pixel * scale - mean[c]) / std[c].
import { InputError, ModelFormatError } from '../errors.js';
import type { ImagePreprocess } from '../graph/ir.js';
import type { StagedSpec } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { axisTaps, centerCropStart, resizeBilinear, shorterSideSize, type ResizeRegion } from './resize.js';

export type PixelFormat = 'RGBA' | 'RGB' | 'GRAY';

/** Row-major interleaved 8-bit pixels; `format` may be left out when the data length tells it. */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly format?: PixelFormat;
}

export interface PreprocessOptions {
  /**
   * RGB (0..255) to composite transparent pixels onto. Without it alpha is dropped, as Pillow's
   * convert('RGB') does (what most training pipelines saw).
   */
  readonly background?: readonly [number, number, number];
}

const CHANNELS: Record<PixelFormat, number> = { RGBA: 4, RGB: 3, GRAY: 1 };
const WHERE = 'metadata.preprocess';

/** The preprocessing metadata, checked once, with every derived value the pixel loops need. */
/** @internal */
export interface Plan {
  readonly pre: ImagePreprocess;
  readonly channels: 1 | 3;
  /** lut[c * 256 + v]: the model value of pixel level v in model channel c. */
  readonly lut: Float32Array;
  /** Model channel c reads working-image channel order[c] (working images are RGB or gray). */
  readonly order: readonly number[];
  readonly resizeTo: number;
}

function badMeta(message: string, field: string): never {
  throw new ModelFormatError(`invalid image preprocessing: ${message}`, `${WHERE}.${field}`);
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function perChannel(values: readonly number[] | undefined, channels: number, field: string): number[] {
  if (!Array.isArray(values) || (values.length !== channels && values.length !== 1)) {
    badMeta(`${field} needs ${channels} value(s), got ${JSON.stringify(values)}`, field);
  }
  if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) badMeta(`${field} must be finite numbers`, field);
  return values.length === channels ? [...values] : new Array<number>(channels).fill(values[0]);
}

/** @internal The checked metadata as lookup tables (preprocess-tensors.ts shares it). */
export function plan(pre: ImagePreprocess): Plan {
  if (!isPositiveInt(pre.width)) badMeta(`width must be a positive integer, got ${pre.width}`, 'width');
  if (!isPositiveInt(pre.height)) badMeta(`height must be a positive integer, got ${pre.height}`, 'height');
  const channels = pre.colorOrder === 'GRAY' ? 1 : pre.colorOrder === 'RGB' || pre.colorOrder === 'BGR' ? 3
    : badMeta(`unknown colorOrder ${JSON.stringify(pre.colorOrder)}`, 'colorOrder');
  if (pre.channels !== channels) badMeta(`colorOrder ${pre.colorOrder} needs ${channels} channel(s), channels is ${pre.channels}`, 'channels');
  if (typeof pre.scale !== 'number' || !Number.isFinite(pre.scale)) badMeta(`scale must be a finite number, got ${pre.scale}`, 'scale');
  const mean = perChannel(pre.mean, channels, 'mean');
  const std = perChannel(pre.std, channels, 'std');
  if (std.some((s) => s === 0)) badMeta('std must not contain 0', 'std');
  let resizeTo = 0;
  if (pre.resize === 'shorter-side') {
    if (pre.crop !== 'center') badMeta(`'shorter-side' resize needs crop 'center' to reach ${pre.width}x${pre.height}, crop is ${JSON.stringify(pre.crop)}`, 'crop');
    resizeTo = pre.resizeTo ?? Math.max(pre.width, pre.height);
    if (!isPositiveInt(resizeTo)) badMeta(`resizeTo must be a positive integer, got ${pre.resizeTo}`, 'resizeTo');
    if (resizeTo < Math.max(pre.width, pre.height)) {
      badMeta(`resizeTo ${resizeTo} is smaller than the ${pre.width}x${pre.height} crop`, 'resizeTo');
    }
  } else if (pre.resize !== 'stretch') {
    badMeta(`unknown resize mode ${JSON.stringify(pre.resize)}`, 'resize');
  } else if (pre.crop !== 'center' && pre.crop !== 'none') {
    badMeta(`unknown crop mode ${JSON.stringify(pre.crop)}`, 'crop');
  }
  // Table in double precision, rounded once to f32: the same values as computing each pixel directly.
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v * pre.scale - mean[c]) / std[c];
  }
  const order = pre.colorOrder === 'BGR' ? [2, 1, 0] : pre.colorOrder === 'RGB' ? [0, 1, 2] : [0];
  return { pre, channels, lut, order, resizeTo };
}

/** Throws ModelFormatError (naming the field) when the metadata cannot drive preprocessing. */
export function validatePreprocess(pre: ImagePreprocess): void {
  plan(pre);
}

/** The pixel format of `image` (given or told by its data length); InputError when the image is malformed. */
export function formatOf(image: PixelImage, where: string): PixelFormat {
  const { width, height, data } = image;
  if (!isPositiveInt(width) || !isPositiveInt(height)) {
    throw new InputError(`${where}: image size must be positive integers`, { expected: 'width, height >= 1', received: `${width}x${height}` });
  }
  if (!(data instanceof Uint8Array) && !(data instanceof Uint8ClampedArray)) {
    throw new InputError(`${where}: pixel data must be a Uint8Array or Uint8ClampedArray`, {
      received: (data as unknown)?.constructor?.name ?? typeof data,
    });
  }
  const px = width * height;
  if (image.format !== undefined) {
    const n = CHANNELS[image.format];
    if (n === undefined) throw new InputError(`${where}: unknown pixel format`, { expected: 'RGBA, RGB or GRAY', received: String(image.format) });
    if (data.length !== px * n) {
      throw new InputError(`${where}: ${image.format} pixel data has the wrong length`, { expected: `${px * n} bytes for ${width}x${height}`, received: `${data.length}` });
    }
    return image.format;
  }
  const found = (Object.keys(CHANNELS) as PixelFormat[]).find((f) => data.length === px * CHANNELS[f]);
  if (!found) {
    throw new InputError(`${where}: pixel data length fits no format`, {
      expected: `${px * 4} (RGBA), ${px * 3} (RGB) or ${px} (GRAY) bytes for ${width}x${height}`, received: `${data.length}`,
    });
  }
  return found;
}

function checkBackground(bg: readonly number[]): void {
  if (bg.length !== 3 || !bg.every((v) => typeof v === 'number' && v >= 0 && v <= 255)) {
    throw new InputError('background must be 3 values in 0..255', { received: JSON.stringify(bg) });
  }
}

/** Pillow's ITU-R 601-2 luma in 16-bit fixed point, so gray images equal convert('L'). */
function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/**
 * The full-size image in the working format: gray for 1-channel models, RGB otherwise. Converting
 * before resizing (not after) matches pipelines that call convert() first and halves the filter work.
 */
function toWorking(image: PixelImage, format: PixelFormat, channels: 1 | 3, bg?: readonly number[]): ArrayLike<number> {
  const src = image.data;
  const n = image.width * image.height;
  if (channels === 3 && format === 'RGB') return src;
  if (channels === 1 && format === 'GRAY') return src;
  const out = new Uint8Array(n * channels);
  const step = CHANNELS[format];
  for (let i = 0, p = 0; i < n; i++, p += step) {
    let r: number, g: number, b: number;
    if (format === 'GRAY') { r = g = b = src[p]; } else { r = src[p]; g = src[p + 1]; b = src[p + 2]; }
    if (format === 'RGBA' && bg) {
      // Straight (not premultiplied) alpha, as ImageData and decoded PNGs hold it.
      const a = src[p + 3] / 255;
      r = Math.round(r * a + bg[0] * (1 - a));
      g = Math.round(g * a + bg[1] * (1 - a));
      b = Math.round(b * a + bg[2] * (1 - a));
    }
    if (channels === 3) { out[i * 3] = r; out[i * 3 + 1] = g; out[i * 3 + 2] = b; } else out[i] = luma(r, g, b);
  }
  return out;
}

/** Resize and crop geometry for one image: the resized size and the region of it that is kept. */
export function preprocessGeometry(width: number, height: number, pre: ImagePreprocess): { resized: { width: number; height: number }; region: ResizeRegion } {
  const p = plan(pre);
  return geometry(width, height, p);
}

function geometry(width: number, height: number, p: Plan): { resized: { width: number; height: number }; region: ResizeRegion } {
  const { pre } = p;
  if (pre.resize === 'stretch') {
    return { resized: { width: pre.width, height: pre.height }, region: { x: 0, y: 0, width: pre.width, height: pre.height } };
  }
  const resized = shorterSideSize(width, height, p.resizeTo);
  return {
    resized,
    region: {
      x: centerCropStart(resized.width, pre.width),
      y: centerCropStart(resized.height, pre.height),
      width: pre.width,
      height: pre.height,
    },
  };
}

/** @internal */
export function writeInto(image: PixelImage, p: Plan, out: Float32Array, offset: number, options: PreprocessOptions, where: string): void {
  const format = formatOf(image, where);
  if (options.background) checkBackground(options.background);
  const work = toWorking(image, format, p.channels, options.background);
  const { resized, region } = geometry(image.width, image.height, p);
  const pixels = resizeBilinear(work, image.width, image.height, p.channels, resized.width, resized.height, region);
  const C = p.channels, n = region.width * region.height;
  const { lut, order } = p;
  for (let i = 0; i < n; i++) {
    const src = i * C, dst = offset + i * C;
    for (let c = 0; c < C; c++) out[dst + c] = lut[c * 256 + pixels[src + order[c]]];
  }
}

/** One model's preprocessing, checked and tabulated once: what each image of a classifier goes through. */
export interface ImagePreprocessor {
  readonly pre: ImagePreprocess;
  /** Floats per image: H x W x C. */
  readonly itemSize: number;
  /**
   * Writes one image as batch item `index` of `out` (which holds whole items); `where` names the image in
   * error messages (e.g. "image 12", its place in the caller's list).
   */
  into(image: PixelImage, out: Float32Array, index: number, options: PreprocessOptions, where: string): void;
  /**
   * The same preprocessing as the tables a backend's preprocess stage takes (src/backends/stages.ts): this
   * level table, channel order and, per frame size, the taps of resize.ts over this geometry. Its result
   * equals into()'s bit for bit, on RGBA frames without compositing.
   */
  readonly stage: StagedSpec['preprocess'];
}

/** Checks `pre` once (ModelFormatError naming the field) and builds its tables. */
export function imagePreprocessor(pre: ImagePreprocess): ImagePreprocessor {
  const p = plan(pre);
  const itemSize = pre.height * pre.width * p.channels;
  return {
    pre,
    itemSize,
    into: (image, out, index, options, where) => writeInto(image, p, out, index * itemSize, options, where),
    stage: {
      channels: p.channels,
      order: p.order,
      lut: p.lut,
      resample: (width, height) => {
        const { resized: r, region: c } = geometry(width, height, p);
        return { x: axisTaps(width, r.width, c.x, c.width), y: axisTaps(height, r.height, c.y, c.height) };
      },
    },
  };
}
