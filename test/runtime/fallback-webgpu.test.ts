// Run-time fallback and warm start with the real WebGPU backend (SwiftShader in Node, a hardware
// adapter where there is one) and the real wasm backend (through the Node entry's load()): the GPU device is destroyed between two
// classifications, and the next one succeeds on wasm, recorded in the selection. `auto` would skip a
// software adapter, so a decision cache that always answers webgpu puts the model on it.
import { describe, expect, it } from 'vitest';
import { describeGpu, gpu, webgpuProvider, type WebGpuBackendT } from '../webgpu/gpu.js';
import type { BackendProvider } from '../../src/backends/backend.js';
import { writeEim } from '../../src/format/writer.js';
import { load } from '../../src/runtime/node-load.js';
import { useWasmBuildsOnDisk } from '../../src/backends/wasm/node-files.js';
import { PROVIDERS } from '../../src/runtime/backends.js';
import type { DecisionCache } from '../../src/runtime/decision-cache.js';
import type { Fallback } from '../../src/runtime/select.js';
import { ImageClassifier, type Classification } from '../../src/vision/classifier.js';
import { tinyImageClassifier, TINY_PIXELS } from './fake-backends.js';

const bytes = writeEim(tinyImageClassifier());
const alwaysWebgpu: DecisionCache = { get: () => ({ format: 1, backend: 'webgpu', priority: 30, savedAt: Date.now() }), set: () => undefined };

/** The real providers, the WebGPU one keeping every backend it creates so the test can destroy its device. */
function realProviders(): { providers: BackendProvider[]; created: WebGpuBackendT[] } {
  const created: WebGpuBackendT[] = [];
  const base = webgpuProvider(gpu);
  const webgpu: BackendProvider = { ...base, create: async () => { const b = await base.create() as WebGpuBackendT; created.push(b); return b; } };
  return { providers: [webgpu, ...PROVIDERS.filter((p) => p.name !== 'webgpu')], created };
}

function expectSame(got: Classification[], want: Classification[]): void {
  expect(got.map((c) => c.label)).toEqual(want.map((c) => c.label));
  got.forEach((c, i) => expect(c.score).toBeCloseTo(want[i].score, 4));
}

describeGpu('fallback from a real WebGPU device', () => {
  it('device.destroy() between two classifications: the second runs on wasm and the selection says so', async () => {
    const { providers, created } = realProviders();
    const told: Fallback[] = [];
    const model = await load(bytes, { providers, cache: alwaysWebgpu, deviceKey: () => 'test', warmStart: false, onFallback: (f) => told.push(f) });
    expect(model.selection).toMatchObject({ mode: 'cached', backend: 'webgpu', adapter: { description: created[0].adapter, software: created[0].software } });
    const classifier = await ImageClassifier.create(model, { topK: 3 });
    const onGpu = await classifier.classify(TINY_PIXELS);
    expect(classifier.backend).toBe('webgpu');

    created[0].device.destroy();
    const after = await classifier.classify(TINY_PIXELS);
    expectSame(after, onGpu);
    expect(classifier.backend).toBe('wasm');
    const sel = classifier.selection!;
    expect(sel.backend).toBe('wasm');
    expect(sel.adapter).toBeUndefined();
    expect(sel.candidates[0]).toMatchObject({ name: 'webgpu', status: 'lost', reason: expect.stringMatching(/^backend webgpu lost: /) });
    expect(sel.candidates.find((c) => c.status === 'chosen')).toMatchObject({ name: 'wasm', reason: 'took over when webgpu was lost' });
    expect(sel.fallbacks).toEqual([{ from: 'webgpu', to: 'wasm', reason: sel.candidates[0].reason, atMs: expect.any(Number) }]);
    expect(told).toEqual(sel.fallbacks);
    // The lost backend gave back every buffer it held.
    expect(created[0].bufferCount).toBe(0);
    expectSame(await classifier.classify(TINY_PIXELS), onGpu);
    model.dispose();
  });

  it('warm start: wasm answers first, the GPU takes over when ready, and wasm again once its device is lost', async () => {
    const { providers, created } = realProviders();
    const model = await load(bytes, { providers, cache: alwaysWebgpu, deviceKey: () => 'test' });
    expect(model.selection).toMatchObject({ mode: 'cached', backend: 'wasm', warmStart: { target: 'webgpu', state: 'preparing' } });
    expect(model.selection.adapter).toBeUndefined();
    const classifier = await ImageClassifier.create(model, { topK: 3 });
    const onCpu = await classifier.classify(TINY_PIXELS);
    expect(classifier.backend).toBe('wasm');

    const final = await model.ready;
    expect(final.warmStart).toMatchObject({ state: 'switched', targetReadyMs: expect.any(Number), switchedAtMs: expect.any(Number) });
    expect(classifier.backend).toBe('webgpu');
    expect(final.adapter).toEqual({ description: created[0].adapter, software: created[0].software });
    expectSame(await classifier.classify(TINY_PIXELS), onCpu);

    created[0].device.destroy();
    expectSame(await classifier.classify(TINY_PIXELS), onCpu);
    expect(classifier.backend).toBe('wasm');
    expect(classifier.selection!.fallbacks!.map((f) => [f.from, f.to])).toEqual([['webgpu', 'wasm']]);
    model.dispose();
  });
});

describe('fallback-webgpu test setup', () => {
  it('finds the wasm kernel builds (the Node entry load() uses them), so wasm, not js, takes over', () => {
    expect(useWasmBuildsOnDisk()).toBeDefined();
    expect(PROVIDERS.map((p) => p.name)).toEqual(expect.arrayContaining(['wasm', 'js']));
  });
});
