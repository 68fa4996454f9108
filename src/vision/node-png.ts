// Node only: PNG bytes -> 8-bit RGBA, in two steps so that the caller can check a memory budget in
// between: parsePng reads the chunks (CRCs, IHDR, PLTE, tRNS, where the IDAT data lies; a file that ends
// before IEND is truncated) and says what decoding will take; decodePng inflates the image data once,
// into one buffer of exactly the declared size (less is truncated, more is corrupt), unfilters it in
// place and expands it to RGBA. Peak memory: the file, the inflated data and the RGBA pixels.
// Samples as pngjs gives them (which this replaces for decoding: its inflate hands back a buffer of the
// declared size whatever the stream held, so a truncated image came out half blank or as stale memory):
// 16-bit and low-bit gray scaled to 8 bits with rounding, tRNS colour keys made (0, 0, 0, 0).
import { inflateSync } from 'node:zlib';
import { crc32Update } from '../format/crc32.js';
import { ImageFileError } from './image-file-error.js';

export interface PngInfo {
  readonly width: number;
  readonly height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  readonly depth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  readonly colorType: number;
  readonly interlaced: boolean;
  /** Bytes of filtered image data the header implies (every pass and filter byte). */
  readonly dataBytes: number;
  /** Compressed bytes in the IDAT chunks. */
  readonly idatBytes: number;
  /** Memory decodePng takes besides the file: the joined IDAT data (when split), the inflated data, the RGBA pixels. */
  readonly decodeBytes: number;
  readonly palette?: Uint8Array;
  readonly trns?: Uint8Array;
  readonly idat: readonly Uint8Array[];
}

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

interface Pass { x0: number; y0: number; dx: number; dy: number; width: number; height: number; rowBytes: number }

