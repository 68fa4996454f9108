// The SDK in a module service worker (pages/service-worker.js imports the bundle statically: service
// workers refuse dynamic import(), and have no document, localStorage or XMLHttpRequest). mnist-8 on
// js, wasm, webgpu and auto, asked by postMessage and by a fetch the worker intercepts, must give the
// logits of the js backend in Node; the default MobileNetV2 must give Node's top-1 on a photo.
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/runtime/session.js';
import { argmax, mnistDigits } from '../helpers/mnist.js';
import { openPage, type Setup } from './context.js';
import { MNIST_EIM_URL, mnistModel, nodeTop1ByPhoto, serveMnist, type TopClass } from './fixtures.js';
import { maxAbsDiff } from '../helpers/harness.js';

const COUNT = 8;
const TOLERANCE = 1e-4;
const PHOTO = 'elephant.jpg';
const DIGITS_URL = '/data/sw-digits.f32';
const API_URL = '/pages/sw-api/mnist';

interface ErrorData { name: string; message: string }
interface Candidate { name: string; priority?: number; status: string; reason?: string; medianMs?: number }
interface Selection { backend: string; mode: string; cache: string; cacheReason?: string; candidates: Candidate[] }
type MnistRun = { backend: string; selection: Selection; logits: number[] } | { error: ErrorData };
interface Reply { error?: ErrorData; blobUrlCalls: string[]; wasmBuilds?: string[] }
interface EnvReply extends Reply {
  isServiceWorker: boolean; document: string; localStorage: string; XMLHttpRequest: string; OffscreenCanvas: string;
  gpu: { present: boolean; adapter?: { vendor: string; architecture: string; isFallbackAdapter: boolean } | null; error?: ErrorData };
}
interface Api {
  ask(request: object): Promise<Reply>;
  fetchThroughWorker(url: string, digitsUrl: string): Promise<{ status: number; type: string | null; body: { backend?: string; logits?: number[]; error?: ErrorData } }>;
}

const api = (page: Page) => ({
  ask: <T extends Reply>(request: object) => page.evaluate((r) => (globalThis as unknown as { pageApi: Api }).pageApi.ask(r), request) as Promise<T>,
  fetch: (backend: string) => page.evaluate(({ url, digits }) => (globalThis as unknown as { pageApi: Api }).pageApi.fetchThroughWorker(url, digits),
    { url: `${API_URL}?backend=${backend}`, digits: DIGITS_URL }),
});

function ok<T extends Reply>(r: T, what: string): T {
  if (r.error) throw new Error(`${what} failed in the service worker: ${r.error.name}: ${r.error.message}`);
  return r;
}

