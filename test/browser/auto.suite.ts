// `auto` backend selection in Chromium on mnist-8, with the default trial budget: every provider is
// recorded with its fate; webgpu on a software adapter (SwiftShader here) is skipped with its reason
// rather than timed ahead of the CPU backends; the fastest timed one is chosen, and the decision lands
// in localStorage, where a reload finds and reuses it without a new trial.
import type { Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probeAdapter, type AdapterInfo } from './chromium.js';
import { openPage, type Setup } from './context.js';
import { MNIST_EIM_URL, serveMnist } from './fixtures.js';

interface Candidate { name: string; priority?: number; status: string; reason?: string; medianMs?: number }
interface Decision { format: number; backend: string; priority: number; medianMs?: number; savedAt: number }
interface AutoResult {
  backend: string;
  selection: { backend: string; mode: string; candidates: Candidate[]; cache: string; cacheReason?: string; elapsedMs: number };
  ms: number;
  outputs: number;
  before: Record<string, Decision>;
  after: Record<string, Decision>;
  userAgent: string;
}
interface Api { clearStorage(): void; loadAuto(url: string, options: object): Promise<AutoResult> }

const api = (page: Page) => ({
  clear: () => page.evaluate(() => (globalThis as unknown as { pageApi: Api }).pageApi.clearStorage()),
  load: (options: object) => page.evaluate(({ url, o }) => (globalThis as unknown as { pageApi: Api }).pageApi.loadAuto(url, o), { url: MNIST_EIM_URL, o: options }),
});

function describeCandidates(cs: readonly Candidate[]): string {
  return cs.map((c) => `${c.name}@${c.priority ?? '?'} ${c.status}${c.medianMs === undefined ? '' : ` ${c.medianMs.toFixed(2)} ms`}${c.reason && c.status !== 'chosen' && c.status !== 'slower' ? ` (${c.reason})` : ''}`).join(', ');
}

export function autoSuite(setup: Setup): void {
  const { ctx, gpuSkipReason } = setup;
  let page: Page;
  let first: AutoResult;
  /** The page's adapter, or why there is none. */
  let adapter: AdapterInfo | string;

  beforeAll(async () => {
    if (!ctx) return;
    serveMnist(ctx.server);
    page = await openPage(ctx, '/pages/auto.html');
    await api(page).clear();
    adapter = await probeAdapter(page);
    first = await api(page).load({});
    console.log(`auto (first load, ${first.ms.toFixed(0)} ms): ${describeCandidates(first.selection.candidates)}`);
  }, 120_000);
  afterAll(async () => {
    await page?.close();
  });

  it('records webgpu, wasm and js with a status, times the CPU backends within the default budget, and picks the fastest', () => {
    const { selection } = first;
    expect(selection.mode).toBe('auto');
    expect(selection.cache).toBe('miss');
    const names = selection.candidates.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['webgpu', 'wasm', 'js']));
    // Highest priority first: webgpu, then the wasm builds, then js.
    expect(names[0]).toBe('webgpu');
    expect(names.at(-1)).toBe('js');
    const gpu = selection.candidates.find((c) => c.name === 'webgpu')!;
    const software = typeof adapter !== 'string' && (adapter.isFallbackAdapter || adapter.architecture === 'swiftshader');
    if (gpuSkipReason === undefined && software) {
      // Not even created: timing it would compile every pipeline on the CPU, for a loss.
      expect(gpu).toEqual({ name: 'webgpu', priority: 30, status: 'skipped', reason: expect.stringMatching(/^software adapter \((swiftshader|fallback adapter)\): the CPU backends are faster$/) });
      expect(first.backend).toBe('wasm');
    } else if (gpuSkipReason === undefined) {
      expect(gpu.status, gpu.reason).not.toBe('unavailable');
      expect(gpu.medianMs).toBeGreaterThan(0);
    }
    const chosen = selection.candidates.filter((c) => c.status === 'chosen');
    expect(chosen).toHaveLength(1);
    expect(chosen[0].name).toBe(first.backend);
    // Both wasm builds validate in Chromium; every other provider that can run here was timed within the default budget.
    const runnable = selection.candidates.filter((c) => !(c.name === 'webgpu' && (gpuSkipReason !== undefined || software)));
    for (const c of runnable) expect(['chosen', 'slower'], `${c.name}@${c.priority}: ${c.reason}`).toContain(c.status);
    expect(chosen[0].medianMs).toBe(Math.min(...runnable.map((c) => c.medianMs!)));
    expect(first.outputs).toBe(10);
  });

  it('stores the decision in localStorage, keyed by model, browser and providers', () => {
    expect(first.before).toEqual({});
    const entries = Object.entries(first.after);
    expect(entries).toHaveLength(1);
    const [key, decision] = entries[0];
    expect(key).toMatch(/^edgeinfer\.backend:eim-[0-9a-f]{8}-\d+\|/);
    expect(key).toContain(first.userAgent);
    expect(key).toContain('webgpu@30');
    const chosen = first.selection.candidates.find((c) => c.status === 'chosen')!;
    expect(decision).toMatchObject({ format: 1, backend: chosen.name, priority: chosen.priority, medianMs: chosen.medianMs });
  });

  it('reuses the stored decision after a reload, without a new trial', async () => {
    await page.reload();
    await page.waitForFunction(() => 'pageApi' in globalThis);
    const again = await api(page).load({});
    console.log(`auto (after reload, ${again.ms.toFixed(0)} ms): mode ${again.selection.mode}, cache ${again.selection.cache}, ${describeCandidates(again.selection.candidates)}`);
    expect(again.before).toEqual(first.after);
    expect(again.selection.mode).toBe('cached');
    expect(again.selection.cache).toBe('hit');
    expect(again.backend).toBe(first.backend);
    expect(again.selection.candidates).toHaveLength(1);
    expect(again.selection.candidates[0]).toMatchObject({ name: first.backend, status: 'chosen' });
    expect(again.selection.candidates[0].reason).toMatch(/^cached decision of /);
    expect(again.after).toEqual(first.after);
    expect(again.outputs).toBe(10);
  });
}
