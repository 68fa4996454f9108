// Browser image sources (<img>, <canvas>, <video>, OffscreenCanvas, ImageBitmap, VideoFrame) → full-size
// RGBA PixelImage, read through one reused 2D canvas at the source's own size: the model-size resize is
// left to our Pillow-exact resampler, so a browser gets the pixels Node gets. Importable anywhere: DOM
// classes are looked up when called (typeof checks), so Node and workers simply lack the kinds they lack.
import { InputError } from '../errors.js';
import type { GlobalType } from '../globals.js';
import type { PixelImage } from './preprocess.js';

/**
 * What ImageClassifier takes in a browser besides PixelImage/ImageData (which it reads as it is):
 * HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, VideoFrame, HTMLVideoElement, those of
 * them that the app's types declare (a worker has no elements; without the DOM lib, as in Node, none).
 */
export type BrowserImageSource = GlobalType<
  'HTMLImageElement' | 'HTMLCanvasElement' | 'OffscreenCanvas' | 'ImageBitmap' | 'VideoFrame' | 'HTMLVideoElement', never>;

const KINDS = ['HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap', 'VideoFrame', 'HTMLVideoElement'] as const;
type Kind = (typeof KINDS)[number];

/** For "is not an image" errors: every kind of image classify() reads. */
export const IMAGE_KINDS = `PixelImage {data, width, height} (ImageData), ${KINDS.join(', ')}, or a preprocessed Tensor`;

const HAVE_CURRENT_DATA = 2;

/** The kind of `v`, or undefined. Objects from another realm (an iframe's <img>) fail instanceof, so their tag decides. */
function kindOf(v: object): Kind | undefined {
  const g = globalThis as unknown as Record<string, unknown>;
  for (const k of KINDS) {
    const ctor = g[k];
    if (typeof ctor === 'function' && v instanceof (ctor as abstract new (...args: never[]) => unknown)) return k;
  }
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  return (KINDS as readonly string[]).includes(tag) ? (tag as Kind) : undefined;
}

function shortUrl(url: string): string {
  return url.length > 80 ? `${url.slice(0, 77)}...` : url || '(no src)';
}

/** The size the pixels are read at, once the source is known to have a frame; InputError otherwise. */
function readableSize(src: object, kind: Kind, where: string): { width: number; height: number } {
  const empty = (what: string, expected: string, received: string): never => {
    throw new InputError(`${where}: the ${kind} ${what}`, { expected, received });
  };
  switch (kind) {
    case 'HTMLImageElement': {
      const img = src as HTMLImageElement;
      const url = shortUrl(img.currentSrc || img.src);
      if (!img.complete) empty('has not finished loading', 'a loaded <img> (await img.decode() first)', `complete = false, src ${url}`);
      // complete is also true for a broken or empty src; then there is no intrinsic size.
      if (!(img.naturalWidth > 0 && img.naturalHeight > 0)) {
        empty('has no pixels (broken or empty src)', 'naturalWidth, naturalHeight >= 1', `${img.naturalWidth}x${img.naturalHeight}, src ${url}`);
      }
      return { width: img.naturalWidth, height: img.naturalHeight };
    }
    case 'HTMLVideoElement': {
      const video = src as HTMLVideoElement;
      if (!(video.readyState >= HAVE_CURRENT_DATA && video.videoWidth > 0 && video.videoHeight > 0)) {
        empty('has no current frame yet', 'readyState >= HAVE_CURRENT_DATA (2) and videoWidth, videoHeight >= 1',
          `readyState ${video.readyState}, ${video.videoWidth}x${video.videoHeight}`);
      }
      return { width: video.videoWidth, height: video.videoHeight };
    }
    case 'VideoFrame': {
      // close() zeroes every size; displayWidth/Height is the frame as it is meant to be shown (aspect applied).
      const frame = src as VideoFrame;
      if (!(frame.codedWidth > 0 && frame.displayWidth > 0 && frame.displayHeight > 0)) {
        empty('is closed or empty', 'an open VideoFrame with displayWidth, displayHeight >= 1', `coded ${frame.codedWidth}x${frame.codedHeight}, display ${frame.displayWidth}x${frame.displayHeight}`);
      }
      return { width: frame.displayWidth, height: frame.displayHeight };
    }
    default: {
      // Canvases and ImageBitmaps; close() and a transfer leave a bitmap 0x0.
      const { width, height } = src as HTMLCanvasElement | OffscreenCanvas | ImageBitmap;
      if (!(width > 0 && height > 0)) {
        empty(kind === 'ImageBitmap' ? 'is closed, transferred or empty' : 'is empty', 'width, height >= 1', `${width}x${height}`);
      }
      return { width, height };
    }
  }
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** One canvas for every read: video frames arrive at one size, so it is rarely even resized. */
let scratch: { canvas: OffscreenCanvas | HTMLCanvasElement; ctx: Context2D } | undefined;

function scratchContext(width: number, height: number, kind: Kind, where: string): Context2D {
  if (scratch) {
    const { canvas, ctx } = scratch;
    // Resizing clears the canvas; at the same size the last image must be cleared, or a transparent source would show it.
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    } else {
      ctx.clearRect(0, 0, width, height);
    }
    return ctx;
  }
  let canvas: OffscreenCanvas | HTMLCanvasElement;
  if (typeof OffscreenCanvas === 'function') {
    canvas = new OffscreenCanvas(width, height);
  } else if (typeof document !== 'undefined' && typeof document.createElement === 'function') {
    canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
  } else {
    throw new InputError(`${where}: cannot read the pixels of a ${kind} here`, { expected: 'OffscreenCanvas or a document', received: 'neither' });
  }
  // willReadFrequently keeps the canvas in CPU memory: getImageData then needs no GPU read-back.
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as Context2D | null;
  if (!ctx) throw new InputError(`${where}: cannot read the pixels of a ${kind} here`, { expected: 'a 2D canvas context', received: 'none' });
  scratch = { canvas, ctx };
  return ctx;
}

function domErrorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : undefined;
}

/** Draws the source 1:1 into the scratch canvas and reads it back as RGBA (unpremultiplied, sRGB). */
function drawPixels(src: object, kind: Kind, where: string): PixelImage {
  const { width, height } = readableSize(src, kind, where);
  const ctx = scratchContext(width, height, kind, where);
  try {
    ctx.drawImage(src as CanvasImageSource, 0, 0, width, height);
    const pixels = ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' });
    return { width, height, data: pixels.data, format: 'RGBA' };
  } catch (e) {
    const name = domErrorName(e);
    if (name === 'SecurityError') {
      throw new InputError(`${where}: the ${kind}'s pixels cannot be read: it holds a cross-origin image`, {
        expected: 'a same-origin or CORS-enabled image (crossOrigin = "anonymous" and an Access-Control-Allow-Origin header)', received: 'a tainted image',
      }, { cause: e });
    }
    if (name === 'InvalidStateError') {
      throw new InputError(`${where}: the ${kind} is detached or closed`, { expected: `a usable ${kind}`, received: 'InvalidStateError from drawImage' }, { cause: e });
    }
    throw new InputError(`${where}: the pixels of the ${kind} could not be read: ${e instanceof Error ? e.message : String(e)}`, {
      expected: `a ${width}x${height} image the browser can draw`, received: name ?? typeof e,
    }, { cause: e });
  }
}

/**
 * The pixels of `source` when it is an image: PixelImage-like objects (ImageData included) as they are,
 * browser sources drawn at their own size. Undefined when it is no kind of image; InputError when it is
 * one that cannot be read now (not loaded, no frame yet, closed, empty, cross-origin). `where` prefixes messages.
 */
export function imageSourcePixels(source: unknown, where: string): PixelImage | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  if ('width' in source && 'height' in source && 'data' in source) {
    const { width, height, data } = source as { width: unknown; height: unknown; data: unknown };
    // A buffer transferred away (postMessage to a worker) reads as zero bytes: say so, not "wrong length".
    if (ArrayBuffer.isView(data) && data.byteLength === 0 && typeof width === 'number' && typeof height === 'number' && width * height > 0) {
      throw new InputError(`${where}: pixel data is empty (was its buffer transferred, e.g. to a worker?)`, {
        expected: `the pixels of a ${width}x${height} image`, received: '0 bytes',
      });
    }
    return source as PixelImage;
  }
  const kind = kindOf(source);
  return kind === undefined ? undefined : drawPixels(source, kind, where);
}
