// Builders for small synthetic JPEG and PNG files for the vision tests: jpeg-js / pngjs encoders plus
// hand-made APP1 Exif segments and PNG chunks (palette PNGs, eXIf), all computed in memory.
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { concat, pngChunk, PNG_SIGNATURE } from '../hostile/gen.js';

/** A TIFF block holding IFD0 with an ImageWidth entry and then the orientation, in either byte order. */
export function exifTiff(orientation: number, order: 'II' | 'MM' = 'II'): Uint8Array {
  const le = order === 'II';
  const b = new Uint8Array(8 + 2 + 2 * 12 + 4);
  const v = new DataView(b.buffer);
  b[0] = b[1] = order.charCodeAt(0);
  v.setUint16(2, 42, le);
  v.setUint32(4, 8, le);
  v.setUint16(8, 2, le);
  const entry = (at: number, tag: number, value: number): void => {
    v.setUint16(at, tag, le);
    v.setUint16(at + 2, 3, le); // SHORT
    v.setUint32(at + 4, 1, le);
    v.setUint16(at + 8, value, le);
  };
  entry(10, 0x0100, 24);
  entry(22, 0x0112, orientation);
  v.setUint32(34, 0, le); // no IFD1
  return b;
}

/** Inserts an APP1 "Exif" segment holding `tiff` after the encoder's APP0 segment. */
export function withExif(jpegBytes: Uint8Array, tiff: Uint8Array): Uint8Array {
  if (jpegBytes[2] !== 0xff || jpegBytes[3] !== 0xe0) throw new Error('expected APP0 after SOI');
  const app0End = 4 + ((jpegBytes[4] << 8) | jpegBytes[5]);
  const payload = new Uint8Array(6 + tiff.length);
  payload.set([0x45, 0x78, 0x69, 0x66, 0, 0]);
  payload.set(tiff, 6);
  const seg = new Uint8Array(4 + payload.length);
  seg.set([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  seg.set(payload, 4);
  const out = new Uint8Array(jpegBytes.length + seg.length);
  out.set(jpegBytes.subarray(0, app0End));
  out.set(seg, app0End);
  out.set(jpegBytes.subarray(app0End), app0End + seg.length);
  return out;
}

/** RGB pixels of blocks: colors[row][col] filled as block x block squares. */
export function blockImage(colors: readonly (readonly (readonly number[])[])[], block: number): { width: number; height: number; data: Uint8Array } {
  const height = colors.length * block, width = colors[0].length * block;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colors[Math.floor(y / block)][Math.floor(x / block)];
      data.set([c[0], c[1], c[2], 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

export function encodeJpeg(img: { width: number; height: number; data: Uint8Array }, quality = 95): Uint8Array {
  return new Uint8Array(jpeg.encode(img, quality).data);
}

/** A palette PNG (colour type 3) at `bitDepth` 1/2/4/8, with a tRNS chunk when `alphas` is given. */
export function palettePng(
  width: number, height: number, indices: readonly number[], palette: readonly (readonly number[])[],
  bitDepth: 1 | 2 | 4 | 8, alphas?: readonly number[],
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([bitDepth, 3, 0, 0, 0], 8);
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const raw = new Uint8Array(height * (1 + rowBytes)); // filter byte 0 (None) per row
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      const at = y * (1 + rowBytes) + 1 + (bit >> 3);
      raw[at] |= indices[y * width + x] << (8 - bitDepth - (bit & 7));
    }
  }
  const parts = [PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('PLTE', new Uint8Array(palette.flat()))];
  if (alphas) parts.push(pngChunk('tRNS', new Uint8Array(alphas)));
  parts.push(pngChunk('IDAT', new Uint8Array(deflateSync(raw))), pngChunk('IEND', new Uint8Array(0)));
  return concat(parts);
}

/** Inserts an eXIf chunk holding `tiff` right after IHDR. */
export function withPngExif(png: Uint8Array, tiff: Uint8Array): Uint8Array {
  const afterIhdr = 8 + 12 + 13;
  return concat([png.subarray(0, afterIhdr), pngChunk('eXIf', tiff), png.subarray(afterIhdr)]);
}
