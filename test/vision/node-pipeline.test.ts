// NodeImageClassifier.classifyFiles (node-pipeline.ts, issue #12): decode workers feeding the classifier.
// With the built-in decoders it gives exactly what classify() gives per file (the same pixels and the same
// preprocessing, only on another thread), for JPEG and PNG; with sharp (shrink-on-load, another resampler)
// the same top class, and WebP too. Results stay in input order with two workers, a bad file in the middle is
// its own typed error while the rest are classified, the limits hold in the workers, an abort rejects with
// AbortError, and a process that used it exits by itself (no worker left behind).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/node.js';
import { InputError } from '../../src/errors.js';
import type { Classification } from '../../src/vision/classifier.js';
import { NodeImageClassifier } from '../../src/vision/node-classifier.js';
import type { FileProgress } from '../../src/vision/node-pipeline.js';

const ROOT = join(import.meta.dirname, '../..');
const SAMPLES = join(ROOT, 'models/samples');
const PHOTOS = readdirSync(SAMPLES).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(SAMPLES, f));

let dir: string;
let classifier: NodeImageClassifier;
let catSize: number[];
let png: string, big: string, webp: string, avif: string, gif: string, truncated: string, notImage: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeinfer-pipeline-'));
  // A PNG of the cat photo (RGBA: classify() takes the fused path for it, the pipeline the JS preprocessing).
  const cat = jpeg.decode(readFileSync(join(SAMPLES, 'cat.jpg')), { useTArray: true, formatAsRGBA: true });
  catSize = [cat.width, cat.height];
  const p = new PNG({ width: cat.width, height: cat.height });
  p.data = Buffer.from(cat.data);
  png = join(dir, 'cat.png');
  writeFileSync(png, PNG.sync.write(p));
  // A larger JPEG than the rest, first in the list: with two workers the files after it finish before it.
  big = join(dir, 'big-pizza.jpg');
  writeFileSync(big, await sharp(join(SAMPLES, 'pizza.jpg')).resize(1600, 1200).jpeg({ quality: 90 }).toBuffer());
  webp = join(dir, 'cat.webp');
  writeFileSync(webp, await sharp(join(SAMPLES, 'cat.jpg')).webp({ quality: 90 }).toBuffer());
  avif = join(dir, 'cat.avif');
  writeFileSync(avif, await sharp(join(SAMPLES, 'cat.jpg')).avif({ quality: 80 }).toBuffer());
  gif = join(dir, 'dot.gif');
  writeFileSync(gif, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
  truncated = join(dir, 'truncated.jpg');
  const whole = readFileSync(join(SAMPLES, 'piano.jpg'));
  writeFileSync(truncated, whole.subarray(0, whole.length >> 1));
  notImage = join(dir, 'notes.jpg');
  writeFileSync(notImage, 'not an image at all');
  copyFileSync(join(SAMPLES, 'cat.jpg'), join(dir, 'cat.jpg'));
  classifier = await NodeImageClassifier.create(undefined, { backend: 'wasm' });
}, 120_000);

