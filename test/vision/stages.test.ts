// The stages (src/backends/stages.ts) on every backend variant against the one reference, src/vision:
// the preprocess stage equals preprocessImage on the same RGBA pixels bit for bit (f16 storage: the
// reference rounded to halves, as the GPU rounds), over resize up and down, crop only, one axis only, gray,
// BGR and frame-size changes; the rank stage ranks as topKIndices over softmax does (ties, keep masks, large
// logits); and Session.stagedRun gives the top k of the canvas path (preprocessImage, run, softmax, top-k).
import { describe, expect, it, vi } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { InputError } from '../../src/errors.js';
import { f16ToF32, f32ToF16 } from '../../src/graph/constant.js';
import type { ImagePreprocess } from '../../src/graph/ir.js';
import { Session } from '../../src/runtime/session.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { imagePreprocessor } from '../../src/vision/preprocess.js';
import { preprocessImage } from '../../src/vision/preprocess-tensors.js';
import { softmax, topKIndices } from '../../src/vision/topk.js';
import { useBackends } from '../helpers/backends.js';
import { randomF32 } from '../helpers/harness.js';
import { pre, rgba, tinyClassifier } from './stage-fixtures.js';

/** First index where two f32 arrays differ bit for bit, or -1. */
function firstDifference(got: Float32Array, want: Float32Array): number {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length), w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < want.length; i++) if (g[i] !== w[i]) return i;
  return -1;
}

const PREPROCESS_CASES: [string, ImagePreprocess, (readonly [number, number])[]][] = [
  ['no resize (the level table only)', pre({ width: 24, height: 16 }), [[24, 16]]],
  ['downscale both axes, shorter side + centre crop', pre({ width: 32, height: 32, resize: 'shorter-side', resizeTo: 40, crop: 'center' }), [[97, 61], [61, 97]]],
  ['camera-like 640x480 -> 256 -> 224 crop', pre({ width: 224, height: 224, resize: 'shorter-side', resizeTo: 256, crop: 'center' }), [[640, 480]]],
  ['strong downscale (x6.9), antialiased taps', pre({ width: 20, height: 16 }), [[137, 111]]],
  ['upscale, BGR with per-channel mean/std', pre({ width: 30, height: 20, colorOrder: 'BGR', mean: [10, 20, 30], std: [50, 60, 70], scale: 1 }), [[13, 9], [1, 1]]],
  ['horizontal only, gray (Pillow luma)', pre({ width: 32, height: 32, channels: 1, colorOrder: 'GRAY', mean: [0.5], std: [0.5] }), [[50, 32]]],
  ['vertical only', pre({ width: 32, height: 24 }), [[32, 80]]],
  ['crop only (shorter side already at size)', pre({ width: 32, height: 32, resize: 'shorter-side', resizeTo: 32, crop: 'center' }), [[32, 81], [45, 32]]],
  ['frame size changes and back', pre({ width: 32, height: 32, resize: 'shorter-side', resizeTo: 36, crop: 'center' }), [[64, 48], [48, 64], [33, 90], [64, 48]]],
];

const variants = await useBackends();

