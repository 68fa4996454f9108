// What the browser benches share: headless Chromium, the SDK's browser bundle and the bench server (COOP/COEP
// like the test server), opened together and closed together; and a page script bundled with esbuild (the
// SDK itself stays a URL import of the bundle, as an app would load it).
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright';
import { buildBrowserBundle, ROOT, type BrowserBundle } from '../../test/browser/bundle.js';
import { launchChromium } from '../../test/browser/chromium.js';
import { startServer, type TestServer } from '../../test/browser/server.js';

export interface BenchBrowser {
  readonly browser: Browser;
  readonly bundle: BrowserBundle;
  /** Serves the bundle at /dist/ and `mounts`. */
  readonly server: TestServer;
}

/** Runs `fn` with Chromium, a fresh bundle and the server, and closes them whatever happens. */
export async function withBenchBrowser<T>(mounts: Readonly<Record<string, string>>, fn: (b: BenchBrowser) => Promise<T>): Promise<T> {
  const launched = await launchChromium();
  if ('skipReason' in launched) throw new Error(launched.skipReason);
  const { browser } = launched;
  let bundle: BrowserBundle | undefined;
  let server: TestServer | undefined;
  try {
    bundle = await buildBrowserBundle();
    server = await startServer({ '/dist/': bundle.dir, ...mounts });
    return await fn({ browser, bundle, server });
  } finally {
    await browser.close();
    await server?.close();
    bundle?.remove();
  }
}

/** A page's script (a file under the repository root) and what it imports, bundled for the browser. */
export async function pageScript(entry: string): Promise<Uint8Array> {
  const out = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning',
  });
  return out.outputFiles[0].contents;
}
