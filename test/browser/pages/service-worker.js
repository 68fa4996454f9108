// A module service worker importing the browser bundle statically (service workers allow neither
// dynamic import() nor, in Chromium, URL.createObjectURL). It answers postMessage requests on the
// port sent with them, and POSTs to /pages/sw-api/mnist?backend=... with mnist-8 logits as JSON,
// keeping one loaded model per backend between requests.
import './worker-guard.js';
import { ImageClassifier, load } from '/dist/index.js';
import { errorData, fetchF32, wasmBuildsFetched } from './lib.js';
import { imageDataOf } from './sources.js';

self.addEventListener('install', (e) => e.waitUntil(self.skipWaiting()));
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

async function gpuInfo() {
  const gpu = navigator.gpu;
  if (!gpu) return { present: false };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { present: true, adapter: null };
    const { vendor, architecture } = adapter.info;
    return { present: true, adapter: { vendor, architecture, isFallbackAdapter: Boolean(adapter.info.isFallbackAdapter) } };
  } catch (e) {
    return { present: true, error: errorData(e) };
  }
}

async function environment() {
  return {
    isServiceWorker: typeof ServiceWorkerGlobalScope !== 'undefined' && self instanceof ServiceWorkerGlobalScope,
    document: typeof document,
    localStorage: typeof localStorage,
    XMLHttpRequest: typeof XMLHttpRequest,
    OffscreenCanvas: typeof OffscreenCanvas,
    gpu: await gpuInfo(),
  };
}

/** mnist-8 on each backend named ('auto' too): the batch's logits and how the backend was chosen. */
async function mnist({ modelUrl, digitsUrl, backends }) {
  const digits = await fetchF32(digitsUrl);
  const out = {};
  for (const backend of backends) {
    try {
      const model = await load(modelUrl, { backend });
      try {
        const logits = (await model.run({ [model.inputs[0].name]: digits }))[model.outputs[0].name].data;
        out[backend] = { backend: model.backend, selection: JSON.parse(JSON.stringify(model.selection)), logits: Array.from(logits) };
      } finally {
        model.dispose();
      }
    } catch (e) {
      out[backend] = { error: errorData(e) };
    }
  }
  return out;
}

async function classify({ modelUrl, photoUrl, backend }) {
  const classifier = await ImageClassifier.create(modelUrl, { backend, cache: false });
  try {
    const top = await classifier.classify(await imageDataOf(photoUrl), { topK: 3 });
    return { top, backend: classifier.backend };
  } finally {
    classifier.dispose();
  }
}

const HANDLERS = { environment, mnist, classify };

self.addEventListener('message', (e) => {
  const [port] = e.ports;
  const { kind, ...request } = e.data;
  const reply = (async () => {
    try {
      const handler = HANDLERS[kind];
      if (!handler) throw new Error(`unknown request kind ${kind}`);
      return { ...(await handler(request)), blobUrlCalls: globalThis.blobUrlCalls, wasmBuilds: wasmBuildsFetched() };
    } catch (err) {
      return { error: errorData(err), blobUrlCalls: globalThis.blobUrlCalls };
    }
  })();
  e.waitUntil(reply.then((r) => port.postMessage(r)));
});

const MNIST_URL = '/data/mnist-8.eim';
const loaded = new Map();

async function answer(request) {
  const url = new URL(request.url);
  try {
    const backend = url.searchParams.get('backend') ?? 'auto';
    if (!loaded.has(backend)) loaded.set(backend, load(MNIST_URL, { backend }));
    const model = await loaded.get(backend);
    const digits = new Float32Array(await request.arrayBuffer());
    const logits = (await model.run({ [model.inputs[0].name]: digits }))[model.outputs[0].name].data;
    return Response.json({ backend: model.backend, logits: Array.from(logits) });
  } catch (e) {
    return Response.json({ error: errorData(e) }, { status: 500 });
  }
}

self.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).pathname === '/pages/sw-api/mnist') e.respondWith(answer(e.request));
});
