// classifyVideo on a camera <video>: the browser runs with Chromium's fake camera streaming a photo
// (video.suite.ts). Each run collects every onResult/onError call with the page's clock, stops the
// loop, and keeps listening a while, so the test can see that nothing arrives after stop().
import { ImageClassifier, load, wasmSimdProvider, webgpuDeviceProvider } from '/dist/index.js';
import { errorData, publish } from './lib.js';
import { imageDataOf } from './sources.js';

const video = document.getElementById('camera');
let classifier;
/** A second classifier on webgpu, for the fused path on the GPU. */
let gpuClassifier;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

publish({
  async open(backend) {
    classifier = await ImageClassifier.create('/models/mobilenetv2-12-int8.eim', { backend, cache: false });
    return { backend: classifier.backend };
  },

  async startCamera() {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    video.srcObject = stream;
    await video.play();
    // play() resolves before the first frame is decoded on some builds.
    while (video.readyState < 2 || video.videoWidth === 0) await sleep(10);
    const settings = stream.getVideoTracks()[0].getSettings();
    return { width: video.videoWidth, height: video.videoHeight, frameRate: settings.frameRate, label: stream.getVideoTracks()[0].label };
  },

  /** Mean |camera frame - photo| per RGB channel, over the photo's top-left width x height. */
  async frameVsPhoto(url) {
    const w = video.videoWidth, h = video.videoHeight;
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext('2d');
    g.drawImage(video, 0, 0);
    const frame = g.getImageData(0, 0, w, h).data;
    const photo = await imageDataOf(url);
    const sum = [0, 0, 0];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4, j = (y * photo.width + x) * 4;
        for (let k = 0; k < 3; k++) sum[k] += Math.abs(frame[i + k] - photo.data[j + k]);
      }
    }
    return sum.map((s) => s / (w * h));
  },

  /**
   * Runs classifyVideo for `ms`, then stop(); listens `afterMs` more. `slowMs`: onResult returns a
   * promise that settles that much later. `throwAt`: onResult throws on that result (1-based).
   * `noVideoFrameCallback`: hides requestVideoFrameCallback from the loop (the rAF fallback).
   */
  async run({ ms, afterMs = 500, maxFps, topK = 3, slowMs = 0, throwAt, noVideoFrameCallback = false, withOnError = true }) {
    if (noVideoFrameCallback) video.requestVideoFrameCallback = undefined;
    else delete video.requestVideoFrameCallback;
    const results = [];
    const errors = [];
    let stoppedAt = Infinity;
    const t0 = performance.now();
    const onResult = (r) => {
      results.push({ ...r, at: performance.now() - t0, afterStop: performance.now() > stoppedAt });
      if (results.length === throwAt) throw new Error(`onResult refused result ${throwAt}`);
      if (slowMs > 0) return sleep(slowMs).then(() => { results[results.length - 1].settledAt = performance.now() - t0; });
      return undefined;
    };
    const options = { maxFps, topK };
    if (withOnError) options.onError = (e) => errors.push({ ...errorData(e), at: performance.now() - t0, afterStop: performance.now() > stoppedAt });
    const loop = classifier.classifyVideo(video, onResult, options);
    let doneState = 'pending';
    loop.done.then(() => { doneState = 'resolved'; }, (e) => { doneState = `rejected: ${e?.message ?? e}`; });
    await sleep(ms);
    const stateBeforeStop = doneState;
    stoppedAt = performance.now();
    loop.stop();
    const elapsed = stoppedAt - t0;
    await sleep(afterMs);
    return { driver: loop.driver, results, errors, elapsed, doneBeforeStop: stateBeforeStop, doneAfterStop: doneState };
  },

  async openGpu() {
    const t0 = performance.now();
    gpuClassifier = await ImageClassifier.create('/models/mobilenetv2-12-int8.eim', { backend: 'webgpu', cache: false });
    return { backend: gpuClassifier.backend, ms: performance.now() - t0 };
  },

  /**
   * classifyVideo on the webgpu classifier until `frames` results (options as run's), then stop(); right after
   * each result, classifyBatch() (the canvas path: canvas, JS preprocess and ranking, the same session; classify()
   * of one image would take the fused path) takes the camera's frame too, so each GPU result has a CPU one on
   * the same (still) picture.
   */
  async gpuVsCpu({ frames, topK = 3, maxFps = 2, allowlist }) {
    const pairs = [];
    const errors = [];
    await new Promise((resolve) => {
      const loop = gpuClassifier.classifyVideo(video, async (r) => {
        const t0 = performance.now();
        const [cpu] = await gpuClassifier.classifyBatch([video], { topK, allowlist });
        pairs.push({ gpu: r.top, path: r.path, latencyMs: r.latencyMs, cpu, cpuMs: performance.now() - t0 });
        if (pairs.length === frames) { loop.stop(); resolve(); }
      }, { topK, maxFps, allowlist, onError: (e) => { errors.push(errorData(e)); resolve(); } });
    });
    return { pairs, errors };
  },

  /**
   * classifyVideo on ['webgpu', 'wasm'] over an app-owned device that is destroyed after the first GPU
   * result: the loop must go on (fallen back to wasm, frames on wasm's fused path) without an error.
   */
  async gpuLost({ frames }) {
    const adapter = await navigator.gpu.requestAdapter();
    const device = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize } });
    const model = await load('/models/mobilenetv2-12-int8.eim', { backend: ['webgpu', 'wasm'], providers: [webgpuDeviceProvider(device), wasmSimdProvider], cache: false });
    const lossy = await ImageClassifier.create(model);
    const results = [];
    const errors = [];
    try {
      await new Promise((resolve) => {
        const loop = lossy.classifyVideo(video, (r) => {
          results.push({ path: r.path, ranOn: r.backend, top: r.top, backend: lossy.backend });
          if (results.length === 1) device.destroy();
          if (results.length === frames) { loop.stop(); resolve(); }
        }, { topK: 1, maxFps: 4, onError: (e) => { errors.push(errorData(e)); resolve(); } });
      });
      return { results, errors, backend: lossy.backend, fallbacks: model.selection.fallbacks ?? [] };
    } finally {
      lossy.dispose();
      model.dispose();
    }
  },

  closeGpu() {
    gpuClassifier?.dispose();
    gpuClassifier = undefined;
  },

  /** What classifyVideo says to arguments it cannot take (synchronously). */
  badArguments() {
    const tries = {
      'not a video': () => classifier.classifyVideo(document.createElement('canvas'), () => {}),
      'onResult missing': () => classifier.classifyVideo(video, undefined),
      'maxFps 0': () => classifier.classifyVideo(video, () => {}, { maxFps: 0 }),
      'topK 0': () => classifier.classifyVideo(video, () => {}, { topK: 0 }),
    };
    const out = {};
    for (const [what, f] of Object.entries(tries)) {
      try {
        const loop = f();
        loop.stop();
        out[what] = undefined;
      } catch (e) {
        out[what] = errorData(e);
      }
    }
    return out;
  },
});
