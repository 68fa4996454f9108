// explain() on every backend (js, wasm, webgpu on SwiftShader) with a small model whose class activation map is
// known in closed form (1x1 conv + ReLU → global average pooling → dense → softmax), the Fashion CNN (Flatten +
// Dense: no cam, occlusion only), option and image errors, progress, batching and abort; the overlay and its PNG.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, UnsupportedOpError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/ir.js';
import { AbortError } from '../../src/runtime/abort.js';
import { load } from '../../src/runtime/node-load.js';
import { Session } from '../../src/runtime/session.js';
import { camAvailable, explain } from '../../src/trust/explain.js';
import { encodePng, heatmapPng } from '../../src/trust/heatmap-png.js';
import { heatColor, heatmapImageData, renderHeatmap } from '../../src/trust/heatmap.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { decodeImage } from '../../src/vision/node-image.js';
import { randomF32 } from '../helpers/harness.js';
import { createWasmBackend } from '../wasm/helpers.js';
import { newBackend, skipReason as gpuSkip } from '../webgpu/gpu.js';
import { FASHION_PREPROCESS } from '../e2e/fashion-helpers.js';

const S = 8, C = 3, K = 4, N = 3;
const CONV_W = randomF32(K * C, { seed: 3, min: -1, max: 1 });      // OHWI [K,1,1,C]
const CONV_B = randomF32(K, { seed: 4, min: -0.2, max: 0.2 });
const DENSE_W = randomF32(K * N, { seed: 5, min: -2, max: 2 });     // [K, N]
const DENSE_B = Float32Array.of(0.1, -0.1, 0.05);

