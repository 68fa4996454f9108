// Node only: JPEG / PNG bytes or files → upright 8-bit pixels (RGB for JPEG, RGBA for PNG), decoded by
// the pure-JS jpeg-js and our own PNG decoder (node-png.ts), with the EXIF orientation (JPEG APP1, PNG
// eXIf) applied to the pixels. Before anything is decoded the header is read (jpeg-header.ts,
// node-png.ts): the pixel count and the memory the decoder will take are checked against the limits, and
// a file whose data ends early is refused as truncated. Anything that cannot be read or decoded is an
// InputError naming the source.
// Decoder selection (readImageFileFor, for the worker pipeline of node-pipeline.ts): sharp where the app
// installed it, shrinking on load to the model's resize size, else the pure-JS decoders above. A WebAssembly
// JPEG decoder between the two is not there yet (issue #12).
import jpeg from 'jpeg-js';
import { InputError } from '../errors.js';
import { FILE_LIMITS, FileRefusedError, formatSize, GiB, isByteLimit, readRegularFile } from '../node-file.js';
import { ImageFileError } from './image-file-error.js';
import { scanJpeg } from './jpeg-header.js';
import { decodePng, parsePng } from './node-png.js';
import { decodeWithSharp, loadSharp, SHARP_FORMATS, sharpUnavailableReason } from './node-sharp.js';
import type { ImagePreprocess } from '../graph/ir.js';
import { preprocessGeometry, type PixelFormat, type PixelImage } from './preprocess.js';

export interface DecodeOptions {
  /** Named in error messages (a file path, "upload #3"); default "image". */
  readonly source?: string;
  /** Refuse images with more pixels than this before allocating them; default 100 million. */
  readonly maxPixels?: number;
  /**
   * Refuse images whose decoding would take more memory than this many bytes, estimated from the
   * header before anything is allocated (the decoder's buffers and the pixels); default 1 GiB. A 12 MP
   * photo takes about 250 MB as JPEG, 100 MB as PNG.
   */
  readonly maxDecodeBytes?: number;
  /** Apply the EXIF orientation (default true), as browsers do when they draw an image. */
  readonly applyOrientation?: boolean;
}

/** readImageFile's options: decoding, and the largest file it reads. */
export interface ReadImageOptions extends Omit<DecodeOptions, 'source'> {
  /** Refuse files larger than this many bytes before reading them; default 256 MiB. */
  readonly maxFileBytes?: number;
}

/** A decoded image; `orientation` is the EXIF value that was found (1 when none). */
export interface DecodedImage extends PixelImage {
  readonly format: PixelFormat;
  readonly data: Uint8Array;
  readonly orientation: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const DEFAULT_MAX_PIXELS = 100_000_000;
const DEFAULT_MAX_DECODE_BYTES = GiB;
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

interface Limits {
  readonly source: string;
  readonly maxPixels: number;
  readonly maxDecodeBytes: number;
  /** Bytes per pixel of the upright copy applyOrientation makes; 0 when it makes none. */
  readonly rotateBytesPerPixel: number;
}

/** The pixel and memory limits, checked from the header before the decoder allocates anything. */
function checkLimits(format: string, width: number, height: number, decodeBytes: number, limits: Limits): void {
  const size = `${width}x${height}`;
  if (width * height > limits.maxPixels) {
    throw new InputError(`${format} ${limits.source} is too large`, { expected: `at most ${limits.maxPixels} pixels`, received: size });
  }
  const bytes = decodeBytes + width * height * limits.rotateBytesPerPixel;
  if (bytes > limits.maxDecodeBytes) {
    throw new InputError(`${format} ${limits.source} would take about ${formatSize(bytes)} of memory to decode, over the limit of ${formatSize(limits.maxDecodeBytes)} (maxDecodeBytes)`, {
      expected: `at most ${limits.maxDecodeBytes} bytes`, received: `${size}, about ${bytes} bytes`,
    });
  }
}

/** jpeg-js's own errors, in our words where we know them. */
function jpegMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/maxMemoryUsageInMB|Could not allocate/.test(m)) return 'it needs more memory than the limit (maxDecodeBytes)';
  if (/maxResolutionInMP/.test(m)) return 'it has more pixels than the limit (maxPixels)';
  return `corrupt data (${m})`;
}

