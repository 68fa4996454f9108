// The WebGPU side of the stages (src/backends/webgpu/stages.ts) beyond what test/vision/stages.test.ts checks on
// every backend (preprocess bit for bit, ranking, f16): through Session.stagedRun a frame is one encoder and one
// submit with a 2k-float read-back, nothing is created per frame, a new frame size gives back the old size's
// resources, and disposal (of the run, or of the session under it) gives back every buffer.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { imagePreprocessor } from '../../src/vision/preprocess.js';
import { preprocessImage } from '../../src/vision/preprocess-tensors.js';
import { softmax, topKIndices } from '../../src/vision/topk.js';
import { pre, rgba, tinyClassifier } from '../vision/stage-fixtures.js';
import { describeGpu, newBackend, type WebGpuBackendT } from './gpu.js';

let own: WebGpuBackendT;
beforeAll(async () => { own = await newBackend(); });
afterAll(() => own?.dispose());

describeGpu('Session.stagedRun on webgpu: one encoder and submit a frame, the canvas path\'s top-k', () => {
  it('equals preprocess + run + softmax + topKIndices; nothing created per frame; a 2k-float read-back; all given back', async () => {
    const p = pre({ width: 16, height: 16, resize: 'shorter-side', resizeTo: 18, crop: 'center' });
    const spec = { preprocess: imagePreprocessor(p).stage, rank: { classes: 37, softmax: true } };
    const session = await Session.create(tinyClassifier(), { backend: own });
    try {
      await session.run({ x: new Float32Array(16 * 16 * 3) }); // the plan for batch 1, and the read-back buffer
      session.stagedRun(spec)!.dispose(); // whatever plan a staged run uses, built (the session keeps it)
      const before = own.liveBuffers;
      const staged = session.stagedRun(spec)!;
      expect(staged.sources).toBe(true);
      const device = own.device;
      const counts = { buffers: 0, groups: 0, textures: 0, submits: 0, copied: 0 };
      const spy = <K extends 'createBuffer' | 'createBindGroup' | 'createTexture'>(name: K, key: keyof typeof counts) => {
        const f = (device[name] as (...a: unknown[]) => unknown).bind(device);
        Object.defineProperty(device, name, { configurable: true, value: (...a: unknown[]) => { counts[key]++; return f(...a); } });
      };
      spy('createBuffer', 'buffers');
      spy('createBindGroup', 'groups');
      spy('createTexture', 'textures');
      const submit = device.queue.submit.bind(device.queue);
      Object.defineProperty(device.queue, 'submit', { configurable: true, value: (c: Iterable<GPUCommandBuffer>) => { counts.submits++; submit(c); } });
      const encoder = device.createCommandEncoder.bind(device);
      Object.defineProperty(device, 'createCommandEncoder', {
        configurable: true,
        value: (d?: GPUCommandEncoderDescriptor) => {
          const e = encoder(d);
          const copy = e.copyBufferToBuffer.bind(e) as (...a: unknown[]) => void;
          Object.defineProperty(e, 'copyBufferToBuffer', { value: (...a: unknown[]) => { counts.copied += a[4] as number; copy(...a); } });
          return e;
        },
      });

      const frames = 6;
      let maxScoreDiff = 0;
      for (let f = 0; f < frames; f++) {
        const data = rgba(40, 30, 100 + f);
        if (f === 1) Object.assign(counts, { buffers: 0, groups: 0, textures: 0, submits: 0, copied: 0 });
        const got = await staged.run({ width: 40, height: 30, rgba: data }, 5);
        const x = preprocessImage({ width: 40, height: 30, data, format: 'RGBA' }, p).data;
        const probs = softmax((await session.run({ x })).logits.data);
        expect(got.indices).toEqual(topKIndices(probs, 5));
        got.indices.forEach((i, j) => { maxScoreDiff = Math.max(maxScoreDiff, Math.abs(got.scores[j] - probs[i])); });
      }
      console.log(`stagedRun on webgpu vs the canvas path on ${frames} frames: top-5 indices equal, max |score diff| ${maxScoreDiff.toExponential(2)}`);
      expect(maxScoreDiff).toBeLessThan(1e-5);
      // Frames 2..6 (the same size): one submit each (run() submits too), no buffer, bind group or texture made;
      // each frame copies back 2k = 10 floats (padded to 16 bytes... 48), run() its 37 logits (160 bytes padded).
      expect({ ...counts, copied: undefined }).toEqual({ buffers: 0, groups: 0, textures: 0, submits: 2 * (frames - 1), copied: undefined });
      expect(counts.copied).toBe((frames - 1) * (48 + 160));

      // Another frame size: its texture and buffers replace the old ones, none left behind.
      await staged.run({ width: 33, height: 50, rgba: rgba(33, 50, 3) }, 1);
      staged.dispose();
      expect(own.liveBuffers).toBe(before);
      await expect(staged.run({ width: 40, height: 30, rgba: rgba(40, 30, 1) }, 1)).rejects.toThrow(/disposed/);

      // A staged run still open when the session goes: the session's disposal takes it, and every buffer.
      const again = session.stagedRun(spec)!;
      await again.run({ width: 40, height: 30, rgba: rgba(40, 30, 1) }, 1);
      session.dispose();
      expect(own.bufferCount).toBe(0);
      await expect(again.run({ width: 40, height: 30, rgba: rgba(40, 30, 1) }, 1)).rejects.toThrow(/disposed/);
    } finally {
      session.dispose();
    }
  });

  it('a disposed stage refuses to run, and the backend is unharmed', async () => {
    const b = await newBackend();
    try {
      const p = pre({ width: 8, height: 8 });
      const input = b.alloc([1, 8, 8, 3]);
      const stage = b.preprocessStage(input, imagePreprocessor(p).stage);
      await stage.set({ width: 8, height: 8, rgba: new Uint8Array(256) });
      stage.dispose();
      await expect(b.execute([stage.step], [input])).rejects.toThrow(BackendUnavailableError);
      await expect(stage.set({ width: 8, height: 8, rgba: new Uint8Array(256) })).rejects.toThrow(BackendUnavailableError);
      const again = b.preprocessStage(input, imagePreprocessor(p).stage);
      await again.set({ width: 8, height: 8, rgba: new Uint8Array(256).fill(255) });
      expect((await b.execute([again.step], [input]))[0][0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
      again.dispose();
    } finally {
      b.dispose();
    }
  });
});