function passes(width: number, height: number, interlaced: boolean, bitsPerPixel: number): Pass[] {
  const list = interlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  const out: Pass[] = [];
  for (const [x0, y0, dx, dy] of list) {
    const w = Math.ceil((width - x0) / dx), h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) out.push({ x0, y0, dx, dy, width: w, height: h, rowBytes: Math.ceil((w * bitsPerPixel) / 8) });
  }
  return out;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function typeOf(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

/** Reads the chunk structure; throws ImageFileError. Touches no more memory than the file. */
export function parsePng(b: Uint8Array): PngInfo {
  if (b.length < 8 || SIGNATURE.some((v, i) => b[i] !== v)) throw new ImageFileError('not a PNG signature');
  let p = 8;
  let header: Omit<PngInfo, 'dataBytes' | 'idatBytes' | 'decodeBytes' | 'idat' | 'palette' | 'trns'> | undefined;
  let palette: Uint8Array | undefined, trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  for (;;) {
    if (p + 8 > b.length) throw new ImageFileError(p === 8 ? 'missing IHDR header' : `truncated: the file ends after ${b.length} bytes, before the IEND chunk`, p > 8);
    const length = u32(b, p);
    const type = typeOf(b, p + 4);
    if (length > 0x7fffffff) throw new ImageFileError(`corrupt chunk length ${length} at byte ${p}`);
    if (p + 12 + length > b.length) {
      throw new ImageFileError(`truncated: the file ends inside its ${JSON.stringify(type)} chunk (${b.length} of ${p + 12 + length} bytes)`, true);
    }
    if (crc32Update(0, b, p + 4, p + 8 + length) !== u32(b, p + 8 + length)) throw new ImageFileError(`CRC mismatch in the ${JSON.stringify(type)} chunk at byte ${p}`);
    const data = b.subarray(p + 8, p + 8 + length);
    if (!header) {
      if (type !== 'IHDR' || length !== 13) throw new ImageFileError('missing IHDR header');
      const width = u32(data, 0), height = u32(data, 4), depth = data[8], colorType = data[9];
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw new ImageFileError(`invalid size ${width}x${height}`);
      if (!(colorType in CHANNELS)) throw new ImageFileError(`invalid colour type ${colorType}`);
      if (!DEPTHS[colorType].includes(depth)) throw new ImageFileError(`invalid bit depth ${depth} for colour type ${colorType}`);
      if (data[10] !== 0 || data[11] !== 0) throw new ImageFileError('unknown compression or filter method');
      if (data[12] > 1) throw new ImageFileError(`unknown interlace method ${data[12]}`);
      header = { width, height, depth, colorType, interlaced: data[12] === 1 };
    } else if (type === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) throw new ImageFileError(`invalid palette of ${length} bytes`);
      palette = data;
    } else if (type === 'tRNS') {
      trns = data;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    p += 12 + length;
  }
  if (idat.length === 0) throw new ImageFileError('no image data (IDAT)');
  if (header.colorType === 3 && !palette) throw new ImageFileError('palette image without a PLTE chunk');
  const bitsPerPixel = CHANNELS[header.colorType] * header.depth;
  const dataBytes = passes(header.width, header.height, header.interlaced, bitsPerPixel).reduce((n, q) => n + q.height * (1 + q.rowBytes), 0);
  const idatBytes = idat.reduce((n, d) => n + d.length, 0);
  const decodeBytes = (idat.length > 1 ? idatBytes : 0) + dataBytes + header.width * header.height * 4;
  return { ...header, dataBytes, idatBytes, decodeBytes, idat, ...(palette ? { palette } : {}), ...(trns ? { trns } : {}) };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the row filters of one pass in place; each row's bytes follow its filter-type byte. */
function unfilter(d: Uint8Array, at: number, q: Pass, bpp: number): void {
  const n = q.rowBytes;
  for (let y = 0; y < q.height; y++) {
    const row = at + y * (n + 1) + 1, up = row - (n + 1);
    const filter = d[row - 1];
    const first = y === 0;
    switch (filter) {
      case 0: break;
      case 1: for (let i = bpp; i < n; i++) d[row + i] = (d[row + i] + d[row + i - bpp]) & 255; break;
      case 2: if (!first) for (let i = 0; i < n; i++) d[row + i] = (d[row + i] + d[up + i]) & 255; break;
      case 3:
        for (let i = 0; i < n; i++) {
          const a = i >= bpp ? d[row + i - bpp] : 0, b = first ? 0 : d[up + i];
          d[row + i] = (d[row + i] + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < n; i++) {
          const a = i >= bpp ? d[row + i - bpp] : 0, b = first ? 0 : d[up + i], c = i >= bpp && !first ? d[up + i - bpp] : 0;
          d[row + i] = (d[row + i] + paeth(a, b, c)) & 255;
        }
        break;
      default: throw new ImageFileError(`corrupt image data: unknown filter type ${filter} in row ${y}`);
    }
  }
}

let scale16: Uint8Array | undefined;

/** 8-bit value of every n-bit sample: round(v * 255 / (2^n - 1)). */
function scaleTable(depth: number): Uint8Array {
  if (depth === 16) {
    if (!scale16) { scale16 = new Uint8Array(65536); for (let v = 0; v < 65536; v++) scale16[v] = Math.round((v * 255) / 65535); }
    return scale16;
  }
  const max = (1 << depth) - 1;
  return Uint8Array.from({ length: max + 1 }, (_, v) => Math.round((v * 255) / max));
}

/** Inflates, unfilters and expands the image parsePng described; throws ImageFileError. */
export function decodePng(info: PngInfo): Uint8Array {
  const { width, height, depth, colorType, dataBytes } = info;
  const channels = CHANNELS[colorType];
  const z = info.idat.length === 1 ? info.idat[0] : concat(info.idat, info.idatBytes);
  let d: Uint8Array;
  try {
    // One output buffer one byte longer than the data should be: a whole image leaves it one short of
    // full (no second buffer, no copy), a longer stream overflows maxOutputLength. Pages never written
    // (a truncated stream) are never touched.
    d = inflateSync(z, { chunkSize: Math.max(64 * 1024, dataBytes + 1), maxOutputLength: dataBytes });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new ImageFileError(`corrupt: more image data than its ${width}x${height} header declares`);
    if (code === 'Z_BUF_ERROR') throw new ImageFileError('truncated: the compressed image data ends early', true);
    throw new ImageFileError(`corrupt image data (${(e as Error).message})`);
  }
  const bitsPerPixel = channels * depth;
  const list = passes(width, height, info.interlaced, bitsPerPixel);
  if (d.length < dataBytes) {
    const what = info.interlaced ? `${d.length} of ${dataBytes} bytes` : `${Math.floor(d.length / (list[0].rowBytes + 1))} of ${height} rows`;
    throw new ImageFileError(`truncated: its image data ends after ${what}`, true);
  }
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const out = new Uint8Array(width * height * 4);
  const scale = depth === 8 ? undefined : scaleTable(depth);
  const samples = new Uint16Array(width * channels);
  const palette = info.palette, entries = palette ? palette.length / 3 : 0;
  const trns = info.trns;
  // tRNS colour key (gray: one 16-bit sample, RGB: three), compared with the samples before scaling.
  const key = trns && colorType === 0 && trns.length >= 2 ? [(trns[0] << 8) | trns[1]]
    : trns && colorType === 2 && trns.length >= 6 ? [(trns[0] << 8) | trns[1], (trns[2] << 8) | trns[3], (trns[4] << 8) | trns[5]] : undefined;
  let at = 0;
  for (const q of list) {
    unfilter(d, at, q, bpp);
    for (let y = 0; y < q.height; y++) {
      const row = at + y * (q.rowBytes + 1) + 1;
      const n = q.width * channels;
      // The row's samples as integers, whatever their packing.
      if (depth === 8) for (let i = 0; i < n; i++) samples[i] = d[row + i];
      else if (depth === 16) for (let i = 0; i < n; i++) samples[i] = (d[row + 2 * i] << 8) | d[row + 2 * i + 1];
      else {
        const mask = (1 << depth) - 1;
        for (let i = 0; i < n; i++) { const bit = i * depth; samples[i] = (d[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask; }
      }
      let o = ((q.y0 + y * q.dy) * width + q.x0) * 4;
      const step = q.dx * 4;
      for (let x = 0, s = 0; x < q.width; x++, o += step, s += channels) {
        switch (colorType) {
          case 0: {
            const v = samples[s], g = scale ? scale[v] : v;
            if (key && v === key[0]) { out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0; break; }
            out[o] = out[o + 1] = out[o + 2] = g; out[o + 3] = 255;
            break;
          }
          case 2: {
            const r = samples[s], g = samples[s + 1], b = samples[s + 2];
            if (key && r === key[0] && g === key[1] && b === key[2]) { out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0; break; }
            out[o] = scale ? scale[r] : r; out[o + 1] = scale ? scale[g] : g; out[o + 2] = scale ? scale[b] : b; out[o + 3] = 255;
            break;
          }
          case 3: {
            const k = samples[s];
            if (k >= entries) throw new ImageFileError(`corrupt: palette index ${k} in a palette of ${entries} colours`);
            out[o] = palette![3 * k]; out[o + 1] = palette![3 * k + 1]; out[o + 2] = palette![3 * k + 2];
            out[o + 3] = trns && k < trns.length ? trns[k] : 255;
            break;
          }
          case 4: {
            const g = scale ? scale[samples[s]] : samples[s];
            out[o] = out[o + 1] = out[o + 2] = g; out[o + 3] = scale ? scale[samples[s + 1]] : samples[s + 1];
            break;
          }
          default:
            out[o] = scale ? scale[samples[s]] : samples[s]; out[o + 1] = scale ? scale[samples[s + 1]] : samples[s + 1];
            out[o + 2] = scale ? scale[samples[s + 2]] : samples[s + 2]; out[o + 3] = scale ? scale[samples[s + 3]] : samples[s + 3];
        }
      }
    }
    at += q.height * (q.rowBytes + 1);
  }
  return out;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
