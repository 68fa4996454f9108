// Where the runtime's files live (issue #16), in Chromium: a page whose bundle has no .wasm files beside
// it (what esbuild gives, which does not copy `new URL()` assets) ends on js, but not silently: the wasm
// candidates are 'failed' naming the URL, console.warn says so once per URL, and the decision is not
// remembered in localStorage. With `wasmPaths` pointing where the files are served, the same page ends on wasm.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Setup } from './context.js';
import { MNIST_EIM_URL, serveMnist } from './fixtures.js';

interface Candidate { name: string; priority?: number; status: string; reason?: string }
interface Outcome {
  backend: string;
  candidates: Candidate[];
  cacheReason?: string;
  /** The edgeinfer decisions in localStorage after the load. */
  stored: Record<string, { backend: string }>;
  outputs: number;
}

/** load() in the page with `options` (auto, the default localStorage cache), one run, then what it recorded. */
function loadIn(page: Page, options: object): Promise<Outcome> {
  return page.evaluate(async ({ url, options }) => {
    const sdk = (globalThis as unknown as { sdk: { load(u: string, o: object): Promise<any> } }).sdk;
    const model = await sdk.load(url, options);
    try {
      const selection = await model.ready;
      const input = model.inputs[0];
      const out = await model.run({ [input.name]: new Float32Array(28 * 28) });
      const stored: Record<string, { backend: string }> = {};
      for (const k of Object.keys(localStorage)) if (k.startsWith('edgeinfer.backend:')) stored[k] = JSON.parse(localStorage.getItem(k)!);
      return { backend: model.backend, candidates: selection.candidates, cacheReason: selection.cacheReason, stored, outputs: (out[model.outputs[0].name].data as Float32Array).length };
    } finally {
      model.dispose();
    }
  }, { url: MNIST_EIM_URL, options });
}

export function assetsSuite(setup: Setup): void {
  const { ctx } = setup;
  let page: Page;
  let origin: string;
  const warnings: string[] = [];
  const missed: string[] = [];
  let first: Outcome;

  beforeAll(async () => {
    if (!ctx) return;
    serveMnist(ctx.server);
    origin = ctx.server.origin;
    page = await ctx.browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    // The bundle as esbuild leaves it: no .wasm beside index.js.
    await page.route(`${origin}/dist/edgeinfer-*.wasm`, async (route) => {
      missed.push(route.request().url());
      await route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    });
    // Where the app copied them instead (the threads' worker script too, with the page's isolation headers).
    await page.route(`${origin}/static/wasm/*`, (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop()!;
      const contentType = name.endsWith('.js') ? 'text/javascript' : 'application/wasm';
      const headers = { 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' };
      return route.fulfill({ status: 200, contentType, headers, body: readFileSync(join(ctx.bundle.dir, name)) });
    });
    await page.goto(`${origin}/pages/blank.html`);
    await page.addScriptTag({ type: 'module', content: "import * as sdk from '/dist/index.js'; globalThis.sdk = sdk;" });
    await page.waitForFunction(() => 'sdk' in globalThis, undefined, { timeout: 30_000 });
    first = await loadIn(page, {});
  }, 120_000);
  afterAll(async () => {
    await page?.close();
  });

  it('files missing: ends on js with the wasm candidates failed naming the URL, and remembers nothing', () => {
    expect(first.backend).toBe('js');
    expect(first.outputs).toBe(10);
    const wasm = first.candidates.filter((c) => c.name === 'wasm');
    // The threaded build (25: the test pages are cross-origin isolated), the SIMD build (20), the scalar one (15).
    expect(wasm.map((c) => [c.priority, c.status])).toEqual([[25, 'failed'], [20, 'failed'], [15, 'failed']]);
    expect(wasm[0].reason).toContain(`${origin}/dist/edgeinfer-simd-threads.wasm`);
    expect(wasm[1].reason).toContain(`${origin}/dist/edgeinfer-simd.wasm`);
    expect(wasm[1].reason).toContain('HTTP 404');
    expect(wasm[2].reason).toContain(`${origin}/dist/edgeinfer-scalar.wasm`);
    expect(first.cacheReason).toMatch(/not written: wasm@25 failed/);
    expect(first.stored).toEqual({});
    expect(missed).toContain(`${origin}/dist/edgeinfer-simd.wasm`);
  });

  it('warns once per missing file, naming its URL and wasmPaths', async () => {
    for (const v of ['simd', 'scalar', 'simd-threads', 'relaxed-threads']) {
      const url = `${origin}/dist/edgeinfer-${v}.wasm`;
      const mine = warnings.filter((w) => w.includes(url));
      expect(mine, `${url} in ${JSON.stringify(warnings)}`).toHaveLength(1);
      expect(mine[0]).toContain('wasmPaths');
    }
    const count = warnings.length;
    const again = await loadIn(page, {});
    expect(again.backend).toBe('js');
    expect(warnings.length).toBe(count);
  });

  it('with wasmPaths pointing where the files are served, ends on wasm and remembers it', async () => {
    const fixed = await loadIn(page, { wasmPaths: '/static/wasm/' });
    expect(fixed.backend, JSON.stringify(fixed.candidates)).toBe('wasm');
    expect(fixed.outputs).toBe(10);
    // Either build may win the trial; both were fetched from wasmPaths.
    const wasm = fixed.candidates.filter((c) => c.name === 'wasm');
    for (const c of wasm) expect(['chosen', 'slower'], `${c.priority}: ${c.reason}`).toContain(c.status);
    expect(Object.values(fixed.stored)).toMatchObject([{ backend: 'wasm' }]);
  });
}
