// Node only: JPEG / PNG bytes or files → upright 8-bit pixels (RGB for JPEG, RGBA for PNG), decoded by
// the pure-JS jpeg-js and pngjs, with the EXIF orientation (JPEG APP1, PNG eXIf) applied to the pixels.
// Anything that cannot be read or decoded is an InputError naming the source.
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { InputError } from '../errors.js';
import type { PixelFormat, PixelImage } from './preprocess.js';

export interface DecodeOptions {
  /** Named in error messages (a file path, "upload #3"); default "image". */
  readonly source?: string;
  /** Refuse images with more pixels than this before allocating them; default 100 million. */
  readonly maxPixels?: number;
  /** Apply the EXIF orientation (default true), as browsers do when they draw an image. */
  readonly applyOrientation?: boolean;
}

/** A decoded image; `orientation` is the EXIF value that was found (1 when none). */
export interface DecodedImage extends PixelImage {
  readonly format: PixelFormat;
  readonly data: Uint8Array;
  readonly orientation: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const DEFAULT_MAX_PIXELS = 100_000_000;
const ORIENTATION_TAG = 0x0112;

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  return b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
}

function ascii(b: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}

/** Names a few formats we do not decode, so the error says what the bytes are. */
function sniffOther(b: Uint8Array): string | undefined {
  if (ascii(b, 0, 4) === 'GIF8') return 'GIF';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'WebP';
  if (ascii(b, 0, 2) === 'BM') return 'BMP';
  if (ascii(b, 4, 4) === 'ftyp') return 'HEIF/AVIF';
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return 'TIFF';
  return undefined;
}

/**
 * The orientation (1-8) in a TIFF-structured Exif block (`tiff` starts at the byte-order mark), or 1
 * when absent or malformed: a broken Exif block must not make a decodable image unreadable.
 */
export function orientationFromTiff(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const order = ascii(tiff, 0, 2);
  if (order !== 'II' && order !== 'MM') return 1;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const le = order === 'II';
  if (view.getUint16(2, le) !== 42) return 1;
  const ifd = view.getUint32(4, le);
  if (ifd < 8 || ifd + 2 > tiff.length) return 1;
  const count = view.getUint16(ifd, le);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > tiff.length) return 1;
    if (view.getUint16(e, le) !== ORIENTATION_TAG) continue;
    const type = view.getUint16(e + 2, le);
    // SHORT is what the standard says; LONG is seen from some writers. Both sit inline in the entry.
    const v = type === 3 ? view.getUint16(e + 8, le) : type === 4 ? view.getUint32(e + 8, le) : 0;
    return v >= 1 && v <= 8 ? v : 1;
  }
  return 1;
}

/** The EXIF orientation of a JPEG (APP1 "Exif" segment before the first scan), 1 when there is none. */
export function jpegOrientation(b: Uint8Array): number {
  let p = 2; // after SOI
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return 1; // not at a marker: the header is malformed, let the decoder say so
    const marker = b[p + 1];
    if (marker === 0xff) { p++; continue; } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { p += 2; continue; }
    if (marker === 0xda || marker === 0xd9) return 1; // start of scan / end of image: no Exif before it
    const len = (b[p + 2] << 8) | b[p + 3];
    if (len < 2 || p + 2 + len > b.length) return 1;
    if (marker === 0xe1 && len >= 16 && ascii(b, p + 4, 4) === 'Exif' && b[p + 8] === 0) {
      return orientationFromTiff(b.subarray(p + 10, p + 2 + len));
    }
    p += 2 + len;
  }
  return 1;
}

/** The orientation in a PNG's eXIf chunk (raw TIFF data, no "Exif" prefix), 1 when there is none. */
export function pngOrientation(b: Uint8Array): number {
  let p = 8;
  while (p + 12 <= b.length) {
    const len = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    const type = ascii(b, p + 4, 4);
    if (p + 12 + len > b.length || type === 'IEND') return 1;
    if (type === 'eXIf') return orientationFromTiff(b.subarray(p + 8, p + 8 + len));
    p += 12 + len;
  }
  return 1;
}

/** Stored (column, row) of displayed pixel (x, y) for each orientation, on a stored w x h image. */
const SOURCE_OF: Record<number, (x: number, y: number, w: number, h: number) => [number, number]> = {
  1: (x, y) => [x, y],
  2: (x, y, w) => [w - 1 - x, y], // mirrored left-right
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y], // rotated 180
  4: (x, y, _w, h) => [x, h - 1 - y], // mirrored top-bottom
  5: (x, y) => [y, x], // transposed
  6: (x, y, _w, h) => [y, h - 1 - x], // to be rotated 90 degrees clockwise
  7: (x, y, w, h) => [w - 1 - y, h - 1 - x], // transversed
  8: (x, y, w) => [w - 1 - y, x], // to be rotated 90 degrees counter-clockwise
};

