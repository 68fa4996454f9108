// Our PNG decoder (src/vision/node-png.ts) against pngjs, which it replaced for decoding: every colour
// type and bit depth, interlaced or not, every filter type, palettes and tRNS keys, odd sizes (partial
// Adam7 passes, sub-byte row tails); and what pngjs got wrong: data that ends early or runs long.
import { deflateSync } from 'node:zlib';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodePng, parsePng } from '../../src/vision/node-png.js';
import { ImageFileError } from '../../src/vision/image-file-error.js';
import { concat, png, pngChunk, pngImageData, PNG_SIGNATURE, type PngSpec } from '../hostile/gen.js';

const VARIANTS: [colorType: 0 | 2 | 3 | 4 | 6, depth: 1 | 2 | 4 | 8 | 16][] = [
  [0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 8], [2, 16], [3, 1], [3, 2], [3, 4], [3, 8], [4, 8], [4, 16], [6, 8], [6, 16],
];
const SIZES = [[1, 1], [3, 2], [9, 7], [17, 13], [33, 5]];

function spec(colorType: 0 | 2 | 3 | 4 | 6, depth: 1 | 2 | 4 | 8 | 16, width: number, height: number, interlace: boolean): PngSpec {
  const max = colorType === 3 ? Math.min(255, (1 << depth) - 1) : (2 ** depth) - 1;
  const s: PngSpec = {
    width, height, depth, colorType, interlace,
    // Mixed values; every 5th pixel of gray/RGB repeats the tRNS key below.
    sample: (x, y, c) => ((x + 2 * y) % 5 === 0 && colorType !== 3 ? (c === 0 ? 1 : 2) : (x * 131 + y * 71 + c * 29 + 7) % (max + 1)),
    filter: (r) => r,
  };
  if (colorType === 3) {
    s.palette = Array.from({ length: Math.min(256, 1 << depth) }, (_, i) => [i * 3 & 255, 255 - i, i * 7 & 255]);
    s.trns = Uint8Array.from({ length: Math.min(5, 1 << depth) }, (_, i) => i * 50);
  } else if (colorType === 0) {
    s.trns = Uint8Array.of(0, 1);
  } else if (colorType === 2) {
    s.trns = Uint8Array.of(0, 1, 0, 2, 0, 2);
  }
  return s;
}

function decodeOurs(bytes: Uint8Array): Uint8Array {
  return decodePng(parsePng(bytes));
}

describe('PNG decoding matches pngjs', () => {
  for (const [colorType, depth] of VARIANTS) {
    for (const interlace of [false, true]) {
      it(`colour type ${colorType}, ${depth}-bit${interlace ? ', interlaced' : ''}`, () => {
        for (const [w, h] of SIZES) {
          const bytes = png(spec(colorType, depth, w, h, interlace), { idatChunks: 3 });
          const want = pngjs.PNG.sync.read(Buffer.from(bytes));
          expect(Array.from(decodeOurs(bytes)), `${w}x${h}`).toEqual(Array.from(want.data));
        }
      });
    }
  }
});

describe('PNG image data that does not match its header', () => {
  const whole: PngSpec = { width: 40, height: 30, colorType: 2 };

  it('is truncated when the data stops early, whatever the file around it', () => {
    const cut = png({ ...whole, rows: 12 });
    expect(() => decodeOurs(cut)).toThrow(/^truncated: its image data ends after 12 of 30 rows$/);
    const interlaced = png({ ...whole, interlace: true, rows: 2 });
    expect(() => decodeOurs(interlaced)).toThrow(/^truncated: its image data ends after \d+ of \d+ bytes$/);
    // A compressed stream cut in the middle, in a file that is otherwise whole.
    const z = deflateSync(pngImageData(whole));
    const ihdr = png(whole).subarray(8, 33);
    const file = concat([PNG_SIGNATURE, ihdr, pngChunk('IDAT', new Uint8Array(z.subarray(0, z.length >> 1))), pngChunk('IEND', new Uint8Array(0))]);
    expect(() => decodeOurs(file)).toThrow(/^truncated: the compressed image data ends early$/);
    for (const n of [20, 40, cut.length - 12, cut.length - 1]) {
      let err: unknown;
      try { decodeOurs(png(whole).subarray(0, n)); } catch (e) { err = e; }
      expect(err, `cut at ${n}`).toBeInstanceOf(ImageFileError);
      expect((err as ImageFileError).truncated, `cut at ${n}: ${(err as Error).message}`).toBe(true);
    }
  });

  it('is corrupt when there is more data than declared, an unknown filter or a palette index past the palette', () => {
    const raw = pngImageData({ ...whole, height: 31 });
    const ihdr = png(whole).subarray(8, 33);
    const long = concat([PNG_SIGNATURE, ihdr, pngChunk('IDAT', new Uint8Array(deflateSync(raw))), pngChunk('IEND', new Uint8Array(0))]);
    expect(() => decodeOurs(long)).toThrow(/more image data than its 40x30 header declares/);
    const badFilter = pngImageData(whole);
    badFilter[3 * (1 + 40 * 3)] = 9; // the filter byte of row 3
    expect(() => decodeOurs(concat([PNG_SIGNATURE, ihdr, pngChunk('IDAT', new Uint8Array(deflateSync(badFilter))), pngChunk('IEND', new Uint8Array(0))])))
      .toThrow(/unknown filter type 9 in row 3/);
    const pal = png({ width: 4, height: 1, colorType: 3, depth: 8, palette: [[1, 2, 3]], sample: (x) => x });
    expect(() => decodeOurs(pal)).toThrow(/palette index 1 in a palette of 1 colours/);
  });

  it('says what decoding takes before doing it', () => {
    const info = parsePng(png({ width: 10000, height: 10000, rows: 1 }, { level: 9 }));
    expect(info.dataBytes).toBe(10000 * (1 + 30000));
    expect(info.decodeBytes).toBe(10000 * 30001 + 10000 * 10000 * 4);
    const sixteen = parsePng(png({ width: 10, height: 10, depth: 16, colorType: 6, interlace: true }));
    expect(sixteen.dataBytes).toBe(pngImageData({ width: 10, height: 10, depth: 16, colorType: 6, interlace: true }).length);
  });
});
