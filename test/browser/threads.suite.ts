// The threaded wasm build in Chromium (issue #12): on a cross-origin isolated page (the test server sends
// COOP/COEP) `threads: 2` runs MobileNetV2 and mnist-8 on the pool, bit for bit what one thread gives, over
// many runs, and `auto` times it against one thread; on a page that is not isolated the threaded candidate is
// unavailable with the headers to send, and the model runs on one thread.
import type { Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Setup } from './context.js';
import { MNIST_EIM_URL, serveMnist } from './fixtures.js';

const MOBILENET = '/models/mobilenetv2-12-int8.eim';

interface Candidate { name: string; priority?: number; status: string; reason?: string; medianMs?: number }
interface Outcome {
  isolated: boolean;
  backend: string;
  candidates: Candidate[];
  /** Each run's first output, as numbers. */
  outputs: number[][];
  /** Median and best ms of the timed runs. */
  ms: number;
  bestMs: number;
}

/** A page with the SDK as globalThis.sdk; `unisolated`: served without COOP/COEP. */
async function sdkPage(setup: Setup, unisolated: boolean): Promise<Page> {
  const { ctx } = setup;
  const page = await ctx!.browser.newPage();
  await page.goto(`${ctx!.server.origin}/pages/blank.html${unisolated ? '?unisolated' : ''}`);
  await page.addScriptTag({ type: 'module', content: "import * as sdk from '/dist/index.js'; globalThis.sdk = sdk;" });
  await page.waitForFunction(() => 'sdk' in globalThis, undefined, { timeout: 30_000 });
  return page;
}

/** load() in the page, `runs` runs on two alternating inputs (each's first output kept), `timed` timed runs after. */
function loadIn(page: Page, url: string, options: object, runs: number, timed = 0): Promise<Outcome> {
  return page.evaluate(async ({ url, options, runs, timed }) => {
    const sdk = (globalThis as unknown as { sdk: { load(u: string, o: object): Promise<any> } }).sdk;
    const model = await sdk.load(url, { cache: false, ...options });
    try {
      const info = model.inputs[0];
      const shape = info.shape.map((d: number) => (d === -1 ? 1 : d));
      const n = shape.reduce((a: number, b: number) => a * b, 1);
      const inputs = [0, 1].map((s) => Float32Array.from({ length: n }, (_, i) => 0.5 + 0.5 * Math.sin(i * 0.37 + s)));
      const outputs: number[][] = [];
      for (let r = 0; r < runs; r++) {
        const out = await model.run({ [info.name]: { shape, data: inputs[r % 2] } });
        outputs.push(Array.from(out[model.outputs[0].name].data as Float32Array));
      }
      const times: number[] = [];
      for (let r = 0; r < timed; r++) {
        const t0 = performance.now();
        await model.run({ [info.name]: { shape, data: inputs[0] } });
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return { isolated: crossOriginIsolated, backend: model.backend, candidates: model.selection.candidates, outputs, ms: times[times.length >> 1] ?? 0, bestMs: times[0] ?? 0 };
    } finally {
      model.dispose();
    }
  }, { url, options, runs, timed });
}

const chosen = (o: Outcome) => o.candidates.find((c) => c.status === 'chosen');

export function threadsSuite(setup: Setup): void {
  const { ctx } = setup;
  let isolated: Page;
  let plain: Page;

  beforeAll(async () => {
    if (!ctx) return;
    serveMnist(ctx.server);
    isolated = await sdkPage(setup, false);
    plain = await sdkPage(setup, true);
  }, 120_000);
  afterAll(async () => {
    await isolated?.close();
    await plain?.close();
  });

  it('MobileNetV2 on 2 threads: 40 runs, each bit for bit the 1-thread output', async () => {
    const one = await loadIn(isolated, MOBILENET, { backend: 'wasm', threads: 1 }, 2, 25);
    const two = await loadIn(isolated, MOBILENET, { backend: 'wasm', threads: 2 }, 40, 25);
    const ms = (o: Outcome) => `${o.bestMs.toFixed(1)} / ${o.ms.toFixed(1)} ms`;
    console.log(`Chromium MobileNetV2 batch 1 on wasm (relaxed SIMD), best / median of 25 runs: 1 thread ${ms(one)}, 2 threads ${ms(two)}`);
    expect(two.isolated).toBe(true);
    expect(chosen(two)).toMatchObject({ name: 'wasm', priority: 25 });
    expect(chosen(one)).toMatchObject({ name: 'wasm', priority: 20 });
    expect(one.candidates.find((c) => c.priority === 25)).toMatchObject({ status: 'unavailable', reason: 'threads: 1' });
    expect(one.outputs[0]).not.toEqual(one.outputs[1]);
    two.outputs.forEach((o, i) => expect(o, `run ${i}`).toEqual(one.outputs[i % 2]));
  });

  it('auto times the threaded build against one thread and keeps the faster', async () => {
    const auto = await loadIn(isolated, MNIST_EIM_URL, { threads: 2 }, 2);
    const wasm = auto.candidates.filter((c) => c.name === 'wasm');
    expect(wasm.map((c) => c.priority)).toEqual([25, 20, 15]);
    for (const c of wasm.slice(0, 2)) {
      expect(['chosen', 'slower'], `${c.priority}: ${c.reason}`).toContain(c.status);
      expect(c.medianMs).toBeGreaterThan(0);
    }
    const fastest = Math.min(...auto.candidates.filter((c) => c.medianMs !== undefined).map((c) => c.medianMs!));
    expect(chosen(auto)!.medianMs).toBe(fastest);
    const one = await loadIn(isolated, MNIST_EIM_URL, { backend: 'wasm', threads: 1 }, 2);
    expect(auto.outputs).toEqual(one.outputs);
  });

  it('a page that is not cross-origin isolated runs on one thread and says which headers would allow threads', async () => {
    const o = await loadIn(plain, MNIST_EIM_URL, { backend: 'wasm', threads: 2 }, 2);
    expect(o.isolated).toBe(false);
    const threaded = o.candidates.find((c) => c.priority === 25)!;
    expect(threaded.status).toBe('unavailable');
    expect(threaded.reason).toMatch(/not cross-origin isolated/);
    expect(threaded.reason).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(threaded.reason).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(threaded.reason).toContain('Document-Isolation-Policy');
    expect(chosen(o)).toMatchObject({ name: 'wasm', priority: 20 });
    const auto = await loadIn(plain, MNIST_EIM_URL, {}, 1);
    expect(auto.candidates.find((c) => c.priority === 25)?.status).toBe('unavailable');
    expect(auto.outputs[0]).toEqual(o.outputs[0]);
  });
}
