// Pixels → NHWC model input: normalisation, colour orders, gray, alpha, both resize modes, batches,
// and the typed errors for bad metadata (ModelFormatError) and bad images (InputError).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../../src/errors.js';
import type { ImagePreprocess } from '../../src/graph/ir.js';
import { preprocessGeometry, validatePreprocess, type PixelImage } from '../../src/vision/preprocess.js';
import { preprocessBatch, preprocessImage, preprocessInto, preprocessedShape } from '../../src/vision/preprocess-tensors.js';
import { resizeBilinear } from '../../src/vision/resize.js';
import { rng } from '../helpers/harness.js';

const IMAGENET: ImagePreprocess = {
  width: 224, height: 224, channels: 3, colorOrder: 'RGB', scale: 1 / 255,
  mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'shorter-side', resizeTo: 256, crop: 'center',
};
/** Raw pixel values out: stretch to the image's own size, no normalisation. */
const raw = (w: number, h: number, colorOrder: ImagePreprocess['colorOrder'] = 'RGB'): ImagePreprocess => ({
  width: w, height: h, channels: colorOrder === 'GRAY' ? 1 : 3, colorOrder, scale: 1, mean: [0], std: [1],
  resize: 'stretch', crop: 'none',
});

function randomImage(width: number, height: number, format: 'RGBA' | 'RGB' | 'GRAY', seed: number): PixelImage {
  const r = rng(seed);
  const n = width * height * { RGBA: 4, RGB: 3, GRAY: 1 }[format];
  return { width, height, format, data: Uint8Array.from({ length: n }, () => Math.floor(r() * 256)) };
}

function expectThrows<E extends Error>(fn: () => unknown, type: new (...a: never[]) => E, pattern: RegExp): E {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(pattern);
  return err as E;
}

