// NodeImageClassifier.classifyBatch decodes one image at a time and keeps only its preprocessed tensor until
// its run: the answers are those of classify(), image by image, for files, bytes and pixels mixed, across
// runs of maxBatch. (Its memory, in a child process: limits.test.ts.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH, NodeImageClassifier } from '../../src/vision/node-classifier.js';
import { decodeImage } from '../../src/vision/node-image.js';

const SAMPLES = fileURLToPath(new URL('../../models/samples/', import.meta.url));

describe('NodeImageClassifier.classifyBatch', () => {
  it('equals classify() image by image, across runs of maxBatch, for paths, bytes and pixels', async () => {
    const c = await NodeImageClassifier.create(DEFAULT_MODEL_PATH, { backend: 'wasm', cache: false, maxBatch: 3 });
    expect(c.classifier.batch).toBe(3);
    const paths = readdirSync(SAMPLES).filter((f) => f.endsWith('.jpg')).map((f) => SAMPLES + f);
    const inputs = [...paths, readFileSync(paths[0]), decodeImage(readFileSync(paths[1]))];
    const batch = await c.classifyBatch(inputs, { topK: 3 });
    expect(batch.length).toBe(inputs.length);
    for (const [i, input] of inputs.entries()) {
      const one = await c.classify(input, { topK: 3 });
      expect(batch[i].map((r) => r.index)).toEqual(one.map((r) => r.index));
      batch[i].forEach((r, k) => expect(r.score).toBeCloseTo(one[k].score, 5));
    }
    // A file that cannot be read fails the batch, named by its path.
    await expect(c.classifyBatch([paths[0], paths[1], paths[2], paths[3], '/no/such/photo.jpg'])).rejects.toThrow(/no\/such\/photo\.jpg/);
    c.dispose();
  });

  it('concurrent classify(path) calls beyond maxQueue are refused before their file is read', async () => {
    const c = await NodeImageClassifier.create(DEFAULT_MODEL_PATH, { backend: 'wasm', cache: false, maxQueue: 5 });
    const photo = join(SAMPLES, readdirSync(SAMPLES).find((f) => f.endsWith('.jpg'))!);
    // Two decode or run, five wait; the rest name files that do not exist, and are refused as QUEUE_FULL, not as missing.
    const calls = [...Array(7).fill(photo), ...Array(13).fill('/no/such/photo.jpg')].map((p) => c.classify(p, { topK: 1 }));
    const settled = await Promise.allSettled(calls);
    expect(settled.slice(0, 7).every((r) => r.status === 'fulfilled')).toBe(true);
    for (const r of settled.slice(7)) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'QUEUE_FULL' } });
    // Once the backlog is gone, a call is read again.
    await expect(c.classify('/no/such/photo.jpg')).rejects.toThrow(/no such file/);
    c.dispose();
  });
});