for (const v of variants) {
  describe.skipIf(v.skipReason !== undefined)(`stages [${v.id}] ${v.skipReason ?? ''}`, () => {
    const stored = (x: Float32Array): Float32Array => (v.precision === 'f16' ? f16ToF32(f32ToF16(x)) : x);

    it.each(PREPROCESS_CASES)('preprocess: %s, bit for bit the reference', async (_, p, sizes) => {
      const b = await v.backend();
      const input = b.alloc([1, p.height, p.width, p.channels]);
      const stage = b.preprocessStage(input, imagePreprocessor(p).stage);
      try {
        for (const [width, height] of sizes) {
          const data = rgba(width, height, 11 + width);
          await stage.set({ width, height, rgba: data });
          const [got] = await b.execute([stage.step], [input]);
          const want = stored(preprocessImage({ width, height, data, format: 'RGBA' }, p).data);
          expect(got.length).toBe(want.length);
          const first = firstDifference(got, want);
          expect(first, `${width}x${height}: first difference at ${first}: got ${got[first]}, reference ${want[first]}`).toBe(-1);
        }
      } finally {
        stage.dispose();
      }
    });

    it('preprocess: bad frames are InputErrors, and the stage still works after them', async () => {
      const b = await v.backend();
      const p = pre({ width: 8, height: 8 });
      const input = b.alloc([1, 8, 8, 3]);
      const stage = b.preprocessStage(input, imagePreprocessor(p).stage);
      await expect(stage.set({ width: 8, height: 8, rgba: new Uint8Array(10) })).rejects.toThrow(InputError);
      await expect(stage.set({ width: 0, height: 8, rgba: new Uint8Array(0) })).rejects.toThrow(/positive integers/);
      await stage.set({ width: 8, height: 8, rgba: new Uint8Array(256).fill(255) });
      const [got] = await b.execute([stage.step], [input]);
      expect(got[0]).toBeCloseTo((1 - 0.485) / 0.229, v.precision === 'f16' ? 2 : 5);
      stage.dispose();
      expect(() => b.preprocessStage(b.alloc([1, 8, 8, 1]), imagePreprocessor(p).stage)).toThrow(InputError);
    });

    /** The rank stage on `scores` against topKIndices (over softmax when `soft`). */
    async function rank(b: Backend, scores: Float32Array, k: number, soft: boolean, keep?: (i: number) => boolean): Promise<void> {
      const n = scores.length;
      const t = b.alloc([1, n]);
      b.write(t, scores);
      const held = stored(scores);
      const stage = b.rankStage(t, { classes: n, softmax: soft });
      let mask: Uint32Array | undefined;
      if (keep) {
        mask = new Uint32Array(Math.ceil(n / 32));
        for (let i = 0; i < n; i++) if (keep(i)) mask[i >>> 5] |= 1 << (i & 31);
      }
      try {
        const out = stage.set(k, mask);
        const [back] = await b.execute([stage.step], [out]);
        const got = stage.read(back, k);
        const probs = soft ? softmax(held) : held;
        // f16 storage holds softmax's output in halves before top-k: only the order of clearly distinct scores is checked.
        const want = topKIndices(v.precision === 'f16' ? stored(probs) : probs, k, keep);
        expect(got.indices).toEqual(want);
        const tol = v.kind === 'webgpu' ? (v.precision === 'f16' ? 2e-3 : 1e-7 + 1e-5 * 1) : 0;
        got.indices.forEach((idx, j) => expect(Math.abs(got.scores[j] - probs[idx]), `class ${idx}`).toBeLessThanOrEqual(soft ? tol : 0));
      } finally {
        stage.dispose();
      }
    }
    const distinct = randomF32(1000, { seed: 3, min: -8, max: 8 });
    const levels = (n: number, seed: number) => randomF32(n, { seed, min: 0, max: 4 }).map(Math.floor);

    it('rank: 1000 distinct logits, k 1 and 5, with and without softmax', async () => {
      const b = await v.backend();
      for (const k of [1, 5]) for (const soft of [false, true]) await rank(b, distinct, k, soft);
    });
    it('rank: ties rank the lower index first (4 levels over 1000 classes, k 10)', async () => {
      const b = await v.backend();
      await rank(b, levels(1000, 4), 10, false);
      await rank(b, levels(1000, 5), 10, true);
    });
    it('rank: k = n ranks everything (1001 classes, ties); small n', async () => {
      const b = await v.backend();
      await rank(b, levels(1001, 6), 1001, false);
      await rank(b, new Float32Array([0.25]), 1, true);
      await rank(b, new Float32Array([2, 7, 7]), 3, false);
    });
    it('rank: a keep mask filters classes; fewer kept than k gives fewer results', async () => {
      const b = await v.backend();
      await rank(b, distinct, 5, true, (i) => i % 7 === 3 && i !== 255);
      await rank(b, distinct, 20, false, (i) => i >= 990);
    });
    it('rank: softmax over large logits does not overflow; k out of range is an InputError', async () => {
      const b = await v.backend();
      await rank(b, randomF32(100, { seed: 9, min: -90, max: 90 }), 3, true);
      const stage = b.rankStage(b.alloc([1, 10]), { classes: 10, softmax: true });
      expect(() => stage.set(11)).toThrow(/k out of range/);
      expect(() => stage.set(0)).toThrow(InputError);
      stage.dispose();
    });

    it('Session.stagedRun: each frame\'s top k is the canvas path\'s (preprocessImage, run, softmax, top-k)', async () => {
      const b = await v.backend();
      const p = pre({ width: 16, height: 16, resize: 'shorter-side', resizeTo: 18, crop: 'center' });
      // On the variant's shared backend, disposed after the file (disposing the session would dispose it now).
      const session = await Session.create(tinyClassifier(), { backend: b });
      const staged = session.stagedRun({ preprocess: imagePreprocessor(p).stage, rank: { classes: 37, softmax: true } })!;
      expect(staged.backend).toBe(session.backend);
      let worst = 0;
      for (let f = 0; f < 4; f++) {
        const data = rgba(40, 30, 100 + f);
        const got = await staged.run({ width: 40, height: 30, rgba: data }, 5, f === 3 ? new Uint32Array([0x0f0f0f0f, 0x1f]) : undefined);
        const x = preprocessImage({ width: 40, height: 30, data, format: 'RGBA' }, p).data;
        const probs = softmax((await session.run({ x })).logits.data);
        const keep = f === 3 ? (i: number) => ((i < 32 ? 0x0f0f0f0f : 0x1f) >>> (i & 31)) & 1 : undefined;
        const want = topKIndices(probs, 5, keep ? (i) => keep(i) === 1 : undefined);
        if (v.precision === 'f16') expect(got.indices[0]).toBe(want[0]);
        else expect(got.indices).toEqual(want);
        got.indices.forEach((i, j) => { worst = Math.max(worst, Math.abs(got.scores[j] - probs[i])); });
      }
      expect(worst).toBeLessThan(v.precision === 'f16' ? 2e-3 : 1e-5);
      if (v.kind === 'js' || v.kind === 'wasm') expect(worst).toBeLessThan(1e-7);
      staged.dispose();
      await expect(staged.run({ width: 40, height: 30, rgba: rgba(40, 30, 1) }, 1)).rejects.toThrow(/disposed/);
    });

    it('ImageClassifier.classify of RGBA pixels takes the fused path: classifyBatch\'s ranking (allowlist, threshold)', async () => {
      const b = await v.backend();
      const session = await Session.create(tinyClassifier(), { backend: b });
      const p = pre({ width: 16, height: 16, resize: 'shorter-side', resizeTo: 20, crop: 'center' });
      const classifier = await ImageClassifier.create(session, { preprocess: p, outputKind: 'logits', topK: 4 });
      const staged = vi.spyOn(session, 'stagedRun');
      try {
        for (const [options, seed] of [[{}, 1], [{ allowlist: [1, 5, 9, 13, 36], scoreThreshold: 0.01 }, 2]] as const) {
          const image = { width: 45, height: 33, data: rgba(45, 33, seed) };
          const got = await classifier.classify(image, options);
          const want = (await classifier.classifyBatch([image], options))[0];
          expect(got.map((c) => c.index)).toEqual(want.map((c) => c.index));
          got.forEach((c, j) => expect(Math.abs(c.score - want[j].score)).toBeLessThanOrEqual(v.precision === 'f16' ? 2e-3 : v.kind === 'webgpu' ? 1e-6 : 0));
        }
        expect(staged).toHaveBeenCalledTimes(1); // made once, used by both calls
        // RGB pixels are not RGBA: the JS path, and its errors, as before.
        await expect(classifier.classify({ width: 2, height: 2, data: new Uint8Array(11) })).rejects.toThrow(/image 0: pixel data length fits no format/);
      } finally {
        classifier.dispose();
      }
    });
  });
}
