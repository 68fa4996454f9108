// JPEG structure, read before decoding: the frame header (size, components, sampling, baseline or
// progressive) and every scan's extent, so that a file which ends before its end-of-image marker, or
// whose scan holds fewer bytes than its blocks need, is called truncated before a decoder allocates
// anything; and what jpeg-js (our decoder) will allocate for it.
// jpeg-js reads past the end of the data as zero bits: a cut file would come out with grey blocks, or
// fail only after every block of the declared size was allocated and decoded.
import { ImageFileError } from './image-file-error.js';

export interface JpegComponent {
  readonly id: number;
  /** Horizontal and vertical sampling factors, 1-4. */
  readonly h: number;
  readonly v: number;
}

export interface JpegInfo {
  readonly width: number;
  readonly height: number;
  readonly precision: number;
  readonly progressive: boolean;
  readonly components: readonly JpegComponent[];
  /** 8x8 blocks of coefficients jpeg-js allocates (every component, padded to whole MCUs). */
  readonly blocks: number;
  /** Memory jpeg-js takes to decode it besides the file: see jpegDecodeBytes. */
  readonly decodeBytes: number;
}

/**
 * Bytes each coefficient block costs in jpeg-js: an Int32Array(64) (256 bytes) and what V8 keeps per
 * typed array (its object, its ArrayBuffer, the backing store record). Measured on Node 20: 440-560
 * per block on 12-48 MP images (peak RSS, --max-old-space-size=256 or not), 630-830 on small images
 * where fixed costs weigh in; 600 keeps the estimate above every measurement from 12 MP up.
 */
export const JPEG_BLOCK_BYTES = 600;

