// examples/fashion in Chromium, served as the repository lays it out after `npm run build`: the page
// picks the best model there is, and on wasm its 12 test images must get TF.js's top-1 class names
// (twice: the first page and the next); trousers drawn with the mouse must be named Trouser, and with the CNN
// get an occlusion map beside them (a real map: hot and cold parts over the drawing), which clear clears; and an
// uploaded picture of a test image, dark on white, must be inverted and get TF.js's top-1 for it.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FIXTURES, LABELS, testImagePicture, tfjsTop1 } from '../e2e/fashion-helpers.js';
import { ROOT, type Setup } from './context.js';
import { overlayStats } from './heat-pixels.js';
import { startServer, type TestServer } from './server.js';

const APP = '/examples/fashion/';
/** examples/fashion/fashion.mjs's MODELS: the page lists those present in this order and opens the first. */
const BEST_FIRST = ['cnn', 'lstm', 'gru', 'simplernn'];
const SHOWN = 12;
/** The uploaded picture shows test image 20, a pullover that fills its frame: trimmed and resized, it stays as it is. */
const UPLOAD = 20;

interface Shown { index: number; predicted: string }

export function fashionSuite(setup: Setup): void {
  const ctx = setup.ctx!;
  let server: TestServer;
  let page: Page;
  let model: string;
  let expected: Uint8Array;
  const errors: string[] = [];

  const shown = (): Promise<Shown[]> => page.$$eval('#tests li', (lis) => lis.map((li) => ({
    index: Number((li as HTMLElement).dataset.index), predicted: (li as HTMLElement).dataset.predicted ?? '',
  })));
  const resultLabels = (id: string): Promise<string[]> => page.$$eval(`#${id} li`, (lis) => lis.map((li) => (li as HTMLElement).dataset.label ?? ''));
  async function waitFor(what: string, fn: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!(await fn())) {
      if (errors.length) throw new Error(`page errors while waiting for ${what}: ${errors.join('; ')}`);
      if (Date.now() > deadline) throw new Error(`${what}: not within 30 s (status "${await page.textContent('#status')}")`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    server = await startServer({
      '/dist/browser/': ctx.bundle.dir,
      [APP]: join(ROOT, 'examples/fashion'),
      '/models/': join(ROOT, 'models'),
      '/test/fixtures/fashion-mnist/': FIXTURES,
    });
    page = await ctx.browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      // The page probes which models are there: a missing one (the CNN before it is converted) is a 404.
      if (m.type() === 'error' && !/\/models\/fashion\/[a-z]+(-int8)?\.eim$/.test(m.location().url)) errors.push(m.text());
    });
    const t0 = performance.now();
    await page.goto(`${server.origin}${APP}index.html?backend=wasm`);
    await waitFor('the test images', async () => (await shown()).filter((s) => s.predicted).length === SHOWN);
    model = await page.inputValue('#model');
    expected = tfjsTop1(model);
    console.log(`examples/fashion: "${await page.textContent('#status')}" with ${SHOWN} test images classified after ${(performance.now() - t0).toFixed(0)} ms`);
  }, 60_000);
  afterAll(async () => {
    await page?.close();
    await server?.close();
  });

  it('opens the best model there is, on wasm', async () => {
    const options = await page.$$eval('#model option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(BEST_FIRST.filter((m) => existsSync(join(ROOT, 'models/fashion', `${m}.eim`))));
    expect(model).toBe(options[0]);
    expect(await page.textContent('#status')).toBe(`${model} on wasm`);
  });

  it(`names the ${SHOWN} shown test images as TF.js does, and the next ${SHOWN} after "next"`, async () => {
    const first = await shown();
    expect(first.map((s) => s.index)).toEqual(Array.from({ length: SHOWN }, (_, i) => i));
    for (const s of first) expect(`#${s.index}: ${s.predicted}`).toBe(`#${s.index}: ${LABELS[expected[s.index]]}`);
    await page.click('#next');
    await waitFor('the next test images', async () => (await shown())[0]?.index === SHOWN);
    const next = await shown();
    expect(next.map((s) => s.index)).toEqual(Array.from({ length: SHOWN }, (_, i) => SHOWN + i));
    for (const s of next) expect(`#${s.index}: ${s.predicted}`).toBe(`#${s.index}: ${LABELS[expected[s.index]]}`);
  });

  it('classifies trousers drawn with the mouse (dark on white) as Trouser, and shows their occlusion map (CNN) until cleared', async () => {
    expect(await resultLabels('draw-result')).toEqual([]);
    const box = (await page.locator('#draw').boundingBox())!;
    const at = (x: number, y: number): [number, number] => [box.x + x * box.width, box.y + y * box.height];
    // A waistband (two strokes), then two legs filled with three strokes each; [from, to] in fractions of the pad.
    const strokes = [[0.3, 0.12, 0.7, 0.12], [0.3, 0.18, 0.7, 0.18], ...[[0.32, 0.3], [0.38, 0.37], [0.44, 0.43], [0.68, 0.7], [0.62, 0.63], [0.56, 0.57]]
      .map(([top, bottom]) => [top, 0.15, bottom, 0.92])];
    for (const [x0, y0, x1, y1] of strokes) {
      await page.mouse.move(...at(x0, y0));
      await page.mouse.down();
      for (let k = 1; k <= 10; k++) await page.mouse.move(...at(x0 + (x1 - x0) * k / 10, y0 + (y1 - y0) * k / 10));
      await page.mouse.up();
    }
    await waitFor('a class for the drawing', async () => (await resultLabels('draw-result')).length === 3);
    const text = await page.textContent('#draw-result li');
    console.log(`examples/fashion: the drawn trousers: ${text}`);
    expect((await resultLabels('draw-result'))[0]).toBe('Trouser');
    // The model saw the strokes light on black: the preview is black in the corner, light on a leg.
    const [corner, leg] = await page.$eval('#draw-input', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
      return [d[0], d[(20 * 28 + 10) * 4]];
    });
    expect(corner).toBe(0);
    expect(leg).toBeGreaterThan(128);

    // Its occlusion map (the CNN; the RNNs say they have none), over what the model saw, with progress on the way.
    await waitFor('the occlusion map', async () => ['done', 'error'].includes(await page.getAttribute('#draw-why', 'data-state') ?? '')
      || (model !== 'cnn' && /CNN only/.test(await page.textContent('#draw-why-status') ?? '')));
    const status = await page.textContent('#draw-why-status');
    console.log(`examples/fashion: why (${model}): ${status}`);
    if (model === 'cnn') {
      expect(await page.getAttribute('#draw-why', 'data-state')).toBe('done');
      expect(await page.getAttribute('#draw-why', 'data-method')).toBe('occlusion');
      expect(status).toMatch(/^Trouser \([\d.]+ %\): occlusion, a 6x6 patch at 144 positions, \d+ ms$/);
      const m = await page.locator('body').evaluate(overlayStats, { overlay: '#draw-why', source: '#draw-input', smooth: false });
      console.log(`examples/fashion: occlusion map ${m.width}x${m.height}: ${(m.hot * 100).toFixed(0)} % pushed to red, ${(m.cold * 100).toFixed(0)} % to blue`);
      expect(m.inside, 'the map covers the whole input').toBeGreaterThan(0.95 * m.width * (m.height - Math.ceil(m.height / 12)));
      // An occlusion map is peaked (covering the black background costs nothing): a few per cent is hot. A flat
      // map would push every pixel one way (or, mid-ramp, neither), never both.
      expect(m.hot, 'a map over the drawing: some of it hot').toBeGreaterThan(0.02);
      expect(m.cold, 'and some of it cold, not one flat colour').toBeGreaterThan(0.02);
      const shot = join(mkdtempSync(join(tmpdir(), 'edgeinfer-fashion-')), 'drawing-why.png');
      await page.locator('#draw').locator('..').screenshot({ path: shot });
      console.log(`examples/fashion: screenshot of the drawing and its map: ${shot}`);
    }
    await page.click('#clear');
    expect(await resultLabels('draw-result')).toEqual([]);
    expect(await page.getAttribute('#draw-why', 'data-state')).toBeNull();
    expect(await page.textContent('#draw-why-status')).toBe('draw something');
    expect(await page.$eval('#draw-why', (c) => (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 168, 168).data.some((v) => v !== 0))).toBe(false);
  });

  it('phone (390×844): nothing scrolls sideways, the drawing pad and its map included', async () => {
    const phone = await ctx.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const p = await phone.newPage();
      p.on('pageerror', (e) => errors.push(e.message));
      await p.goto(`${server.origin}${APP}index.html?backend=wasm`);
      await p.waitForFunction(() => document.querySelectorAll('#tests li[data-predicted]').length > 0, undefined, { timeout: 30_000 });
      const o = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth, why: document.getElementById('draw-why')!.getBoundingClientRect().right }));
      expect(o.inner).toBe(390);
      expect(o.scroll, 'page-level horizontal overflow at 390 px').toBeLessThanOrEqual(o.inner);
      expect(o.why).toBeLessThanOrEqual(o.inner);
    } finally {
      await phone.close();
    }
  });

  it(`inverts an uploaded picture of test image ${UPLOAD} (dark on white) and names it as TF.js does`, async () => {
    await page.setInputFiles('#file', { name: 'garment.png', mimeType: 'image/png', buffer: Buffer.from(testImagePicture(UPLOAD)) });
    await waitFor('a class for the picture', async () => (await resultLabels('file-result')).length === 3);
    expect((await resultLabels('file-result'))[0]).toBe(LABELS[expected[UPLOAD]]);
    const corner = (): Promise<number> => page.$eval('#file-input', (c) => (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 1, 1).data[0]);
    expect(await corner()).toBe(0);
    // Forced not to invert, the model gets the picture as it is: white around the garment.
    await page.selectOption('#invert', 'no');
    await waitFor('the picture, not inverted', async () => (await corner()) === 255);
    expect(await resultLabels('file-result')).toHaveLength(3);
    expect(errors).toEqual([]);
  });
}
