// load() with the default backend ('auto') and the default decision cache (this origin's
// localStorage): returns how the backend was chosen and what the cache holds afterwards.
import { load } from '/dist/index.js';
import { publish } from './lib.js';

const PREFIX = 'edgeinfer.backend:';

function storedDecisions() {
  const out = {};
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key.startsWith(PREFIX)) out[key] = JSON.parse(localStorage.getItem(key));
  }
  return out;
}

publish({
  clearStorage() {
    localStorage.clear();
  },

  async loadAuto(modelUrl, options) {
    const before = storedDecisions();
    const t0 = performance.now();
    const model = await load(modelUrl, options);
    const ms = performance.now() - t0;
    // A run on the chosen session proves it is ready, not just named.
    const input = model.inputs[0];
    const n = input.shape.reduce((a, d) => a * (d === -1 ? 1 : d), 1);
    const out = await model.run({ [input.name]: new Float32Array(n).fill(0.5) });
    const outputs = Object.values(out)[0].data.length;
    const result = { backend: model.backend, selection: model.selection, ms, outputs, before, after: storedDecisions(), userAgent: navigator.userAgent };
    model.dispose();
    return JSON.parse(JSON.stringify(result));
  },
});