function decodeJpeg(b: Uint8Array, limits: Limits): { width: number; height: number; data: Uint8Array } {
  const { source } = limits;
  let info;
  try {
    info = scanJpeg(b);
  } catch (e) {
    if (e instanceof ImageFileError) throw new InputError(`cannot decode JPEG ${source}: ${e.message}`, {}, { cause: e });
    throw e;
  }
  checkLimits('JPEG', info.width, info.height, info.decodeBytes, limits);
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(b, {
      useTArray: true,
      formatAsRGBA: false,
      // Checked above; jpeg-js's own accounting (which counts less than it takes) is only a backstop.
      maxResolutionInMP: limits.maxPixels / 1e6,
      maxMemoryUsageInMB: Math.ceil(limits.maxDecodeBytes / 2 ** 20),
    });
  } catch (e) {
    throw new InputError(`cannot decode JPEG ${source}: ${jpegMessage(e)}`, {}, { cause: e });
  }
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
    throw new InputError(`cannot decode JPEG ${source}: decoder returned no pixels`, { received: `${img.width}x${img.height}` });
  }
  return img;
}

function decodePngImage(b: Uint8Array, limits: Limits): { width: number; height: number; data: Uint8Array } {
  const { source } = limits;
  try {
    const info = parsePng(b);
    checkLimits('PNG', info.width, info.height, info.decodeBytes, limits);
    return { width: info.width, height: info.height, data: decodePng(info) };
  } catch (e) {
    if (e instanceof ImageFileError) throw new InputError(`cannot decode PNG ${source}: ${e.message}`, {}, { cause: e });
    throw e;
  }
}

/** A limit option: undefined for the default, else a positive integer. */
function limitOption(value: unknown, name: string, dflt: number, source: string): number {
  if (value === undefined) return dflt;
  if (!isByteLimit(value)) {
    throw new InputError(`${source}: ${name} must be a positive integer`, { expected: 'an integer from 1 to 2^53 - 1', received: typeof value === 'number' ? String(value) : typeof value });
  }
  return value;
}

/** Decodes JPEG or PNG bytes (told apart by their signature) into upright pixels. */
export function decodeImage(bytes: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): DecodedImage {
  const source = options.source ?? 'image';
  const maxPixels = limitOption(options.maxPixels, 'maxPixels', DEFAULT_MAX_PIXELS, source);
  const maxDecodeBytes = limitOption(options.maxDecodeBytes, 'maxDecodeBytes', DEFAULT_MAX_DECODE_BYTES, source);
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new InputError(`${source}: image bytes must be a Uint8Array, Buffer or ArrayBuffer`, { received: typeof bytes });
  }
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length === 0) throw new InputError(`${source} is empty`, { expected: 'JPEG or PNG bytes', received: '0 bytes' });
  const rotate = options.applyOrientation !== false;
  let decoded: DecodedImage;
  if (startsWith(b, [0xff, 0xd8, 0xff])) {
    const orientation = jpegOrientation(b);
    const limits = { source, maxPixels, maxDecodeBytes, rotateBytesPerPixel: rotate && orientation !== 1 ? 3 : 0 };
    decoded = { ...decodeJpeg(b, limits), format: 'RGB', orientation };
  } else if (startsWith(b, PNG_SIGNATURE)) {
    const orientation = pngOrientation(b);
    const limits = { source, maxPixels, maxDecodeBytes, rotateBytesPerPixel: rotate && orientation !== 1 ? 4 : 0 };
    decoded = { ...decodePngImage(b, limits), format: 'RGBA', orientation };
  } else {
    const other = sniffOther(b);
    throw new InputError(`${source} is not a JPEG or PNG image${other ? ` (looks like ${other})` : ''}`, {
      expected: 'JPEG or PNG', received: other ?? `${b.length} bytes starting ${Array.from(b.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ')}`,
    });
  }
  return rotate ? applyOrientation(decoded, decoded.orientation) : decoded;
}

/**
 * Reads and decodes a JPEG or PNG file: a regular file (not a device, FIFO or directory) of at most
 * `maxFileBytes`; anything that cannot be read is an InputError too.
 */
export async function readImageFile(path: string, options: ReadImageOptions = {}): Promise<DecodedImage> {
  const { maxFileBytes, ...decode } = options;
  return decodeImage(await readImageBytes(path, maxFileBytes), { ...decode, source: path });
}

/** A regular file of at most `maxFileBytes` (default FILE_LIMITS.image); InputError naming it otherwise. */
async function readImageBytes(path: string, maxFileBytes: number | undefined): Promise<Uint8Array> {
  const maxBytes = limitOption(maxFileBytes, 'maxFileBytes', FILE_LIMITS.image, path);
  try {
    return await readRegularFile(path, { maxBytes, raise: 'maxFileBytes' });
  } catch (e) {
    const why = e instanceof FileRefusedError ? (e.code ? ` (${e.code}): ${e.message}` : `: ${e.message}`) : `: ${e instanceof Error ? e.message : String(e)}`;
    throw new InputError(`cannot read image file ${path}${why}`, {}, { cause: e });
  }
}

