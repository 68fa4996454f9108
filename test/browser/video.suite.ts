// classifier.classifyVideo on a live camera in Chromium: a separate browser whose fake camera streams
// pizza.jpg (written as a one-frame .y4m here), getUserMedia → <video> → the loop on wasm. It must
// classify as Node does, report latencies, honour maxFps and stop(), drop frames (never queue them)
// when the consumer is slower than the camera, and end on the first error. Frames take the fused path
// (the backend's preprocess and rank stages around the model in one run): on wasm from the canvas's bytes,
// on webgpu straight from the video (no canvas), agreeing with classify()'s canvas path on the same frames. The camera app itself (examples/pwa-camera) is pwa-camera.suite.ts's.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';
import { openPage, type BrowserContext, type Setup } from './context.js';
import { nodeTop1ByPhoto, SAMPLES_DIR, type TopClass } from './fixtures.js';

const PHOTO = 'pizza.jpg';
const CAMERA_FPS = 30;

/**
 * An RGBA photo as a YUV4MPEG2 stream of one frame (Chromium's fake camera loops it): BT.601 limited
 * range ("studio swing", what Chromium assumes for camera I420), 4:2:0 with each chroma sample the
 * mean of its 2x2 block. I420 needs even sizes, so an odd last row/column is cropped.
 */
export function rgbaToY4m(rgba: Uint8Array, width: number, height: number, fps: number): { bytes: Uint8Array; width: number; height: number } {
  const w = width & ~1, h = height & ~1;
  const y = new Uint8Array(w * h), u = new Uint8Array((w / 2) * (h / 2)), v = new Uint8Array(u.length);
  const clamp = (x: number) => Math.min(255, Math.max(0, Math.round(x)));
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const i = (r * width + c) * 4;
      y[r * w + c] = clamp(16 + (65.481 * rgba[i] + 128.553 * rgba[i + 1] + 24.966 * rgba[i + 2]) / 255);
    }
  }
  for (let r = 0; r < h; r += 2) {
    for (let c = 0; c < w; c += 2) {
      let cb = 0, cr = 0;
      for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        const i = ((r + dr) * width + c + dc) * 4;
        const [R, G, B] = [rgba[i], rgba[i + 1], rgba[i + 2]];
        cb += 128 + (-37.797 * R - 74.203 * G + 112 * B) / 255;
        cr += 128 + (112 * R - 93.786 * G - 18.214 * B) / 255;
      }
      u[(r / 2) * (w / 2) + c / 2] = clamp(cb / 4);
      v[(r / 2) * (w / 2) + c / 2] = clamp(cr / 4);
    }
  }
  const header = new TextEncoder().encode(`YUV4MPEG2 W${w} H${h} F${fps}:1 Ip A1:1 C420mpeg2\nFRAME\n`);
  const bytes = new Uint8Array(header.length + y.length + u.length + v.length);
  bytes.set(header, 0);
  bytes.set(y, header.length);
  bytes.set(u, header.length + y.length);
  bytes.set(v, header.length + y.length + u.length);
  return { bytes, width: w, height: h };
}

export const FAKE_CAMERA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/**
 * A Chromium whose camera streams `photo` (from models/samples), and the folder holding its .y4m. `cameras`: how
 * many fake cameras; other than 1 they stream Chromium's own test pattern, not the photo (a file makes Chromium
 * 156 ignore device-count and show one camera); 0: none, getUserMedia fails with NotFoundError. `askPermission`:
 * no fake permission UI, so a context denies the camera (NotAllowedError) unless given the 'camera' permission.
 */
export async function launchWithCamera(photo: string, { cameras = 1, askPermission = false } = {}): Promise<{ browser: Browser; remove(): Promise<void> }> {
  const img = jpeg.decode(readFileSync(join(SAMPLES_DIR, photo)), { useTArray: true, formatAsRGBA: true });
  const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-camera-'));
  const file = join(dir, photo.replace(/\.jpg$/, '.y4m'));
  writeFileSync(file, rgbaToY4m(img.data, img.width, img.height, CAMERA_FPS).bytes);
  const [device, ui] = FAKE_CAMERA_ARGS;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH, headless: true,
    args: [...CHROMIUM_ARGS, ...(askPermission ? [] : [ui]),
      ...(cameras === 1 ? [device, `--use-file-for-fake-video-capture=${file}`] : [`${device}=device-count=${cameras}`])],
  });
  return { browser, remove: async () => { await browser.close(); rmSync(dir, { recursive: true, force: true }); } };
}

