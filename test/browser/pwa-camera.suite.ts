// examples/pwa-camera as its users meet it, in Chromium with fake cameras: at phone size (390x844, mobile viewport)
// with one camera streaming pizza.jpg (classifies, smoothing on and adjustable with the raw scores kept, pause, no
// switch, backend and why, speed, install button, "why?" freezing the frame under a heatmap and Resume clearing it, no
// horizontal overflow, screenshots); with two cameras (the switch
// opens the other one); with the camera permission denied (a state with retry and a photo fallback that classifies,
// a readable error for a non-image, then retry once allowed); with no camera at all; with a model that cannot be
// fetched; at desktop size (no switch, installable, offline from the service worker, cross-origin isolated with
// threads, "why?" offline from the cached advanced.js, and an update taken through the "update available" prompt). Screenshots go to a temporary folder; with
// EDGEINFER_SCREENSHOTS=1 the phone-size ones are written to examples/pwa-camera/ (screenshot-phone*.png).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext as PwContext, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, parsePng } from '../../src/vision/node-png.js';
import { ROOT, type Setup } from './context.js';
import { nodeTop1ByPhoto, SAMPLES_DIR, type TopClass } from './fixtures.js';
import { overlayStats } from './heat-pixels.js';
import { startServer, type TestServer } from './server.js';
import { launchWithCamera } from './video.suite.js';

const CAMERA_PHOTO = 'pizza.jpg';
const PICKED_PHOTO = 'elephant.jpg';
const APP = '/examples/pwa-camera/';
const DIR = join(ROOT, 'examples/pwa-camera');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const SW_SOURCE = readFileSync(join(DIR, 'sw.js'), 'utf8');
/** The cache sw.js fills (its VERSION): every file the app needs offline. */
const SW_CACHE = /const VERSION = '([^']+)'/.exec(SW_SOURCE)![1];
/** How many files sw.js caches (its FILES list). */
const SW_FILES = /const FILES = \[([^\]]*)\]/.exec(SW_SOURCE)![1].split(',').filter((f) => f.trim()).length;
/** The app's smoothing slider's starting value. */
const SMOOTHING = Number(/id="smoothing"[^>]*value="([\d.]+)"/.exec(readFileSync(join(DIR, 'index.html'), 'utf8'))![1]);
/** Where screenshots go: a temporary folder; with EDGEINFER_SCREENSHOTS=1 the phone-size ones go to the example's folder. */
const SHOTS = mkdtempSync(join(tmpdir(), 'edgeinfer-pwa-shots-'));
const KEEP_SHOTS = process.env.EDGEINFER_SCREENSHOTS === '1';

interface Shown { state: string; labels: string[]; scores: number[]; raw: number[]; backend: string; why: string; stats: string; text: string; results: number }

/** Every rendered top row (smoothed score, raw score), recorded from the first one on, before the app runs. */
function recordRenders(): void {
  const w = window as unknown as { renders: [number, number][] };
  w.renders = [];
  new MutationObserver(() => {
    const li = document.querySelector<HTMLElement>('#labels li');
    if (li?.dataset.raw !== undefined) w.renders.push([Number(li.dataset.score), Number(li.dataset.raw)]);
  }).observe(document, { childList: true, subtree: true });
}

async function shown(page: Page): Promise<Shown> {
  return page.evaluate(() => {
    const all = (s: string) => [...document.querySelectorAll<HTMLElement>(s)];
    return {
      state: document.getElementById('stage')!.dataset.state ?? '',
      labels: all('#labels li span:nth-child(2)').map((e) => e.textContent ?? ''),
      scores: all('#labels li').map((e) => Number(e.dataset.score)),
      raw: all('#labels li').map((e) => Number(e.dataset.raw)),
      backend: document.getElementById('backend')!.textContent ?? '',
      why: document.getElementById('why')!.textContent ?? '',
      stats: document.getElementById('stats')!.textContent ?? '',
      text: document.body.innerText,
      results: Number(document.getElementById('stats')!.dataset.results ?? 0),
    };
  });
}

