// A module worker importing the bundle: opens the default classifier, classifies the photo it is
// sent (decoded with createImageBitmap + OffscreenCanvas, the worker-side way) and posts the result.
import './worker-guard.js';
import { ImageClassifier } from '/dist/index.js';
import { errorData, wasmBuildsFetched } from './lib.js';
import { imageDataOf } from './sources.js';

self.onmessage = async (e) => {
  const { modelUrl, photoUrl, backend, threads } = e.data;
  try {
    const t0 = performance.now();
    const classifier = await ImageClassifier.create(modelUrl, { backend, ...(threads ? { threads } : {}) });
    const openMs = performance.now() - t0;
    const pixels = await imageDataOf(photoUrl);
    const t1 = performance.now();
    const top = await classifier.classify(pixels, { topK: 3 });
    const classifyMs = performance.now() - t1;
    const selection = JSON.parse(JSON.stringify(classifier.selection));
    classifier.dispose();
    self.postMessage({
      top, backend: classifier.backend, selection, openMs, classifyMs, isolated: self.crossOriginIsolated,
      isWorker: typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope && typeof document === 'undefined',
      blobUrlCalls: globalThis.blobUrlCalls, wasmBuilds: wasmBuildsFetched(),
    });
  } catch (err) {
    self.postMessage({ error: errorData(err), blobUrlCalls: globalThis.blobUrlCalls });
  }
};
