// The camera PWA: the default MobileNetV2 on the best backend here, classifying the camera live
// (top-3, at most 5 times a second). sw.js keeps every file it needs, so it also works offline.
import { ImageClassifier, setAssetPaths } from '../../dist/browser/index.js';

const MODEL_URL = new URL('../../models/mobilenetv2-12-int8.eim', import.meta.url);
const BUNDLE = new URL('../../dist/browser/', import.meta.url);
const $ = (id) => document.getElementById(id);

function status(text) {
  $('status').textContent = text;
}

function show(top) {
  $('labels').replaceChildren(...top.map(({ label, score }) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = label;
    const pct = document.createElement('span');
    pct.textContent = `${(score * 100).toFixed(1)} %`;
    li.append(name, pct);
    return li;
  }));
}

/**
 * What became of the threaded wasm build (wasm@25 in the selection): chosen, slower than one thread, or why it
 * is unavailable (a page that is not cross-origin isolated). A cached decision lists only what it chose.
 */
function showThreads(selection) {
  const threaded = selection?.candidates.find((c) => c.name === 'wasm' && c.priority === 25);
  const isolation = crossOriginIsolated ? 'page isolated' : 'page not cross-origin isolated';
  $('threads').textContent = threaded
    ? `${isolation}; wasm@25 ${threaded.status}${threaded.reason && threaded.status !== 'chosen' ? ` (${threaded.reason})` : ''}`
    : `${isolation}; wasm@25 not tried (${selection?.mode ?? 'no'} selection)`;
}

/**
 * The threads' worker script from a blob: URL of its bytes, fetched by this page (so from sw.js's cache when
 * offline): Chromium fetches a Worker's script from the network without asking the page's service worker
 * (seen in test/browser/video.suite.ts), so offline the workers could not start from their file and the model
 * ran on one thread. A blob: URL has the page's origin and isolation. Online, on failure: the default.
 */
async function workerFromCache() {
  try {
    const res = await fetch(new URL('edgeinfer-worker.js', BUNDLE));
    if (!res.ok) return;
    const worker = URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: 'text/javascript' }));
    const build = (v) => new URL(`edgeinfer-${v}.wasm`, BUNDLE);
    setAssetPaths({
      wasmPaths: {
        simd: build('simd'), scalar: build('scalar'), relaxed: build('relaxed'),
        simdThreads: build('simd-threads'), relaxedThreads: build('relaxed-threads'), worker,
      },
    });
  } catch {
    // Keep edgeinfer-worker.js beside the bundle.
  }
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return 'no service worker support: online only';
  try {
    await navigator.serviceWorker.register('sw.js');
    await navigator.serviceWorker.ready;
    return 'available offline';
  } catch (e) {
    return `offline cache unavailable: ${e.message}`;
  }
}

async function main() {
  // The worker caches in the background; the camera and the model do not wait for it.
  const offline = registerServiceWorker();
  status('opening the camera…');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  const video = $('camera');
  video.srcObject = stream;
  await video.play();

  status('loading the model…');
  await workerFromCache();
  const classifier = await ImageClassifier.create(MODEL_URL.href, {
    onProgress: (loaded, total) => status(`loading the model… ${total ? Math.round((100 * loaded) / total) : Math.round(loaded / 1024)}${total ? ' %' : ' KiB'}`),
  });
  $('backend').textContent = classifier.backend;
  showThreads(classifier.selection);
  // With a GPU, a CPU backend answers first while the GPU prepares; show the switch when it happens.
  classifier.ready.then(() => {
    $('backend').textContent = classifier.backend;
    showThreads(classifier.selection);
  });
  status(await offline);

  let shown = 0;
  let since = performance.now();
  const loop = classifier.classifyVideo(video, ({ top, latencyMs, dropped }) => {
    show(top);
    shown++;
    const now = performance.now();
    if (now - since > 1000) {
      $('stats').textContent = `${((shown * 1000) / (now - since)).toFixed(1)} results/s, ${latencyMs.toFixed(0)} ms each, ${dropped} frames skipped`;
      shown = 0;
      since = now;
    }
  }, { maxFps: 5, topK: 3, onError: (e) => status(`stopped: ${e.name}: ${e.message}`) });
  // A hidden page gets no frames anyway; stopping also frees the camera for other apps.
  window.addEventListener('pagehide', () => {
    loop.stop();
    stream.getTracks().forEach((t) => t.stop());
  });
}

main().catch((e) => status(`error: ${e.name}: ${e.message}`));