afterAll(() => {
  classifier?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const labels = (top: readonly Classification[] | undefined) => top?.map((c) => c.label);

describe('classifyFiles', () => {
  it('with the JS decoders equals classify() per file, JPEG and PNG, in input order with 2 workers', async () => {
    const paths = [big, ...PHOTOS, png];
    const finished: number[] = [];
    const got = await classifier.classifyFiles(paths, { concurrency: 2, decoder: 'js', topK: 5, onProgress: (p: FileProgress) => finished.push(p.index) });
    expect(got.map((r) => r.file)).toEqual(paths);
    expect(finished.slice().sort((a, b) => a - b)).toEqual(paths.map((_, i) => i));
    for (const [i, path] of paths.entries()) {
      const want = await classifier.classify(path, { topK: 5 });
      expect(got[i].error, path).toBeUndefined();
      expect(got[i].decoder).toBe('js');
      expect(got[i].top!.map((c) => c.index), path).toEqual(want.map((c) => c.index));
      got[i].top!.forEach((c, k) => expect(c.score).toBeCloseTo(want[k].score, 5));
    }
    expect([got.at(-1)!.width, got.at(-1)!.height]).toEqual(catSize);
  }, 120_000);

  it('with sharp gives the same top class (shrink-on-load, its own resampling), and reads WebP and AVIF', async () => {
    const paths = [big, ...PHOTOS, png, webp, avif];
    const got = await classifier.classifyFiles(paths, { concurrency: 2, decoder: 'sharp', topK: 1 });
    expect(got.map((r) => r.decoder)).toEqual(paths.map(() => 'sharp'));
    for (const [i, path] of paths.slice(0, -2).entries()) {
      expect(labels(got[i].top), path).toEqual(labels(await classifier.classify(path, { topK: 1 })));
    }
    const cat = labels(await classifier.classify(join(SAMPLES, 'cat.jpg'), { topK: 1 }));
    expect(labels(got.at(-2)!.top)).toEqual(cat);
    expect(labels(got.at(-1)!.top)).toEqual(cat);
    // The size reported is the file's, not the shrunk one.
    expect([got[0].width, got[0].height]).toEqual([1600, 1200]);
  }, 120_000);

  for (const decoder of ['js', 'sharp'] as const) {
    it(`bad files in the middle are their own InputError and the rest are classified (${decoder})`, async () => {
      const missing = join(dir, 'missing.jpg');
      const paths = [PHOTOS[0], notImage, truncated, missing, dir, gif, PHOTOS[1]];
      const got = await classifier.classifyFiles(paths, { concurrency: 2, decoder, topK: 1 });
      expect(got.map((r) => r.file)).toEqual(paths);
      expect(got[0].top?.length).toBe(1);
      expect(got.at(-1)!.top?.length).toBe(1);
      for (const r of got.slice(1, -1)) {
        expect(r.error, r.file).toBeInstanceOf(InputError);
        expect(r.error!.message).toContain(r.file);
        expect(r.top).toBeUndefined();
      }
      expect(got[3].error!.message).toMatch(/ENOENT/);
      expect(got[4].error!.message).toMatch(/directory/);
      expect(got[5].error!.message).toMatch(/looks like GIF/);
    }, 60_000);

    it(`the decode limits hold in the workers (${decoder})`, async () => {
      const small = await NodeImageClassifier.create(undefined, { backend: 'wasm', decode: { maxPixels: 100_000 } });
      try {
        const got = await small.classifyFiles([big, PHOTOS[0]], { concurrency: 2, decoder, topK: 1 });
        expect(got[0].error).toBeInstanceOf(InputError);
        expect(got[0].error!.message).toMatch(/too large/);
        expect((got[0].error as InputError).received).toBe('1600x1200');
        expect(got[1].top?.length).toBe(1);
        const tight = await NodeImageClassifier.create(undefined, { backend: 'wasm', decode: { maxDecodeBytes: 1_000_000, maxFileBytes: 10_000 } as never });
        try {
          const t = await tight.classifyFiles([big], { concurrency: 1, decoder, topK: 1 });
          expect(t[0].error).toBeInstanceOf(InputError);
          expect(t[0].error!.message).toMatch(/maxDecodeBytes|maxFileBytes|larger/);
        } finally {
          tight.dispose();
        }
      } finally {
        small.dispose();
      }
    }, 60_000);
  }

  it('refuses bad options before starting a worker', async () => {
    for (const concurrency of [0, 65, 1.5, Number.NaN]) {
      await expect(classifier.classifyFiles(PHOTOS, { concurrency })).rejects.toThrow(InputError);
    }
    await expect(classifier.classifyFiles('x.jpg' as never)).rejects.toThrow(InputError);
    await expect(classifier.classifyFiles([PHOTOS[0], 3 as never])).rejects.toThrow(InputError);
    await expect(classifier.classifyFiles(PHOTOS, { decoder: 'turbo' as never })).rejects.toThrow(InputError);
    await expect(classifier.classifyFiles(PHOTOS, { topK: -1 })).rejects.toThrow(InputError);
    expect(await classifier.classifyFiles([])).toEqual([]);
  });

  it('an abort mid-run rejects with AbortError; so does dispose() of a classifier in a run', async () => {
    const stop = new AbortController();
    const paths = Array.from({ length: 20 }, (_, i) => PHOTOS[i % PHOTOS.length]);
    let seen = 0;
    const run = classifier.classifyFiles(paths, { concurrency: 2, decoder: 'js', signal: stop.signal, onProgress: () => { if (++seen === 2) stop.abort(); } });
    await expect(run).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
    expect(seen).toBeLessThan(paths.length);
    // Still usable after an aborted run.
    expect((await classifier.classifyFiles([PHOTOS[0]], { concurrency: 1, topK: 1 }))[0].top?.length).toBe(1);
    const other = await NodeImageClassifier.create(undefined, { backend: 'wasm' });
    const disposed = other.classifyFiles(paths, { concurrency: 2, decoder: 'js', onProgress: () => other.dispose() });
    await expect(disposed).rejects.toMatchObject({ name: 'AbortError' });
  }, 60_000);

  it('a process that used classifyFiles exits by itself, after a full run and after an abort', () => {
    const script = join(dir, 'child.mts');
    writeFileSync(script, `
      import ${JSON.stringify(join(ROOT, 'src/node.ts'))};
      import { NodeImageClassifier } from ${JSON.stringify(join(ROOT, 'src/vision/node-classifier.ts'))};
      const c = await NodeImageClassifier.create(undefined, { backend: 'wasm' });
      const r = await c.classifyFiles(${JSON.stringify(PHOTOS)}, { concurrency: 2, topK: 1 });
      const stop = new AbortController();
      const aborted = await c.classifyFiles(${JSON.stringify(PHOTOS)}, { concurrency: 2, signal: stop.signal, onProgress: () => stop.abort() }).catch((e) => e.code);
      console.log(JSON.stringify({ labels: r.map((x) => x.top[0].label), aborted }));
      // No dispose(): nothing the pipeline started may keep the event loop alive.
    `);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    expect(child.error, 'the child did not exit by itself within 90 s').toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { labels: string[]; aborted: string };
    expect(out.labels).toHaveLength(PHOTOS.length);
    expect(out.aborted).toBe('ABORTED');
  }, 120_000);
});
