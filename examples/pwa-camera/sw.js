// Offline support for the camera PWA: at install, caches the app shell, the SDK bundle with its kernels
// (the three wasm builds, since the SDK picks one at run time, and the WGSL table) and the default model; then answers
// from that cache first, the network after. Bump VERSION whenever any cached file changes.
const VERSION = 'edgeinfer-camera-v2';
const FILES = [
  './',
  './index.html',
  './app.js',
  './manifest.webmanifest',
  './icon.svg',
  './icon-192.png',
  './icon-512.png',
  '../../dist/browser/index.js',
  '../../dist/browser/edgeinfer-simd.wasm',
  '../../dist/browser/edgeinfer-relaxed.wasm',
  '../../dist/browser/edgeinfer-scalar.wasm',
  '../../dist/browser/edgeinfer-kernels.json',
  '../../models/mobilenetv2-12-int8.eim',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await cache.addAll(FILES);
    await self.skipWaiting();
  })());
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
    return cached ?? fetch(request);
  })());
});
