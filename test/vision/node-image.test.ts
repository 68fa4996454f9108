// Decoding JPEG / PNG files and buffers: EXIF orientation (all 8, both byte orders, JPEG APP1 and PNG
// eXIf), PNG variants (alpha, 16-bit, gray, palette with tRNS), and InputError for anything unreadable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { applyOrientation, decodeImage, jpegOrientation, readImageFile } from '../../src/vision/node-image.js';
import { preprocessImage } from '../../src/vision/preprocess-tensors.js';
import { blockImage, encodeJpeg, exifTiff, palettePng, withExif, withPngExif } from './synthetic.js';

const { PNG } = pngjs;
const BLOCK = 8;
// Stored picture, 3 x 2 blocks of distinct colours:  A B C / D E F.
const COLORS: Record<string, number[]> = {
  A: [220, 30, 30], B: [30, 200, 30], C: [30, 30, 220], D: [230, 230, 40], E: [220, 40, 220], F: [40, 220, 220],
};
const STORED = [['A', 'B', 'C'], ['D', 'E', 'F']];
// What a viewer shows for each orientation, worked out by hand from the EXIF definitions
// (e.g. 6: stored row 0 becomes the right column, stored column 0 the top row).
const DISPLAYED: Record<number, string[]> = {
  1: ['ABC', 'DEF'],
  2: ['CBA', 'FED'],
  3: ['FED', 'CBA'],
  4: ['DEF', 'ABC'],
  5: ['AD', 'BE', 'CF'],
  6: ['DA', 'EB', 'FC'],
  7: ['FC', 'EB', 'DA'],
  8: ['CF', 'BE', 'AD'],
};
const storedImage = blockImage(STORED.map((row) => row.map((k) => COLORS[k])), BLOCK);
const baseJpeg = encodeJpeg(storedImage);

/** The colour name nearest to the centre pixel of each block of a decoded image. */
function blockNames(img: { width: number; height: number; data: Uint8Array; format: string }): string[] {
  const ch = img.format === 'RGBA' ? 4 : 3;
  const rows: string[] = [];
  for (let by = 0; by < img.height / BLOCK; by++) {
    let row = '';
    for (let bx = 0; bx < img.width / BLOCK; bx++) {
      const p = ((by * BLOCK + BLOCK / 2) * img.width + bx * BLOCK + BLOCK / 2) * ch;
      const px = [img.data[p], img.data[p + 1], img.data[p + 2]];
      const dist = (k: string): number => COLORS[k].reduce((s, v, i) => s + (v - px[i]) ** 2, 0);
      const best = Object.keys(COLORS).sort((a, b) => dist(a) - dist(b))[0];
      expect(dist(best), `block ${bx},${by} is close to a colour`).toBeLessThan(3 * 20 ** 2);
      row += best;
    }
    rows.push(row);
  }
  return rows;
}

function expectInputError(fn: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(InputError);
  expect((err as Error).message).toMatch(pattern);
}

