// Generators for hostile (and honest) image files, computed in memory: PNGs of any colour type,
// depth, interlace and filter mix, with a header that may declare more than the data holds; JPEGs
// of any declared size whose scans are minimal (flat grey, DC only), baseline or progressive.
import { crc32, deflateSync } from 'node:zlib';

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7: x0, y0, dx, dy of each pass. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

export interface PngSpec {
  width: number;
  height: number;
  depth?: 1 | 2 | 4 | 8 | 16;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType?: 0 | 2 | 3 | 4 | 6;
  interlace?: boolean;
  /** Sample c of pixel (x, y), in 0 .. 2^depth - 1 (a palette index for colour type 3). */
  sample?: (x: number, y: number, c: number) => number;
  palette?: readonly (readonly number[])[];
  /** tRNS chunk payload as given. */
  trns?: Uint8Array;
  /** Rows of image data actually stored (of the first pass when interlaced); default all. */
  rows?: number;
  /** Filter type of each row: a function of the row index; default 0 (None). */
  filter?: (row: number) => number;
  /** Fast path for large images (not interlaced, filter None): writes row y's raw bytes into `out`. */
  row?: (y: number, out: Uint8Array) => void;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The scanlines of one (sub)image, filtered as spec.filter says. */
function filtered(w: number, h: number, bpp: number, depth: number, channels: number, pixel: (x: number, y: number, c: number) => number, filter: (r: number) => number, rowBase: number): Uint8Array {
  const rowBytes = Math.ceil((w * channels * depth) / 8);
  const out = new Uint8Array(h * (1 + rowBytes));
  let prev = new Uint8Array(rowBytes);
  for (let y = 0; y < h; y++) {
    const raw = new Uint8Array(rowBytes);
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        const v = pixel(x, y, c);
        if (depth === 16) { const at = (x * channels + c) * 2; raw[at] = v >> 8; raw[at + 1] = v & 255; }
        else if (depth === 8) raw[x * channels + c] = v;
        else { const bit = (x * channels + c) * depth; raw[bit >> 3] |= v << (8 - depth - (bit & 7)); }
      }
    }
    const f = filter(rowBase + y) % 5;
    const o = y * (1 + rowBytes);
    out[o] = f;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? raw[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
      out[o + 1 + i] = (raw[i] - pred) & 255;
    }
    prev = raw;
  }
  return out;
}

