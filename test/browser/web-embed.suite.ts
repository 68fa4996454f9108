// examples/web-embed in Chromium, served as the repository lays it out, at phone size (390×844, mobile
// viewport: the page's viewport meta must give a 390 px layout) and desktop size: a picture picked while
// the model is still loading (its request held back) waits on its card and is classified once the model is
// ready; a text file and a corrupt JPEG get visible errors on their cards and no page error; drop and paste
// (synthetic DataTransfer events) classify; each result shows its time; nothing scrolls sideways on the
// phone. A card's "why?" toggle lays a heatmap (cam, named, with a legend) over its picture and hides it
// again. The README's embed snippet runs as written against the bundle. Screenshots go to a temporary
// folder; EDGEINFER_SCREENSHOTS=1 also writes the phone one to examples/web-embed/screenshot-phone.png.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext as PlaywrightContext, Page, Route } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, type Setup } from './context.js';
import { overlayStats } from './heat-pixels.js';
import { startServer, type TestServer } from './server.js';

const APP = '/examples/web-embed/';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const SAMPLES = join(ROOT, 'models/samples');

interface Card { name: string; state: string; text: string; ms?: string; top: string[] }

export function webEmbedSuite(setup: Setup): void {
  const ctx = setup.ctx!;
  let server: TestServer;
  let phone: PlaywrightContext, desktop: PlaywrightContext;
  const shotDir = mkdtempSync(join(tmpdir(), 'edgeinfer-web-embed-shots-'));
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer({
      '/dist/browser/': ctx.bundle.dir,
      [APP]: join(ROOT, 'examples/web-embed'),
      '/models/': join(ROOT, 'models'),
      // The README snippet's paths: the package as npm installs it.
      '/node_modules/edgeinfer/dist/browser/': ctx.bundle.dir,
      '/node_modules/edgeinfer/models/': join(ROOT, 'models'),
    });
    phone = await ctx.browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    desktop = await ctx.browser.newContext({ viewport: DESKTOP });
  });
  afterAll(async () => {
    await phone?.close();
    await desktop?.close();
    await server?.close();
  });

  async function open(context: PlaywrightContext, query = '?backend=wasm', hold?: (route: Route) => Promise<void>): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    if (hold) await page.route('**/models/mobilenetv2-12-int8.eim', hold);
    await page.goto(`${server.origin}${APP}index.html${query}`);
    return page;
  }
  const cards = (page: Page): Promise<Card[]> => page.$$eval('#results .card', (els) => els.map((c) => ({
    name: c.querySelector('.name')!.textContent!,
    state: (c as HTMLElement).dataset.state!,
    text: c.querySelector('.state')!.textContent!,
    ms: (c as HTMLElement).dataset.ms,
    top: [...c.querySelectorAll('li .label')].map((l) => l.textContent!),
  })));
  async function until(page: Page, what: string, fn: () => Promise<boolean>, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await fn())) {
      if (errors.length) throw new Error(`page errors while waiting for ${what}: ${errors.join('; ')}`);
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s (status "${await page.textContent('#status')}", cards ${JSON.stringify(await cards(page))})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const settled = (page: Page, n: number) => until(page, `${n} settled cards`, async () => {
    const all = await cards(page);
    return all.length === n && all.every((c) => c.state === 'done' || c.state === 'error');
  });
  const card = async (page: Page, name: string): Promise<Card> => (await cards(page)).find((c) => c.name === name)!;
  const noOverflow = (page: Page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
  async function screenshot(page: Page, name: string): Promise<void> {
    const png = await page.screenshot({ fullPage: true });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    writeFileSync(join(shotDir, name), png);
    if (process.env.EDGEINFER_SCREENSHOTS === '1' && name === 'screenshot-phone.png') writeFileSync(join(ROOT, 'examples/web-embed', name), png);
    console.log(`examples/web-embed: screenshot ${join(shotDir, name)} (${png.length} bytes)`);
  }
  /** Dispatches a drop or a paste of `files` (fetched from the server) with a DataTransfer built in the page. */
  const dispatch = (page: Page, kind: 'drop' | 'paste', files: readonly { url: string; name: string; type: string }[]) => page.evaluate(async ({ kind, files }) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([await (await fetch(f.url)).blob()], f.name, { type: f.type }));
    if (kind === 'paste') {
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      return true;
    }
    const zone = document.getElementById('drop')!;
    const over = new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true });
    zone.dispatchEvent(over);
    const highlighted = zone.classList.contains('over');
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    return over.defaultPrevented && highlighted;
  }, { kind, files });

  /** Presses `name`'s "why?" and waits for its map: how it lies over the picture (heat-pixels.ts), its method and caption. */
  async function why(page: Page, name: string) {
    const card = page.locator('.card', { hasText: name });
    await card.locator('.why-toggle').click();
    await until(page, `the map of ${name}`, async () => ['shown', 'error'].includes(await card.getAttribute('data-why') ?? ''), 60_000);
    expect(await card.locator('figcaption').textContent()).not.toMatch(/^no explanation/);
    const stats = await card.evaluate(overlayStats, { overlay: 'figure canvas', source: 'img', smooth: true });
    return {
      ...stats,
      ...await card.evaluate((c) => ({
        method: (c.querySelector('figure') as HTMLElement).dataset.method, visible: c.querySelector('figure canvas')!.getClientRects().length > 0,
        caption: c.querySelector('figcaption')!.textContent!, legend: c.querySelector('figcaption .legend .ramp') !== null,
      })),
    };
  }
  function expectMap(m: Awaited<ReturnType<typeof why>>, name: string): void {
    console.log(`examples/web-embed: why? on ${name}: ${m.width}x${m.height} ${m.method}, of ${m.inside} pixels in view ${(m.hot * 100).toFixed(0)} % pushed to red, ${(m.cold * 100).toFixed(0)} % to blue; "${m.caption}"`);
    expect(m).toMatchObject({ method: 'cam', visible: true, legend: true });
    expect(m.inside).toBeGreaterThan(0.25 * m.width * m.height);
    expect(m.hot, 'a map over the picture: some of it hot').toBeGreaterThan(0.05);
    expect(m.cold, 'and some of it cold, not one flat colour').toBeGreaterThan(0.05);
    expect(m.caption).toMatch(/class activation map \(cam\)/);
  }
  /** Presses "why?" again: the overlay goes, the card says so. */
  async function hideWhy(page: Page, name: string): Promise<void> {
    const card = page.locator('.card', { hasText: name });
    await card.locator('.why-toggle').click();
    expect(await card.getAttribute('data-why')).toBe('hidden');
    expect(await card.locator('.why-toggle').getAttribute('aria-pressed')).toBe('false');
    expect(await card.locator('figure canvas').isVisible()).toBe(false);
  }

  let page: Page;

  it('phone: a picture picked while the model loads waits, then is classified; time shown; no sideways scroll', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let requested = false;
    page = await open(phone, '?backend=wasm', async (route) => { requested = true; await held; await route.continue(); });
    await until(page, 'the model request', async () => requested);
    expect(await page.getAttribute('body', 'data-model')).toBe('loading');
    await page.setInputFiles('#file', { name: 'cat.jpg', mimeType: 'image/jpeg', buffer: readFileSync(join(SAMPLES, 'cat.jpg')) });
    const waiting = await card(page, 'cat.jpg');
    expect(waiting).toMatchObject({ state: 'waiting', text: 'waiting for the model to load…' });
    release();
    await settled(page, 1);
    expect(await page.getAttribute('body', 'data-model')).toBe('ready');
    expect(await page.textContent('#status')).toMatch(/^Ready: MobileNetV2 .* on wasm\.$/);
    const done = await card(page, 'cat.jpg');
    expect(done.state).toBe('done');
    expect(done.top).toHaveLength(5);
    expect(done.top[0]).toBe('tabby');
    expect(Number(done.ms)).toBeGreaterThan(0);
    expect(done.text).toMatch(/^[\d.]+ ms on wasm, 227×227$/);
    const { scroll, inner } = await noOverflow(page);
    expect(inner, 'the viewport meta gives a 390 px layout').toBe(PHONE.width);
    expect(scroll, 'page-level horizontal overflow at 390 px').toBeLessThanOrEqual(inner);
  });

  it('phone: a text file and a corrupt JPEG get visible errors on their cards, and the page goes on', async () => {
    await page.setInputFiles('#file', [
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') },
      { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('\xff\xd8\xff\xe0 cut short', 'latin1') },
      { name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) },
    ]);
    await settled(page, 4);
    expect(await card(page, 'notes.txt')).toMatchObject({ state: 'error', text: 'not a picture (text/plain)', top: [] });
    expect(await card(page, 'broken.jpg')).toMatchObject({ state: 'error', text: expect.stringMatching(/^cannot read this file as a picture/) as unknown, top: [] });
    expect(await card(page, 'empty.png')).toMatchObject({ state: 'error', text: 'the file is empty' });
    for (const name of ['notes.txt', 'broken.jpg']) {
      expect(await page.locator('.card', { hasText: name }).locator('.state').isVisible()).toBe(true);
    }
    expect(errors).toEqual([]);
  });

  it('phone: a dropped and a pasted picture are classified; a paste with no picture says so', async () => {
    expect(await dispatch(page, 'drop', [{ url: '/models/samples/pizza.jpg', name: 'pizza.jpg', type: 'image/jpeg' }]), 'dragover accepted and shown').toBe(true);
    await settled(page, 5);
    expect((await card(page, 'pizza.jpg')).top[0]).toBe('pizza');
    await dispatch(page, 'paste', [{ url: '/models/samples/piano.jpg', name: 'image.jpg', type: 'image/jpeg' }]);
    await settled(page, 6);
    const pasted = await card(page, 'image.jpg');
    expect(pasted.top[0]).toBe('grand piano');
    expect(pasted.text).toMatch(/ms on wasm/);
    const { scroll, inner } = await noOverflow(page);
    expect(scroll).toBeLessThanOrEqual(inner);
    await dispatch(page, 'paste', []);
    expect(await page.textContent('#notice')).toMatch(/^The clipboard holds no picture/);
    expect(await cards(page)).toHaveLength(6);
    expect(errors).toEqual([]);
  });

  it('phone: "why?" lays the heatmap (cam) over a picture, with its method and a legend, and hides it again; no sideways scroll', async () => {
    expectMap(await why(page, 'pizza.jpg'), 'pizza.jpg');
    const { scroll, inner } = await noOverflow(page);
    expect(scroll, 'page-level horizontal overflow at 390 px with a map shown').toBeLessThanOrEqual(inner);
    await screenshot(page, 'screenshot-phone.png');
    await hideWhy(page, 'pizza.jpg');
    // Shown again from the map already made: no second explain.
    await page.locator('.card', { hasText: 'pizza.jpg' }).locator('.why-toggle').click();
    expect(await page.locator('.card', { hasText: 'pizza.jpg' }).getAttribute('data-why')).toBe('shown');
    expect(await page.locator('.card', { hasText: 'pizza.jpg' }).locator('figure canvas').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('desktop: two pictures dropped at once are queued and both classified; "why?" shows and hides a map; screenshot', async () => {
    const p = await open(desktop);
    try {
      await until(p, 'the model', async () => (await p.getAttribute('body', 'data-model')) === 'ready');
      await dispatch(p, 'drop', [
        { url: '/models/samples/saxophone.jpg', name: 'saxophone.jpg', type: 'image/jpeg' },
        { url: '/models/samples/beer_bottle.jpg', name: 'beer_bottle.jpg', type: 'image/jpeg' },
      ]);
      await settled(p, 2);
      expect((await card(p, 'saxophone.jpg')).top[0]).toBe('sax');
      expect((await card(p, 'beer_bottle.jpg')).top[0]).toBe('beer bottle');
      const { scroll, inner } = await noOverflow(p);
      expect(inner).toBe(DESKTOP.width);
      expect(scroll).toBeLessThanOrEqual(inner);
      expectMap(await why(p, 'saxophone.jpg'), 'saxophone.jpg');
      expect((await noOverflow(p)).scroll).toBeLessThanOrEqual(DESKTOP.width);
      await screenshot(p, 'screenshot-desktop.png');
      await hideWhy(p, 'saxophone.jpg');
      expect(errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('a model that cannot be loaded is said on the page, and the waiting pictures say they were not classified', async () => {
    const p = await open(desktop, '?backend=wasm', async (route) => { await route.fulfill({ status: 404, body: 'gone' }); });
    try {
      await p.setInputFiles('#file', { name: 'cat.jpg', mimeType: 'image/jpeg', buffer: readFileSync(join(SAMPLES, 'cat.jpg')) });
      await until(p, 'the failure', async () => (await p.getAttribute('body', 'data-model')) === 'failed');
      expect(await p.textContent('#status')).toMatch(/^The model could not be loaded: .*404/);
      await until(p, 'the card', async () => (await card(p, 'cat.jpg'))?.state === 'error');
      expect((await card(p, 'cat.jpg')).text).toBe('not classified: the model could not be loaded');
      // The 404 itself is a console error of the browser's, not of the page.
      expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
      errors.length = 0;
    } finally {
      await p.close();
    }
  });

  it("README.md's embed snippet classifies a picked picture as written", async () => {
    const readme = readFileSync(join(ROOT, 'examples/web-embed/README.md'), 'utf8');
    const snippet = /<!-- embed -->\n```html\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, 'the README has an html block after <!-- embed -->').toBeDefined();
    const script = /<script type="module">\n([\s\S]*?)<\/script>/.exec(snippet!)![1].trim().split('\n');
    expect(script, 'three lines of script').toHaveLength(3);
    // The bundle here is the unminified build of the same code as index.min.js.
    server.put('/node_modules/edgeinfer/dist/browser/index.min.js', readFileSync(join(ctx.bundle.dir, 'index.js')), 'text/javascript; charset=utf-8');
    server.put('/embed/index.html', Buffer.from(`<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">\n${snippet}`), 'text/html; charset=utf-8');
    const p = await desktop.newPage();
    p.on('pageerror', (e) => errors.push(e.message));
    try {
      await p.goto(`${server.origin}/embed/index.html`);
      await until(p, 'the snippet\'s model', () => p.evaluate(() => document.querySelector('input')!.onchange !== null));
      await p.setInputFiles('input[type=file]', { name: 'cat.jpg', mimeType: 'image/jpeg', buffer: readFileSync(join(SAMPLES, 'cat.jpg')) });
      await until(p, 'the snippet\'s result', async () => (await p.textContent('output')) !== '');
      expect(await p.textContent('output')).toBe('tabby');
      expect(errors).toEqual([]);
    } finally {
      await p.close();
    }
  });
}