const SOF_SUPPORTED = new Set([0xc0, 0xc1, 0xc2]);

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function hex(m: number): string {
  return `FF${m.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * jpeg-js's allocations for a frame: the coefficient blocks, one 8-bit plane per component (the
 * blocks' samples), the copy of the input, and the output twice (getData's buffer and the result it is
 * copied into), 3 bytes per pixel.
 */
function decodeBytes(width: number, height: number, comps: readonly JpegComponent[], fileBytes: number): { blocks: number; bytes: number } {
  const maxH = Math.max(...comps.map((c) => c.h)), maxV = Math.max(...comps.map((c) => c.v));
  const mcusPerLine = Math.ceil(width / 8 / maxH), mcusPerColumn = Math.ceil(height / 8 / maxV);
  let blocks = 0, planes = 0;
  for (const c of comps) {
    blocks += mcusPerLine * c.h * mcusPerColumn * c.v;
    planes += Math.ceil((Math.ceil(width / 8) * c.h) / maxH) * Math.ceil((Math.ceil(height / 8) * c.v) / maxV) * 64;
  }
  return { blocks, bytes: blocks * JPEG_BLOCK_BYTES + planes + fileBytes + 2 * width * height * 3 };
}

/** Blocks one scan codes: a single component's own blocks, else whole MCUs of its components. */
function scanBlocks(width: number, height: number, frame: readonly JpegComponent[], scan: readonly JpegComponent[]): number {
  const maxH = Math.max(...frame.map((c) => c.h)), maxV = Math.max(...frame.map((c) => c.v));
  if (scan.length === 1) {
    const c = scan[0];
    return Math.ceil(Math.ceil((width * c.h) / maxH) / 8) * Math.ceil(Math.ceil((height * c.v) / maxV) / 8);
  }
  const mcus = Math.ceil(width / 8 / maxH) * Math.ceil(height / 8 / maxV);
  return mcus * scan.reduce((n, c) => n + c.h * c.v, 0);
}

/**
 * Walks the markers from SOI to EOI; throws ImageFileError for a truncated, corrupt or unsupported file.
 * Reads no more than the bytes given and allocates nothing in proportion to the declared size.
 */
export function scanJpeg(b: Uint8Array): JpegInfo {
  if (b.length < 2 || b[0] !== 0xff || b[1] !== 0xd8) throw new ImageFileError('not a JPEG (no SOI marker)');
  let p = 2;
  let frame: { width: number; height: number; precision: number; progressive: boolean; components: JpegComponent[] } | undefined;
  let scans = 0;
  for (;;) {
    // Tolerate stray bytes and fill bytes before a marker, as decoders do.
    while (p < b.length && b[p] !== 0xff) p++;
    while (p + 1 < b.length && b[p + 1] === 0xff) p++;
    if (p + 1 >= b.length) {
      throw new ImageFileError(`truncated: the file ends after ${b.length} bytes${scans ? `, in or after scan ${scans}` : ''}, before the end-of-image marker`, true);
    }
    const marker = b[p + 1];
    p += 2;
    if (marker === 0xd9) break; // EOI
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x00) continue; // no length
    if (p + 2 > b.length) throw new ImageFileError(`truncated: the file ends inside the ${hex(marker)} segment`, true);
    const len = u16(b, p);
    if (len < 2) throw new ImageFileError(`corrupt ${hex(marker)} segment length ${len} at byte ${p - 2}`);
    if (p + len > b.length) throw new ImageFileError(`truncated: the file ends inside the ${hex(marker)} segment (${b.length} of ${p + len} bytes)`, true);
    const seg = b.subarray(p + 2, p + len);
    p += len;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (!SOF_SUPPORTED.has(marker)) {
        const kind = marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf ? 'lossless' : marker >= 0xc9 ? 'arithmetic-coded' : 'hierarchical';
        throw new ImageFileError(`unsupported: ${kind} JPEG (${hex(marker)}); baseline and progressive JPEGs are supported`);
      }
      if (frame) throw new ImageFileError('corrupt: more than one frame header');
      if (seg.length < 6) throw new ImageFileError('corrupt frame header');
      const n = seg[5];
      if (n === 0 || seg.length < 6 + 3 * n) throw new ImageFileError('corrupt frame header');
      const components: JpegComponent[] = [];
      for (let i = 0; i < n; i++) {
        const hv = seg[7 + 3 * i];
        const c = { id: seg[6 + 3 * i], h: hv >> 4, v: hv & 15 };
        if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4) throw new ImageFileError(`corrupt: sampling factors ${c.h}x${c.v}`);
        components.push(c);
      }
      const height = u16(seg, 1), width = u16(seg, 3);
      if (height === 0) throw new ImageFileError('unsupported: the height is given after the scan (DNL marker)');
      if (width === 0) throw new ImageFileError('corrupt: width 0');
      frame = { width, height, precision: seg[0], progressive: marker === 0xc2, components };
    } else if (marker === 0xda) {
      if (!frame) throw new ImageFileError('corrupt: a scan before the frame header');
      const ns = seg[0];
      if (!(ns >= 1 && seg.length >= 1 + 2 * ns + 3)) throw new ImageFileError('corrupt scan header');
      const scanComps: JpegComponent[] = [];
      for (let i = 0; i < ns; i++) {
        const c = frame.components.find((x) => x.id === seg[1 + 2 * i]);
        if (!c) throw new ImageFileError(`corrupt: scan of unknown component ${seg[1 + 2 * i]}`);
        scanComps.push(c);
      }
      const ss = seg[1 + 2 * ns], ah = seg[3 + 2 * ns] >> 4;
      scans++;
      // The entropy-coded data runs to the next marker other than a restart (0xFF00 is a stuffed 0xFF).
      const start = p;
      for (;;) {
        if (p + 1 >= b.length) throw new ImageFileError(`truncated: the file ends inside scan ${scans} (after ${b.length} bytes)`, true);
        if (b[p] === 0xff) {
          const next = b[p + 1];
          if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) { p += 2; continue; }
          if (next !== 0xff) break;
        }
        p++;
      }
      // Every block of a first DC scan takes at least one Huffman code (1 bit), of a baseline scan two
      // (DC and end-of-block): fewer bytes than that is a cut file, whatever the decoder would invent.
      if (ss === 0 && ah === 0) {
        const blocks = scanBlocks(frame.width, frame.height, frame.components, scanComps);
        const need = Math.ceil((blocks * (frame.progressive ? 1 : 2)) / 8);
        if (p - start < need) {
          throw new ImageFileError(`truncated: scan ${scans} holds ${p - start} bytes, but its ${blocks} blocks need at least ${need}`, true);
        }
      }
    }
  }
  if (!frame) throw new ImageFileError('corrupt: no frame header (SOF)');
  if (scans === 0) throw new ImageFileError('corrupt: no scan');
  const { blocks, bytes } = decodeBytes(frame.width, frame.height, frame.components, b.length);
  return { ...frame, blocks, decodeBytes: bytes };
}
