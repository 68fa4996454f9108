// fillMissing: missing pixels (alpha 0, or a caller's mask) filled by a colour, the model's mean colour or the
// nearest known pixel before classification; and what each policy does to the Fashion CNN's accuracy when
// 20 % of every test image's pixels are lost.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { fillMissing, meanColor } from '../../src/vision/fill-missing.js';
import { IMAGENET_PREPROCESS } from '../../src/vision/presets.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { useWasmBuildsOnDisk } from '../../src/backends/wasm/node-files.js';
import { rng } from '../helpers/harness.js';
import { FASHION_PREPROCESS, LABELS, MODELS_DIR, PIXELS, testSet } from '../e2e/fashion-helpers.js';
import { readEimFile } from '../../src/format/node.js';
import { join } from 'node:path';

useWasmBuildsOnDisk();

const rgba = (w: number, h: number, px: (x: number, y: number) => [number, number, number, number]) => {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(px(x, y), (y * w + x) * 4);
  return { width: w, height: h, data };
};

describe('fillMissing', () => {
  it("fills transparent pixels with a colour or the model's mean colour; known pixels keep theirs; partial alpha is composited", () => {
    const img = rgba(3, 1, (x) => (x === 0 ? [10, 20, 30, 255] : x === 1 ? [200, 200, 200, 0] : [100, 100, 100, 128]));
    const red = fillMissing(img, { fill: [255, 0, 0] });
    expect(red.format).toBe('RGB');
    expect(Array.from(red.data)).toEqual([10, 20, 30, 255, 0, 0, Math.round(100 * 128 / 255 + 255 * 127 / 255), Math.round(100 * 128 / 255), Math.round(100 * 128 / 255)]);
    expect(meanColor(IMAGENET_PREPROCESS)).toEqual([124, 116, 104]);
    expect(Array.from(fillMissing(img, { fill: 'mean', preprocess: IMAGENET_PREPROCESS }).data.subarray(3, 6))).toEqual([124, 116, 104]);
    expect(meanColor({ ...IMAGENET_PREPROCESS, colorOrder: 'BGR' })).toEqual([104, 116, 124]);
  });

  it("'edge' gives each missing pixel the nearest known pixel's colour", () => {
    // Left half red, right half blue, a transparent 3-pixel band in the middle of a 9 x 5 image.
    const img = rgba(9, 5, (x) => (x >= 3 && x <= 5 ? [0, 0, 0, 0] : x < 3 ? [255, 0, 0, 255] : [0, 0, 255, 255]));
    const out = fillMissing(img, { fill: 'edge' });
    const at = (x: number, y: number) => Array.from(out.data.subarray((y * 9 + x) * 3, (y * 9 + x) * 3 + 3));
    for (let y = 0; y < 5; y++) {
      expect(at(3, y)).toEqual([255, 0, 0]);
      expect(at(5, y)).toEqual([0, 0, 255]);
      expect([[255, 0, 0], [0, 0, 255]]).toContainEqual(at(4, y));
    }
    // A hole in the middle of a gradient takes a neighbour's value, not something from far away.
    const gray = { width: 16, height: 16, data: Uint8Array.from({ length: 256 }, (_, i) => (i % 16) * 16), format: 'GRAY' as const };
    const mask = new Uint8Array(256);
    for (const i of [7 * 16 + 7, 7 * 16 + 8, 8 * 16 + 7, 8 * 16 + 8]) mask[i] = 1;
    const g = fillMissing(gray, { fill: 'edge', mask });
    expect(g.format).toBe('GRAY');
    for (const i of [7 * 16 + 7, 8 * 16 + 7]) expect([96, 112]).toContain(g.data[i]);
    for (const i of [7 * 16 + 8, 8 * 16 + 8]) expect([128, 144]).toContain(g.data[i]);
    expect(g.data[0]).toBe(0);
  });

  it('refuses what it cannot do with InputError', () => {
    const img = rgba(2, 2, () => [1, 2, 3, 0]);
    expect(() => fillMissing(img, { fill: 'edge' })).toThrow(/at least one known pixel/);
    expect(() => fillMissing(img, { fill: 'mean' })).toThrow(InputError);
    expect(() => fillMissing(img, { fill: 'blur' as never })).toThrow(/unknown fill/);
    expect(() => fillMissing(img, { fill: [0, 0, 300] })).toThrow(/3 values in 0\.\.255/);
    expect(() => fillMissing(img, { fill: [0, 0, 0], mask: new Uint8Array(3) })).toThrow(/one value per pixel/);
    expect(() => fillMissing({ width: 2, height: 2, data: new Uint8Array(5) }, { fill: 'edge' })).toThrow(InputError);
  });
});

describe('missing pixels on Fashion-MNIST (the seed CNN, wasm)', () => {
  it('20 % of the pixels lost: accuracy under each fill policy (printed)', async () => {
    const { images, labels } = testSet();
    const classifier = await ImageClassifier.create(await readEimFile(join(MODELS_DIR, 'cnn.eim')), { backend: 'wasm', cache: false, labels: LABELS, preprocess: FASHION_PREPROCESS });
    const n = 1000;
    const random = rng(2026);
    const lost = Array.from({ length: n }, () => Uint8Array.from({ length: PIXELS }, () => (random() < 0.2 ? 1 : 0)));
    const picture = (i: number, hide: boolean) => ({
      width: 28, height: 28, format: 'GRAY' as const,
      data: Uint8Array.from(images.subarray(i * PIXELS, (i + 1) * PIXELS), (v, p) => (hide && lost[i][p] ? 0 : v)),
    });
    const accuracyOf = async (make: (i: number) => Parameters<ImageClassifier['classify']>[0]): Promise<number> => {
      const ranked = await classifier.classifyBatch(Array.from({ length: n }, (_, i) => make(i)), { topK: 1 });
      return ranked.filter((r, i) => r[0].index === labels[i]).length / n;
    };
    const results = {
      clean: await accuracyOf((i) => picture(i, false)),
      'lost as black (no policy)': await accuracyOf((i) => picture(i, true)),
      "fill 'mean' (the model's: black here)": await accuracyOf((i) => fillMissing(picture(i, true), { fill: 'mean', mask: lost[i], preprocess: classifier.preprocess })),
      'fill [128, 128, 128]': await accuracyOf((i) => fillMissing(picture(i, true), { fill: [128, 128, 128], mask: lost[i] })),
      "fill 'edge'": await accuracyOf((i) => fillMissing(picture(i, true), { fill: 'edge', mask: lost[i] })),
    };
    console.log(`Fashion CNN, ${n} test images, 20 % of pixels lost: ${Object.entries(results).map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`).join('; ')}`);
    expect(results.clean).toBeGreaterThan(0.88);
    // Filling from the neighbours gives back most of what the lost pixels cost.
    expect(results["fill 'edge'"]).toBeGreaterThan(results['lost as black (no policy)']);
    classifier.dispose();
  });
});
