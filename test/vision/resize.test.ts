// The Pillow-BILINEAR resampler and the crop geometry: hand-computed cases plus frozen Pillow 12.3
// outputs (fixtures/pillow-bilinear.json, made by fixtures/make-pillow-bilinear.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { centerCropStart, resizeBilinear, shorterSideSize } from '../../src/vision/resize.js';
import { rng } from '../helpers/harness.js';

interface PillowFixture {
  pillow: string;
  width: number;
  height: number;
  rgb: string;
  gray: string;
  resized: { width: number; height: number; rgb: string }[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pillow-bilinear.json', import.meta.url), 'utf8')) as PillowFixture;
const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

function randomPixels(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

describe('resizeBilinear', () => {
  it.each(fixture.resized.map((c) => [c.width, c.height, c.rgb] as const))(
    '13x9 RGB -> %ix%i equals Pillow BILINEAR exactly', (w, h, rgb) => {
      const got = resizeBilinear(bytes(fixture.rgb), fixture.width, fixture.height, 3, w, h);
      expect(Array.from(got)).toEqual(Array.from(bytes(rgb)));
    });

  it('is the identity when the size does not change', () => {
    const src = randomPixels(7 * 5 * 3, 1);
    expect(Array.from(resizeBilinear(src, 7, 5, 3, 7, 5))).toEqual(Array.from(src));
  });

  it('keeps a constant image constant, up and down, any channel count', () => {
    for (const [ow, oh] of [[3, 2], [40, 31], [1, 1], [17, 3]]) {
      for (const ch of [1, 3, 4]) {
        const src = new Uint8Array(11 * 9 * ch);
        for (let i = 0; i < src.length; i++) src[i] = [37, 200, 5, 255][i % ch];
        const got = resizeBilinear(src, 11, 9, ch, ow, oh);
        for (let i = 0; i < got.length; i++) expect(got[i]).toBe([37, 200, 5, 255][i % ch]);
      }
    }
  });

  it('averages a 1-pixel checkerboard on 2x downscale', () => {
    const src = new Uint8Array(16 * 16);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) src[y * 16 + x] = (x + y) % 2 ? 255 : 0;
    const got = resizeBilinear(src, 16, 16, 1, 8, 8);
    // Interior taps are 1/8, 3/8, 3/8, 1/8 over alternating 0/255: exactly half, rounded up.
    for (let y = 1; y < 7; y++) for (let x = 1; x < 7; x++) expect(got[y * 8 + x]).toBe(128);
    // Border taps are clipped (3/7, 3/7, 1/7) so they lean to one side, but never toward the extremes.
    for (const v of got) expect(Math.abs(v - 127.5)).toBeLessThan(40);
  });

  it('interpolates linearly between pixel centres on upscale', () => {
    // Output x samples the source at (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped at the edges.
    expect(Array.from(resizeBilinear(new Uint8Array([0, 200]), 2, 1, 1, 4, 1))).toEqual([0, 50, 150, 200]);
    expect(Array.from(resizeBilinear(new Uint8Array([0, 200]), 1, 2, 1, 1, 4))).toEqual([0, 50, 150, 200]);
    // 3x, two channels: samples at -1/3, 0, 1/3, 2/3, 1, 4/3 → channel 0 is 0, 0, 30, 60, 90, 90.
    const got = resizeBilinear(new Uint8Array([0, 250, 90, 0]), 2, 1, 2, 6, 1);
    expect(Array.from(got)).toEqual([0, 250, 0, 250, 30, 167, 60, 83, 90, 0, 90, 0]);
  });

  it('computes a region exactly as resizing everything and cropping', () => {
    const w = 50, h = 37, ch = 3;
    const src = randomPixels(w * h * ch, 7);
    for (const [ow, oh] of [[23, 61], [50, 20], [80, 37], [19, 19]]) {
      const full = resizeBilinear(src, w, h, ch, ow, oh);
      for (const r of [{ x: 0, y: 0, width: ow, height: oh }, { x: 3, y: 5, width: 9, height: 11 }, { x: ow - 4, y: oh - 1, width: 4, height: 1 }]) {
        const got = resizeBilinear(src, w, h, ch, ow, oh, r);
        const want: number[] = [];
        for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) for (let c = 0; c < ch; c++) want.push(full[(y * ow + x) * ch + c]);
        expect(Array.from(got), `${ow}x${oh} region ${JSON.stringify(r)}`).toEqual(want);
      }
    }
  });

  it('rejects inconsistent sizes and regions', () => {
    const src = new Uint8Array(12);
    expect(() => resizeBilinear(src, 2, 2, 3, 0, 4)).toThrow(RangeError);
    expect(() => resizeBilinear(src, 2, 3, 3, 4, 4)).toThrow(/needs 18/);
    expect(() => resizeBilinear(src, 2, 2, 3, 4, 4, { x: 2, y: 0, width: 3, height: 1 })).toThrow(/outside/);
    expect(() => resizeBilinear(src, 2, 2, 3, 4, 4, { x: 0, y: 0, width: 0, height: 1 })).toThrow(RangeError);
  });
});

describe('crop and resize geometry', () => {
  it('centres crops as size//2 - crop//2, including odd sizes', () => {
    const cases: [number, number, number][] = [
      [256, 224, 16], [257, 224, 16], [255, 224, 15], [224, 224, 0], [341, 224, 58],
      [10, 3, 4], [11, 3, 4], [11, 4, 3], [5, 1, 2], [4, 1, 2], [2, 1, 1], [1, 1, 0],
    ];
    for (const [size, crop, start] of cases) {
      expect(centerCropStart(size, crop), `${crop} of ${size}`).toBe(start);
      expect(start + crop).toBeLessThanOrEqual(size);
    }
    expect(() => centerCropStart(3, 4)).toThrow(RangeError);
    expect(() => centerCropStart(3, 0)).toThrow(RangeError);
  });

  it('scales the shorter side to the target and rounds the longer one', () => {
    expect(shorterSideSize(227, 227, 256)).toEqual({ width: 256, height: 256 });
    expect(shorterSideSize(640, 480, 256)).toEqual({ width: 341, height: 256 }); // 341.33
    expect(shorterSideSize(480, 640, 256)).toEqual({ width: 256, height: 341 });
    expect(shorterSideSize(300, 200, 256)).toEqual({ width: 384, height: 256 });
    expect(shorterSideSize(200, 299, 256)).toEqual({ width: 256, height: 383 }); // 382.72
    expect(shorterSideSize(4000, 3000, 256)).toEqual({ width: 341, height: 256 });
    expect(shorterSideSize(3, 2, 256)).toEqual({ width: 384, height: 256 });
  });
});
