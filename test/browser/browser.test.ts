// The SDK's browser bundle in the system Chromium (headless, WebGPU on SwiftShader): mnist-8 on every
// backend against Node and onnxruntime-web, the default classifier on browser image sources, `auto`
// selection with its localStorage cache, the SDK inside a module worker and a service worker, the
// recurrent kernels, the examples (fashion, benchmark), WebGPU with f16 storage. One file, so the bundle
// is built and the browser launched once per run.
import { describe, it } from 'vitest';
import { setupBrowser } from './context.js';
import { autoSuite } from './auto.suite.js';
import { classifierSuite } from './classifier.suite.js';
import { mnistSuite } from './mnist.suite.js';
import { workerSuite } from './worker.suite.js';
import { videoSuite } from './video.suite.js';
import { fashionSuite } from './fashion.suite.js';
import { benchmarkExampleSuite } from './benchmark-example.suite.js';
import { recurrentSuite } from './recurrent.suite.js';
import { serviceWorkerSuite } from './service-worker.suite.js';
import { kernelsAssetSuite } from './kernels-asset.suite.js';
import { assetsSuite } from './assets.suite.js';
import { threadsSuite } from './threads.suite.js';
import { webEmbedSuite } from './web-embed.suite.js';
import { pwaCameraSuite } from './pwa-camera.suite.js';
import { explainSuite } from './explain.suite.js';

const setup = await setupBrowser();

if (setup.ctx) {
  describe('mnist-8 in Chromium', () => mnistSuite(setup));
  describe('ImageClassifier (default MobileNetV2) in Chromium', () => classifierSuite(setup));
  describe('auto backend selection in Chromium', () => autoSuite(setup));
  describe('the SDK in a module worker', () => workerSuite(setup));
  describe('classifyVideo on a fake camera in Chromium', () => videoSuite(setup));
  describe('examples/fashion in Chromium', () => fashionSuite(setup));
  describe('examples/benchmark in Chromium', () => benchmarkExampleSuite(setup));
  describe('recurrent models (RNN, LSTM, GRU) on webgpu in Chromium', () => recurrentSuite(setup));
  describe('the SDK in a module service worker', () => serviceWorkerSuite(setup));
  describe('the WGSL kernels asset (edgeinfer-kernels.json) unreachable or corrupt in Chromium', () => kernelsAssetSuite(setup));
  describe('the wasm builds missing beside the bundle, then found through wasmPaths, in Chromium', () => assetsSuite(setup));
  describe('wasm threads in Chromium', () => threadsSuite(setup));
  describe('examples/web-embed in Chromium', () => webEmbedSuite(setup));
  describe('examples/pwa-camera in Chromium', () => pwaCameraSuite(setup));
  describe('explain (heatmaps) from edgeinfer/advanced in Chromium', () => explainSuite(setup));
} else {
  console.warn(`browser tests skipped: ${setup.skipReason}`);
  it.skip(`browser tests (skipped: ${setup.skipReason})`, () => {});
}