export function serviceWorkerSuite(setup: Setup): void {
  const ctx = setup.ctx!;
  const { gpuSkipReason } = setup;
  const digits = mnistDigits(COUNT);
  let nodeLogits: Float32Array;
  let page: Page;
  let env: EnvReply;
  let runs: Record<string, MnistRun>;
  let mnistReply: Reply;

  /** Checks one backend's logits against Node's: within 1e-4 and the same digit for every image. */
  const expectNodeLogits = (logits: number[], what: string) => {
    const d = maxAbsDiff(logits, nodeLogits);
    console.log(`service worker: mnist-8 ${what} vs js (Node): max |diff| ${d.toExponential(2)} over ${COUNT} digits`);
    expect(d).toBeLessThan(TOLERANCE);
    for (let i = 0; i < COUNT; i++) expect(argmax(logits, i * 10, 10), `${what}: digit ${i}`).toBe(argmax(nodeLogits, i * 10, 10));
  };
  const run = (backend: string) => {
    const r = runs[backend];
    if ('error' in r) throw new Error(`mnist-8 on ${backend} failed in the service worker: ${r.error.name}: ${r.error.message}`);
    return r;
  };

  beforeAll(async () => {
    serveMnist(ctx.server);
    ctx.server.put(DIGITS_URL, new Uint8Array(digits.images.buffer, digits.images.byteOffset, digits.images.byteLength));
    const session = await Session.create(mnistModel().graph, { backend: 'js' });
    nodeLogits = (await session.run({ Input3: digits.images })).Plus214_Output_0.data;
    session.dispose();

    page = await openPage(ctx, '/pages/service-worker.html');
    env = ok(await api(page).ask<EnvReply>({ kind: 'environment' }), 'the environment probe');
    console.log(`service worker: navigator.gpu ${env.gpu.present ? `present, adapter ${JSON.stringify(env.gpu.adapter ?? env.gpu.error)}` : 'absent'}`);
    const backends = ['js', 'wasm', 'webgpu', 'auto'];
    mnistReply = ok(await api(page).ask({ kind: 'mnist', modelUrl: MNIST_EIM_URL, digitsUrl: DIGITS_URL, backends }), 'mnist-8');
    runs = (mnistReply as unknown as { [k: string]: MnistRun });
  }, 120_000);
  afterAll(async () => {
    await page?.close();
  });

  it('runs in a real service worker: no document, no localStorage, no XMLHttpRequest', () => {
    expect(env.isServiceWorker).toBe(true);
    expect(env.document).toBe('undefined');
    expect(env.localStorage).toBe('undefined');
    expect(env.XMLHttpRequest).toBe('undefined');
  });

  describe('mnist-8 by postMessage matches the js backend in Node (1e-4, same digits)', () => {
    it('js', () => {
      const r = run('js');
      expect(r.backend).toBe('js');
      expect(r.selection.mode).toBe('explicit');
      expectNodeLogits(r.logits, 'js');
    });

    it('wasm (the relaxed-SIMD or SIMD build)', () => {
      const r = run('wasm');
      expect(r.backend).toBe('wasm');
      expectNodeLogits(r.logits, 'wasm');
      expect(mnistReply.wasmBuilds!.some((b) => b === 'relaxed' || b === 'simd')).toBe(true);
    });

    // Chromium exposes WebGPU to service workers (navigator.gpu on WorkerNavigator): where the page has an
    // adapter, the service worker must have one too, and run the model on it.
    if (gpuSkipReason === undefined) {
      it('webgpu (navigator.gpu in the service worker)', () => {
        expect(env.gpu.present).toBe(true);
        expect(env.gpu.adapter, JSON.stringify(env.gpu.error)).toBeTruthy();
        const r = run('webgpu');
        expect(r.backend).toBe('webgpu');
        expectNodeLogits(r.logits, 'webgpu');
      });
    } else {
      it.skip(`webgpu (skipped: ${gpuSkipReason})`, () => {});
    }

    it('auto: every backend recorded, the fastest timed one chosen, the decision cached in IndexedDB (no localStorage here)', () => {
      const r = run('auto');
      const { selection } = r;
      // A module worker earlier in the run may already have cached this model's decision (same origin).
      expect(['miss', 'hit']).toContain(selection.cache);
      console.log(`service worker: auto chose ${r.backend}: ${selection.candidates.map((c) => `${c.name}@${c.priority} ${c.status}${c.medianMs === undefined ? '' : ` ${c.medianMs.toFixed(2)} ms`}${c.reason && c.status === 'skipped' ? ` (${c.reason})` : ''}`).join(', ')}`);
      expectNodeLogits(r.logits, `auto (${r.backend})`);
      if (selection.cache === 'hit') return;
      expect(selection.mode).toBe('auto');
      const names = selection.candidates.map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['webgpu', 'wasm', 'js']));
      const gpu = selection.candidates.find((c) => c.name === 'webgpu')!;
      const adapter = env.gpu.adapter;
      if (adapter && (adapter.isFallbackAdapter || adapter.architecture === 'swiftshader')) {
        // As on the main thread (auto.suite.ts): a software adapter is not even timed.
        expect(gpu).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^software adapter/) });
      }
      const timed = selection.candidates.filter((c) => c.medianMs !== undefined && ['chosen', 'slower'].includes(c.status));
      const chosen = selection.candidates.filter((c) => c.status === 'chosen');
      expect(chosen).toHaveLength(1);
      expect(chosen[0].name).toBe(r.backend);
      expect(chosen[0].medianMs).toBe(Math.min(...timed.map((c) => c.medianMs!)));
    });
  });

  it('a second auto load in the service worker reuses the cached decision (IndexedDB)', async () => {
    const again = ok(await api(page).ask({ kind: 'mnist', modelUrl: MNIST_EIM_URL, digitsUrl: DIGITS_URL, backends: ['auto'] }), 'mnist-8 again');
    const r = (again as unknown as { [k: string]: MnistRun }).auto;
    if ('error' in r) throw new Error(`auto failed: ${r.error.name}: ${r.error.message}`);
    expect(r.selection.cache).toBe('hit');
    expect(r.selection.mode).toBe('cached');
    expect(r.backend).toBe(run('auto').backend);
    expectNodeLogits(r.logits, `auto (cached, ${r.backend})`);
  });

  it('answers an intercepted fetch with the logits of Node, and the request never reaches the server', async () => {
    const before = ctx.server.requests.length;
    for (const backend of ['wasm', 'js']) {
      // Twice: the second request reuses the model the first one loaded.
      for (let k = 0; k < 2; k++) {
        const res = await api(page).fetch(backend);
        if (res.body.error) throw new Error(`the service worker failed: ${res.body.error.name}: ${res.body.error.message}`);
        expect(res.status).toBe(200);
        expect(res.type).toMatch(/^application\/json/);
        expect(res.body.backend).toBe(backend);
        expectNodeLogits(res.body.logits!, `${backend} via fetch`);
      }
    }
    expect(ctx.server.requests.slice(before).filter((p) => p.startsWith(API_URL))).toEqual([]);
  });

  it(`classifies ${PHOTO} with the default MobileNetV2 (wasm) with Node's top-1`, async () => {
    const want: TopClass = (await nodeTop1ByPhoto()).get(PHOTO)!;
    const r = ok(await api(page).ask<Reply & { top: TopClass[]; backend: string }>(
      { kind: 'classify', modelUrl: '/models/mobilenetv2-12-int8.eim', photoUrl: `/models/samples/${PHOTO}`, backend: 'wasm' }), 'ImageClassifier');
    console.log(`service worker: ${r.backend} ${r.top[0].label} ${r.top[0].score.toFixed(3)} (Node: ${want.label} ${want.score.toFixed(3)})`);
    expect(r.backend).toBe('wasm');
    expect(r.top[0].index).toBe(want.index);
    expect(r.top[0].label).toBe(want.label);
    expect(r.blobUrlCalls).toEqual([]);
  });

  it('the SDK made no blob: URL in the service worker', () => {
    expect(mnistReply.blobUrlCalls).toEqual([]);
  });
}