/** The raw (filtered, not yet compressed) image data of a PNG. */
export function pngImageData(spec: PngSpec): Uint8Array {
  const { width: w, height: h, depth = 8, colorType = 2, interlace = false, filter = () => 0 } = spec;
  const channels = CHANNELS[colorType];
  const bpp = Math.max(1, (channels * depth) >> 3);
  const sample = spec.sample ?? ((x, y, c) => ((x * 7 + y * 13 + c * 61) % 251) & ((1 << Math.min(depth, 8)) - 1));
  if (!interlace && spec.row) {
    const rows = Math.min(h, spec.rows ?? h);
    const rowBytes = Math.ceil((w * channels * depth) / 8);
    const out = new Uint8Array(rows * (1 + rowBytes));
    for (let y = 0; y < rows; y++) spec.row(y, out.subarray(y * (1 + rowBytes) + 1, (y + 1) * (1 + rowBytes)));
    return out;
  }
  if (!interlace) {
    const rows = Math.min(h, spec.rows ?? h);
    return filtered(w, rows, bpp, depth, channels, sample, filter, 0);
  }
  const parts: Uint8Array[] = [];
  let rowBase = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((w - x0) / dx), ph = Math.ceil((h - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rows = parts.length === 0 ? Math.min(ph, spec.rows ?? ph) : ph;
    parts.push(filtered(pw, rows, bpp, depth, channels, (x, y, c) => sample(x0 + x * dx, y0 + y * dy, c), filter, rowBase));
    rowBase += ph;
    if (rows < ph) break;
  }
  return concat(parts);
}

/** A PNG file: IHDR, PLTE/tRNS when given, the image data in `idatChunks` IDAT chunks, IEND. */
export function png(spec: PngSpec, opts: { idatChunks?: number; level?: number; extra?: Uint8Array[] } = {}): Uint8Array {
  const { width, height, depth = 8, colorType = 2, interlace = false } = spec;
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([depth, colorType, 0, 0, interlace ? 1 : 0], 8);
  const z = new Uint8Array(deflateSync(pngImageData(spec), { level: opts.level ?? 6 }));
  const n = Math.max(1, opts.idatChunks ?? 1);
  const step = Math.ceil(z.length / n);
  const idats: Uint8Array[] = [];
  for (let i = 0; i < z.length; i += step) idats.push(pngChunk('IDAT', z.subarray(i, i + step)));
  const parts = [PNG_SIGNATURE, pngChunk('IHDR', ihdr)];
  if (spec.palette) parts.push(pngChunk('PLTE', new Uint8Array(spec.palette.flat())));
  if (spec.trns) parts.push(pngChunk('tRNS', spec.trns));
  parts.push(...(opts.extra ?? []), ...idats, pngChunk('IEND', new Uint8Array(0)));
  return concat(parts);
}

export interface JpegSpec {
  width: number;
  height: number;
  /** Sampling factors (h, v) per component; default 4:2:0 YCbCr. */
  components?: readonly (readonly [number, number])[];
  progressive?: boolean;
  /** Bytes of entropy-coded data actually stored, when less than the scan needs (a truncated file). */
  scanBytes?: number;
  /** Leave out the EOI marker. */
  noEoi?: boolean;
}

function segment(marker: number, payload: readonly number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out.set([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 255]);
  out.set(payload, 4);
  return out;
}

/**
 * A flat grey JPEG of the declared size whose one scan codes every block with the shortest codes:
 * a 1-bit DC code (difference 0) and, baseline, a 1-bit EOB. A real decoder allocates and walks
 * every block of it, so its memory and time are those of a photo of that size.
 */
export function jpeg(spec: JpegSpec): Uint8Array {
  const { width: w, height: h, progressive = false } = spec;
  const comps = spec.components ?? [[2, 2], [1, 1], [1, 1]];
  const maxH = Math.max(...comps.map((c) => c[0])), maxV = Math.max(...comps.map((c) => c[1]));
  const sof = [8, h >> 8, h & 255, w >> 8, w & 255, comps.length];
  comps.forEach(([ch, cv], i) => sof.push(i + 1, (ch << 4) | cv, 0));
  const huff = (cls: number, symbol: number) => [cls << 4, 1, ...new Array(15).fill(0), symbol];
  const sos = [comps.length];
  comps.forEach((_, i) => sos.push(i + 1, 0x00));
  sos.push(0, progressive ? 0 : 63, 0);
  let blocks: number;
  if (comps.length === 1) {
    blocks = Math.ceil(w / 8) * Math.ceil(h / 8);
  } else {
    const mcus = Math.ceil(w / 8 / maxH) * Math.ceil(h / 8 / maxV);
    blocks = mcus * comps.reduce((s, [ch, cv]) => s + ch * cv, 0);
  }
  const bits = blocks * (progressive ? 1 : 2);
  const full = Math.ceil(bits / 8);
  const data = new Uint8Array(Math.min(full, spec.scanBytes ?? full));
  if (data.length === full && bits % 8) data[full - 1] = (1 << (8 - (bits % 8))) - 1; // pad with 1 bits
  const parts = [
    new Uint8Array([0xff, 0xd8]),
    segment(0xdb, [0, ...new Array(64).fill(1)]),
    segment(progressive ? 0xc2 : 0xc0, sof),
    segment(0xc4, huff(0, 0)),
    ...(progressive ? [] : [segment(0xc4, huff(1, 0))]),
    segment(0xda, sos),
    data,
  ];
  if (!spec.noEoi) parts.push(new Uint8Array([0xff, 0xd9]));
  return concat(parts);
}

/** A JPEG's SOF0/SOF2 width and height rewritten (the data stays as it was). */
export function withJpegSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = bytes.slice();
  let p = 2;
  while (p + 4 <= out.length) {
    const marker = out[p + 1];
    const len = (out[p + 2] << 8) | out[p + 3];
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      out.set([height >> 8, height & 255, width >> 8, width & 255], p + 5);
      return out;
    }
    p += 2 + len;
  }
  throw new Error('no SOF marker');
}
