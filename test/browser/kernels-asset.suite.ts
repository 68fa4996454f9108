// The browser bundle's WGSL kernels come from edgeinfer-kernels.json beside it, fetched when a WebGPU
// backend is created. Routed to a 404 or to a corrupt file, `webgpu` fails with BackendUnavailableError
// naming the asset, a list falls back to wasm and `auto` still classifies; a failure is not remembered.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Route } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/runtime/session.js';
import { argmax, mnistDigits } from '../helpers/mnist.js';
import type { Setup } from './context.js';
import { MNIST_EIM_URL, mnistModel, serveMnist } from './fixtures.js';

const COUNT = 4;
const ASSET = '/dist/edgeinfer-kernels.json';

interface Candidate { name: string; status: string; reason?: string }
type Outcome =
  | { ok: true; backend: string; candidates: Candidate[]; logits: number[] }
  | { ok: false; name: string; backend?: string; message: string };

/** load() on `backend` in the page, then one run over the digits; errors come back as data. */
function classify(page: Page, backend: unknown, digits: number[]): Promise<Outcome> {
  return page.evaluate(async ({ url, backend, digits }) => {
    const sdk = (globalThis as unknown as { sdk: { load(u: string, o: object): Promise<any> } }).sdk;
    try {
      const model = await sdk.load(url, { backend, cache: false });
      try {
        const selection = await model.ready;
        const input = model.inputs[0].name, output = model.outputs[0].name;
        const out = await model.run({ [input]: new Float32Array(digits) });
        return { ok: true as const, backend: model.backend, candidates: selection.candidates, logits: Array.from(out[output].data as Float32Array) };
      } finally {
        model.dispose();
      }
    } catch (e) {
      const err = e as { name: string; message: string; backend?: string };
      return { ok: false as const, name: err.name, backend: err.backend, message: err.message };
    }
  }, { url: MNIST_EIM_URL, backend, digits });
}