describe('preprocessImage', () => {
  it('normalises as (pixel * scale - mean[c]) / std[c] in NHWC', () => {
    const img: PixelImage = { width: 2, height: 1, format: 'RGB', data: new Uint8Array([0, 128, 255, 10, 20, 30]) };
    const pre: ImagePreprocess = { ...IMAGENET, width: 2, height: 1, resize: 'stretch', crop: 'none' };
    const t = preprocessImage(img, pre);
    expect(t.shape).toEqual([1, 1, 2, 3]);
    expect(preprocessedShape(pre)).toEqual([1, 1, 2, 3]);
    const want = [0, 128, 255, 10, 20, 30].map((v, i) => Math.fround((v / 255 - IMAGENET.mean[i % 3]) / IMAGENET.std[i % 3]));
    expect(Array.from(t.data)).toEqual(want);
  });

  it('puts blue first for BGR models, with mean/std in the model channel order', () => {
    const img: PixelImage = { width: 1, height: 1, data: new Uint8Array([10, 20, 30]) };
    const t = preprocessImage(img, { ...raw(1, 1, 'BGR'), mean: [1, 2, 3], std: [1, 2, 5] });
    expect(Array.from(t.data)).toEqual([(30 - 1) / 1, (20 - 2) / 2, (10 - 3) / 5].map(Math.fround));
  });

  it('turns RGB into gray exactly as Pillow convert("L") does', () => {
    const fx = JSON.parse(readFileSync(new URL('./fixtures/pillow-bilinear.json', import.meta.url), 'utf8')) as { width: number; height: number; rgb: string; gray: string };
    const img: PixelImage = { width: fx.width, height: fx.height, data: new Uint8Array(Buffer.from(fx.rgb, 'base64')) };
    const t = preprocessImage(img, raw(fx.width, fx.height, 'GRAY'));
    expect(t.shape).toEqual([1, fx.height, fx.width, 1]);
    expect(Array.from(t.data)).toEqual(Array.from(Buffer.from(fx.gray, 'base64')));
  });

  it('feeds gray images to RGB models as three equal channels, and to gray models as they are', () => {
    const img = randomImage(5, 4, 'GRAY', 3);
    const rgb = preprocessImage(img, raw(5, 4));
    for (let i = 0; i < 20; i++) expect([rgb.data[i * 3], rgb.data[i * 3 + 1], rgb.data[i * 3 + 2]]).toEqual(Array(3).fill(img.data[i]));
    expect(Array.from(preprocessImage(img, raw(5, 4, 'GRAY')).data)).toEqual(Array.from(img.data));
  });

  it('drops alpha by default and composites onto a background when asked', () => {
    // ImageData-like: RGBA in a Uint8ClampedArray with no format given.
    const img: PixelImage = { width: 2, height: 1, data: new Uint8ClampedArray([200, 100, 50, 0, 200, 100, 50, 128]) };
    expect(Array.from(preprocessImage(img, raw(2, 1)).data)).toEqual([200, 100, 50, 200, 100, 50]);
    const onWhite = preprocessImage(img, raw(2, 1), { background: [255, 255, 255] });
    const a = 128 / 255;
    expect(Array.from(onWhite.data)).toEqual([255, 255, 255, ...[200, 100, 50].map((v) => Math.round(v * a + 255 * (1 - a)))]);
    expect(() => preprocessImage(img, raw(2, 1), { background: [255, 255] as unknown as [number, number, number] })).toThrow(InputError);
  });

  it("'stretch' resizes both axes to the model size, ignoring the aspect ratio", () => {
    // 8x2: left half red, right half blue → 2x2: red left, blue right (the 4x filter blurs the seam a little).
    const data = new Uint8Array(8 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 8; x++) data.set(x < 4 ? [255, 0, 0] : [0, 0, 255], (y * 8 + x) * 3);
    const t = preprocessImage({ width: 8, height: 2, data }, raw(2, 2));
    expect(t.shape).toEqual([1, 2, 2, 3]);
    for (let y = 0; y < 2; y++) {
      const [r0, g0, b0, r1, g1, b1] = t.data.subarray(y * 6, y * 6 + 6);
      expect([g0, g1]).toEqual([0, 0]);
      expect(r0).toBeGreaterThan(200); expect(b0).toBeLessThan(55);
      expect(b1).toBeGreaterThan(200); expect(r1).toBeLessThan(55);
    }
    const big = randomImage(31, 17, 'RGB', 5);
    expect(Array.from(preprocessImage(big, raw(12, 20)).data)).toEqual(Array.from(resizeBilinear(big.data, 31, 17, 3, 12, 20)));
    // A centre crop of the same size is a no-op in 'stretch' mode.
    expect(preprocessImage(big, { ...raw(12, 20), crop: 'center' }).data).toEqual(preprocessImage(big, raw(12, 20)).data);
  });

  it("'shorter-side' resizes then centre-crops, on landscape and portrait images", () => {
    const pre: ImagePreprocess = { ...raw(4, 6), resize: 'shorter-side', resizeTo: 8, crop: 'center' };
    for (const [w, h] of [[30, 20], [20, 30], [9, 9], [8, 13]]) {
      const img = randomImage(w, h, 'RGB', w * h);
      const g = preprocessGeometry(w, h, pre);
      expect(Math.min(g.resized.width, g.resized.height)).toBe(8);
      const full = resizeBilinear(img.data, w, h, 3, g.resized.width, g.resized.height);
      const want: number[] = [];
      for (let y = 0; y < 6; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 3; c++) want.push(full[((g.region.y + y) * g.resized.width + g.region.x + x) * 3 + c]);
      expect(Array.from(preprocessImage(img, pre).data), `${w}x${h}`).toEqual(want);
    }
    expect(preprocessGeometry(640, 480, IMAGENET)).toEqual({ resized: { width: 341, height: 256 }, region: { x: 58, y: 16, width: 224, height: 224 } });
    expect(preprocessGeometry(480, 640, IMAGENET).region).toEqual({ x: 16, y: 58, width: 224, height: 224 });
  });

  it('without resizeTo, scales the shorter side to the crop size', () => {
    const pre: ImagePreprocess = { ...IMAGENET, resizeTo: undefined };
    expect(preprocessGeometry(640, 480, pre)).toEqual({ resized: { width: 299, height: 224 }, region: { x: 37, y: 0, width: 224, height: 224 } });
  });
});