describe('JPEG with EXIF orientation', () => {
  it('decodes the plain JPEG as stored, as RGB', () => {
    const img = decodeImage(baseJpeg);
    expect([img.width, img.height, img.format, img.orientation]).toEqual([24, 16, 'RGB', 1]);
    expect(blockNames(img)).toEqual(DISPLAYED[1]);
  });

  for (let o = 1; o <= 8; o++) {
    it(`orientation ${o} (little- and big-endian Exif) is turned upright`, () => {
      for (const order of ['II', 'MM'] as const) {
        const bytes = withExif(baseJpeg, exifTiff(o, order));
        expect(jpegOrientation(bytes)).toBe(o);
        const img = decodeImage(bytes);
        expect(img.orientation).toBe(o);
        expect([img.width, img.height]).toEqual(o >= 5 ? [16, 24] : [24, 16]);
        expect(blockNames(img), `${order} ${o}`).toEqual(DISPLAYED[o]);
        const asStored = decodeImage(bytes, { applyOrientation: false });
        expect(blockNames(asStored)).toEqual(DISPLAYED[1]);
      }
    });
  }

  it('ignores a malformed or out-of-range Exif block instead of failing', () => {
    const badOffset = exifTiff(6);
    badOffset[4] = 200; // IFD0 offset past the end
    const badMagic = exifTiff(6);
    badMagic[2] = 43;
    for (const tiff of [badOffset, badMagic, exifTiff(9), exifTiff(0), new Uint8Array(4)]) {
      const img = decodeImage(withExif(baseJpeg, tiff));
      expect(img.orientation).toBe(1);
      expect(blockNames(img)).toEqual(DISPLAYED[1]);
    }
  });

  it('rotates any channel count and rejects orientations outside 1-8', () => {
    const img = { width: 3, height: 2, format: 'GRAY' as const, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(applyOrientation(img, 6).data)).toEqual([4, 1, 5, 2, 6, 3]);
    expect(Array.from(applyOrientation(img, 8).data)).toEqual([3, 6, 2, 5, 1, 4]);
    expect(() => applyOrientation(img, 0)).toThrow(InputError);
  });
});

describe('PNG', () => {
  it('keeps alpha: 8-bit RGBA decodes losslessly', () => {
    const png = new PNG({ width: 5, height: 3 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37 + 11) & 255;
    const img = decodeImage(PNG.sync.write(png, { colorType: 6 }));
    expect([img.width, img.height, img.format]).toEqual([5, 3, 'RGBA']);
    expect(Array.from(img.data)).toEqual(Array.from(png.data));
  });

  it('scales 16-bit samples to 8 bits with rounding', () => {
    const w = 4, h = 2;
    const samples = new Uint16Array(w * h * 4);
    for (let i = 0; i < samples.length; i++) samples[i] = (i * 4099 + 128) % 65536;
    const bytes = PNG.sync.write(
      { width: w, height: h, data: Buffer.from(samples.buffer) } as unknown as InstanceType<typeof PNG>,
      { colorType: 6, inputColorType: 6, bitDepth: 16, inputHasAlpha: true },
    );
    expect(bytes[24]).toBe(16); // IHDR bit depth: really a 16-bit file
    const img = decodeImage(bytes);
    expect(Array.from(img.data)).toEqual(Array.from(samples, (v) => Math.round((v * 255) / 65535)));
  });

  it('expands 8-bit gray to RGBA', () => {
    const png = new PNG({ width: 3, height: 1 });
    png.data.set([10, 10, 10, 255, 128, 128, 128, 255, 250, 250, 250, 255]);
    const bytes = PNG.sync.write(png, { colorType: 0 });
    expect(bytes[25]).toBe(0); // IHDR colour type gray
    expect(Array.from(decodeImage(bytes).data)).toEqual(Array.from(png.data));
  });

  it('looks up palette indices, with tRNS alpha, at sub-byte depths', () => {
    const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 99, 199]];
    const indices = [0, 1, 2, 3, 2, 3, 0, 1, 1, 2];
    for (const depth of [2, 4, 8] as const) {
      const img = decodeImage(palettePng(5, 2, indices, palette, depth, [255, 0, 128]));
      const want = indices.flatMap((k) => [...palette[k], [255, 0, 128][k] ?? 255]);
      expect(Array.from(img.data), `depth ${depth}`).toEqual(want);
    }
  });

  it('applies an eXIf orientation chunk', () => {
    const png = new PNG({ width: storedImage.width, height: storedImage.height });
    png.data.set(storedImage.data);
    const img = decodeImage(withPngExif(PNG.sync.write(png), exifTiff(6, 'MM')));
    expect([img.width, img.height, img.orientation]).toEqual([16, 24, 6]);
    expect(blockNames(img)).toEqual(DISPLAYED[6]);
  });

  it('composites transparent pixels onto a background in preprocessing', () => {
    const png = new PNG({ width: 2, height: 2 });
    png.data.set([255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0]); // fully transparent red
    const img = decodeImage(PNG.sync.write(png));
    const pre = { width: 2, height: 2, channels: 3 as const, colorOrder: 'RGB' as const, scale: 1, mean: [0], std: [1], resize: 'stretch' as const, crop: 'none' as const };
    expect(Array.from(preprocessImage(img, pre).data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(preprocessImage(img, pre, { background: [0, 0, 0] }).data.subarray(0, 3))).toEqual([0, 0, 0]);
  });
});