interface Result { top: TopClass[]; latencyMs: number; frameTime: number; dropped: number; path: string; backend?: string; at: number; afterStop: boolean; settledAt?: number }
interface Ranked { index: number; label: string; score: number }
interface Pair { gpu: Ranked[]; cpu: Ranked[]; path: string; latencyMs: number; cpuMs: number }
interface ErrorData { name: string; message: string; expected?: string; received?: string; at?: number; afterStop?: boolean }
interface Run { driver: string; results: Result[]; errors: ErrorData[]; elapsed: number; doneBeforeStop: string; doneAfterStop: string }
interface RunOptions { ms: number; afterMs?: number; maxFps?: number; topK?: number; slowMs?: number; throwAt?: number; noVideoFrameCallback?: boolean; withOnError?: boolean }
interface Api {
  open(backend: string): Promise<{ backend: string }>;
  startCamera(): Promise<{ width: number; height: number; frameRate?: number; label: string }>;
  frameVsPhoto(url: string): Promise<number[]>;
  run(o: RunOptions): Promise<Run>;
  badArguments(): Record<string, ErrorData | undefined>;
  openGpu(): Promise<{ backend: string; ms: number }>;
  gpuVsCpu(o: { frames: number; topK?: number; maxFps?: number; allowlist?: number[] }): Promise<{ pairs: Pair[]; errors: ErrorData[] }>;
  gpuLost(o: { frames: number }): Promise<{ results: { path: string; ranOn?: string; top: Ranked[]; backend: string }[]; errors: ErrorData[]; backend: string; fallbacks: { from: string; to: string }[] }>;
  closeGpu(): void;
}

