// Offline support for the camera PWA: at install, caches the app shell, the SDK bundle (index.js, and advanced.js
// that "why?" imports for its heatmaps) with its kernels
// (the five wasm builds, since the SDK picks one at run time, the threaded builds' worker script, and the WGSL
// table) and the default model; then answers from that cache first, the network after. Every response it
// gives carries the cross-origin isolation headers (COOP/COEP/CORP), whether or not the server sent them when
// the file was cached: offline the page stays crossOriginIsolated, so the threaded wasm build can still run.
// A new version (a changed sw.js) installs beside the running one and waits: the page offers "update available"
// and, when the user accepts, asks it to take over (skip-waiting), then reloads. Bump VERSION whenever any cached
// file changes.
const VERSION = 'edgeinfer-camera-v5';
const FILES = [
  './',
  './index.html',
  './app.js',
  './manifest.webmanifest',
  './icon.svg',
  './icon-192.png',
  './icon-512.png',
  './icon-maskable-512.png',
  '../../dist/browser/index.js',
  '../../dist/browser/advanced.js',
  '../../dist/browser/edgeinfer-simd.wasm',
  '../../dist/browser/edgeinfer-relaxed.wasm',
  '../../dist/browser/edgeinfer-scalar.wasm',
  '../../dist/browser/edgeinfer-simd-threads.wasm',
  '../../dist/browser/edgeinfer-relaxed-threads.wasm',
  '../../dist/browser/edgeinfer-worker.js',
  '../../dist/browser/edgeinfer-kernels.json',
  '../../models/mobilenetv2-12-int8.eim',
];

/** What makes the page cross-origin isolated (and lets its own files load under COEP: require-corp). */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** `response` as it is when it has the isolation headers already, else a copy with them added. */
function isolated(response) {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  if (Object.entries(ISOLATION).every(([k, v]) => response.headers.get(k) === v)) return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(ISOLATION)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await cache.addAll(FILES);
    // No skipWaiting here: an open page keeps the version it started with until its user says otherwise.
    // (The very first install has nothing to wait for and activates at once.)
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== VERSION) await caches.delete(key);
    // Control the page that registered us at once, so it works offline without a reload first.
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cached = await caches.match(request, { ignoreSearch: true });
    return isolated(cached ?? await fetch(request));
  })());
});
