// What every browser suite shares: one Chromium, one server, one bundle build per run. The browser
// and the WebGPU adapter are probed when the test file is collected (so skips carry their reason in
// the test titles, and CI=true turns a missing piece into a failure); the bundle is built in beforeAll.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll } from 'vitest';
import { buildBrowserBundle, ROOT, type BrowserBundle } from './bundle.js';
import { launchChromium, probeAdapter, unavailable, type AdapterInfo } from './chromium.js';
import { startServer, type TestServer } from './server.js';

export { ROOT };

export interface BrowserContext {
  readonly browser: Browser;
  readonly server: TestServer;
  /** Set by beforeAll. */
  bundle: BrowserBundle;
}

export interface Setup {
  /** Undefined when the browser tests cannot run (then skipReason says why). */
  readonly ctx: BrowserContext | undefined;
  readonly skipReason: string | undefined;
  /** Why WebGPU tests cannot run (no browser, or no adapter), else undefined. */
  readonly gpuSkipReason: string | undefined;
}

/** Launches Chromium, starts the server, probes WebGPU; registers the build and the teardown hooks. */
export async function setupBrowser(): Promise<Setup> {
  const launched = await launchChromium();
  if ('skipReason' in launched) return { ctx: undefined, skipReason: launched.skipReason, gpuSkipReason: launched.skipReason };
  const { browser } = launched;
  // The bundle folder is fixed by the pid, so it can be mounted before it is built.
  const bundleDir = join(ROOT, '.cache', `browser-test-${process.pid}`, 'browser');
  const server = await startServer({
    '/dist/': bundleDir,
    '/pages/': join(ROOT, 'test/browser/pages'),
    '/models/': join(ROOT, 'models'),
    '/ort/': join(ROOT, 'node_modules/onnxruntime-web/dist'),
  });
  let probe: AdapterInfo | string;
  let gpuSkipReason: string | undefined;
  try {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.origin}/pages/blank.html`);
      probe = await probeAdapter(page);
    } finally {
      await page.close();
    }
    if (typeof probe === 'string') {
      gpuSkipReason = unavailable('WebGPU in Chromium', probe);
      console.warn(`browser WebGPU tests skipped: ${gpuSkipReason}`);
    }
  } catch (e) {
    await browser.close();
    await server.close();
    throw e;
  }
  const ctx: BrowserContext = { browser, server, bundle: undefined! };

  beforeAll(async () => {
    ctx.bundle = await buildBrowserBundle();
    console.log(`browser tests: bundle built in ${ctx.bundle.buildMs.toFixed(0)} ms; Chromium ${browser.version()}; WebGPU adapter ${typeof probe === 'string' ? `none (${probe})` : `${probe.vendor}/${probe.architecture}${probe.isFallbackAdapter ? ' (fallback)' : ''}`}`);
  }, 120_000);
  afterAll(async () => {
    await browser.close();
    await server.close();
    ctx.bundle?.remove();
  });
  return { ctx, skipReason: undefined, gpuSkipReason };
}

/**
 * Opens a test page and waits until its module has published globalThis.pageApi. Errors thrown in
 * the page (a module that fails to load) fail the wait at once, with the page's message.
 */
export async function openPage(ctx: BrowserContext, path: string): Promise<Page> {
  const page = await ctx.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  try {
    await page.goto(`${ctx.server.origin}${path}`);
    const deadline = Date.now() + 30_000;
    while (!(await page.evaluate(() => 'pageApi' in globalThis))) {
      // Pages declare an empty favicon, so a console error here is the page's own failure.
      if (errors.length) throw new Error(`${path} failed to start: ${errors.join('; ')}`);
      if (Date.now() > deadline) throw new Error(`${path} did not publish pageApi within 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    await page.close();
    throw e;
  }
  return page;
}
