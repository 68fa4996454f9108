// examples/benchmark in Chromium, served as the repository lays it out after `npm run build` (with COOP/COEP,
// as examples/pwa-camera/serve.mjs serves it): on the Fashion-MNIST CNN with 3 timed samples, every backend
// that can run here (webgpu f32 and f16 on SwiftShader unless WebGPU is missing, the threaded, SIMD and scalar
// wasm builds, js) must report finite times and outputs that agree with js. Then the report: the charts' bars
// must match the figures, the headline score must be the geometric mean of js's samples over each row's, the
// JSON and CSV exports must hold every sample, the share link must bring the same settings back (and run
// them), a results file loaded back must be compared side by side, and a corrupt, wrong or oversized file
// must give a visible error. At phone size (390×844) the same run must not widen the page. Screenshots of
// both sizes are taken (into a temporary folder, removed after); with EDGEINFER_SCREENSHOTS=1 they are kept and
// the phone one is also written to examples/benchmark/.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext as PlaywrightContext, Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probeAdapter, type AdapterInfo } from './chromium.js';
import { ROOT, type Setup } from './context.js';
import { startServer, type TestServer } from './server.js';

const APP = '/examples/benchmark/';
const MODEL = 'fashion/cnn.eim';
const RUNS = 3;
/** The page's inputs per candidate (app.js INPUTS). */
const INPUTS = 4;
const GPU_ROWS = ['webgpu-f32', 'webgpu-f16'];
const CPU_ROWS = ['wasm-threads', 'wasm-simd', 'wasm-scalar', 'js'];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const PHONE_SHOT = 'screenshot-phone.png';
/** results.js MAX_RESULTS_BYTES. */
const MAX_RESULTS_BYTES = 2 * 1024 * 1024;
const SDK_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A results row's data- attributes (app.js setData), as strings. */
type Row = Record<string, string | undefined>;
/** The exported document (results.js resultsDocument), as far as the test reads it. */
interface ResultRow { id: string; label: string; status: string; samples?: number[]; batch?: number; medianMs?: number; p10Ms?: number; p90Ms?: number; loadMs?: number; firstMs?: number; speedVsJs?: number; threads?: number }
interface ResultsDoc {
  format: string; version: number; sdkVersion: string; createdAt: string; shareUrl: string;
  settings: { model: string; runs: number; budgetS: number; backends: string[]; auto: boolean; threads: number };
  model: { name: string; hash?: string };
  device: { userAgent: string; hardwareConcurrency: number; crossOriginIsolated: boolean; timerResolutionMs: number; adapter: { available: boolean; architecture?: string } };
  results: ResultRow[];
  auto?: { backend: string; selection: { candidates: unknown[] } };
}
interface Bar { key: string; series: string; x: number; width: number; value: number; lo?: number; hi?: number; whisker?: { x1: number; x2: number } }
interface Chart { width: number; top: number; plotLeft: number; plotWidth: number; bars: Bar[]; notes: string[]; clipped: string[] }

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

