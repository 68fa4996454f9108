// Starts worker.js as a module worker and relays one request to it.
import { publish } from './lib.js';

publish({
  classifyInWorker(request) {
    const worker = new Worker('/pages/worker.js', { type: 'module' });
    return new Promise((resolve, reject) => {
      worker.onmessage = (e) => {
        worker.terminate();
        resolve(e.data);
      };
      worker.onerror = (e) => {
        worker.terminate();
        reject(new Error(`worker error: ${e.message ?? 'the module failed to load'}`));
      };
      worker.postMessage(request);
    });
  },
});