describe('batches', () => {
  const pre: ImagePreprocess = { ...IMAGENET, width: 16, height: 12, resizeTo: 20 };
  const images = [randomImage(40, 30, 'RGB', 1), randomImage(25, 50, 'RGBA', 2), randomImage(16, 12, 'GRAY', 3)];

  it('writes image i at batch index i of an [N,H,W,C] tensor', () => {
    const batch = preprocessBatch(images, pre);
    expect(batch.shape).toEqual([3, 12, 16, 3]);
    const item = 12 * 16 * 3;
    images.forEach((img, i) => expect(batch.data.subarray(i * item, (i + 1) * item)).toEqual(preprocessImage(img, pre).data));
  });

  it('fills a caller-owned buffer item by item', () => {
    const out = new Float32Array(3 * 12 * 16 * 3).fill(NaN);
    preprocessInto(images[2], pre, out, 2);
    preprocessInto(images[0], pre, out, 0);
    preprocessInto(images[1], pre, out, 1);
    expect(out).toEqual(preprocessBatch(images, pre).data);
    expectThrows(() => preprocessInto(images[0], pre, out, 3), InputError, /batch index out of range.*0\.\.2/);
    expectThrows(() => preprocessInto(images[0], pre, new Float32Array(100), 0), InputError, /whole number of images/);
    expectThrows(() => preprocessBatch([], pre), InputError, /no images/);
  });

  it('names the bad image of a batch', () => {
    const bad: PixelImage = { width: 4, height: 4, data: new Uint8Array(17) };
    expectThrows(() => preprocessBatch([images[0], bad], pre), InputError, /^image 1: pixel data length fits no format/);
  });
});

describe('errors', () => {
  it('rejects images that do not hold what they claim', () => {
    expectThrows(() => preprocessImage({ width: 2, height: 2, format: 'RGB', data: new Uint8Array(16) }, IMAGENET), InputError, /RGB pixel data has the wrong length \(expected 12 bytes for 2x2, received 16\)/);
    expectThrows(() => preprocessImage({ width: 0, height: 2, data: new Uint8Array(0) }, IMAGENET), InputError, /size must be positive/);
    expectThrows(() => preprocessImage({ width: 2.5, height: 2, data: new Uint8Array(15) }, IMAGENET), InputError, /size must be positive/);
    expectThrows(() => preprocessImage({ width: 1, height: 1, data: [1, 2, 3] as unknown as Uint8Array }, IMAGENET), InputError, /Uint8Array/);
    expectThrows(() => preprocessImage({ width: 1, height: 1, data: new Float32Array(3) as unknown as Uint8Array }, IMAGENET), InputError, /received Float32Array/);
    expectThrows(() => preprocessImage({ width: 1, height: 1, format: 'CMYK' as 'RGB', data: new Uint8Array(4) }, IMAGENET), InputError, /unknown pixel format/);
  });

  it('rejects metadata that cannot drive preprocessing, naming the field', () => {
    const cases: [Partial<Record<keyof ImagePreprocess, unknown>>, string, RegExp][] = [
      [{ resizeTo: 200 }, 'resizeTo', /smaller than the 224x224 crop/],
      [{ resizeTo: 256.5 }, 'resizeTo', /positive integer/],
      [{ crop: 'none' }, 'crop', /needs crop 'center'/],
      [{ channels: 1 }, 'channels', /RGB needs 3/],
      [{ colorOrder: 'RGBA' }, 'colorOrder', /unknown colorOrder/],
      [{ std: [0.2, 0, 0.2] }, 'std', /must not contain 0/],
      [{ mean: [0.5, 0.5] }, 'mean', /needs 3 value/],
      [{ scale: Number.NaN }, 'scale', /finite/],
      [{ width: 0 }, 'width', /positive integer/],
      [{ resize: 'fit' }, 'resize', /unknown resize mode/],
      [{ resize: 'stretch', crop: 'corner' }, 'crop', /unknown crop mode/],
    ];
    for (const [patch, field, pattern] of cases) {
      const pre = { ...IMAGENET, ...patch } as ImagePreprocess;
      const err = expectThrows(() => validatePreprocess(pre), ModelFormatError, pattern);
      expect(err.where).toBe(`metadata.preprocess.${field}`);
      expect(() => preprocessImage(randomImage(4, 4, 'RGB', 1), pre)).toThrow(ModelFormatError);
    }
    // One mean/std value applies to every channel.
    expect(() => validatePreprocess({ ...IMAGENET, mean: [0.5], std: [0.5] })).not.toThrow();
  });
});
