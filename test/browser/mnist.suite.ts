// mnist-8, converted here with the Node API, runs in Chromium on js, wasm and webgpu (loaded by URL
// with load(url, {backend})) beside onnxruntime-web in the same page; every backend must match the
// js backend run in Node, and ort, on real digits.
import { beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/runtime/session.js';
import { argmax, mnistDigits } from '../helpers/mnist.js';
import { openPage, type Setup } from './context.js';
import { MNIST_EIM_URL, MNIST_ONNX_URL, mnistModel, serveMnist } from './fixtures.js';
import { maxAbsDiff } from '../helpers/harness.js';

const COUNT = 8;
const TOLERANCE = 1e-4;

interface SdkResult { backend: string; precision: string; mode: string; loadMs: number; runMs: number; logits: number[]; maxDiffVsOrt: number }
interface PageResult {
  ort: { loadMs: number; runMs: number; logits: number[] };
  sdk: Record<string, SdkResult | { error: { name: string; message: string } }>;
  wasmBuilds: string[];
}

export function mnistSuite(setup: Setup): void {
  const { ctx, gpuSkipReason } = setup;
  const digits = mnistDigits(COUNT);
  let nodeLogits: Float32Array;
  let result: PageResult;

  beforeAll(async () => {
    if (!ctx) return;
    serveMnist(ctx.server);
    ctx.server.put('/data/digits.f32', new Uint8Array(digits.images.buffer, digits.images.byteOffset, digits.images.byteLength));
    const session = await Session.create(mnistModel().graph, { backend: 'js' });
    nodeLogits = (await session.run({ Input3: digits.images })).Plus214_Output_0.data;
    session.dispose();

    const page = await openPage(ctx, '/pages/mnist.html');
    try {
      // SwiftShader is slow: webgpu gets one timed run; js and wasm three.
      const backends = gpuSkipReason === undefined ? ['js', 'wasm', 'webgpu', 'webgpu:f16'] : ['js', 'wasm'];
      const args = { modelUrl: MNIST_EIM_URL, onnxUrl: MNIST_ONNX_URL, digitsUrl: '/data/digits.f32', count: COUNT, backends, runs: 3 };
      result = await page.evaluate((a) => (globalThis as unknown as { pageApi: { compare(x: typeof a): Promise<PageResult> } }).pageApi.compare(a), args);
    } finally {
      await page.close();
    }
    const timing = Object.entries(result.sdk).map(([b, r]) => ('error' in r ? `${b}: ${r.error.name}` : `${b} load ${r.loadMs.toFixed(0)} ms, batch-${COUNT} run ${r.runMs.toFixed(1)} ms`));
    console.log(`mnist-8 in Chromium: ${timing.join('; ')}; ort-web load ${result.ort.loadMs.toFixed(0)} ms, ${COUNT} runs ${result.ort.runMs.toFixed(1)} ms; wasm build fetched: ${result.wasmBuilds.join(', ') || 'none'}`);
  }, 120_000);

  it('onnxruntime-web in the page agrees with the js backend in Node', () => {
    const d = maxAbsDiff(result.ort.logits, nodeLogits);
    console.log(`mnist-8: ort-web (Chromium) vs edgeinfer js (Node): max |diff| ${d.toExponential(2)} over ${COUNT} digits`);
    expect(d).toBeLessThan(TOLERANCE);
  });

  it('the digits are real: the model gets most of them right', () => {
    let right = 0;
    for (let i = 0; i < COUNT; i++) if (argmax(nodeLogits, i * 10, 10) === digits.labels[i]) right++;
    expect(right).toBeGreaterThanOrEqual(COUNT - 1);
  });

  const check = (backend: string) => () => {
    const r = result.sdk[backend];
    if ('error' in r) throw new Error(`${backend} failed in the page: ${r.error.name}: ${r.error.message}`);
    expect(r.backend).toBe(backend);
    expect(r.mode).toBe('explicit');
    const d = maxAbsDiff(r.logits, nodeLogits);
    console.log(`mnist-8: ${backend} (Chromium) vs js (Node) max |diff| ${d.toExponential(2)}, vs ort-web in the page ${r.maxDiffVsOrt.toExponential(2)}`);
    expect(d).toBeLessThan(TOLERANCE);
    expect(r.maxDiffVsOrt).toBeLessThan(TOLERANCE);
    for (let i = 0; i < COUNT; i++) expect(argmax(r.logits, i * 10, 10)).toBe(argmax(nodeLogits, i * 10, 10));
  };

  describe('each backend in Chromium agrees with js in Node and with ort-web in the same page (1e-4)', () => {
    it('js', check('js'));
    it('wasm (the relaxed-SIMD build where Chromium has it, else SIMD)', () => {
      check('wasm')();
      // Chromium has relaxed SIMD, so the SIMD provider loads the relaxed build (plain SIMD if that fails); the
      // test pages are cross-origin isolated, so the named 'wasm' takes the threaded build of it first.
      expect(result.wasmBuilds.some((b) => /^(relaxed|simd)(-threads)?$/.test(b))).toBe(true);
    });
    if (gpuSkipReason === undefined) it('webgpu', check('webgpu'));
    else it.skip(`webgpu (skipped: ${gpuSkipReason})`, () => {});
  });

  // Halves for weights and activations: the same digits, logits within what f16 storage allows.
  if (gpuSkipReason === undefined) {
    it('webgpu with f16 storage: the same digit as js in Node on every sample, logits within 0.05 of ort-web', () => {
      const r = result.sdk['webgpu:f16'];
      if ('error' in r) throw new Error(`webgpu:f16 failed in the page: ${r.error.name}: ${r.error.message}`);
      expect([r.backend, r.precision]).toEqual(['webgpu', 'f16']);
      const d = maxAbsDiff(r.logits, nodeLogits);
      console.log(`mnist-8: webgpu f16 (Chromium) vs js (Node) max |diff| ${d.toExponential(2)}, vs ort-web in the page ${r.maxDiffVsOrt.toExponential(2)}`);
      expect(r.maxDiffVsOrt).toBeLessThan(0.05);
      expect(d).toBeGreaterThan(0);
      for (let i = 0; i < COUNT; i++) expect(argmax(r.logits, i * 10, 10)).toBe(argmax(nodeLogits, i * 10, 10));
    });
  } else {
    it.skip(`webgpu with f16 storage (skipped: ${gpuSkipReason})`, () => {});
  }
}