/** Which decoder readImageFileFor uses: 'auto' is sharp where the app installed it, else 'js'. */
export type DecoderChoice = 'auto' | 'sharp' | 'js';
/** The decoder that ran: sharp (libvips), or the built-in jpeg-js / PNG decoders. */
export type DecoderName = 'sharp' | 'js';

export const DECODER_CHOICES: readonly DecoderChoice[] = ['auto', 'sharp', 'js'];

/**
 * The decoder a choice resolves to here. 'sharp' when it cannot be loaded is an InputError saying why
 * (not installed, or its native part does not load on this platform).
 */
export function resolveDecoder(choice: DecoderChoice = 'auto'): DecoderName {
  if (!DECODER_CHOICES.includes(choice)) throw new InputError('unknown image decoder', { expected: DECODER_CHOICES.join(', '), received: String(choice) });
  if (choice === 'js') return 'js';
  if (loadSharp()) return 'sharp';
  if (choice === 'auto') return 'js';
  throw new InputError(`the image decoder sharp cannot be loaded: ${sharpUnavailableReason()}`, { expected: 'sharp installed beside edgeinfer (npm install sharp)', received: 'not loadable' });
}

/** readImageFileFor's options: the file's and the decoder's limits, which decoder, and alpha compositing. */
export interface ReadImageForModelOptions extends ReadImageOptions {
  readonly decoder?: DecoderChoice;
  /** RGB to composite transparent pixels onto (sharp path; the JS path leaves it to the preprocessing). */
  readonly background?: readonly [number, number, number];
}

/** An image read for a model: pixels (sharp: already near the model's size), which decoder, the file's size. */
export interface ImageForModel {
  readonly image: PixelImage & { readonly data: Uint8Array };
  readonly decoder: DecoderName;
  /** The upright size of the image in the file. */
  readonly width: number;
  readonly height: number;
}

/**
 * Reads an image file for a model with input preprocessing `pre`: with sharp, decoded straight to the size
 * the model's resize makes of it (shrink-on-load), so the model's preprocessing only crops and normalises;
 * with the JS decoders, at full size (readImageFile). The same file checks and limits either way.
 */
export async function readImageFileFor(path: string, pre: ImagePreprocess, options: ReadImageForModelOptions = {}): Promise<ImageForModel> {
  const { decoder: choice, background, ...read } = options;
  const decoder = resolveDecoder(choice);
  if (decoder === 'js') {
    const image = await readImageFile(path, read);
    return { image, decoder, width: image.width, height: image.height };
  }
  const { maxFileBytes, ...decode } = read;
  const maxPixels = limitOption(decode.maxPixels, 'maxPixels', DEFAULT_MAX_PIXELS, path);
  const maxDecodeBytes = limitOption(decode.maxDecodeBytes, 'maxDecodeBytes', DEFAULT_MAX_DECODE_BYTES, path);
  const bytes = await readImageBytes(path, maxFileBytes);
  if (bytes.length === 0) throw new InputError(`${path} is empty`, { expected: 'image bytes', received: '0 bytes' });
  const isWebp = ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP';
  if (!startsWith(bytes, [0xff, 0xd8, 0xff]) && !startsWith(bytes, PNG_SIGNATURE) && !isWebp && ascii(bytes, 4, 4) !== 'ftyp') {
    const other = sniffOther(bytes);
    throw new InputError(`${path} is not a ${SHARP_FORMATS} image${other ? ` (looks like ${other})` : ''}`, {
      expected: SHARP_FORMATS, received: other ?? `${bytes.length} bytes starting ${Array.from(bytes.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ')}`,
    });
  }
  const limits = { source: path, maxPixels, maxDecodeBytes, rotateBytesPerPixel: 0 };
  const image = await decodeWithSharp(loadSharp()!, bytes, {
    source: path, maxPixels, background, applyOrientation: decode.applyOrientation !== false,
    check: (format, width, height, decodeBytes) => checkLimits(format, width, height, decodeBytes, limits),
    sizeFor: (width, height) => preprocessGeometry(width, height, pre).resized,
  });
  return { image, decoder, width: image.sourceWidth, height: image.sourceHeight };
}
