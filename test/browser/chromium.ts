// Launches the system Chromium (never a Playwright-downloaded one) headless with the flags that give
// pages WebGPU on SwiftShader here, and says why when it cannot. Under CI=true a missing browser or
// adapter is an error (CI always has both); elsewhere the browser tests skip, with the reason in their titles.
//
// Flags, as verified with Chromium 156 on this machine (no GPU):
// - --enable-unsafe-webgpu is the one flag WebGPU needs: without it the GPU blocklist leaves
//   navigator.gpu with "No available adapters". With it, requestAdapter() returns the SwiftShader
//   (CPU Vulkan) adapter: info.vendor "google", info.architecture "swiftshader", isFallbackAdapter true.
//   --enable-features=Vulkan, --use-angle=swiftshader or --use-webgpu-adapter=swiftshader change nothing.
// - navigator.gpu exists only on a secure origin, hence pages on http://localhost (server.ts).
// - the rest keep a headless test browser quiet and offline (no sandbox: we may run as root).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright';

export const CHROMIUM_PATH = process.env.EDGEINFER_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
];

export const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

/** Throws under CI (where the piece is always present), else returns the reason for the skip. */
export function unavailable(what: string, reason: string): string {
  const text = `${what}: ${reason}`;
  if (IN_CI) throw new Error(`${text} (required under CI=true)`);
  return text;
}

export type Launched = { readonly browser: Browser } | { readonly skipReason: string };

export async function launchChromium(): Promise<Launched> {
  if (!existsSync(CHROMIUM_PATH)) {
    return { skipReason: unavailable('Chromium', `${CHROMIUM_PATH} is missing (apt-get install chromium; npm test does it when it can)`) };
  }
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
    return { browser };
  } catch (e) {
    return { skipReason: unavailable('Chromium', `${CHROMIUM_PATH} did not start: ${(e as Error).message.split('\n')[0]}`) };
  }
}

export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly isFallbackAdapter: boolean;
}

/** The page's WebGPU adapter, or why there is none. `page` must be on a secure origin. */
export async function probeAdapter(page: Page): Promise<AdapterInfo | string> {
  return page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu) return `navigator.gpu is missing (secure origin: ${String(isSecureContext)})`;
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'navigator.gpu.requestAdapter() returned null';
    const info = adapter.info;
    return { vendor: info.vendor, architecture: info.architecture, isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) };
  });
}
