// mnist-8 in one page: the SDK's bundle on each backend the test names, and onnxruntime-web on the
// original ONNX file, over the same digits; the page compares each backend with ort itself and hands
// all logits back so the test can compare them with the js backend run in Node.
import { load } from '/dist/index.js';
import * as ort from '/ort/ort.min.mjs';
import { errorData, fetchBytes, fetchF32, maxAbsDiff, median, publish, wasmBuildsFetched } from './lib.js';

/** Load (with its warm-up run), then `runs` timed runs of the whole batch. `webgpu:f16`: WebGPU storing f16. */
async function runSdk(entry, modelUrl, digits, runs) {
  const [backend, precision] = entry.split(':');
  const t0 = performance.now();
  const model = await load(modelUrl, { backend, precision, cache: false });
  const loadMs = performance.now() - t0;
  try {
    const inName = model.inputs[0].name;
    const outName = model.outputs[0].name;
    let logits;
    const times = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      logits = (await model.run({ [inName]: digits }))[outName].data;
      times.push(performance.now() - t);
    }
    return { backend: model.backend, precision: model.precision, mode: model.selection.mode, loadMs, runMs: median(times), logits: Array.from(logits) };
  } finally {
    model.dispose();
  }
}

/** ort's wasm EP, one thread (the machine is shared); mnist-8 has a fixed batch of 1. */
async function runOrt(onnxUrl, digits, count) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/ort/';
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(await fetchBytes(onnxUrl), { executionProviders: ['wasm'] });
  const loadMs = performance.now() - t0;
  try {
    const [inName] = session.inputNames;
    const [outName] = session.outputNames;
    const logits = new Float32Array(count * 10);
    const t1 = performance.now();
    for (let i = 0; i < count; i++) {
      const x = new ort.Tensor('float32', digits.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]);
      logits.set((await session.run({ [inName]: x }))[outName].data, i * 10);
    }
    return { loadMs, runMs: performance.now() - t1, logits: Array.from(logits) };
  } finally {
    await session.release();
  }
}

publish({
  async compare({ modelUrl, onnxUrl, digitsUrl, count, backends, runs }) {
    const digits = await fetchF32(digitsUrl);
    if (digits.length !== count * 784) throw new Error(`expected ${count} digits, got ${digits.length / 784}`);
    const ortResult = await runOrt(onnxUrl, digits, count);
    const sdk = {};
    for (const backend of backends) {
      try {
        const r = await runSdk(backend, modelUrl, digits, runs);
        sdk[backend] = { ...r, maxDiffVsOrt: maxAbsDiff(r.logits, ortResult.logits) };
      } catch (e) {
        sdk[backend] = { error: errorData(e) };
      }
    }
    return { ort: ortResult, sdk, wasmBuilds: wasmBuildsFetched() };
  },
});
