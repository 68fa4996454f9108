// examples/benchmark in Chromium, served as the repository lays it out after `npm run build`: on the
// Fashion-MNIST CNN with 3 warm runs, every backend that can run here (webgpu f32 and f16 on SwiftShader
// unless WebGPU is missing, both wasm builds, js) must report finite times and outputs that agree with
// js; the adapter line must say what kind of adapter it is; `auto` must pick a row that ran; the text
// report must reach the clipboard; a picked file without js must compare against the first backend that
// ran; a file that is not a model must fail its rows with the SDK's ModelFormatError.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext as PlaywrightContext, Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probeAdapter, type AdapterInfo } from './chromium.js';
import { ROOT, type Setup } from './context.js';
import { startServer, type TestServer } from './server.js';

const APP = '/examples/benchmark/';
const MODEL = 'fashion/cnn.eim';
const RUNS = 3;
/** The page's inputs per candidate (app.js INPUTS): the first run and 3 warm runs cover all four. */
const INPUTS = 4;
const CPU_ROWS = ['wasm-simd', 'wasm-scalar', 'js'];
const GPU_ROWS = ['webgpu-f32', 'webgpu-f16'];

/** A results row's data- attributes (app.js setData), as strings. */
type Row = Record<string, string | undefined>;

export function benchmarkExampleSuite(setup: Setup): void {
  const { gpuSkipReason } = setup;
  const ctx = setup.ctx!;
  let server: TestServer;
  let context: PlaywrightContext;
  let page: Page;
  let adapter: AdapterInfo | string;
  let rows: Row[];
  const errors: string[] = [];

  const readRows = (): Promise<Row[]> => page.$$eval('#rows tr', (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));
  const row = (id: string): Row => rows.find((r) => r.candidate === id)!;
  async function waitFor(what: string, fn: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await fn())) {
      if (errors.length) throw new Error(`page errors while waiting for ${what}: ${errors.join('; ')}`);
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s (status "${await page.textContent('#status')}")`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const state = () => page.getAttribute('#bench', 'data-state');
  /** Clicks Run and waits for the page to finish; `uncheck`: candidate ids (and 'auto') to leave out. */
  async function runPage(uncheck: readonly string[] = []): Promise<void> {
    for (const id of uncheck) await page.uncheck(id === 'auto' ? '#auto' : `#use-${id}`);
    await page.click('#run');
    await waitFor('the benchmark to finish', async () => (await state()) === 'done');
    rows = await readRows();
  }

  beforeAll(async () => {
    server = await startServer({
      '/dist/browser/': ctx.bundle.dir,
      [APP]: join(ROOT, 'examples/benchmark'),
      '/models/': join(ROOT, 'models'),
    });
    // Its own context, so the copy button may use the clipboard.
    context = await ctx.browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.origin}${APP}index.html`);
    await waitFor('the page to start', async () => (await state()) === 'ready', 30_000);
    adapter = await probeAdapter(page);
    await page.selectOption('#model', MODEL);
    await page.fill('#runs', String(RUNS));
    const t0 = performance.now();
    await runPage();
    console.log(`examples/benchmark: ${MODEL} on ${rows.length} candidates in ${(performance.now() - t0).toFixed(0)} ms:\n${await page.textContent('#report')}`);
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  it('lists every candidate; each that can run here reports ok with finite positive times on the backend it names', () => {
    expect(rows.map((r) => r.candidate)).toEqual([...GPU_ROWS, ...CPU_ROWS]);
    const mustRun = gpuSkipReason === undefined ? [...GPU_ROWS, ...CPU_ROWS] : CPU_ROWS;
    for (const id of mustRun) {
      const r = row(id);
      expect(r.status, `${id}: ${r.reason}`).toBe('ok');
      for (const key of ['loadMs', 'firstMs', 'warmMs', 'p90Ms']) {
        const v = Number(r[key]);
        expect(Number.isFinite(v) && v > 0, `${id} ${key} = ${r[key]}`).toBe(true);
      }
      expect(Number(r.p90Ms)).toBeGreaterThanOrEqual(Number(r.warmMs));
      expect(r.runs).toBe(String(RUNS));
      expect(r.modelBackend).toBe(r.backend);
      expect(Number(r.ratio)).toBeGreaterThanOrEqual(1);
    }
    expect(rows.filter((r) => r.fastest === 'true')).toHaveLength(1);
    expect(Number(rows.find((r) => r.fastest === 'true')!.ratio)).toBe(1);
    // Without WebGPU the GPU rows say why, in load()'s words.
    if (gpuSkipReason !== undefined) {
      for (const id of GPU_ROWS) {
        expect(row(id).status).toBe('unavailable');
        expect(row(id).reason).toMatch(/^BackendUnavailableError: backend webgpu unavailable/);
      }
    }
    // The default wasm row is a SIMD build: Chromium validates SIMD, so the SDK never falls back to scalar there.
    expect(['relaxed', 'simd']).toContain(row('wasm-simd').build);
    expect(row('wasm-scalar').build).toBeUndefined();
  });

  it('fetched the scalar wasm build for the scalar row (and the SIMD row did not need it)', async () => {
    const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name.match(/edgeinfer-(\w+)\.wasm$/)?.[1]).filter(Boolean));
    expect(fetched).toContain('scalar');
    expect(fetched).toContain(row('wasm-simd').build);
    // Rows run in table order, so the scalar build came after the SIMD row's.
    expect(fetched.indexOf('scalar')).toBeGreaterThan(fetched.indexOf(row('wasm-simd').build!));
  });

  it('compares every backend with js on the same inputs: f32 within 1e-4, webgpu f16 within 2e-2', () => {
    expect(row('js').reference).toBe('true');
    for (const r of rows.filter((x) => x.status === 'ok')) {
      const bound = r.precision === 'f16' ? 2e-2 : 1e-4;
      const diff = Number(r.maxDiff);
      expect(diff <= bound, `${r.candidate}: max |diff| ${r.maxDiff} > ${bound}`).toBe(true);
      expect(r.comparedInputs).toBe(String(INPUTS));
      expect(r.agrees).toBe('true');
    }
  });

  it.skipIf(gpuSkipReason !== undefined)('runs the webgpu f16 row with model.precision f16 and the f32 row with f32', () => {
    expect(row('webgpu-f16').modelPrecision).toBe('f16');
    expect(row('webgpu-f32').modelPrecision).toBe('f32');
    // f16 storage rounds: its outputs cannot all equal js's to the last bit, which would mean it ran f32.
    expect(Number(row('webgpu-f16').maxDiff)).toBeGreaterThan(0);
  });

  it('says what the WebGPU adapter is, and labels a software one (SwiftShader here) as such', async () => {
    const line = (await page.textContent('#adapter'))!;
    if (typeof adapter === 'string') {
      expect(await page.getAttribute('#adapter', 'data-available')).toBe('false');
      expect(line).toMatch(/^WebGPU: none \(/);
      return;
    }
    expect(line).toContain(adapter.architecture);
    expect(line).toContain(`isFallbackAdapter: ${adapter.isFallbackAdapter}`);
    expect(line).toMatch(/shader-f16: (offered|not offered)/);
    const software = adapter.isFallbackAdapter || /swiftshader/i.test(adapter.architecture);
    expect(await page.getAttribute('#adapter', 'data-software')).toBe(String(software));
    if (software) {
      expect(line).toMatch(/software adapter \(.*(swiftshader|fallback adapter).*\): WebGPU figures here are a CPU's/);
      for (const id of GPU_ROWS) {
        expect(await page.textContent(`#row-${id} td.notes`)).toMatch(/software adapter/);
        expect(row(id).software).toBe('true');
      }
    }
  });

  it("shows backend 'auto''s pick, and it is one of the rows that ran", async () => {
    const pick = await page.getAttribute('#auto-pick', 'data-candidate');
    const okRows = rows.filter((r) => r.status === 'ok').map((r) => r.candidate);
    expect(okRows).toContain(pick);
    expect(await page.getAttribute('#auto-pick', 'data-backend')).toBe(row(pick!).backend);
    expect(await page.textContent('#auto-pick')).toMatch(/^load\(url, \{ backend: 'auto' \}\) picks \w+.* Its trial: webgpu/);
  });

  it('copies the results as text: the model, the adapter line and one line per backend', async () => {
    await page.click('#copy');
    await waitFor('the copy', async () => (await page.textContent('#copied')) !== '', 10_000);
    expect(await page.textContent('#copied')).toBe('copied');
    const text = (await page.evaluate(() => navigator.clipboard.readText())).replace(/\r\n/g, '\n');
    expect(text).toBe(await page.textContent('#report'));
    expect(text).toContain(MODEL);
    expect(text).toContain((await page.textContent('#adapter'))!);
    const labels = await page.$$eval('#rows td.label', (tds) => tds.map((td) => td.textContent ?? ''));
    for (const label of labels) expect(text.split('\n').some((l) => l.startsWith(label))).toBe(true);
    expect(text).toMatch(/load\(url, \{ backend: 'auto' \}\) picks/);
  });

  it('measures a picked .eim file; with js left out the first backend that ran is the reference', async () => {
    await page.setInputFiles('#file', join(ROOT, 'models', MODEL));
    await page.fill('#runs', '2');
    await runPage([...GPU_ROWS, 'js', 'auto']);
    expect(row('js').status).toBe('skipped');
    for (const id of GPU_ROWS) expect(row(id).status).toBe('skipped');
    expect(row('wasm-simd').status).toBe('ok');
    expect(row('wasm-simd').reference).toBe('true');
    // Nothing new fetched this time: the row still names the build the SDK keeps.
    expect(['relaxed', 'simd']).toContain(row('wasm-simd').build);
    expect(row('wasm-scalar').status).toBe('ok');
    expect(Number(row('wasm-scalar').maxDiff)).toBeLessThanOrEqual(1e-4);
    expect(await page.textContent('#diff-head')).toBe('max |diff| vs wasm SIMD');
    expect(await page.textContent('#status')).toContain('cnn.eim');
    expect(await page.textContent('#auto-pick')).toBe('');
  });

  it('fails each row of a file that is not a model with ModelFormatError, and stays usable', async () => {
    const notAModel = Buffer.from(readFileSync(join(ROOT, 'examples/benchmark/README.md')));
    await page.setInputFiles('#file', { name: 'not-a-model.eim', mimeType: 'application/octet-stream', buffer: notAModel });
    await runPage();
    for (const id of ['wasm-simd', 'wasm-scalar']) {
      expect(row(id).status).toBe('failed');
      expect(row(id).reason).toMatch(/^ModelFormatError: /);
    }
    expect(await page.isDisabled('#run')).toBe(false);
    expect(errors).toEqual([]);
  });
}