/** x [-1,8,8,3] → Conv 1x1 (3 → 4) + ReLU → GlobalAveragePool → Flatten → Gemm (4 → 3) → Softmax. */
function gapModel(): Graph {
  return {
    nodes: [
      { name: 'conv', op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel: [1, 1], activation: { op: 'Relu' } } },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'], attrs: {} },
      { name: 'flat', op: 'Flatten', inputs: ['g'], outputs: ['f'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['z'], attrs: {} },
      { name: 'soft', op: 'Softmax', inputs: ['z'], outputs: ['y'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'x', shape: [-1, S, S, C] }],
    outputs: [{ name: 'y', shape: [-1, N] }],
    constants: new Map([
      ['w', { shape: [K, 1, 1, C], dtype: 'f32', data: CONV_W }],
      ['b', { shape: [K], dtype: 'f32', data: CONV_B }],
      ['fw', { shape: [K, N], dtype: 'f32', data: DENSE_W }],
      ['fb', { shape: [N], dtype: 'f32', data: DENSE_B }],
    ]),
    metadata: {
      name: 'gap-model', labels: ['a', 'b', 'c'],
      preprocess: { width: S, height: S, channels: 3, colorOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', crop: 'none' },
    },
  };
}

/** The model's features at each pixel, its class probabilities and the map of class j, by hand. */
function byHand(x: Float32Array, j?: number): { probs: number[]; map: Float32Array; j: number } {
  const feats = new Float32Array(S * S * K);
  for (let p = 0; p < S * S; p++) {
    for (let k = 0; k < K; k++) {
      let s = CONV_B[k];
      for (let c = 0; c < C; c++) s += CONV_W[k * C + c] * x[p * C + c];
      feats[p * K + k] = Math.max(s, 0);
    }
  }
  const logits = Array.from({ length: N }, (_, n) => {
    let s = DENSE_B[n];
    for (let k = 0; k < K; k++) {
      let mean = 0;
      for (let p = 0; p < S * S; p++) mean += feats[p * K + k] / (S * S);
      s += mean * DENSE_W[k * N + n];
    }
    return s;
  });
  const e = logits.map((l) => Math.exp(l - Math.max(...logits))), sum = e.reduce((a, b) => a + b);
  const probs = e.map((v) => v / sum);
  const cls = j ?? probs.indexOf(Math.max(...probs));
  const map = new Float32Array(S * S);
  for (let p = 0; p < S * S; p++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += feats[p * K + k] * DENSE_W[k * N + cls];
    map[p] = Math.max(s, 0);
  }
  return { probs, map, j: cls };
}

/** An 8x8 RGB image, different in each quadrant so the map has structure. */
const IMAGE = {
  width: S, height: S, format: 'RGB' as const,
  data: Uint8Array.from({ length: S * S * 3 }, (_, i) => ((Math.floor(i / 3) % S < S / 2 ? 40 : 220) + (i % 3) * 30 + (Math.floor(i / (3 * S)) < S / 2 ? 0 : 50)) % 256),
};
const X = Float32Array.from(IMAGE.data, (v) => v / 255);

const BACKENDS = [
  { name: 'js', open: async () => 'js' as const },
  { name: 'wasm', open: () => createWasmBackend('simd') },
  { name: 'webgpu', skip: gpuSkip, open: () => newBackend() },
];

for (const b of BACKENDS) {
  describe.skipIf(b.skip !== undefined)(`explain [${b.name}] ${b.skip ?? ''}`, () => {
    const classifier = async (maxBatch?: number) => ImageClassifier.create(await Session.create(gapModel(), { backend: await b.open() }), { maxBatch });

    it('cam equals the class activation map computed by hand, with the classification\'s scores', async () => {
      const c = await classifier();
      expect(camAvailable(c)).toBe(true);
      for (const classIndex of [undefined, 0, 2]) {
        const want = byHand(X, classIndex);
        const m = await explain(c, IMAGE, { method: 'cam', classIndex });
        expect(m).toMatchObject({ width: S, height: S, method: 'cam', classIndex: want.j, label: ['a', 'b', 'c'][want.j], region: { x: 0, y: 0, width: S, height: S } });
        expect(m.score).toBeCloseTo(want.probs[want.j], 4);
        m.data.forEach((v, i) => expect(Math.abs(v - want.map[i]), `pixel ${i}`).toBeLessThan(1e-4));
      }
      // 'auto' takes cam here; the classifier itself still runs as before beside the twin session.
      expect((await explain(c, IMAGE)).method).toBe('cam');
      expect((await c.classify(IMAGE))[0].score).toBeCloseTo(byHand(X).probs[byHand(X).j], 4);
      c.dispose();
    });

    it('occlusion: one score per patch position, in runs of maxBatch, with progress; the drop is largest where the evidence is', async () => {
      const c = await classifier(4);
      const progress: number[] = [];
      const m = await explain(c, IMAGE, { method: 'occlusion', patch: 2, stride: 2, onProgress: (p) => { progress.push(p.done); expect(p.total).toBe(16); } });
      expect(progress).toEqual([4, 8, 12, 16]);
      expect(m).toMatchObject({ method: 'occlusion', width: S, height: S, classIndex: byHand(X).j });
      // Covering a 2x2 block removes its features from the average: the log-probability drops most where the cam is highest.
      const cam = byHand(X).map;
      const top = (d: Float32Array) => d.indexOf(Math.max(...d));
      expect(cam[top(m.data)]).toBeCloseTo(Math.max(...cam), 4);
      c.dispose();
    });

    it('stops at an AbortSignal between runs, and before any when already aborted', async () => {
      const c = await classifier(2);
      const stop = new AbortController();
      let calls = 0;
      await expect(explain(c, IMAGE, { method: 'occlusion', patch: 2, stride: 2, signal: stop.signal, onProgress: () => { calls++; stop.abort(); } })).rejects.toBeInstanceOf(AbortError);
      expect(calls).toBe(1);
      await expect(explain(c, IMAGE, { signal: stop.signal })).rejects.toBeInstanceOf(AbortError);
      // Still usable afterwards.
      expect((await explain(c, IMAGE, { method: 'occlusion', patch: 4 })).method).toBe('occlusion');
      c.dispose();
    });
  });
}

describe('explain: errors', () => {
  it('rejects bad options and images with InputError before running anything', async () => {
    const c = await ImageClassifier.create(await Session.create(gapModel()));
    const bad: unknown[] = [
      null, 'cam', { method: 'gradcam' }, { classIndex: 3 }, { classIndex: -1 }, { classIndex: 1.5 }, { patch: 0 }, { patch: 9 }, { patch: 2.5 },
      { stride: 0 }, { stride: 1.5 }, { fill: Number.NaN }, { fill: '0' }, { onProgress: 1 }, { signal: {} },
    ];
    for (const o of bad) await expect(explain(c, IMAGE, o as never), JSON.stringify(o)).rejects.toBeInstanceOf(InputError);
    for (const img of ['photo.jpg', null, { shape: [1, 4, 4, 3], data: new Float32Array(48) }, { width: 2, height: 2, data: new Uint8Array(5) }]) {
      await expect(explain(c, img as never)).rejects.toBeInstanceOf(InputError);
    }
    c.dispose();
  });

  it('refuses cam on the Fashion CNN (Flatten + Dense) naming the op it found; auto falls back to occlusion', async () => {
    const model = await load(join(import.meta.dirname, '../../models/fashion/cnn-int8.eim'), { backend: 'wasm', cache: false });
    const c = await ImageClassifier.create(model, {
      preprocess: FASHION_PREPROCESS,
    });
    const why = camAvailable(c);
    expect(why).toMatch(/unsupported op Gemm .*not from global average pooling.*occlusion/);
    const err = await explain(c, { width: 28, height: 28, data: new Uint8Array(784) }, { method: 'cam' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect(err).toMatchObject({ op: 'Gemm', node: 'dense_Dense1', message: why });
    const m = await explain(c, { width: 28, height: 28, data: new Uint8Array(784).fill(200) }, { patch: 7, stride: 7 });
    expect(m.method).toBe('occlusion');
    c.dispose();
  });
});

describe('heatmap overlay', () => {
  const map = { width: 2, height: 2, data: Float32Array.of(0, 1, 2, 4), classIndex: 0, method: 'cam' as const, score: 1, region: { x: 1, y: 1, width: 2, height: 2 } };

  it('draws the map over the image inside its region, dims outside, and a colour bar along the bottom', () => {
    const image = { width: 4, height: 64, data: new Uint8Array(4 * 64 * 3).fill(128) };
    const noLegend = renderHeatmap({ ...map, region: { x: 0, y: 0, width: 4, height: 64 } }, image, { alpha: 1, legend: false });
    expect(noLegend.width).toBe(4);
    // Hottest corner (bottom right) at full opacity: the ramp's top colour.
    expect([...noLegend.data.subarray((63 * 4 + 3) * 4, (63 * 4 + 3) * 4 + 3)]).toEqual(heatColor(1).map(Math.round));
    const inset = renderHeatmap(map, { width: 4, height: 4, data: new Uint8Array(48).fill(100) }, { legend: false });
    expect(inset.data[0]).toBe(40);             // outside the region: dimmed
    expect(inset.data[3]).toBe(255);
    const wide = { width: 64, height: 64, data: new Uint8Array(64 * 64).fill(128) };
    const withLegend = renderHeatmap(map, wide), plain = renderHeatmap(map, wide, { legend: false });
    // The bar's inner row runs through the ramp, low on the left, high on the right.
    // 64 rows: a bar of 4 rows with a 1-pixel frame, 1 pixel above the bottom edge (rows 59..62, columns 1..62).
    const row = 60, at = (x: number) => [...withLegend.data.subarray((row * 64 + x) * 4, (row * 64 + x) * 4 + 3)];
    expect(at(4)).toEqual(heatColor(3 / 61).map(Math.round));
    expect(at(61)).toEqual(heatColor(60 / 61).map(Math.round));
    expect(at(62)).toEqual([255, 255, 255]);
    expect(withLegend.data.subarray(0, 59 * 64 * 4)).toEqual(plain.data.subarray(0, 59 * 64 * 4));
    expect(() => renderHeatmap(map, image, { alpha: 2 })).toThrow(InputError);
  });

  it('encodes a PNG that decodes to the same pixels', () => {
    const image = { width: 5, height: 3, data: Uint8Array.from({ length: 45 }, (_, i) => i * 5) };
    const drawn = renderHeatmap(map, image);
    const back = decodeImage(heatmapPng(map, image));
    expect(back.width).toBe(5);
    expect(back.height).toBe(3);
    expect([...back.data]).toEqual([...drawn.data]);
    expect(decodeImage(encodePng(drawn)).data).toEqual(back.data);
  });

  it('heatmapImageData needs ImageData (browsers); InputError in Node', () => {
    expect(() => heatmapImageData(map)).toThrow(InputError);
  });
});