export function kernelsAssetSuite(setup: Setup): void {
  const { ctx, gpuSkipReason } = setup;
  if (gpuSkipReason !== undefined) {
    it.skip(`the kernels asset (skipped: ${gpuSkipReason})`, () => {});
    return;
  }
  const digits = mnistDigits(COUNT);
  const pixels = Array.from(digits.images);
  let nodeLogits: Float32Array;
  let page: Page;
  let assetUrl: string;
  /** What the route answers for the asset: undefined passes the request on to the server. */
  let answer: ((route: Route) => Promise<void>) | undefined;
  let assetRequests = 0;

  /** A blank page with the bundle imported as globalThis.sdk (a fresh module, so nothing loaded yet). */
  const sdkPage = async (): Promise<Page> => {
    const p = await ctx!.browser.newPage();
    await p.route(assetUrl, async (route) => {
      assetRequests++;
      await (answer ? answer(route) : route.continue());
    });
    await p.goto(`${ctx!.server.origin}/pages/blank.html`);
    await p.addScriptTag({ type: 'module', content: "import * as sdk from '/dist/index.js'; globalThis.sdk = sdk;" });
    await p.waitForFunction(() => 'sdk' in globalThis, undefined, { timeout: 30_000 });
    return p;
  };

  const sameClasses = (logits: readonly number[]) => {
    for (let i = 0; i < COUNT; i++) expect(argmax(logits, i * 10, 10), `digit ${i}`).toBe(argmax(nodeLogits, i * 10, 10));
  };

  beforeAll(async () => {
    if (!ctx) return;
    serveMnist(ctx.server);
    const session = await Session.create(mnistModel().graph, { backend: 'js' });
    nodeLogits = (await session.run({ Input3: digits.images })).Plus214_Output_0.data;
    session.dispose();
    assetUrl = `${ctx.server.origin}${ASSET}`;
    page = await sdkPage();
  }, 120_000);
  afterAll(async () => {
    await page?.close();
  });

  describe('unreachable (HTTP 404)', () => {
    beforeAll(() => {
      answer = (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    });

    it("'webgpu' rejects with BackendUnavailableError naming the asset and the status", async () => {
      const before = assetRequests;
      const r = await classify(page, 'webgpu', pixels);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.name).toBe('BackendUnavailableError');
      expect(r.backend).toBe('webgpu');
      expect(r.message).toContain(`cannot load the WGSL kernels from ${assetUrl}: HTTP 404`);
      expect(assetRequests).toBeGreaterThan(before);
    });

    it("['webgpu', 'wasm'] falls back to wasm, records why webgpu failed, and classifies", async () => {
      const r = await classify(page, ['webgpu', 'wasm'], pixels);
      if (!r.ok) throw new Error(`${r.name}: ${r.message}`);
      expect(r.backend).toBe('wasm');
      const gpu = r.candidates.find((c) => c.name === 'webgpu')!;
      expect(gpu.status).toBe('failed');
      expect(gpu.reason).toContain(`${assetUrl}: HTTP 404`);
      sameClasses(r.logits);
    });

    it("'auto' ends on a CPU backend and classifies; a skipped (software) GPU never fetches the kernels", async () => {
      const before = assetRequests;
      const r = await classify(page, 'auto', pixels);
      if (!r.ok) throw new Error(`${r.name}: ${r.message}`);
      expect(['wasm', 'js']).toContain(r.backend);
      const gpu = r.candidates.find((c) => c.name === 'webgpu')!;
      if (gpu.status === 'skipped') expect(assetRequests, 'kernels fetched for a skipped webgpu').toBe(before);
      else expect(gpu.reason).toContain(assetUrl);
      sameClasses(r.logits);
    });
  });

  describe('corrupt', () => {
    it('not JSON: BackendUnavailableError naming the asset', async () => {
      answer = (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"conv2d_f32": {' });
      const r = await classify(page, 'webgpu', pixels);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.name).toBe('BackendUnavailableError');
      expect(r.message).toContain(`cannot load the WGSL kernels from ${assetUrl}: `);
      expect(r.message).toContain('JSON');
      expect(r.message).not.toContain('HTTP 404');
    });

    it.each([
      ['an array', '[]', 'are not an object of shaders'],
      ['no shader', '{}', 'hold no shader'],
      ['a shader without code', '{"softmax_f32": {"bindings": ["read", "read_write"]}}', 'have a malformed shader "softmax_f32"'],
      ['an unknown binding kind', '{"softmax_f32": {"bindings": ["sampler"], "code": "x", "half": "x"}}', 'have a malformed shader "softmax_f32"'],
      ['a shader without its f16 variant (an older asset)', '{"softmax_f32": {"bindings": ["read", "read_write"], "code": "x"}}', 'have a malformed shader "softmax_f32"'],
    ])('%s: BackendUnavailableError saying what is wrong with it', async (_, body, why) => {
      answer = (route) => route.fulfill({ status: 200, contentType: 'application/json', body });
      const r = await classify(page, 'webgpu', pixels);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.name).toBe('BackendUnavailableError');
      expect(r.message).toContain(`the WGSL kernels at ${assetUrl} ${why}`);
    });

  });

  it('once the asset is back, the same page creates webgpu (failures are not cached) and classifies', async () => {
    answer = undefined;
    const served = await fetch(assetUrl);
    expect(served.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(await served.json() as object).length).toBeGreaterThan(10);
    const r = await classify(page, 'webgpu', pixels);
    if (!r.ok) throw new Error(`${r.name}: ${r.message}`);
    expect(r.backend).toBe('webgpu');
    sameClasses(r.logits);
  });

  // A page of its own, as the app esbuild bundled: nothing at /dist, the files copied to /static/edgeinfer/.
  it('missing beside the bundle: warns once naming the URL and the fix; setAssetPaths (a wasmPaths folder, or kernels) finds it', async () => {
    answer = (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    const other = await sdkPage();
    const warnings: string[] = [];
    other.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    const copied = `${ctx!.server.origin}/static/edgeinfer/edgeinfer-kernels.json`;
    let copiedRequests = 0;
    await other.route(copied, async (route) => {
      copiedRequests++;
      await route.fulfill({ status: 200, contentType: 'application/json', body: readFileSync(join(ctx!.bundle.dir, 'edgeinfer-kernels.json')) });
    });
    try {
      for (let i = 0; i < 2; i++) expect((await classify(other, 'webgpu', pixels)).ok).toBe(false);
      const mine = warnings.filter((w) => w.includes(assetUrl));
      expect(mine, JSON.stringify(warnings)).toHaveLength(1);
      expect(mine[0]).toContain('setAssetPaths');
      await other.evaluate(() => (globalThis as unknown as { sdk: { setAssetPaths(p: object): void } }).sdk.setAssetPaths({ kernels: '/elsewhere/k.json', wasmPaths: { simd: '/dist/edgeinfer-simd.wasm', scalar: '/dist/edgeinfer-scalar.wasm' } }));
      const elsewhere = await classify(other, 'webgpu', pixels);
      expect(elsewhere.ok).toBe(false);
      if (!elsewhere.ok) expect(elsewhere.message).toContain(`${ctx!.server.origin}/elsewhere/k.json: HTTP 404`);
      await other.evaluate(() => (globalThis as unknown as { sdk: { setAssetPaths(p: object): void } }).sdk.setAssetPaths({ wasmPaths: '/static/edgeinfer' }));
      const r = await classify(other, 'webgpu', pixels);
      if (!r.ok) throw new Error(`${r.name}: ${r.message}`);
      expect(r.backend).toBe('webgpu');
      expect(copiedRequests).toBe(1);
      sameClasses(r.logits);
    } finally {
      await other.close();
    }
  });

  // Last, in a page of its own: a well-formed table is kept for the page's lifetime.
  it('well-formed but lacking the kernels the model needs (another version): BackendUnavailableError naming a shader', async () => {
    answer = (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"topk_f32": {"bindings": ["read", "read_write"], "code": "x", "half": "x"}}' });
    const other = await sdkPage();
    try {
      const r = await classify(other, 'webgpu', pixels);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.name).toBe('BackendUnavailableError');
      expect(r.message).toMatch(/the WGSL kernels have no shader \w+/);
    } finally {
      await other.close();
    }
  });
}