export function benchmarkExampleSuite(setup: Setup): void {
  const { gpuSkipReason } = setup;
  const ctx = setup.ctx!;
  let server: TestServer;
  let desktop: PlaywrightContext;
  let phone: PlaywrightContext;
  let page: Page;
  let adapter: AdapterInfo | string;
  let rows: Row[];
  let cores: number;
  let shareUrl: string;
  let exported: ResultsDoc;
  const errors: string[] = [];
  let shotDir: string | undefined;

  const readRows = (p: Page): Promise<Row[]> => p.$$eval('#rows tr[data-candidate]', (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));
  const row = (id: string): Row => rows.find((r) => r.candidate === id)!;
  const okIds = (): string[] => rows.filter((r) => r.status === 'ok').map((r) => r.candidate!);
  async function waitFor(p: Page, what: string, fn: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await fn())) {
      if (errors.length) throw new Error(`page errors while waiting for ${what}: ${errors.join('; ')}`);
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s (status "${await p.textContent('#status')}")`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const state = (p: Page) => p.getAttribute('#bench', 'data-state');
  const waitDone = (p: Page) => waitFor(p, 'the benchmark to finish', async () => (await state(p)) === 'done');
  /** Clicks Run and waits for the page to finish; `uncheck`: candidate ids (and 'auto') to leave out. */
  async function runPage(uncheck: readonly string[] = []): Promise<void> {
    for (const id of uncheck) await page.uncheck(id === 'auto' ? '#auto' : `#use-${id}`);
    await page.click('#run');
    await waitDone(page);
    rows = await readRows(page);
  }
  async function newPage(context: PlaywrightContext, url: string): Promise<Page> {
    const p = await context.newPage();
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await p.goto(url);
    return p;
  }
  /** The bars, whiskers and notes of one chart, with the SVG's own geometry. */
  const readChart = (p: Page, id: string): Promise<Chart> => p.$eval(`#${id} svg`, (svg) => {
    const num = (el: Element, name: string) => Number(el.getAttribute(name));
    const opt = (el: Element, name: string) => (el.hasAttribute(name) ? Number(el.getAttribute(name)) : undefined);
    const whiskers = [...svg.querySelectorAll('line.whisker:not(.cap)')];
    return {
      width: Number(svg.getAttribute('viewBox')!.split(' ')[2]),
      top: num(svg, 'data-top'),
      plotLeft: num(svg, 'data-plot-left'),
      plotWidth: num(svg, 'data-plot-width'),
      bars: [...svg.querySelectorAll('rect.bar')].map((r) => {
        const w = whiskers.find((l) => l.getAttribute('data-key') === r.getAttribute('data-key') && l.getAttribute('data-series') === r.getAttribute('data-series'));
        return {
          key: r.getAttribute('data-key')!, series: r.getAttribute('data-series')!, x: num(r, 'x'), width: num(r, 'width'),
          value: num(r, 'data-value'), lo: opt(r, 'data-lo'), hi: opt(r, 'data-hi'), whisker: w && { x1: num(w, 'x1'), x2: num(w, 'x2') },
        };
      }),
      notes: [...svg.querySelectorAll('text.note')].map((t) => t.textContent ?? ''),
      // Text the SVG would cut off at its right edge (a value after its bar, a legend entry).
      clipped: [...svg.querySelectorAll('text')].filter((t) => {
        const box = (t as SVGTextElement).getBBox();
        return box.x < -0.5 || box.x + box.width > Number(svg.getAttribute('viewBox')!.split(' ')[2]) + 0.5;
      }).map((t) => t.textContent ?? ''),
    };
  });
  /** Bars inside the chart, each as long as its value on the chart's scale (1 px at least). */
  function expectSaneBars(chart: Chart): void {
    expect(chart.top).toBeGreaterThan(0);
    expect(chart.clipped).toEqual([]);
    for (const b of chart.bars) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width).toBeLessThanOrEqual(chart.plotLeft + chart.plotWidth + 1e-6);
      expect(Math.abs(b.width - Math.max(1, (b.value / chart.top) * chart.plotWidth)), `${b.key} ${b.series}`).toBeLessThan(0.01);
      if (b.lo !== undefined) {
        const at = (v: number) => chart.plotLeft + (v / chart.top) * chart.plotWidth;
        expect(b.lo).toBeLessThanOrEqual(b.value);
        expect(b.hi!).toBeGreaterThanOrEqual(b.value);
        expect(b.whisker!.x1).toBeCloseTo(at(b.lo), 6);
        expect(b.whisker!.x2).toBeCloseTo(at(b.hi!), 6);
        expect(b.whisker!.x2).toBeLessThanOrEqual(chart.width);
      }
    }
  }
  const noOverflow = (p: Page) => p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
  async function screenshot(p: Page, name: string): Promise<Buffer> {
    shotDir ??= mkdtempSync(join(tmpdir(), 'edgeinfer-benchmark-shots-'));
    const png = await p.screenshot({ fullPage: true });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    writeFileSync(join(shotDir, name), png);
    // Only the phone one is committed (README's picture); the desktop one stays in the temporary folder.
    if (process.env.EDGEINFER_SCREENSHOTS === '1' && name === PHONE_SHOT) writeFileSync(join(ROOT, 'examples/benchmark', name), png);
    console.log(`examples/benchmark: screenshot ${join(shotDir, name)} (${png.length} bytes)`);
    return png;
  }
  async function download(p: Page, button: string): Promise<{ name: string; text: string }> {
    const [d] = await Promise.all([p.waitForEvent('download'), p.click(button)]);
    return { name: d.suggestedFilename(), text: readFileSync((await d.path())!, 'utf8') };
  }
  async function loadCompare(p: Page, name: string, content: string | Buffer): Promise<void> {
    await p.setInputFiles('#compare-file', { name, mimeType: 'application/json', buffer: Buffer.from(content) });
    // The file is read asynchronously: done when the comparison or an error shows.
    await waitFor(p, 'the comparison', async () => (await p.textContent('#compare-error')) !== '' || (await p.$('#compare-table')) !== null, 10_000);
  }

  beforeAll(async () => {
    server = await startServer({
      '/dist/browser/': ctx.bundle.dir,
      [APP]: join(ROOT, 'examples/benchmark'),
      '/models/': join(ROOT, 'models'),
    });
    server.put('/package.json', readFileSync(join(ROOT, 'package.json')), 'application/json');
    // Own contexts: the copy buttons use the clipboard; the phone one is a touch device at 390×844.
    desktop = await ctx.browser.newContext({ viewport: DESKTOP, permissions: ['clipboard-read', 'clipboard-write'], acceptDownloads: true });
    // Scale 1 keeps the committed screenshot small; layout does not depend on it.
    phone = await ctx.browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    page = await newPage(desktop, `${server.origin}${APP}index.html`);
    await waitFor(page, 'the page to start', async () => (await state(page)) === 'ready', 30_000);
    adapter = await probeAdapter(page);
    cores = await page.evaluate(() => navigator.hardwareConcurrency);
    await page.selectOption('#model', MODEL);
    await page.fill('#runs', String(RUNS));
    await page.selectOption('#budget', '5');
    await page.fill('#threads', '2');
    const t0 = performance.now();
    await runPage();
    shareUrl = (await page.inputValue('#share'))!;
    console.log(`examples/benchmark: ${MODEL} on ${rows.length} candidates in ${(performance.now() - t0).toFixed(0)} ms:\n${await page.textContent('#report')}`);
  }, 120_000);
  afterAll(async () => {
    // The screenshots are looked at while the suite is being worked on (EDGEINFER_SCREENSHOTS=1 keeps them).
    if (shotDir && process.env.EDGEINFER_SCREENSHOTS !== '1') rmSync(shotDir, { recursive: true, force: true });
    await desktop?.close();
    await phone?.close();
    await server?.close();
  });

  it('lists every candidate; each that can run here reports ok with finite positive times on the backend it names', () => {
    expect(rows.map((r) => r.candidate)).toEqual([...GPU_ROWS, ...CPU_ROWS]);
    const cpu = cores >= 2 ? CPU_ROWS : CPU_ROWS.filter((id) => id !== 'wasm-threads');
    const mustRun = gpuSkipReason === undefined ? [...GPU_ROWS, ...cpu] : cpu;
    for (const id of mustRun) {
      const r = row(id);
      expect(r.status, `${id}: ${r.reason}`).toBe('ok');
      for (const key of ['loadMs', 'firstMs', 'warmMs', 'p10Ms', 'p90Ms']) {
        const v = Number(r[key]);
        expect(Number.isFinite(v) && v > 0, `${id} ${key} = ${r[key]}`).toBe(true);
      }
      expect(Number(r.p90Ms)).toBeGreaterThanOrEqual(Number(r.warmMs));
      expect(Number(r.p10Ms)).toBeLessThanOrEqual(Number(r.warmMs));
      expect(r.runs).toBe(String(RUNS));
      expect(Number.isInteger(Number(r.batch)) && Number(r.batch) >= 1).toBe(true);
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

  it('runs the threaded row on the threaded build with the thread count asked for, and says so with crossOriginIsolated', async () => {
    expect(await page.getAttribute('#env', 'data-isolated')).toBe('true');
    expect(await page.getAttribute('#env', 'data-threads')).toBe('2');
    expect(await page.textContent('#env')).toMatch(/^crossOriginIsolated: true; wasm threads: 2 \(logical cores: \d+\)/);
    if (cores < 2) return;
    expect(row('wasm-threads').threads).toBe('2');
    expect(await page.textContent('#row-wasm-threads td.label')).toMatch(/, 2 threads$/);
    const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name.match(/edgeinfer-(\w+)-threads\.wasm$/)?.[1]).filter(Boolean));
    expect(fetched).toContain(row('wasm-threads').build);
  });

  it('states the timer resolution and batches runs too short for it', async () => {
    const resolution = Number(await page.getAttribute('#env', 'data-resolution-ms'));
    expect(resolution > 0 && resolution <= 1, `timer resolution ${resolution}`).toBe(true);
    expect(await page.textContent('#env')).toContain(`timer resolution: ${resolution.toFixed(3)} ms`);
    // The target span of one timer read (bench.js): a row whose median is a small fraction of it was batched.
    const target = Math.max(1, 200 * resolution);
    const batches = rows.filter((r) => r.status === 'ok').map((r) => `${r.candidate}: ${r.batch} × ${Number(r.warmMs).toFixed(4)} ms`);
    console.log(`examples/benchmark: timer step ${resolution} ms, runs per sample: ${batches.join(', ')}`);
    for (const r of rows.filter((x) => x.status === 'ok' && Number(x.warmMs) < target / 20)) {
      expect(Number(r.batch), `${r.candidate}: median ${r.warmMs} ms timed one run per read`).toBeGreaterThan(1);
      expect(await page.textContent(`#notes-${r.candidate}`)).toContain(`${r.batch} runs per timer read`);
    }
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
        expect(await page.textContent(`#notes-${id}`)).toMatch(/software adapter/);
        expect(row(id).software).toBe('true');
      }
    }
  });

  it("states backend 'auto''s pick once, with each candidate's reason from model.selection", async () => {
    const pick = await page.getAttribute('#auto-pick', 'data-candidate');
    expect(okIds()).toContain(pick);
    expect(await page.getAttribute('#auto-pick', 'data-backend')).toBe(row(pick!).backend);
    expect(await page.textContent('#auto-pick')).toMatch(/^load\(url, \{ backend: 'auto' \}\) picks \w+.* \(the [\w ]+ row\) after .*\. Its trial \(model\.selection\):$/);
    const reasons = await page.$$eval('#auto-reasons li', (lis) => lis.map((li) => ({ text: li.textContent ?? '', status: (li as HTMLElement).dataset.status })));
    expect(reasons[0].text).toMatch(/^webgpu/);
    expect(reasons.filter((r) => r.status === 'chosen')).toHaveLength(1);
    // Said once: the rest of the page does not repeat the pick.
    const body = (await page.textContent('#report-section'))!;
    expect(body.split("picks ").length - 1).toBe(2); // the line on the page and in the text report
  });

  it('headlines the geometric-mean speed relative to js, computed from the samples', async () => {
    const score = await page.$eval('#score', (s) => ({ candidate: (s as HTMLElement).dataset.candidate, value: (s as HTMLElement).dataset.value, text: s.textContent }));
    const speeds = rows.filter((r) => r.status === 'ok').map((r) => ({ id: r.candidate!, speed: Number(r.speedVsJs) }));
    const best = speeds.reduce((a, b) => (b.speed > a.speed ? b : a));
    expect(score.candidate).toBe(best.id);
    expect(Number(score.value)).toBeCloseTo(best.speed, 9);
    expect(score.text).toBe(`${best.speed.toFixed(1)}× js`);
    expect(Number(row('js').speedVsJs)).toBe(1);
  });

  it('draws the latency chart (median bar, p10-p90 whisker) and the start-up chart for every row that ran', async () => {
    const latency = await readChart(page, 'latency-chart');
    expectSaneBars(latency);
    expect(latency.bars.map((b) => b.key).sort()).toEqual(okIds().sort());
    for (const b of latency.bars) {
      expect(b.value).toBe(Number(row(b.key).warmMs));
      expect(b.lo).toBe(Number(row(b.key).p10Ms));
      expect(b.hi).toBe(Number(row(b.key).p90Ms));
    }
    // The slowest bar is the longest.
    const longest = latency.bars.reduce((a, b) => (b.width > a.width ? b : a));
    expect(longest.value).toBe(Math.max(...latency.bars.map((b) => b.value)));
    const startup = await readChart(page, 'startup-chart');
    expectSaneBars(startup);
    for (const id of okIds()) {
      const bars = startup.bars.filter((b) => b.key === id);
      expect(bars.map((b) => b.value)).toEqual([Number(row(id).loadMs), Number(row(id).firstMs)]);
    }
    // A row that did not run is named, not drawn.
    const notRun = rows.filter((r) => r.status !== 'ok');
    expect(latency.notes).toHaveLength(notRun.length);
  });

  it('exports JSON with the SDK version, model hash, browser, adapter, settings and every sample', async () => {
    const { name, text } = await download(page, '#export-json');
    expect(name).toMatch(/^edgeinfer-bench-fashion-cnn-.*\.json$/);
    exported = JSON.parse(text) as ResultsDoc;
    expect(exported.format).toBe('edgeinfer-benchmark');
    expect(exported.version).toBe(1);
    expect(exported.sdkVersion).toBe(SDK_VERSION);
    expect(exported.model.name).toBe(MODEL);
    // model.modelHash: what the SDK keys its decisions by; the same file always gives the same one.
    expect(exported.model.hash).toMatch(/^\S{8,}$/);
    expect(exported.device.userAgent).toBe(await page.evaluate(() => navigator.userAgent));
    expect(exported.device.crossOriginIsolated).toBe(true);
    expect(exported.device.timerResolutionMs).toBe(Number(await page.getAttribute('#env', 'data-resolution-ms')));
    expect(exported.device.adapter.available).toBe(typeof adapter !== 'string');
    if (typeof adapter !== 'string') expect(exported.device.adapter.architecture).toBe(adapter.architecture);
    expect(exported.settings).toEqual({ model: MODEL, runs: RUNS, budgetS: 5, backends: [...GPU_ROWS, ...CPU_ROWS], auto: true, threads: 2 });
    expect(exported.shareUrl).toBe(shareUrl);
    expect(exported.auto!.selection.candidates.length).toBeGreaterThan(0);
    expect(exported.results.map((r) => r.id)).toEqual(rows.map((r) => r.candidate));
    for (const r of exported.results) {
      const dom = row(r.id);
      expect(r.status).toBe(dom.status);
      if (r.status !== 'ok') continue;
      expect(r.samples).toHaveLength(RUNS);
      expect(median(r.samples!)).toBe(Number(dom.warmMs));
      expect(r.batch).toBe(Number(dom.batch));
      expect(r.speedVsJs).toBeCloseTo(geomean(exported.results.find((x) => x.id === 'js')!.samples!) / geomean(r.samples!), 9);
    }
  });

  it('exports CSV with one line per load, first run and sample, matching the JSON', async () => {
    const { name, text } = await download(page, '#export-csv');
    expect(name).toMatch(/\.csv$/);
    const [head, ...lines] = text.trimEnd().split('\n').map((l) => l.split(','));
    expect(head).toEqual(['candidate', 'label', 'backend', 'precision', 'status', 'kind', 'index', 'batch', 'ms', 'reason']);
    const col = (n: string) => head.indexOf(n);
    for (const r of exported.results.filter((x) => x.status === 'ok')) {
      const mine = lines.filter((l) => l[col('candidate')] === r.id);
      expect(mine.filter((l) => l[col('kind')] === 'sample').map((l) => Number(l[col('ms')]))).toEqual(r.samples);
      expect(mine.filter((l) => l[col('kind')] === 'sample').every((l) => Number(l[col('batch')]) === r.batch)).toBe(true);
      expect(Number(mine.find((l) => l[col('kind')] === 'load')![col('ms')])).toBe(r.loadMs);
      expect(Number(mine.find((l) => l[col('kind')] === 'first')![col('ms')])).toBe(r.firstMs);
    }
  });

  it('copies the results as text (the model, the environment, the adapter line, one line per backend) and the share link', async () => {
    await page.click('#copy');
    await waitFor(page, 'the copy', async () => (await page.textContent('#copied')) !== '', 10_000);
    expect(await page.textContent('#copied')).toBe('copied');
    const text = (await page.evaluate(() => navigator.clipboard.readText())).replace(/\r\n/g, '\n');
    expect(text).toBe(await page.textContent('#report'));
    expect(text).toContain(MODEL);
    expect(text).toContain(`edgeinfer ${SDK_VERSION}`);
    expect(text).toContain((await page.textContent('#adapter'))!);
    expect(text).toContain((await page.textContent('#env'))!);
    const labels = await page.$$eval('#rows td.label', (tds) => tds.map((td) => td.textContent ?? ''));
    for (const label of labels) expect(text.split('\n').some((l) => l.startsWith(label))).toBe(true);
    expect(text).toMatch(/load\(url, \{ backend: 'auto' \}\) picks/);
    await page.click('#copy-share');
    await waitFor(page, 'the link copy', async () => (await page.textContent('#share-note')) === 'copied', 10_000);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shareUrl);
  });

  it('desktop layout: no horizontal overflow; screenshot', async () => {
    const { scroll, inner } = await noOverflow(page);
    expect(scroll).toBeLessThanOrEqual(inner);
    // At this size the table needs no scrolling of its own: the notes sit under each row, not beside it.
    const table = await page.$eval('#table-wrap', (d) => ({ scroll: d.scrollWidth, client: d.clientWidth }));
    expect(table.scroll).toBeLessThanOrEqual(table.client);
    await screenshot(page, 'screenshot-desktop.png');
  });

  it('phone (390×844): the share link restores the settings and re-runs; charts fit; the page does not scroll sideways', async () => {
    const url = new URL(shareUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      model: MODEL, runs: String(RUNS), budget: '5', backends: [...GPU_ROWS, ...CPU_ROWS].join(','), auto: '1', threads: '2', run: '1',
    });
    const p = await newPage(phone, shareUrl);
    try {
      await waitDone(p);
      expect(await p.inputValue('#model')).toBe(MODEL);
      expect(await p.inputValue('#runs')).toBe(String(RUNS));
      expect(await p.inputValue('#budget')).toBe('5');
      expect(await p.inputValue('#threads')).toBe('2');
      const phoneRows = await readRows(p);
      expect(phoneRows.filter((r) => r.status === 'ok').map((r) => r.candidate)).toEqual(okIds());
      expect(await p.getAttribute('#progress', 'value')).toBe(await p.getAttribute('#progress', 'max'));
      const { scroll, inner } = await noOverflow(p);
      // On a mobile viewport content wider than the screen widens innerWidth itself, so both are checked.
      expect(inner).toBe(PHONE.width);
      expect(scroll, 'page-level horizontal overflow at 390 px').toBeLessThanOrEqual(inner);
      for (const id of ['latency-chart', 'startup-chart']) {
        const chart = await readChart(p, id);
        expectSaneBars(chart);
        expect(chart.width).toBeLessThanOrEqual(PHONE.width);
        expect(chart.bars.length).toBeGreaterThan(0);
      }
      // The wide table scrolls inside its own box instead.
      const table = await p.$eval('#table-wrap', (d) => ({ scroll: d.scrollWidth, client: d.clientWidth, overflow: getComputedStyle(d).overflowX }));
      expect(table.client).toBeLessThanOrEqual(PHONE.width);
      expect(table.overflow).toBe('auto');
      await screenshot(p, PHONE_SHOT);
      // Another device loaded beside this one: two bars per backend, a long legend, a second table; still no overflow.
      await loadCompare(p, 'desktop.json', JSON.stringify(exported));
      expect(await p.textContent('#compare-error')).toBe('');
      for (const id of ['latency-chart', 'startup-chart']) {
        const chart = await readChart(p, id);
        expectSaneBars(chart);
        expect(new Set(chart.bars.map((b) => b.series)).size).toBe(2);
      }
      expect(await noOverflow(p)).toEqual({ scroll: PHONE.width, inner: PHONE.width });
    } finally {
      await p.close();
    }
  });

  it('a changed share link brings back fewer backends, no auto and one thread (the threaded row then says why)', async () => {
    await page.uncheck('#use-webgpu-f16');
    await page.uncheck('#use-js');
    await page.uncheck('#auto');
    await page.fill('#threads', '1');
    await page.dispatchEvent('#threads', 'change');
    const link = await page.inputValue('#share');
    expect(new URL(link).searchParams.get('backends')).toBe('webgpu-f32,wasm-threads,wasm-simd,wasm-scalar');
    const p = await newPage(desktop, link);
    try {
      await waitDone(p);
      expect(await p.isChecked('#use-webgpu-f16')).toBe(false);
      expect(await p.isChecked('#use-js')).toBe(false);
      expect(await p.isChecked('#auto')).toBe(false);
      const again = await readRows(p);
      const by = (id: string) => again.find((r) => r.candidate === id)!;
      expect(by('webgpu-f16').status).toBe('skipped');
      expect(by('js').status).toBe('skipped');
      expect(by('wasm-threads').status).toBe('unavailable');
      expect(by('wasm-threads').reason).toMatch(/threaded wasm build unavailable: threads: 1/);
      expect(by('wasm-simd').status).toBe('ok');
      expect(await p.textContent('#auto-pick')).toBe('');
      // No js, no score: the summary says so rather than inventing one.
      expect(await p.$('#score')).toBeNull();
      expect(await p.textContent('#summary')).toContain('js did not run');
      // Values a link may not set are named and ignored.
      await p.goto(`${server.origin}${APP}index.html?runs=99999&model=../../etc/passwd&threads=2`);
      await waitFor(p, 'the page to start', async () => (await state(p)) === 'ready', 30_000);
      expect(await p.textContent('#settings-note')).toBe('Ignored from the link (not allowed values): model, runs');
      expect(await p.inputValue('#runs')).toBe('20');
      expect(await p.inputValue('#threads')).toBe('2');
    } finally {
      await p.close();
    }
  });

  it('served without COOP/COEP: says the page is not isolated, the threaded row is unavailable, and a coarser timer batches more', async () => {
    // `unisolated`: the test server sends this document without the isolation headers.
    const p = await newPage(desktop, `${server.origin}${APP}index.html?unisolated&model=${MODEL}&runs=2&budget=5&backends=wasm-threads,wasm-simd&auto=0&threads=2&run=1`);
    try {
      await waitDone(p);
      expect(await p.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await p.getAttribute('#env', 'data-isolated')).toBe('false');
      expect(await p.textContent('#env')).toMatch(/^crossOriginIsolated: false: no wasm threads .*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
      const [threaded, simd] = (await readRows(p)).filter((r) => r.status !== 'skipped');
      expect(threaded.status).toBe('unavailable');
      expect(threaded.reason).toMatch(/^threaded wasm build unavailable: not cross-origin isolated/);
      expect(simd.status).toBe('ok');
      const resolution = Number(await p.getAttribute('#env', 'data-resolution-ms'));
      console.log(`examples/benchmark without isolation: timer step ${resolution} ms, wasm SIMD ${simd.batch} runs per sample, median ${simd.warmMs} ms`);
      if (Number(simd.warmMs) < Math.max(1, 200 * resolution) / 20) expect(Number(simd.batch)).toBeGreaterThan(1);
    } finally {
      await p.close();
    }
  });

  it("loads another device's results JSON and compares it side by side", async () => {
    // Another device: the same file with every time doubled and another browser.
    const twice = structuredClone(exported);
    twice.device.userAgent = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';
    for (const r of twice.results.filter((x) => x.status === 'ok')) {
      for (const k of ['medianMs', 'p10Ms', 'p90Ms', 'loadMs', 'firstMs'] as const) r[k] = r[k]! * 2;
      r.samples = r.samples!.map((s) => s * 2);
    }
    await loadCompare(page, 'pixel.json', JSON.stringify(twice));
    expect(await page.textContent('#compare-error')).toBe('');
    const compared = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const ok = exported.results.filter((r) => r.status === 'ok');
    for (const r of ok) expect(compared.find((c) => c[0] === r.label)![3]).toBe('2.00×');
    expect(Number(await page.getAttribute('#compare-summary', 'data-value'))).toBeCloseTo(2, 9);
    expect(await page.textContent('#compare-summary')).toMatch(/^This device is 2\.00× faster than the loaded one \(Chrome 140, Android 14/);
    expect(await page.textContent('#compare')).toContain('Android 14');
    expect(await page.$('#compare-model-warning')).toBeNull();
    // Two bars per backend now, the loaded device's twice as long.
    const chart = await readChart(page, 'latency-chart');
    expectSaneBars(chart);
    for (const r of ok) {
      const [mine, theirs] = ['this device', 'loaded: Chrome 140, Linux, 2 cores'].map((s) => chart.bars.find((b) => b.key === r.id && b.series.startsWith(s.split(',')[0]))!);
      expect(theirs.value).toBeCloseTo(mine.value * 2, 9);
    }
  });

  it('shows a loaded results file on its own when nothing ran here: its score, its charts, its table', async () => {
    const p = await newPage(desktop, `${server.origin}${APP}index.html`);
    try {
      await waitFor(p, 'the page to start', async () => (await state(p)) === 'ready', 30_000);
      await loadCompare(p, 'results.json', JSON.stringify(exported));
      expect(await p.textContent('#compare-error')).toBe('');
      const best = exported.results.filter((r) => r.speedVsJs !== undefined).reduce((a, b) => (b.speedVsJs! > a.speedVsJs! ? b : a));
      expect(await p.getAttribute('#score', 'data-candidate')).toBe(best.id);
      expect(Number(await p.getAttribute('#score', 'data-value'))).toBeCloseTo(best.speedVsJs!, 9);
      expect(await p.textContent('#summary')).toMatch(/^Fastest on HeadlessChrome \d+, Linux/);
      const chart = await readChart(p, 'latency-chart');
      expectSaneBars(chart);
      expect(chart.bars.map((b) => b.key)).toEqual(exported.results.filter((r) => r.status === 'ok').map((r) => r.id));
      expect(new Set(chart.bars.map((b) => b.series))).toEqual(new Set([expect.stringMatching(/^loaded: HeadlessChrome/)]));
      expect(await p.$$eval('#compare-table thead th', (ths) => ths.length)).toBe(2);
      // Nothing ran here, so there is nothing of this device's to export.
      expect(await p.isDisabled('#export-json')).toBe(true);
    } finally {
      await p.close();
    }
  });

  it('flags a loaded file that timed another model', async () => {
    const another = structuredClone(exported);
    another.model = { name: 'fashion/lstm.eim', hash: `${exported.model.hash}-other` };
    await loadCompare(page, 'lstm.json', JSON.stringify(another));
    expect(await page.textContent('#compare-model-warning')).toBe(`The two files timed different models (${MODEL} and fashion/lstm.eim): their times are not comparable.`);
  });

  it('refuses a corrupt, a wrong and an oversized results file with a visible error, and drops the comparison', async () => {
    const visibleError = async () => {
      expect(await page.isVisible('#compare-error')).toBe(true);
      expect(await page.$('#compare-table')).toBeNull();
      return page.textContent('#compare-error');
    };
    await loadCompare(page, 'corrupt.json', '{"format": "edgeinfer-benchmark", "results": [');
    expect(await visibleError()).toMatch(/^Could not load corrupt\.json: not JSON: /);

    const wrong = structuredClone(exported) as unknown as { results: { status: string; samples: unknown[] }[] };
    wrong.results.find((r) => r.status === 'ok')!.samples[1] = '<img src=x onerror=alert(1)>';
    await loadCompare(page, 'wrong.json', JSON.stringify(wrong));
    expect(await visibleError()).toMatch(/^Could not load wrong\.json: results\[\d\]\.samples\[1\]: expected a finite number > 0, got "<img/);
    expect(await page.$('#compare img')).toBeNull();

    await loadCompare(page, 'other.json', JSON.stringify({ format: 'something-else', version: 1 }));
    expect(await visibleError()).toBe('Could not load other.json: format: expected "edgeinfer-benchmark", got "something-else"');

    // Times a score would divide by must be positive, and the median must lie between p10 and p90.
    const zero = structuredClone(exported);
    zero.results.find((r) => r.id === 'js')!.samples![0] = 0;
    await loadCompare(page, 'zero.json', JSON.stringify(zero));
    expect(await visibleError()).toMatch(/^Could not load zero\.json: results\[\d\]\.samples\[0\]: expected a finite number > 0, got 0$/);
    const inverted = structuredClone(exported);
    inverted.results.find((r) => r.id === 'js')!.p10Ms = 1e6;
    await loadCompare(page, 'inverted.json', JSON.stringify(inverted));
    expect(await visibleError()).toMatch(/^Could not load inverted\.json: results\[\d\]\.medianMs: expected a median between p10 \(1000000\) and p90/);
    // Sizes inside the file are capped too: rows, samples, text.
    const many = structuredClone(exported);
    many.results = Array.from({ length: 17 }, () => many.results[0]);
    await loadCompare(page, 'many.json', JSON.stringify(many));
    expect(await visibleError()).toMatch(/^Could not load many\.json: results: expected an array of at most 16 entries, got an array$/);
    const long = structuredClone(exported);
    long.device.userAgent = 'x'.repeat(5000);
    await loadCompare(page, 'long.json', JSON.stringify(long));
    expect(await visibleError()).toMatch(/^Could not load long\.json: device\.userAgent: expected text of at most 4000 characters, got "x{40}"$/);

    await loadCompare(page, 'huge.json', Buffer.alloc(MAX_RESULTS_BYTES + 1, 0x20));
    expect(await visibleError()).toBe(`Could not load huge.json: ${MAX_RESULTS_BYTES + 1} bytes is over the ${MAX_RESULTS_BYTES}-byte limit for a results file`);
    // The page's own report stands.
    expect(await page.$('#score')).not.toBeNull();
    expect(errors).toEqual([]);
  });

  it('measures a picked .eim file; with js left out the first backend that ran is the reference', async () => {
    await page.setInputFiles('#file', join(ROOT, 'models', MODEL));
    expect(await page.textContent('#share-note')).toContain('a picked file stays on this device');
    await page.fill('#runs', '2');
    await runPage([...GPU_ROWS, 'wasm-threads', 'js', 'auto']);
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