/**
 * Returns the image as it is meant to be displayed for an EXIF orientation (1-8): orientations 5-8
 * swap width and height. Works for any interleaved channel count.
 */
export function applyOrientation<T extends PixelImage & { readonly data: Uint8Array }>(image: T, orientation: number): T {
  const map = SOURCE_OF[orientation];
  if (!map) throw new InputError('EXIF orientation must be an integer 1-8', { received: String(orientation) });
  if (orientation === 1) return image;
  const { width: w, height: h, data } = image;
  const ch = data.length / (w * h);
  const dw = orientation >= 5 ? h : w, dh = orientation >= 5 ? w : h;
  // The mapping is affine, so one origin and two steps (in stored pixels) cover every pixel.
  const at = (x: number, y: number): number => { const [sx, sy] = map(x, y, w, h); return sy * w + sx; };
  const base = at(0, 0), dx = at(1, 0) - base, dy = at(0, 1) - base;
  const out = new Uint8Array(data.length);
  for (let y = 0, o = 0; y < dh; y++) {
    let s = base + y * dy;
    for (let x = 0; x < dw; x++, s += dx) {
      for (let c = 0; c < ch; c++) out[o++] = data[s * ch + c];
    }
  }
  return { ...image, width: dw, height: dh, data: out } as T;
}

function decodeJpeg(b: Uint8Array, source: string, maxPixels: number): { width: number; height: number; data: Uint8Array } {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(b, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: 1024,
    });
  } catch (e) {
    throw new InputError(`cannot decode JPEG ${source}: ${(e as Error).message ?? String(e)}`);
  }
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
    throw new InputError(`cannot decode JPEG ${source}: decoder returned no pixels`, { received: `${img.width}x${img.height}` });
  }
  return img;
}

function decodePng(b: Uint8Array, source: string, maxPixels: number): { width: number; height: number; data: Uint8Array } {
  // IHDR must come first; checking its size here keeps a forged header from allocating gigabytes.
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') throw new InputError(`cannot decode PNG ${source}: missing IHDR header`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = view.getUint32(16), height = view.getUint32(20);
  if (width === 0 || height === 0) throw new InputError(`cannot decode PNG ${source}: empty image`, { received: `${width}x${height}` });
  if (width * height > maxPixels) {
    throw new InputError(`PNG ${source} is too large`, { expected: `at most ${maxPixels} pixels`, received: `${width}x${height}` });
  }
  let png: { width: number; height: number; data: Buffer };
  try {
    png = pngjs.PNG.sync.read(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  } catch (e) {
    throw new InputError(`cannot decode PNG ${source}: ${(e as Error).message ?? String(e)}`);
  }
  if (png.data.length !== png.width * png.height * 4) {
    throw new InputError(`cannot decode PNG ${source}: decoder returned no pixels`, { received: `${png.width}x${png.height}` });
  }
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** Decodes JPEG or PNG bytes (told apart by their signature) into upright pixels. */
export function decodeImage(bytes: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): DecodedImage {
  const source = options.source ?? 'image';
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new InputError(`${source}: image bytes must be a Uint8Array, Buffer or ArrayBuffer`, { received: typeof bytes });
  }
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length === 0) throw new InputError(`${source} is empty`, { expected: 'JPEG or PNG bytes', received: '0 bytes' });
  let decoded: DecodedImage;
  if (startsWith(b, [0xff, 0xd8, 0xff])) {
    decoded = { ...decodeJpeg(b, source, maxPixels), format: 'RGB', orientation: jpegOrientation(b) };
  } else if (startsWith(b, PNG_SIGNATURE)) {
    decoded = { ...decodePng(b, source, maxPixels), format: 'RGBA', orientation: pngOrientation(b) };
  } else {
    const other = sniffOther(b);
    throw new InputError(`${source} is not a JPEG or PNG image${other ? ` (looks like ${other})` : ''}`, {
      expected: 'JPEG or PNG', received: other ?? `${b.length} bytes starting ${Array.from(b.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ')}`,
    });
  }
  return options.applyOrientation === false ? decoded : applyOrientation(decoded, decoded.orientation);
}

/** Reads and decodes a JPEG or PNG file; a missing or unreadable file is an InputError too. */
export async function readImageFile(path: string, options: Omit<DecodeOptions, 'source'> = {}): Promise<DecodedImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read image file ${path}${code ? ` (${code})` : ''}`);
  }
  return decodeImage(bytes, { ...options, source: path });
}
