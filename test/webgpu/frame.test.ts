// The WebGPU frame path (Backend.frameRunner): frame_preprocess_u8 on a texture written with writeTexture
// equals src/vision/preprocess.ts on the same RGBA pixels bit for bit (resize up and down, crop only, one
// axis only, gray, BGR, frame size changes); topk_f32 ranks as topk.ts does (ties, keep masks, softmax);
// through a Session the top-k equals the CPU path's, and nothing is allocated per frame or left after dispose.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ImagePreprocess, Graph, Constant } from '../../src/graph/ir.js';
import type { FrameRunner } from '../../src/backends/backend.js';
import { BackendUnavailableError, InputError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { preprocessImage } from '../../src/vision/preprocess.js';
import { softmax, topKIndices } from '../../src/vision/topk.js';
import { framePreprocess } from '../../src/vision/video.js';
import { randomF32, randomWeight } from '../helpers/harness.js';
import { describeGpu, newBackend, type WebGpuBackendT } from './gpu.js';
import { f16ToF32, f32ToF16 } from '../../src/graph/constant.js';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], scale: 1 / 255 };

function pre(p: Partial<ImagePreprocess> & Pick<ImagePreprocess, 'width' | 'height'>): ImagePreprocess {
  return { channels: 3, colorOrder: 'RGB', ...IMAGENET, resize: 'stretch', crop: 'none', ...p };
}

/** Seeded RGBA pixels; `smooth` adds a gradient so resampling sees structure, not only noise. */
function rgba(width: number, height: number, seed: number): Uint8Array {
  const noise = randomF32(width * height * 4, { seed, min: 0, max: 256 });
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        const i = (y * width + x) * 4 + c;
        const ramp = (c === 0 ? x / width : c === 1 ? y / height : (x + y) / (width + height)) * 255;
        out[i] = Math.min(255, Math.floor(0.5 * noise[i] + 0.5 * ramp));
      }
    }
  }
  return out;
}

/** First index where two f32 arrays differ bit for bit (NaN-safe), or -1; and the largest |a - b|. */
function compareBits(got: Float32Array, want: Float32Array): { first: number; maxAbs: number } {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length), w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  let first = -1, maxAbs = 0;
  for (let i = 0; i < want.length; i++) {
    if (g[i] !== w[i] && first < 0) first = i;
    maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
  }
  return { first, maxAbs };
}

let b: WebGpuBackendT;
beforeAll(async () => { b = await newBackend(); });
afterAll(() => b?.dispose());

/** A runner whose input is a bare tensor (no model steps), and that tensor read back after a run. */
function preprocessRunner(p: ImagePreprocess, classes = 4, on = b): { runner: FrameRunner; read: () => Promise<Float32Array> } {
  const input = on.alloc([1, p.height, p.width, p.channels]);
  const output = on.alloc([1, classes]);
  const runner = on.frameRunner(input, output, [], { classes, softmax: false, ...framePreprocess(p) });
  return { runner, read: async () => (await on.execute([], [input]))[0] };
}

/** On an f16 backend the input holds halves: the CPU's values, rounded to f16 (to nearest even, as the GPU rounds). */
async function expectExact(p: ImagePreprocess, sizes: readonly (readonly [number, number])[], seed: number, on = b): Promise<string[]> {
  const { runner, read } = preprocessRunner(p, 4, on);
  const stored = (x: Float32Array) => (on.precision === 'f16' ? f16ToF32(f32ToF16(x)) : x);
  const lines: string[] = [];
  try {
    for (const [width, height] of sizes) {
      const data = rgba(width, height, seed + width);
      await runner.run({ width, height, rgba: data }, 1);
      const got = await read();
      const want = stored(preprocessImage({ width, height, data, format: 'RGBA' }, p).data);
      expect(got.length).toBe(want.length);
      const { first, maxAbs } = compareBits(got, want);
      lines.push(`${width}x${height} -> ${p.width}x${p.height}x${p.channels}: ${want.length} values, max |gpu - cpu| ${maxAbs}`);
      expect(first, `${width}x${height}: first difference at ${first}: gpu ${got[first]}, cpu ${want[first]}`).toBe(-1);
    }
  } finally {
    runner.dispose();
  }
  return lines;
}

