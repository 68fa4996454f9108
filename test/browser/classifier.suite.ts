// The default MobileNetV2 through ImageClassifier in Chromium: the sample photos from each browser
// image source kind must get the top-1 that Node gets (its own JPEG decoder, wasm backend), on wasm
// for every photo and on webgpu (SwiftShader, slow) for one. Kinds the classifier does not take yet
// must be refused with a typed InputError; they are listed in UNSUPPORTED until the SDK takes them.
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Setup } from './context.js';
import { nodeTop1ByPhoto, SAMPLE_PHOTOS as PHOTOS, type TopClass } from './fixtures.js';

/** Browser image sources ImageClassifier.classify() takes as they are. */
const SUPPORTED = ['ImageData'] as const;
/**
 * Sources it does not take yet (src/vision/classifier.ts reads PixelImage {width, height, data} or
 * a Tensor only). When it learns one, move it to SUPPORTED: its test then checks the top-1.
 */
const UNSUPPORTED = ['HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap', 'VideoFrame', 'HTMLVideoElement'] as const;
/** The photo webgpu classifies (SwiftShader takes seconds per MobileNetV2 run). */
const GPU_PHOTO = 'pizza.jpg';

type Outcome = { url: string; kind: string; top: TopClass[]; ms: number } | { url: string; kind: string; error: { name: string; message: string } };
interface Api {
  open(backend: string): Promise<{ backend: string; ms: number; wasmBuilds: string[] }>;
  classify(backend: string, urls: string[], kinds: readonly string[]): Promise<Outcome[]>;
  close(backend: string): void;
}

export function classifierSuite(setup: Setup): void {
  const { ctx, gpuSkipReason } = setup;
  /** Node's top-1 per photo. */
  let nodeTop1: Map<string, TopClass>;
  let page: Page;

  beforeAll(async () => {
    if (!ctx) return;
    nodeTop1 = await nodeTop1ByPhoto();
    page = await openPage(ctx, '/pages/classify.html');
  }, 120_000);
  afterAll(async () => {
    await page?.close();
  });

  const url = (photo: string) => `/models/samples/${photo}`;

  function expectNodeTop1(outcomes: Outcome[]): void {
    for (const o of outcomes) {
      if ('error' in o) throw new Error(`${o.kind} of ${o.url}: ${o.error.name}: ${o.error.message}`);
      const photo = o.url.slice(o.url.lastIndexOf('/') + 1);
      const want = nodeTop1.get(photo)!;
      expect(`${photo} from ${o.kind}: ${o.top[0].label}`).toBe(`${photo} from ${o.kind}: ${want.label}`);
      expect(o.top[0].index).toBe(want.index);
    }
  }

  describe('on wasm', () => {
    beforeAll(async () => {
      const opened = await page.evaluate((b) => (globalThis as unknown as { pageApi: Api }).pageApi.open(b), 'wasm');
      expect(opened.backend).toBe('wasm');
      console.log(`classifier: wasm (${opened.wasmBuilds.join(', ')}) ImageClassifier.create ${opened.ms.toFixed(0)} ms`);
    }, 60_000);
    afterAll(() => page?.evaluate(() => (globalThis as unknown as { pageApi: Api }).pageApi.close('wasm')));

    for (const kind of SUPPORTED) {
      it(`${kind}: all ${PHOTOS.length} photos get Node's top-1`, async () => {
        const outcomes = await page.evaluate(({ urls, k }) => (globalThis as unknown as { pageApi: Api }).pageApi.classify('wasm', urls, [k]), { urls: PHOTOS.map(url), k: kind });
        expectNodeTop1(outcomes);
        const ms = outcomes.map((o) => ('ms' in o ? o.ms : NaN)).sort((a, b) => a - b);
        // The browser decodes the JPEGs itself (not jpeg-js), so scores differ a little from Node's.
        const scoreDiff = Math.max(...outcomes.map((o) => ('top' in o ? Math.abs(o.top[0].score - nodeTop1.get(o.url.slice(o.url.lastIndexOf('/') + 1))!.score) : NaN)));
        console.log(`classifier: wasm, ${kind}: ${PHOTOS.length} photos, classify() median ${ms[ms.length >> 1].toFixed(1)} ms; top-1 score vs Node max |diff| ${scoreDiff.toFixed(4)}`);
      });
    }

    for (const kind of UNSUPPORTED) {
      it(`${kind}: not supported yet; classify() refuses it with an InputError`, async () => {
        const [o] = await page.evaluate(({ u, k }) => (globalThis as unknown as { pageApi: Api }).pageApi.classify('wasm', [u], [k]), { u: url(GPU_PHOTO), k: kind });
        expect('error' in o, `${kind} was accepted: move it to SUPPORTED so its top-1 is checked`).toBe(true);
        if ('error' in o) {
          expect(o.error.name).toBe('InputError');
          expect(o.error.message).toMatch(/not an image/);
        }
      });
    }
  });

  if (gpuSkipReason !== undefined) {
    it.skip(`on webgpu (skipped: ${gpuSkipReason})`, () => {});
    return;
  }
  it(`on webgpu (SwiftShader): ${GPU_PHOTO} from ImageData gets Node's top-1`, async () => {
    const opened = await page.evaluate((b) => (globalThis as unknown as { pageApi: Api }).pageApi.open(b), 'webgpu');
    expect(opened.backend).toBe('webgpu');
    try {
      const outcomes = await page.evaluate(({ u }) => (globalThis as unknown as { pageApi: Api }).pageApi.classify('webgpu', [u], ['ImageData']), { u: url(GPU_PHOTO) });
      expectNodeTop1(outcomes);
      console.log(`classifier: webgpu ImageClassifier.create (incl. pipelines, warm-up run) ${opened.ms.toFixed(0)} ms, classify() ${'ms' in outcomes[0] ? outcomes[0].ms.toFixed(0) : '?'} ms`);
    } finally {
      await page.evaluate(() => (globalThis as unknown as { pageApi: Api }).pageApi.close('webgpu'));
    }
  }, 120_000);
}
