// Recurrent models (RNN, LSTM, GRU) run in the page on each backend the test names; every output comes
// back whole, so the test compares webgpu with the js reference here and with js in Node. Models open
// with load(url, {backend}), whose warm-up run must cope with a sequence_lens input.
// Feeds are a URL of raw f32 or the values themselves.
import { load } from '/dist/index.js';
import { errorData, fetchF32, publish } from './lib.js';

async function feedsOf(spec) {
  const feeds = {};
  for (const [name, v] of Object.entries(spec)) feeds[name] = typeof v === 'string' ? await fetchF32(v) : Float32Array.from(v);
  return feeds;
}

/** `webgpu:f16`: WebGPU storing weights and activations as f16. */
async function runOn(entry, m, feeds) {
  const [backend, precision] = entry.split(':');
  const t0 = performance.now();
  const model = await load(m.url, { backend, precision, cache: false });
  const loadMs = performance.now() - t0;
  try {
    const t1 = performance.now();
    const out = await model.run(feeds);
    const runMs = performance.now() - t1;
    const outputs = {};
    for (const [name, t] of Object.entries(out)) outputs[name] = { shape: [...t.shape], data: Array.from(t.data) };
    return { backend: model.backend, precision: model.precision, loadMs, runMs, outputs };
  } finally {
    model.dispose();
  }
}

publish({
  /** models: [{name, url, feeds}]; result[name][backend] = {backend, loadMs, runMs, outputs} or {error}. */
  async run({ models, backends }) {
    const result = {};
    for (const m of models) {
      const feeds = await feedsOf(m.feeds);
      result[m.name] = {};
      for (const backend of backends) {
        try {
          result[m.name][backend] = await runOn(backend, m, feeds);
        } catch (e) {
          result[m.name][backend] = { error: errorData(e) };
        }
      }
    }
    return result;
  },
});
