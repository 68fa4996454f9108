// The default MobileNetV2 through ImageClassifier in Chromium: the sample photos from each browser
// image source kind must get the top-1 that Node gets (its own JPEG decoder, wasm backend), on wasm
// for every photo and on webgpu (SwiftShader, slow) for one. Sources that cannot be read (not loaded,
// no frame yet, closed, empty, detached) must be refused with an InputError naming them.
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Setup } from './context.js';
import { nodeTop1ByPhoto, SAMPLE_PHOTOS as PHOTOS, type TopClass } from './fixtures.js';

/**
 * Browser image sources ImageClassifier.classify() takes as they are (pages/sources.js makes each one
 * from the photo). Every kind there is can be made in headless Chromium, so none is left out.
 */
const SUPPORTED = ['ImageData', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap', 'VideoFrame', 'HTMLVideoElement'] as const;
/** Unreadable sources (pages/sources.js makeBadSource) and what their InputError must say. */
const BAD: readonly { kind: string; message: RegExp; expected: RegExp; received: RegExp }[] = [
  { kind: 'HTMLImageElement (not loaded)', message: /^image 0: the HTMLImageElement has not finished loading/, expected: /await img\.decode\(\)/, received: /complete = false, src .*not-loaded/ },
  { kind: 'HTMLImageElement (broken)', message: /^image 0: the HTMLImageElement has no pixels \(broken or empty src\)/, expected: /naturalWidth/, received: /^0x0, src .*not-an-image\.jpg/ },
  { kind: 'HTMLVideoElement (no frame)', message: /^image 0: the HTMLVideoElement has no current frame yet/, expected: /HAVE_CURRENT_DATA/, received: /^readyState 0, 0x0$/ },
  { kind: 'HTMLCanvasElement (0x0)', message: /^image 0: the HTMLCanvasElement is empty/, expected: /width, height >= 1/, received: /^0x0$/ },
  { kind: 'OffscreenCanvas (0x0)', message: /^image 0: the OffscreenCanvas is empty/, expected: /width, height >= 1/, received: /^0x0$/ },
  { kind: 'ImageBitmap (closed)', message: /^image 0: the ImageBitmap is closed, transferred or empty/, expected: /width, height >= 1/, received: /^0x0$/ },
  { kind: 'VideoFrame (closed)', message: /^image 0: the VideoFrame is closed or empty/, expected: /an open VideoFrame/, received: /^coded 0x0, display 0x0$/ },
  { kind: 'ImageData (detached)', message: /^image 0: pixel data is empty/, expected: /the pixels of a \d+x\d+ image/, received: /^0 bytes$/ },
];
/** The photo webgpu classifies (SwiftShader takes seconds per MobileNetV2 run). */
const GPU_PHOTO = 'pizza.jpg';

interface ErrorData { name: string; message: string; expected?: string; received?: string }
type Outcome = { url: string; kind: string; top: TopClass[]; ms: number } | { url: string; kind: string; error: ErrorData };
interface BadOutcome { kind: string; single?: ErrorData; batch?: ErrorData }
interface Api {
  open(backend: string): Promise<{ backend: string; ms: number; wasmBuilds: string[] }>;
  classify(backend: string, urls: string[], kinds: readonly string[]): Promise<Outcome[]>;
  classifyBad(backend: string, url: string, kinds: readonly string[]): Promise<{ out: BadOutcome[]; after: TopClass }>;
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

    /** ImageData's top-3 per photo URL: the pixels every other kind is read into. */
    const fromImageData = new Map<string, TopClass[]>();
    for (const kind of SUPPORTED) {
      it(`${kind}: all ${PHOTOS.length} photos get Node's top-1`, async () => {
        const outcomes = await page.evaluate(({ urls, k }) => (globalThis as unknown as { pageApi: Api }).pageApi.classify('wasm', urls, [k]), { urls: PHOTOS.map(url), k: kind });
        expectNodeTop1(outcomes);
        const ms = outcomes.map((o) => ('ms' in o ? o.ms : NaN)).sort((a, b) => a - b);
        // The browser decodes the JPEGs itself (not jpeg-js), so scores differ a little from Node's.
        const scoreDiff = Math.max(...outcomes.map((o) => ('top' in o ? Math.abs(o.top[0].score - nodeTop1.get(o.url.slice(o.url.lastIndexOf('/') + 1))!.score) : NaN)));
        let vsImageData = 0;
        for (const o of outcomes) {
          if (!('top' in o)) continue;
          if (kind === 'ImageData') fromImageData.set(o.url, o.top);
          const ref = fromImageData.get(o.url);
          if (ref) vsImageData = Math.max(vsImageData, ...o.top.map((t, i) => (t.index === ref[i].index ? Math.abs(t.score - ref[i].score) : Infinity)));
        }
        console.log(`classifier: wasm, ${kind}: ${PHOTOS.length} photos, classify() median ${ms[ms.length >> 1].toFixed(1)} ms; top-1 score vs Node max |diff| ${scoreDiff.toFixed(4)}, top-3 vs ImageData max |diff| ${vsImageData}`);
        // Each kind holds the same decoded photo, read 1:1 at its own size (no canvas scaling): the same
        // bits in, the same scores out. A <video> may carry its frame as YUV on some builds (Chromium 156
        // here keeps the canvas stream's RGB, and is exact too), so it only has to get the top-1.
        if (kind !== 'HTMLVideoElement') expect(vsImageData, `${kind}: top-3 scores vs ImageData`).toBe(0);
      });
    }

    it('refuses unreadable sources (not loaded, no frame, 0x0, closed, detached) with an InputError naming each, alone or in a batch', async () => {
      const { out, after } = await page.evaluate(({ u, k }) => (globalThis as unknown as { pageApi: Api }).pageApi.classifyBad('wasm', u, k), { u: url(GPU_PHOTO), k: BAD.map((b) => b.kind) });
      for (const [i, o] of out.entries()) {
        const want = BAD[i];
        expect(o.kind).toBe(want.kind);
        for (const [mode, e] of [['alone', o.single], ['in a batch', o.batch]] as const) {
          expect(e, `${want.kind} ${mode} was accepted`).toBeDefined();
          expect(e!.name, `${want.kind} ${mode}: ${e!.message}`).toBe('InputError');
          // In the batch it is the second image.
          const message = mode === 'alone' ? want.message : new RegExp(want.message.source.replace('image 0', 'image 1'));
          expect(e!.message, want.kind).toMatch(message);
          expect(e!.expected, want.kind).toMatch(want.expected);
          expect(e!.received, want.kind).toMatch(want.received);
        }
      }
      // A refused source leaves the classifier working.
      expect(after.index).toBe(nodeTop1.get(GPU_PHOTO)!.index);
    });
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
