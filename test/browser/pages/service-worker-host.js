// Registers service-worker.js as a module service worker (scope /pages/, so it also controls this
// page) and talks to it two ways: postMessage with a reply port, and fetches it intercepts.
import { fetchF32, publish } from './lib.js';

const SCRIPT = '/pages/service-worker.js';

async function activeWorker() {
  // A module that fails to load or evaluate rejects register() with the browser's reason.
  const reg = await navigator.serviceWorker.register(SCRIPT, { type: 'module', scope: '/pages/' });
  await navigator.serviceWorker.ready;
  // The worker claims its clients when it activates; this page is one of them.
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  }
  return reg.active;
}

let worker;

publish({
  /** Sends one request to the service worker; resolves with its reply. */
  async ask(request) {
    worker ??= await activeWorker();
    const channel = new MessageChannel();
    return new Promise((resolve) => {
      channel.port1.onmessage = (e) => resolve(e.data);
      worker.postMessage(request, [channel.port2]);
    });
  },
  /** POSTs the digits at digitsUrl to a URL only the service worker answers; resolves with its JSON. */
  async fetchThroughWorker(url, digitsUrl) {
    worker ??= await activeWorker();
    const body = await fetchF32(digitsUrl);
    const res = await fetch(url, { method: 'POST', body });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
  },
});