describeGpu('frame_preprocess_u8 against preprocessImage (same RGBA pixels)', () => {
  const cases: [string, ImagePreprocess, (readonly [number, number])[]][] = [
    ['no resize (exact copy through the level table)', pre({ width: 24, height: 16 }), [[24, 16]]],
    ['downscale both axes, shorter side + centre crop', pre({ width: 32, height: 32, resize: 'shorter-side', resizeTo: 40, crop: 'center' }), [[97, 61], [61, 97]]],
    ['camera-like 640x480 -> 256 -> 224 crop', pre({ width: 224, height: 224, resize: 'shorter-side', resizeTo: 256, crop: 'center' }), [[640, 480]]],
    ['strong downscale (x6.9), antialiased taps', pre({ width: 20, height: 16, resize: 'stretch' }), [[137, 111]]],
    ['upscale, BGR with per-channel mean/std', pre({ width: 30, height: 20, colorOrder: 'BGR', mean: [10, 20, 30], std: [50, 60, 70], scale: 1 }), [[13, 9], [1, 1]]],
    ['horizontal only, gray (Pillow luma)', pre({ width: 32, height: 32, channels: 1, colorOrder: 'GRAY', mean: [0.5], std: [0.5] }), [[50, 32]]],
    ['vertical only', pre({ width: 32, height: 24 }), [[32, 80]]],
    ['crop only (shorter side already at size)', pre({ width: 32, height: 32, resize: 'shorter-side', resizeTo: 32, crop: 'center' }), [[32, 81], [45, 32]]],
  ];
  it.each(cases)('%s: bit for bit', async (_, p, sizes) => {
    const lines = await expectExact(p, sizes, 11);
    console.log(`frame preprocess: ${lines.join('; ')}`);
  });

  it('the frame size changes and back: rebuilt each time, still exact, no buffer left behind', async () => {
    const p = pre({ width: 32, height: 32, resize: 'shorter-side', resizeTo: 36, crop: 'center' });
    const before = b.liveBuffers;
    await expectExact(p, [[64, 48], [48, 64], [33, 90], [64, 48]], 5);
    expect(b.liveBuffers).toBe(before + 2); // expectExact's own input and output tensors (from b.alloc), nothing of the runner's
  });

  it('bad frames are InputErrors; a disposed runner refuses to run', async () => {
    const { runner } = preprocessRunner(pre({ width: 8, height: 8 }));
    await expect(runner.run({ width: 8, height: 8, rgba: new Uint8Array(10) }, 1)).rejects.toThrow(InputError);
    await expect(runner.run({ width: 0, height: 8, rgba: new Uint8Array(0) }, 1)).rejects.toThrow(/positive integers/);
    await expect(runner.run({ width: 8, height: 8, rgba: new Uint8Array(256) }, 5)).rejects.toThrow(/k out of range/);
    // The backend is still fine after refused frames.
    await runner.run({ width: 8, height: 8, rgba: new Uint8Array(256) }, 1);
    // Disposed while a run waits: that run stops before touching the released buffers, and the backend is unharmed.
    const inFlight = runner.run({ width: 8, height: 8, rgba: new Uint8Array(256) }, 1);
    runner.dispose();
    await expect(inFlight).rejects.toThrow(BackendUnavailableError);
    await expect(runner.run({ width: 8, height: 8, rgba: new Uint8Array(256) }, 1)).rejects.toThrow(BackendUnavailableError);
    const again = preprocessRunner(pre({ width: 8, height: 8 }));
    await again.runner.run({ width: 8, height: 8, rgba: new Uint8Array(256).fill(255) }, 1);
    expect((await again.read())[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    again.runner.dispose();
  });
});

describeGpu('topk_f32 against topKIndices / softmax', () => {
  const frame = { width: 2, height: 2, rgba: new Uint8Array(16) };
  async function topk(scores: Float32Array, k: number, soft: boolean, keep?: (i: number) => boolean): Promise<void> {
    const n = scores.length;
    const input = b.alloc([1, 2, 2, 3]);
    const output = b.alloc([1, n]);
    b.write(output, scores);
    const runner = b.frameRunner(input, output, [], { classes: n, softmax: soft, ...framePreprocess(pre({ width: 2, height: 2 })) });
    let mask: Uint32Array | undefined;
    if (keep) {
      mask = new Uint32Array(Math.ceil(n / 32));
      for (let i = 0; i < n; i++) if (keep(i)) mask[i >>> 5] |= 1 << (i & 31);
    }
    try {
      const got = await runner.run(frame, k, mask);
      const want = topKIndices(scores, k, keep);
      expect(got.indices).toEqual(want);
      const probs = soft ? softmax(scores) : scores;
      got.indices.forEach((idx, j) => {
        if (soft) expect(Math.abs(got.scores[j] - probs[idx])).toBeLessThanOrEqual(1e-7 + 1e-5 * probs[idx]);
        else expect(got.scores[j]).toBe(probs[idx]);
      });
    } finally {
      runner.dispose();
    }
  }
  const distinct = randomF32(1000, { seed: 3, min: -8, max: 8 });
  const levels = (n: number, seed: number) => randomF32(n, { seed, min: 0, max: 4 }).map(Math.floor);

  it('1000 distinct logits, k 1 and 5, with and without softmax', async () => {
    for (const k of [1, 5]) for (const soft of [false, true]) await topk(distinct, k, soft);
  });
  it('ties rank the lower index first (4 levels over 1000 classes, k 10)', async () => {
    await topk(levels(1000, 4), 10, false);
    await topk(levels(1000, 5), 10, true);
  });
  it('k = n ranks everything (1001 classes, ties, past a multiple of 32 and of the workgroup)', async () => {
    await topk(levels(1001, 6), 1001, false);
  });
  it('small n: 1 and 3 classes', async () => {
    await topk(new Float32Array([0.25]), 1, true);
    await topk(new Float32Array([2, 7, 7]), 3, false);
  });
  it('a keep mask filters classes; fewer kept than k gives fewer results', async () => {
    await topk(distinct, 5, true, (i) => i % 7 === 3 && i !== 255);
    await topk(distinct, 20, false, (i) => i >= 990);
  });
  it('softmax over large logits does not overflow (max subtracted first)', async () => {
    const big = randomF32(100, { seed: 9, min: -90, max: 90 });
    await topk(big, 3, true);
  });
});

const weight = randomWeight;

/** x [-1, 16, 16, 3] -> Conv 3x3 + Relu -> GAP -> Flatten -> Gemm: 37 logits. */
function tinyClassifier(): Graph {
  return {
    nodes: [
      { name: 'c1', op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a1'], attrs: { pads: [1, 1, 1, 1], activation: { op: 'Relu' } } },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['a1'], outputs: ['a2'], attrs: {} },
      { name: 'fl', op: 'Flatten', inputs: ['a2'], outputs: ['a3'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', inputs: ['a3', 'wf', 'bf'], outputs: ['logits'], attrs: { transB: true } },
    ],
    inputs: [{ name: 'x', shape: [-1, 16, 16, 3] }],
    outputs: [{ name: 'logits', shape: [-1, 37] }],
    constants: new Map([['w1', weight([8, 3, 3, 3], 1)], ['b1', weight([8], 2)], ['wf', weight([37, 8], 3)], ['bf', weight([37], 4)]]),
    metadata: { name: 'tiny-classifier' },
  };
}

describeGpu('Session.frameRunner: one encoder and submit a frame, the CPU path\'s top-k', () => {
  it('equals preprocess + run + softmax + topKIndices on each frame; nothing allocated per frame; all given back', async () => {
    const own = await newBackend();
    const p = pre({ width: 16, height: 16, resize: 'shorter-side', resizeTo: 18, crop: 'center' });
    const session = await Session.create(tinyClassifier(), { backend: own });
    try {
      await session.run({ x: new Float32Array(16 * 16 * 3) }); // the plan for batch 1, and the read-back buffer
      const before = own.liveBuffers;
      const runner = session.frameRunner({ classes: 37, softmax: true, ...framePreprocess(p) })!;
      expect(runner).toBeDefined();
      const device = own.device;
      const counts = { buffers: 0, groups: 0, textures: 0, submits: 0 };
      const spy = <K extends 'createBuffer' | 'createBindGroup' | 'createTexture'>(obj: GPUDevice, name: K, key: keyof typeof counts) => {
        const f = (obj[name] as (...a: unknown[]) => unknown).bind(obj);
        Object.defineProperty(obj, name, { configurable: true, value: (...a: unknown[]) => { counts[key]++; return f(...a); } });
      };
      spy(device, 'createBuffer', 'buffers');
      spy(device, 'createBindGroup', 'groups');
      spy(device, 'createTexture', 'textures');
      const submit = device.queue.submit.bind(device.queue);
      Object.defineProperty(device.queue, 'submit', { configurable: true, value: (c: Iterable<GPUCommandBuffer>) => { counts.submits++; submit(c); } });

      let agree = 0, maxScoreDiff = 0;
      const frames = 6;
      for (let f = 0; f < frames; f++) {
        const data = rgba(40, 30, 100 + f);
        if (f === 1) Object.assign(counts, { buffers: 0, groups: 0, textures: 0, submits: 0 });
        const got = await runner.run({ width: 40, height: 30, rgba: data }, 5);
        const x = preprocessImage({ width: 40, height: 30, data, format: 'RGBA' }, p).data;
        const probs = softmax((await session.run({ x })).logits.data);
        const want = topKIndices(probs, 5);
        expect(got.indices).toEqual(want);
        if (got.indices[0] === want[0]) agree++;
        got.indices.forEach((i, j) => { maxScoreDiff = Math.max(maxScoreDiff, Math.abs(got.scores[j] - probs[i])); });
      }
      console.log(`frame path vs CPU path on ${frames} frames: top-1 agree ${agree}/${frames}, top-5 indices equal, max |score diff| ${maxScoreDiff.toExponential(2)}`);
      expect(maxScoreDiff).toBeLessThan(1e-5);
      // Frames 2..6 (the same size): one submit each (run() submits too), no buffer, bind group or texture made.
      expect(counts).toEqual({ buffers: 0, groups: 0, textures: 0, submits: 2 * (frames - 1) });
      runner.dispose();
      expect(own.liveBuffers).toBe(before);
      // A runner still open when the session goes: the session's disposal takes it, and every buffer.
      const again = session.frameRunner({ classes: 37, softmax: true, ...framePreprocess(p) })!;
      await again.run({ width: 40, height: 30, rgba: rgba(40, 30, 1) }, 1);
      session.dispose();
      expect(own.bufferCount).toBe(0);
      await expect(again.run({ width: 40, height: 30, rgba: rgba(40, 30, 1) }, 1)).rejects.toThrow(/disposed/);
    } finally {
      session.dispose();
    }
  });

  it('f16: the input written in halves (the CPU preprocess rounded to f16, bit for bit), the top-k of the f16 session\'s CPU path', async () => {
    const own = await newBackend('f16');
    try {
      const lines = await expectExact(pre({ width: 30, height: 20, resize: 'shorter-side', resizeTo: 32, crop: 'center' }), [[64, 48], [13, 9]], 7, own);
      lines.push(...await expectExact(pre({ width: 32, height: 32, channels: 1, colorOrder: 'GRAY', mean: [0.5], std: [0.5] }), [[50, 32]], 8, own));
      console.log(`f16 frame preprocess: ${lines.join('; ')}`);
      const p = pre({ width: 16, height: 16, resize: 'shorter-side', resizeTo: 18, crop: 'center' });
      const session = await Session.create(tinyClassifier(), { backend: own });
      const runner = session.frameRunner({ classes: 37, softmax: true, ...framePreprocess(p) })!;
      let worst = 0;
      for (let f = 0; f < 4; f++) {
        const data = rgba(40, 30, 200 + f);
        const got = await runner.run({ width: 40, height: 30, rgba: data }, 5);
        const probs = softmax((await session.run({ x: preprocessImage({ width: 40, height: 30, data, format: 'RGBA' }, p).data })).logits.data);
        const want = topKIndices(probs, 5);
        expect(got.indices[0]).toBe(want[0]);
        got.indices.forEach((i, j) => { worst = Math.max(worst, Math.abs(got.scores[j] - probs[i])); });
      }
      console.log(`f16 frame path vs the f16 session's CPU path on 4 frames: top-1 equal, max |score diff| ${worst.toExponential(2)}`);
      // The GPU's softmax output is stored f16 before top-k: within a few half ulps of probabilities <= 1.
      expect(worst).toBeLessThan(2e-3);
      session.dispose();
    } finally {
      own.dispose();
    }
  });

  it('is undefined on a backend without a frame path', async () => {
    const session = await Session.create(tinyClassifier(), { backend: 'js' });
    expect(session.frameRunner({ classes: 37, softmax: true, ...framePreprocess(pre({ width: 16, height: 16 })) })).toBeUndefined();
    session.dispose();
  });
});