/** Elements reaching past the right edge of the viewport, and whether the page scrolls sideways. */
async function overflow(page: Page): Promise<{ scrolls: boolean; past: string[] }> {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const past = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getClientRects().length > 0 && e.getBoundingClientRect().right > w + 0.5)
      .map((e) => `${e.tagName.toLowerCase()}#${e.id} right ${e.getBoundingClientRect().right.toFixed(0)}`);
    return { scrolls: document.documentElement.scrollWidth > w, past };
  });
}

async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(KEEP_SHOTS && name.startsWith('screenshot-phone') ? DIR : SHOTS, name);
  const png = await page.screenshot({ path });
  const info = parsePng(new Uint8Array(png));
  const viewport = page.viewportSize()!;
  expect([info.width, info.height]).toEqual([viewport.width, viewport.height]);
  console.log(`pwa-camera: screenshot ${path} (${info.width}x${info.height}, ${png.length} B)`);
  return path;
}

export function pwaCameraSuite(setup: Setup): void {
  const ctx = setup.ctx!;
  let server: TestServer;
  let want: Map<string, TopClass>;
  const browsers: Awaited<ReturnType<typeof launchWithCamera>>[] = [];

  beforeAll(async () => {
    want = await nodeTop1ByPhoto();
    // Laid out as the repository is after `npm run build` (the bundle at /dist/browser/), as serve.mjs serves it.
    server = await startServer({ '/dist/browser/': ctx.bundle.dir, [APP]: DIR, '/models/': join(ROOT, 'models') });
    server.put(APP, readFileSync(join(DIR, 'index.html')), 'text/html; charset=utf-8');
    server.put(`${APP}manifest.webmanifest`, readFileSync(join(DIR, 'manifest.webmanifest')), 'application/manifest+json');
    server.put(`${APP}icon.svg`, readFileSync(join(DIR, 'icon.svg')), 'image/svg+xml');
  }, 120_000);
  afterAll(async () => {
    for (const b of browsers) await b.remove();
    await server?.close();
  });

  async function launch(options: Parameters<typeof launchWithCamera>[1]): Promise<Browser> {
    const b = await launchWithCamera(CAMERA_PHOTO, options);
    browsers.push(b);
    return b.browser;
  }

  /** The app in a fresh context (`before` may prepare its page); `errors` collects the page's uncaught errors. */
  async function openApp(browser: Browser, options: object, permissions: string[] = [], before?: (page: Page) => Promise<void>): Promise<{ context: PwContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ ...options, permissions });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(recordRenders);
    await before?.(page);
    await page.goto(`${server.origin}${APP}`);
    return { context, page, errors };
  }

  /** `body` on the app in a fresh context, which is closed after it; the page must have thrown nothing. */
  async function withApp(browser: Browser, options: object, permissions: string[], body: (app: { context: PwContext; page: Page }) => Promise<void>,
    before?: (page: Page) => Promise<void>): Promise<void> {
    const { context, page, errors } = await openApp(browser, options, permissions, before);
    try {
      await body({ context, page });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }

  /** Waits until the app has shown more than `n` results in all. */
  const resultsAfter = (page: Page, n: number, timeout = 30_000) =>
    page.waitForFunction((k) => Number(document.getElementById('stats')!.dataset.results) > k, n, { timeout });

  /** Presses "why?" and waits for the map over `source` (the frozen frame, or the photo): a real one (heat-pixels.ts), cam, named. */
  const why = async (page: Page, source = '#camera') => {
    await page.click('#explain');
    await page.waitForFunction(() => ['shown', 'error'].includes(document.getElementById('stage')!.dataset.why ?? ''), undefined, { timeout: 60_000 })
      .catch(async (e: Error) => { throw new Error(`no map: "${await page.textContent('#heat-caption')}": ${e.message}`); });
    const caption = (await page.textContent('#heat-caption')) ?? '';
    expect(caption).not.toMatch(/^No explanation/);
    const stats = await page.locator('#stage').evaluate(overlayStats, { overlay: '#heat', source, smooth: true });
    const method = await page.getAttribute('#heat', 'data-method');
    console.log(`pwa-camera why?: ${stats.width}x${stats.height} ${method}, of ${stats.inside} pixels ${(stats.hot * 100).toFixed(0)} % pushed to red, ${(stats.cold * 100).toFixed(0)} % to blue; "${caption}"`);
    expect(method).toBe('cam');
    expect(caption).toMatch(/class activation map \(cam\)/);
    expect(stats.inside).toBeGreaterThan(0.25 * stats.width * stats.height);
    expect(stats.hot, 'a map over the frame: some of it hot').toBeGreaterThan(0.05);
    expect(stats.cold, 'and some of it cold, not one flat colour').toBeGreaterThan(0.05);
    expect(await page.locator('#heat').isVisible()).toBe(true);
    expect(await page.locator('#explain').getAttribute('aria-pressed')).toBe('true');
  };
  const paused = (page: Page) => page.evaluate(() => (document.getElementById('camera') as HTMLVideoElement).paused);

  const waitState = async (page: Page, state: string, timeout = 60_000) => {
    await page.waitForFunction((s) => document.getElementById('stage')!.dataset.state === s, state, { timeout })
      .catch(async (e: Error) => { throw new Error(`state never "${state}": ${JSON.stringify(await shown(page))}: ${e.message}`); });
  };
  const waitLabels = async (page: Page, label: string) => {
    await page.waitForFunction((l) => document.querySelector('#labels li span:nth-child(2)')?.textContent === l, label, { timeout: 60_000 })
      .catch(async (e: Error) => { throw new Error(`"${label}" never shown: ${JSON.stringify(await shown(page))}: ${e.message}`); });
  };
  /** The backend line settles on a backend (never left at "loading…"), with a reason. */
  const expectBackend = async (page: Page) => {
    await page.waitForFunction(() => ['webgpu', 'wasm', 'js'].includes(document.getElementById('backend')!.textContent ?? ''), undefined, { timeout: 60_000 });
    const s = await shown(page);
    expect(s.why).not.toMatch(/^…$|^$/);
    return s;
  };
  /** A photo from models/samples through the file picker that `opener` opens. */
  const pick = async (page: Page, opener: string, file: string) => {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click(opener)]);
    await chooser.setFiles(file);
  };

  it('the manifest\'s maskable icon fills its square, with the glyph inside the safe zone (the centred circle of radius 40 %)', () => {
    const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.webmanifest'), 'utf8')) as { icons: { src: string; sizes: string; purpose?: string }[] };
    const maskable = manifest.icons.filter((i) => i.purpose?.split(' ').includes('maskable'));
    expect(maskable.map((i) => i.src)).toEqual(['icon-maskable-512.png']);
    expect(SW_SOURCE).toContain("'./icon-maskable-512.png'");
    const info = parsePng(new Uint8Array(readFileSync(join(DIR, 'icon-maskable-512.png'))));
    expect([info.width, info.height, `${info.width}x${info.height}`]).toEqual([512, 512, maskable[0].sizes]);
    const rgba = decodePng(info);
    const bg = [...rgba.subarray(0, 4)];
    let outside = 0, inside = 0, opaque = true;
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 512; x++) {
        const o = (y * 512 + x) * 4;
        opaque &&= rgba[o + 3] === 255;
        const isBg = rgba[o] === bg[0] && rgba[o + 1] === bg[1] && rgba[o + 2] === bg[2];
        if (isBg) continue;
        if (Math.hypot(x + 0.5 - 256, y + 0.5 - 256) > 0.4 * 512) outside++;
        else inside++;
      }
    }
    console.log(`pwa-camera: maskable icon background rgb(${bg.slice(0, 3).join(', ')}), ${inside} glyph pixels in the safe zone, ${outside} outside`);
    expect(opaque).toBe(true);
    expect(outside).toBe(0);
    // A glyph there at all: a blank square would pass the rest.
    expect(inside).toBeGreaterThan(0.05 * 512 * 512);
  });

  it('sw.js caches the threaded builds and their worker script with the rest', () => {
    for (const f of ['edgeinfer-simd-threads.wasm', 'edgeinfer-relaxed-threads.wasm', 'edgeinfer-worker.js']) {
      expect(SW_SOURCE).toContain(`'../../dist/browser/${f}'`);
    }
  });

  /** One camera streaming CAMERA_PHOTO; a context has it only when given the 'camera' permission. */
  let oneCamera: Promise<Browser> | undefined;
  const withOneCamera = () => (oneCamera ??= launch({ cameras: 1, askPermission: true }));

  it(`phone, one camera: classifies ${CAMERA_PHOTO} live with smoothing (raw scores kept), pauses, "why?" freezes the frame under a heatmap that Resume clears, no switch, shows backend, why and speed, offers install; no sideways overflow`, async () => {
    const browser = await withOneCamera();
    await withApp(browser, PHONE, ['camera'], async ({ context, page }) => {
      const pizza = want.get(CAMERA_PHOTO)!.label;
      await waitState(page, 'camera');
      await waitLabels(page, pizza);
      const s = await expectBackend(page);
      console.log(`pwa-camera phone: ${s.labels.join(', ')} on ${s.backend} (${s.why})`);
      expect(s.labels).toHaveLength(3);

      // Smoothing: the first result shows (1 - a) of the frame's score, later ones climb towards it.
      await page.waitForFunction(() => (window as unknown as { renders: unknown[] }).renders.length >= 4, undefined, { timeout: 30_000 });
      const renders = await page.evaluate(() => (window as unknown as { renders: [number, number][] }).renders);
      console.log(`pwa-camera phone: smoothing ${SMOOTHING}: top score shown/raw ${renders.slice(0, 5).map(([a, b]) => `${a.toFixed(3)}/${b.toFixed(3)}`).join(', ')}`);
      expect(SMOOTHING).toBeGreaterThan(0);
      expect(renders[0][0]).toBeCloseTo((1 - SMOOTHING) * renders[0][1], 6);
      expect(renders[3][0]).toBeGreaterThan(renders[0][0]);
      expect(renders[3][0]).toBeLessThan(renders[3][1] + 1e-6);
      // Smoothing off: what is shown is each frame's own score.
      await page.locator('#smoothing').fill('0');
      const from = renders.length + 2;
      await page.waitForFunction((n) => (window as unknown as { renders: unknown[] }).renders.length >= n + 2, from, { timeout: 30_000 });
      const after = await page.evaluate((n) => (window as unknown as { renders: [number, number][] }).renders.slice(n), from);
      for (const [score, raw] of after) expect(score).toBe(raw);

      // Speed once a second has passed.
      await page.waitForFunction(() => /results\/s/.test(document.getElementById('stats')!.textContent ?? ''), undefined, { timeout: 10_000 });
      expect((await shown(page)).stats).toMatch(/^\d+(\.\d)? results\/s, \d+ ms each, \d+ frames skipped$/);

      // Pause freezes the picture and the labels; resume goes on.
      await page.click('#pause');
      expect(await page.evaluate(() => (document.getElementById('camera') as HTMLVideoElement).paused)).toBe(true);
      await page.waitForTimeout(300); // a classification in flight may still land
      const frozen = (await shown(page)).results;
      await page.waitForTimeout(1500);
      expect((await shown(page)).results).toBe(frozen);
      expect(await page.locator('#paused-badge').isVisible()).toBe(true);
      expect(await page.locator('#pause').textContent()).toBe('Resume');
      await page.click('#pause');
      await resultsAfter(page, frozen + 1, 10_000);

      // why? freezes the frame (as Pause does) and lays the map over it; pressed again the map goes and the frame
      // stays frozen; pressed once more it is back; Resume clears it and the results go on.
      expect(await page.locator('#explain').isEnabled()).toBe(true);
      await why(page);
      expect(await paused(page)).toBe(true);
      expect(await page.locator('#paused-badge').isVisible()).toBe(true);
      expect(await page.locator('#pause').textContent()).toBe('Resume');
      await page.waitForTimeout(300);
      const still = (await shown(page)).results;
      await page.waitForTimeout(1000);
      expect((await shown(page)).results).toBe(still);
      expect(await overflow(page)).toEqual({ scrolls: false, past: [] });
      await screenshot(page, 'screenshot-phone-why.png');
      await page.click('#explain');
      expect(await page.locator('#heat').isVisible()).toBe(false);
      expect(await page.locator('#heat-caption').isVisible()).toBe(false);
      expect(await paused(page)).toBe(true);
      await why(page);
      await page.click('#pause');
      expect(await page.locator('#heat').isVisible()).toBe(false);
      expect(await page.getAttribute('#stage', 'data-why')).toBeNull();
      expect(await page.locator('#explain').getAttribute('aria-pressed')).toBe('false');
      expect(await paused(page)).toBe(false);
      await resultsAfter(page, still + 1, 10_000);

      // One camera: nothing to switch to.
      expect(await page.locator('#switch').isVisible()).toBe(false);

      // Install: Chromium fires beforeinstallprompt only for an engaged user, never here; the app's handling of it
      // is what is tested, with the event as Chromium makes it (preventDefault, then prompt() on a click).
      expect(await page.locator('#install').isVisible()).toBe(false);
      const install = await page.evaluate(() => {
        const e = new Event('beforeinstallprompt', { cancelable: true }) as Event & { prompt(): Promise<void>; prompted?: boolean };
        e.prompt = async () => { e.prompted = true; };
        (window as unknown as { installEvent: typeof e }).installEvent = e;
        window.dispatchEvent(e);
        return e.defaultPrevented;
      });
      expect(install).toBe(true);
      expect(await page.locator('#install').isVisible()).toBe(true);
      await page.click('#install');
      expect(await page.evaluate(() => (window as unknown as { installEvent: { prompted?: boolean } }).installEvent.prompted)).toBe(true);
      expect(await page.locator('#install').isVisible()).toBe(false);

      // Back to smoothing for the picture.
      await page.locator('#smoothing').fill(String(SMOOTHING));
      await page.waitForTimeout(1500);
      const o = await overflow(page);
      expect(o).toEqual({ scrolls: false, past: [] });
      await screenshot(page, 'screenshot-phone.png');
    });
  }, 180_000);

  it('phone, two cameras: the switch opens the other one, and classification goes on', async () => {
    // Chromium's two fake cameras show its own test pattern, not a photo: what they are classified as is no matter here.
    const browser = await launch({ cameras: 2 });
    await withApp(browser, PHONE, [], async ({ context, page }) => {
      await waitState(page, 'camera');
      await resultsAfter(page, 0, 60_000);
      await page.locator('#switch').waitFor({ state: 'visible', timeout: 10_000 });
      const track = () => page.evaluate(() => ((document.getElementById('camera') as HTMLVideoElement).srcObject as MediaStream | null)?.getVideoTracks()[0]?.label);
      /** Clicks the switch and waits for the camera to be live on another track than `from`; returns its label. */
      const switchFrom = async (from: string | undefined) => {
        await page.click('#switch');
        await page.waitForFunction((l) => document.getElementById('stage')!.dataset.state === 'camera'
          && ((document.getElementById('camera') as HTMLVideoElement).srcObject as MediaStream | null)?.getVideoTracks()[0]?.label !== l, from, { timeout: 30_000 });
        return track();
      };
      const before = await track();
      const switched = await switchFrom(before);
      const n = (await shown(page)).results;
      await resultsAfter(page, n + 1);
      console.log(`pwa-camera two cameras: switched ${before} -> ${switched}, classifying: ${(await shown(page)).labels.join(', ')}`);
      expect(before).toMatch(/^fake_device_\d$/);
      expect(switched).toMatch(/^fake_device_\d$/);
      // And back again.
      expect(await switchFrom(switched)).toBe(before);
      expect(await overflow(page)).toEqual({ scrolls: false, past: [] });
    });
  }, 180_000);

  it('phone, camera permission denied: a state with retry and a photo fallback (same classifier, "why?" on it too), a readable error for a non-image; retry works once allowed', async () => {
    const browser = await withOneCamera();
    await withApp(browser, PHONE, [], async ({ context, page }) => {
      await waitState(page, 'denied');
      const s = await expectBackend(page);
      console.log(`pwa-camera denied: "${s.text.split('\n').find((l) => /blocked/.test(l))}"; model on ${s.backend}`);
      expect(s.text).toMatch(/Camera access is blocked/);
      expect(s.text).not.toMatch(/NotAllowedError|Permission denied|loading…/);
      expect(await page.locator('#retry').isVisible()).toBe(true);
      expect(await page.locator('#state-pick').isVisible()).toBe(true);
      expect(await page.locator('#switch').isVisible()).toBe(false);
      expect(await page.locator('#pause').isDisabled()).toBe(true);
      expect(await overflow(page)).toEqual({ scrolls: false, past: [] });
      await screenshot(page, 'screenshot-phone-denied.png');

      await pick(page, '#state-pick', join(SAMPLES_DIR, PICKED_PHOTO));
      await waitState(page, 'photo');
      await waitLabels(page, want.get(PICKED_PHOTO)!.label);
      const photo = await shown(page);
      console.log(`pwa-camera denied: picked ${PICKED_PHOTO}: ${photo.labels.join(', ')} (${photo.stats})`);
      expect(photo.labels).toHaveLength(3);
      expect(await page.locator('#photo').isVisible()).toBe(true);
      // "why?" on the photo: its map over it, until pressed again.
      await why(page, '#photo');
      await page.click('#explain');
      expect(await page.locator('#heat').isVisible()).toBe(false);

      // Not an image: said so, in words, and the app stays usable.
      const bad = join(mkdtempSync(join(tmpdir(), 'edgeinfer-pwa-')), 'notes.txt');
      writeFileSync(bad, 'not a picture');
      await pick(page, 'label[for=pick]:not(#state-pick)', bad);
      await waitState(page, 'error');
      expect((await shown(page)).text).toMatch(/"notes\.txt" is not an image this browser can read/);

      // Allowed now (as after the user changed the site setting): retry opens the camera and classifies it.
      await context.grantPermissions(['camera']);
      await page.click('#retry');
      await waitState(page, 'camera');
      await waitLabels(page, want.get(CAMERA_PHOTO)!.label);
    });
  }, 180_000);

  it('phone, no camera: a state saying so, no switch, and a photo classified instead', async () => {
    const browser = await launch({ cameras: 0 });
    await withApp(browser, PHONE, [], async ({ context, page }) => {
      await waitState(page, 'nocamera');
      const s = await expectBackend(page);
      expect(s.text).toMatch(/No camera found/);
      expect(s.text).not.toMatch(/NotFoundError|Requested device not found|loading…/);
      expect(await page.locator('#switch').isVisible()).toBe(false);
      expect(await page.locator('#retry').isVisible()).toBe(true);
      await screenshot(page, 'screenshot-phone-nocamera.png');
      await pick(page, '#state-pick', join(SAMPLES_DIR, CAMERA_PHOTO));
      await waitState(page, 'photo');
      await waitLabels(page, want.get(CAMERA_PHOTO)!.label);
      // Retry still finds no camera, and says so again.
      await page.click('#back');
      await waitState(page, 'nocamera');
      expect(await overflow(page)).toEqual({ scrolls: false, past: [] });
    });
  }, 180_000);

  it('phone, the model cannot be fetched: said on the page (not left at "loading…"), with the camera open', async () => {
    const browser = await withOneCamera();
    // No service worker (it would fetch the model itself, past the page's route), and the model's URL answers 404.
    await withApp(browser, { ...PHONE, serviceWorkers: 'block' }, ['camera'], async ({ page }) => {
      await waitState(page, 'error');
      const s = await shown(page);
      console.log(`pwa-camera model 404: backend "${s.backend}", why "${s.why}"`);
      expect(s.text).toMatch(/The model could not be loaded/);
      expect(s.backend).toBe('none: the model did not load');
      expect(s.why).toMatch(/404/);
      expect(s.text).not.toMatch(/loading…/);
    }, async (page) => {
      await page.route('**/mobilenetv2-12-int8.eim', (route) => route.fulfill({ status: 404, body: 'not found' }));
    });
  }, 120_000);

  it('desktop, one camera: no switch; installable; offline after a reload (service worker cache), cross-origin isolated with threads both times, "why?" too; an update is offered and taken', async () => {
    const browser = await withOneCamera();
    await withApp(browser, DESKTOP, ['camera'], async ({ context, page: app }) => {
      const pizza = want.get(CAMERA_PHOTO)!.label;
      const labels = async () => { await waitLabels(app, pizza); return shown(app); };
      interface Candidate { name: string; priority?: number; status: string; reason?: string }
      /**
       * Whether the page is cross-origin isolated, what the app shows of its threaded candidate, and a load of
       * the app's model (from the same bundle and URL, so offline from the worker's cache) on 'wasm' with 2
       * threads: its threaded candidate, wasm@25.
       */
      const threads = () => app.evaluate(async () => {
        // Not import() here: vitest would rewrite it for Node before Playwright sends the function to the page.
        const sdk = await (new Function('u', 'return import(u)') as (u: string) => Promise<unknown>)('/dist/browser/index.js') as { load(u: string, o: object): Promise<{ backend: string; selection: { candidates: Candidate[] }; dispose(): void }> };
        const model = await sdk.load('/models/mobilenetv2-12-int8.eim', { backend: 'wasm', threads: 2, cache: false });
        model.dispose();
        return {
          isolated: crossOriginIsolated,
          shown: document.getElementById('threads')!.textContent ?? '',
          threaded: model.selection.candidates.find((c) => c.name === 'wasm' && c.priority === 25),
        };
      });
      const expectThreads = (t: Awaited<ReturnType<typeof threads>>, when: string) => {
        console.log(`pwa-camera ${when}: crossOriginIsolated ${t.isolated}; the app shows "${t.shown}"; wasm with 2 threads: wasm@25 ${t.threaded?.status}${t.threaded?.reason ? ` (${t.threaded.reason})` : ''}`);
        expect(t.isolated, when).toBe(true);
        expect(t.threaded, when).toMatchObject({ status: 'chosen' });
        expect(t.shown, when).toMatch(/^page isolated; wasm@25 /);
        expect(t.shown, when).not.toMatch(/unavailable|not cross-origin isolated/);
      };

      let t0 = performance.now();
      const online = await labels();
      await expectBackend(app);
      console.log(`pwa-camera desktop online: ${online.labels.join(', ')} on ${online.backend} after ${(performance.now() - t0).toFixed(0)} ms`);
      expect(await app.locator('#switch').isVisible()).toBe(false);
      expect(await overflow(app)).toEqual({ scrolls: false, past: [] });
      await screenshot(app, 'screenshot-desktop.png');
      // Installed and caching: the worker controls the page and holds every file before we go offline.
      await app.waitForFunction(async ([name, n]) => navigator.serviceWorker.controller !== null
        && (await (await caches.open(name as string)).keys()).length >= (n as number), [SW_CACHE, SW_FILES], { timeout: 30_000 });
      // What Chromium itself makes of the manifest: parsed, with the maskable icon, and nothing against installing.
      const cdp = await context.newCDPSession(app);
      const manifest = await cdp.send('Page.getAppManifest') as { errors: { message: string }[]; data?: string };
      expect(manifest.errors).toEqual([]);
      expect(JSON.parse(manifest.data!).icons.some((i: { purpose?: string }) => i.purpose === 'maskable')).toBe(true);
      const installability = await cdp.send('Page.getInstallabilityErrors') as { installabilityErrors: { errorId: string }[] };
      console.log(`pwa-camera: Chromium installability errors: ${JSON.stringify(installability.installabilityErrors.map((e) => e.errorId))}`);
      // Headless contexts are off the record, which Chromium never installs from; nothing else may stand in the way.
      expect(installability.installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);
      expectThreads(await threads(), 'online');

      // The test server sent COOP/COEP/CORP with every file the worker cached; a server that sends none (a plain
      // static host) is what the worker must make up for. Strip them from every cached response, so that offline
      // the page is isolated only if sw.js adds them to what it serves.
      const stripped = await app.evaluate(async (name) => {
        const cache = await caches.open(name);
        const keys = await cache.keys();
        for (const key of keys) {
          const res = (await cache.match(key))!;
          const type = res.headers.get('Content-Type');
          await cache.put(key, new Response(await res.blob(), { status: res.status, headers: type ? { 'Content-Type': type } : {} }));
        }
        return Promise.all(keys.map(async (k) => (await cache.match(k))!.headers.get('Cross-Origin-Embedder-Policy')));
      }, SW_CACHE);
      expect(stripped.filter((h) => h !== null)).toEqual([]);

      await context.setOffline(true);
      const before = server.requests.length;
      t0 = performance.now();
      await app.reload();
      const offline = await labels();
      console.log(`pwa-camera offline: ${offline.labels.join(', ')} on ${offline.backend} after ${(performance.now() - t0).toFixed(0)} ms`);
      expect(offline.backend).toBe(online.backend);
      expectThreads(await threads(), 'offline');
      // "why?" imports advanced.js only now: from the worker's cache too.
      await why(app);
      await app.click('#pause');
      // Everything came from the worker's cache: the server saw no request after going offline.
      expect(server.requests.slice(before)).toEqual([]);

      // A new version is deployed: it installs and waits; the page offers it; taking it reloads onto it.
      await context.setOffline(false);
      const next = `${SW_CACHE}-next`;
      server.put(`${APP}sw.js`, new TextEncoder().encode(SW_SOURCE.replace(`'${SW_CACHE}'`, `'${next}'`)), 'text/javascript');
      expect(await app.locator('#update').isVisible()).toBe(false);
      await app.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())!.update(); });
      await app.locator('#update').waitFor({ state: 'visible', timeout: 60_000 });
      // Offered, not forced: the running version still controls the page until the user says so.
      expect(await app.evaluate(async () => (await caches.keys()).sort())).toContain(SW_CACHE);
      await Promise.all([app.waitForEvent('load', { timeout: 60_000 }), app.click('#update-reload')]);
      await labels();
      const after = await app.evaluate(async () => ({ caches: await caches.keys(), controlled: navigator.serviceWorker.controller !== null, update: !document.getElementById('update')!.hidden }));
      console.log(`pwa-camera update: after reload caches ${JSON.stringify(after.caches)}`);
      expect(after).toEqual({ caches: [next], controlled: true, update: false });
    });
  }, 240_000);
}