export function videoSuite(setup: Setup): void {
  const ctx = setup.ctx!;
  let camera: Awaited<ReturnType<typeof launchWithCamera>> | undefined;
  let page: Page;
  let want: TopClass;
  /** pageApi[name](arg) in the page. */
  const call = <K extends keyof Api>(name: K, arg?: Parameters<Api[K]>[0]): Promise<Awaited<ReturnType<Api[K]>>> =>
    page.evaluate(({ n, a }) => (globalThis as unknown as { pageApi: Record<string, (x: unknown) => unknown> }).pageApi[n](a), { n: name, a: arg }) as Promise<Awaited<ReturnType<Api[K]>>>;

  beforeAll(async () => {
    want = (await nodeTop1ByPhoto()).get(PHOTO)!;
    camera = await launchWithCamera(PHOTO);
    const cameraCtx: BrowserContext = { ...ctx, browser: camera.browser, bundle: ctx.bundle };
    page = await openPage(cameraCtx, '/pages/video.html');
    const opened = await call('open', 'wasm');
    expect(opened.backend).toBe('wasm');
    const cam = await call('startCamera');
    const diff = await call('frameVsPhoto', `/models/samples/${PHOTO}`);
    console.log(`video: fake camera "${cam.label}" ${cam.width}x${cam.height} @ ${cam.frameRate} fps streaming ${PHOTO}; mean |frame - photo| per RGB channel ${diff.map((d) => d.toFixed(2)).join(', ')}`);
    // The camera must show the photo itself (a wrong YUV range or plane order is off by tens).
    expect(Math.max(...diff)).toBeLessThan(6);
  }, 120_000);
  afterAll(async () => {
    await camera?.remove();
  });

  function summary(run: Run): string {
    const lat = run.results.map((r) => r.latencyMs).sort((a, b) => a - b);
    return `${run.results.length} results in ${run.elapsed.toFixed(0)} ms (${run.driver}), latency median ${lat[lat.length >> 1]?.toFixed(1)} ms, dropped ${run.results.at(-1)?.dropped}`;
  }

  it(`maxFps 5 on wasm: ${PHOTO} on the camera is classified as Node does, live, and stop() ends it`, async () => {
    const run = await call('run', { ms: 1500, maxFps: 5, topK: 3 });
    console.log(`video: maxFps 5: ${summary(run)}`);
    expect(run.driver).toBe('requestVideoFrameCallback');
    expect(run.errors).toEqual([]);
    expect(run.results.length).toBeGreaterThanOrEqual(3);
    // 5 per second at most: 1.5 s allows 8 (the first one at once); more means the throttle leaks.
    expect(run.results.length).toBeLessThanOrEqual(9);
    for (const r of run.results) {
      // wasm's fused path: the canvas's bytes through its preprocess and rank stages in one run.
      expect(r.path).toBe('fused');
      expect(r.backend).toBe('wasm');
      expect(r.top).toHaveLength(3);
      expect(r.top[0].label).toBe(want.label);
      expect(r.top[0].index).toBe(want.index);
      expect(r.latencyMs).toBeGreaterThan(0);
      expect(r.latencyMs).toBeLessThan(2000);
      expect(r.afterStop).toBe(false);
    }
    // Results are for successive, advancing frames, taken 1/5 s apart: less by at most one camera frame
    // (a frame landing late on the grid), and never drifting (the grid is kept, so n takes span (n-1)/5 s).
    const starts = run.results.map((r) => r.at - r.latencyMs);
    for (let i = 1; i < run.results.length; i++) {
      expect(run.results[i].frameTime).toBeGreaterThan(run.results[i - 1].frameTime);
      expect(starts[i] - starts[i - 1]).toBeGreaterThan(200 - 1000 / CAMERA_FPS - 5);
    }
    expect(starts.at(-1)! - starts[0]).toBeGreaterThan((run.results.length - 1) * 200 - 1000 / CAMERA_FPS - 5);
    expect(run.doneBeforeStop).toBe('pending');
    expect(run.doneAfterStop).toBe('resolved');
  });

  it('drops frames, never queues them, when onResult is slower than the camera', async () => {
    const slowMs = 250;
    const run = await call('run', { ms: 2000, slowMs, topK: 1 });
    console.log(`video: onResult takes ${slowMs} ms, camera ${CAMERA_FPS} fps: ${summary(run)}`);
    expect(run.errors).toEqual([]);
    expect(run.results.length).toBeGreaterThanOrEqual(3);
    // Each cycle takes latency + slowMs at least; a queue would deliver a backlog faster than that.
    const cycle = Math.min(...run.results.map((r) => r.latencyMs)) + slowMs;
    expect(run.results.length).toBeLessThanOrEqual(Math.floor(run.elapsed / cycle) + 1);
    const dropped = run.results.at(-1)!.dropped;
    expect(dropped).toBeGreaterThan(0);
    // About camera fps x busy time were skipped: at least half of the frames of the finished cycles.
    expect(dropped).toBeGreaterThan(((run.results.length - 1) * slowMs * CAMERA_FPS) / 1000 / 2);
    // Cumulative, so it never decreases; each new frame is taken only after the previous result settled.
    for (let i = 1; i < run.results.length; i++) {
      expect(run.results[i].dropped).toBeGreaterThanOrEqual(run.results[i - 1].dropped);
      const start = run.results[i].at - run.results[i].latencyMs;
      expect(start).toBeGreaterThanOrEqual(run.results[i - 1].settledAt! - 1);
    }
    expect(run.results.every((r) => !r.afterStop)).toBe(true);
    expect(run.doneAfterStop).toBe('resolved');
  });

  it('falls back to requestAnimationFrame without requestVideoFrameCallback', async () => {
    const run = await call('run', { ms: 1000, maxFps: 5, topK: 1, noVideoFrameCallback: true });
    console.log(`video: rAF fallback: ${summary(run)}`);
    expect(run.driver).toBe('requestAnimationFrame');
    expect(run.results.length).toBeGreaterThanOrEqual(2);
    expect(run.results.length).toBeLessThanOrEqual(6);
    for (const r of run.results) expect(r.top[0].label).toBe(want.label);
    expect(run.results.every((r) => !r.afterStop)).toBe(true);
  });

  it('an error in onResult goes to onError once and ends the loop; without onError, done rejects', async () => {
    const handled = await call('run', { ms: 1200, maxFps: 10, throwAt: 2 });
    expect(handled.results).toHaveLength(2);
    expect(handled.errors).toHaveLength(1);
    expect(handled.errors[0].message).toBe('onResult refused result 2');
    expect(handled.errors[0].afterStop).toBe(false);
    expect(handled.doneBeforeStop).toBe('resolved');

    const unhandled = await call('run', { ms: 1200, maxFps: 10, throwAt: 1, withOnError: false });
    expect(unhandled.results).toHaveLength(1);
    expect(unhandled.doneBeforeStop).toBe('rejected: onResult refused result 1');
  });

  it('refuses bad arguments at once with an InputError', async () => {
    const out = await call('badArguments');
    expect(out['not a video']).toMatchObject({ name: 'InputError', expected: 'HTMLVideoElement', received: 'HTMLCanvasElement' });
    expect(out['onResult missing']).toMatchObject({ name: 'InputError', expected: 'function', received: 'undefined' });
    expect(out['maxFps 0']).toMatchObject({ name: 'InputError', received: '0' });
    expect(out['topK 0']).toMatchObject({ name: 'InputError', received: '0' });
  });

  describe('the fused path on webgpu (SwiftShader)', () => {
    if (setup.gpuSkipReason !== undefined) {
      it.skip(`webgpu (skipped: ${setup.gpuSkipReason})`, () => {});
      return;
    }
    let cpuTop: Ranked[] = [];
    beforeAll(async () => {
      const opened = await call('openGpu');
      expect(opened.backend).toBe('webgpu');
      console.log(`video: webgpu ImageClassifier.create (pipelines, warm-up) ${opened.ms.toFixed(0)} ms`);
    }, 180_000);
    afterAll(async () => {
      await call('closeGpu');
    });

    it(`takes the fused path on the GPU; its top-1 is the canvas path's (and Node's) on the same frames, scores alike`, async () => {
      const { pairs, errors } = await call('gpuVsCpu', { frames: 2, topK: 3 });
      expect(errors).toEqual([]);
      let maxDiff = 0;
      for (const p of pairs) {
        expect(p.path).toBe('fused');
        expect(p.gpu).toHaveLength(3);
        expect(p.gpu[0].index).toBe(p.cpu[0].index);
        expect(p.gpu[0]).toMatchObject({ index: want.index, label: want.label });
        for (const g of p.gpu) {
          const c = p.cpu.find((x) => x.index === g.index);
          if (c) maxDiff = Math.max(maxDiff, Math.abs(g.score - c.score));
        }
      }
      cpuTop = pairs[0].cpu;
      const show = (r: Ranked[]) => r.map((c) => `${c.label} ${c.score.toFixed(4)}`).join(', ');
      console.log(`video: GPU path ${show(pairs[0].gpu)} in ${pairs.map((p) => p.latencyMs.toFixed(0)).join(', ')} ms; `
        + `CPU path ${show(pairs[0].cpu)} in ${pairs.map((p) => p.cpuMs.toFixed(0)).join(', ')} ms; top-1 agree ${pairs.length}/${pairs.length}, max |score diff| ${maxDiff.toExponential(2)}`);
      // Same session, same still picture, and preprocessing that is bit-exact on equal pixels (frame.test.ts);
      // only the browser's two YUV -> RGB conversions (GPU copy or ImageBitmap vs 2D canvas) may differ, by a
      // level here and there, which moves these probabilities by ~1e-4, not more.
      expect(maxDiff).toBeLessThan(5e-3);
    }, 180_000);

    it('an allowlist ranks only those classes on the GPU, as the CPU path does', async () => {
      expect(cpuTop.length).toBe(3);
      const allowlist = cpuTop.slice(1).map((c) => c.index);
      const { pairs, errors } = await call('gpuVsCpu', { frames: 1, topK: 3, allowlist });
      expect(errors).toEqual([]);
      const [p] = pairs;
      expect(p.path).toBe('fused');
      expect(p.gpu.map((c) => c.index)).toEqual(p.cpu.map((c) => c.index));
      expect(p.gpu.map((c) => c.index).sort((a, b) => a - b)).toEqual([...allowlist].sort((a, b) => a - b));
    }, 180_000);

    it('a GPU lost mid-video: the loop goes on, fallen back to wasm, frames on wasm\'s fused path, no error', async () => {
      const out = await call('gpuLost', { frames: 3 });
      console.log(`video: GPU lost after frame 1: ${out.results.map((r) => `${r.path} on ${r.ranOn}`).join(', ')}; fallbacks ${JSON.stringify(out.fallbacks)}`);
      expect(out.errors).toEqual([]);
      expect(out.results).toHaveLength(3);
      expect(out.results[0]).toMatchObject({ path: 'fused', ranOn: 'webgpu' });
      for (const r of out.results) expect(r.top[0]).toMatchObject({ index: want.index, label: want.label });
      expect(out.results.slice(1).map((r) => `${r.path} on ${r.ranOn}`)).toEqual(['fused on wasm', 'fused on wasm']);
      expect(out.backend).toBe('wasm');
      expect(out.fallbacks).toEqual([expect.objectContaining({ from: 'webgpu', to: 'wasm' })]);
    }, 180_000);
  });
}