describe('unreadable images', () => {
  const pngBytes = (() => { const p = new PNG({ width: 8, height: 8 }); p.data.fill(90); return new Uint8Array(PNG.sync.write(p)); })();

  it('rejects empty input', () => {
    expectInputError(() => decodeImage(new Uint8Array(0), { source: 'upload.jpg' }), /upload\.jpg is empty/);
    expectInputError(() => decodeImage(new ArrayBuffer(0)), /image is empty/);
  });

  it('rejects truncated files', () => {
    for (const n of [3, 20, Math.floor(baseJpeg.length / 2), baseJpeg.length - 2]) {
      expectInputError(() => decodeImage(baseJpeg.subarray(0, n)), /cannot decode JPEG image/);
    }
    for (const n of [8, 20, 40, pngBytes.length - 10]) {
      expectInputError(() => decodeImage(pngBytes.subarray(0, n)), /PNG image/);
    }
  });

  it('rejects corrupt data', () => {
    const badCrc = pngBytes.slice();
    badCrc[29] ^= 0xff; // inside the IHDR CRC
    expectInputError(() => decodeImage(badCrc), /cannot decode PNG/);
    const jpegNoise = baseJpeg.slice();
    jpegNoise.fill(0x00, 30, 200); // wipe the quantisation and Huffman tables
    expectInputError(() => decodeImage(jpegNoise), /cannot decode JPEG/);
  });

  it('rejects bytes that are not an image, naming the format when known', () => {
    expectInputError(() => decodeImage(new TextEncoder().encode('hello, world')), /not a JPEG or PNG image \(expected JPEG or PNG, received 12 bytes starting 68 65 6c 6c\)/);
    expectInputError(() => decodeImage(new TextEncoder().encode('GIF89a\x01\x00\x01\x00')), /looks like GIF/);
    expectInputError(() => decodeImage('not bytes' as unknown as Uint8Array), /must be a Uint8Array/);
  });

  it('refuses oversized images before allocating them', () => {
    const forged = pngBytes.slice();
    const view = new DataView(forged.buffer);
    view.setUint32(16, 1_000_000); // 1000000 x 8, with the IHDR CRC made to match
    view.setUint32(29, crc32(forged.subarray(12, 29)));
    expectInputError(() => decodeImage(forged, { maxPixels: 1_000_000 }), /PNG image is too large \(expected at most 1000000 pixels, received 1000000x8\)/);
    expectInputError(() => decodeImage(baseJpeg, { maxPixels: 100 }), /JPEG image is too large \(expected at most 100 pixels, received 24x16\)/);
  });

  it('reads files, and reports missing ones as InputError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-vision-'));
    const file = join(dir, 'tilted.jpg');
    writeFileSync(file, withExif(baseJpeg, exifTiff(8)));
    const img = await readImageFile(file);
    expect(blockNames(img)).toEqual(DISPLAYED[8]);
    await expect(readImageFile(join(dir, 'missing.png'))).rejects.toThrow(/cannot read image file .*missing\.png \(ENOENT\)/);
    await expect(readImageFile(join(dir, 'missing.png'))).rejects.toBeInstanceOf(InputError);
    writeFileSync(join(dir, 'empty.jpg'), '');
    await expect(readImageFile(join(dir, 'empty.jpg'))).rejects.toThrow(/empty\.jpg is empty/);
  });
});
