// Node only: decoding through `sharp` (libvips), an optional peer dependency that an app may install. It
// decodes JPEG, PNG, WebP, AVIF (and HEIC, see below), and shrinks on load: a JPEG is decoded at 1/2, 1/4 or 1/8 of its
// size straight from the DCT, so a 12 MP photo for a 224-pixel model never exists at full size (measured
// here: 27-40 ms against 2.3-3.8 s for jpeg-js). The header is read first and its size checked against the
// caller's limits (the `check` callback) before any pixel is decoded; sharp's own errors become InputError.
// HEIC proper (HEVC-coded) needs a libvips built with an HEVC decoder: sharp's prebuilt binaries read AVIF
// (AV1 in the same HEIF container) but not HEVC, and the error says so.
import { createRequire } from 'node:module';
import { InputError } from '../errors.js';
import type { PixelImage } from './preprocess.js';

/** The part of sharp's API used here (sharp is not a dependency, so its types may be absent). */
interface SharpPipeline {
  metadata(): Promise<{ format?: string; compression?: string; width?: number; height?: number; orientation?: number }>;
  rotate(): SharpPipeline;
  resize(options: { width: number; height: number; fit: 'fill'; fastShrinkOnLoad: boolean }): SharpPipeline;
  flatten(options: { background: { r: number; g: number; b: number } }): SharpPipeline;
  removeAlpha(): SharpPipeline;
  toColourspace(space: 'srgb'): SharpPipeline;
  raw(): SharpPipeline;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}
type SharpFactory = ((input: Uint8Array, options: { limitInputPixels: number | false; sequentialRead: boolean; failOn: 'warning' }) => SharpPipeline) & { readonly format?: Record<string, { readonly input?: { readonly fileSuffix?: readonly string[] } } | undefined> };

/** The formats taken through sharp, by its metadata().format name, in the words error messages use. */
const FORMATS: Record<string, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', heif: 'HEIF/AVIF', avif: 'HEIF/AVIF' };
export const SHARP_FORMATS = 'JPEG, PNG, WebP, AVIF or HEIC';

let loaded: SharpFactory | null | undefined;
let why = '';

/**
 * sharp, as the application installed it (resolved from this package's folder, as a peer is), or null when
 * it is not installed or its native part does not load on this platform (`sharpUnavailableReason()` says why).
 */
export function loadSharp(): SharpFactory | null {
  if (loaded !== undefined) return loaded;
  try {
    // require, not import(): a missing optional peer must be a quick, synchronous "no" in every worker.
    const mod = createRequire(import.meta.url)('sharp') as SharpFactory | { default: SharpFactory };
    loaded = typeof mod === 'function' ? mod : mod.default;
  } catch (e) {
    why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    loaded = null;
  }
  return loaded;
}

export function sharpUnavailableReason(): string {
  return loadSharp() ? '' : why;
}

/** What the decode is for: the size the model resizes to (see sizeFor) and the limits. */
export interface SharpDecodeRequest {
  readonly source: string;
  readonly maxPixels: number;
  /** Checks the header's size and the estimated decode memory (bytes) against the limits; throws InputError. */
  readonly check: (format: string, width: number, height: number, decodeBytes: number) => void;
  /** The output size for an upright width x height image: what the model's resize would make of it. */
  readonly sizeFor: (width: number, height: number) => { width: number; height: number };
  readonly applyOrientation: boolean;
  /** Composite transparent pixels onto this RGB colour; without it alpha is dropped, as the JS path does. */
  readonly background?: readonly [number, number, number];
}

/** A decoded image at (about) the model's resize size, RGB; `orientation` is the EXIF value found. */
export interface SharpDecoded extends PixelImage {
  readonly format: 'RGB';
  readonly data: Uint8Array;
  readonly orientation: number;
  /** The size of the file's image (upright), before it was shrunk. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/**
 * Memory libvips takes for an image it decodes at `scale` of its size (JPEG shrink-on-load: 1/8 at most, the
 * smallest factor that keeps the image at least the output size); other formats decode at full size. Four
 * bytes a pixel for the decoded tile lines and the resized copy, counted generously as a whole image.
 */
function estimateBytes(format: string, width: number, height: number, out: { width: number; height: number }): number {
  let shrink = 1;
  if (format === 'jpeg') while (shrink < 8 && width / (shrink * 2) >= out.width && height / (shrink * 2) >= out.height) shrink *= 2;
  return Math.ceil(width / shrink) * Math.ceil(height / shrink) * 4 + out.width * out.height * 3;
}

/** Whether this sharp decodes HEVC-coded HEIF: its heif loader lists .heic only where libvips has a decoder for it. */
function hevc(sharp: SharpFactory): boolean {
  return sharp.format?.heif?.input?.fileSuffix?.includes('.heic') === true;
}

function sharpMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(m)) return 'it has more pixels than the limit (maxPixels)';
  return `corrupt data (${m.split('\n')[0]})`;
}

/** Decodes `bytes` with sharp into RGB pixels at the model's resize size; InputError for anything it cannot. */
export async function decodeWithSharp(sharp: SharpFactory, bytes: Uint8Array, req: SharpDecodeRequest): Promise<SharpDecoded> {
  // The header alone, unlimited, so that a too large image gets our check's message; decoding has the limit too.
  const open = (limit: number | false) => sharp(bytes, { limitInputPixels: limit, sequentialRead: true, failOn: 'warning' });
  let meta;
  try {
    meta = await open(false).metadata();
  } catch (e) {
    throw new InputError(`cannot decode ${req.source}: ${sharpMessage(e)}`, {}, { cause: e });
  }
  const name = FORMATS[meta.format ?? ''];
  if (!name) {
    throw new InputError(`${req.source} is not a ${SHARP_FORMATS} image (looks like ${meta.format ?? 'nothing sharp knows'})`, {
      expected: SHARP_FORMATS, received: (meta.format ?? 'unknown').toUpperCase(),
    });
  }
  const { width = 0, height = 0 } = meta;
  if (meta.format === 'heif' && meta.compression === 'hevc' && !hevc(sharp)) {
    throw new InputError(`cannot decode HEIC ${req.source}: this sharp cannot decode HEVC (its prebuilt binaries read AVIF, not HEIC; use a libvips built with libde265)`, {
      expected: 'AVIF, or a sharp with an HEVC decoder', received: 'HEIC (HEVC)',
    });
  }
  const orientation = meta.orientation ?? 1;
  const swap = req.applyOrientation && orientation >= 5;
  const upright = { width: swap ? height : width, height: swap ? width : height };
  if (!(width > 0 && height > 0)) throw new InputError(`cannot decode ${name} ${req.source}: no image size in its header`, { received: `${width}x${height}` });
  // sizeFor may refuse a degenerate size itself (a RangeError from the resize rules): that is bad input too.
  let out;
  try {
    out = req.sizeFor(upright.width, upright.height);
  } catch (e) {
    throw new InputError(`cannot decode ${name} ${req.source}: ${e instanceof Error ? e.message : String(e)}`, { received: `${width}x${height}` }, { cause: e });
  }
  req.check(name, upright.width, upright.height, estimateBytes(meta.format!, width, height, out));
  let pipeline = open(req.maxPixels);
  if (req.applyOrientation) pipeline = pipeline.rotate();
  pipeline = pipeline.resize({ width: out.width, height: out.height, fit: 'fill', fastShrinkOnLoad: true });
  if (req.background) {
    const [r, g, b] = req.background;
    pipeline = pipeline.flatten({ background: { r, g, b } });
  }
  let result;
  try {
    result = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new InputError(`cannot decode ${name} ${req.source}: ${sharpMessage(e)}`, {}, { cause: e });
  }
  const { data, info } = result;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new InputError(`cannot decode ${name} ${req.source}: sharp returned ${info.channels} channels`, { expected: 'RGB', received: `${info.width}x${info.height}x${info.channels}` });
  }
  return {
    width: info.width, height: info.height, format: 'RGB', orientation,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    sourceWidth: upright.width, sourceHeight: upright.height,
  };
}
