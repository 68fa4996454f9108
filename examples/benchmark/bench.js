// The measurements behind the benchmark page, with no DOM: what WebGPU adapter this browser offers, the
// timer's resolution, one backend candidate timed (load, first run, warm samples, batched when one run is
// too short for the timer) on seeded random inputs, the agreement of two candidates' outputs, and what
// `auto` picks. Public SDK API only.
import {
  BackendUnavailableError, jsProvider, load, wasmScalarProvider, wasmSimdProvider, webgpuProvider,
} from '../../dist/browser/index.js';

/**
 * Every candidate names its providers explicitly: asking for plain 'wasm' would quietly fall back from
 * the SIMD build to the scalar one, and a row must time exactly what its label says.
 */
const gpuProvider = webgpuProvider(navigator.gpu);
const THREADED_PRIORITY = 25;
export const CANDIDATES = [
  { id: 'webgpu-f32', label: 'webgpu f32', backend: 'webgpu', precision: 'f32', provider: gpuProvider, priority: gpuProvider.priority },
  { id: 'webgpu-f16', label: 'webgpu f16', backend: 'webgpu', precision: 'f16', provider: gpuProvider, priority: gpuProvider.priority },
  // The threaded build's provider is not public: the row asks for wasm with a thread count and then checks
  // in model.selection that the threaded candidate (priority 25) is the one that runs.
  { id: 'wasm-threads', label: 'wasm SIMD threads', backend: 'wasm', threaded: true, priority: THREADED_PRIORITY },
  { id: 'wasm-simd', label: 'wasm SIMD', backend: 'wasm', provider: wasmSimdProvider, priority: wasmSimdProvider.priority },
  { id: 'wasm-scalar', label: 'wasm scalar', backend: 'wasm', provider: wasmScalarProvider, priority: wasmScalarProvider.priority },
  { id: 'js', label: 'js', backend: 'js', provider: jsProvider, priority: jsProvider.priority },
];

/** The threads the SDK's own `threads: 'auto'` takes (the cores, at most 4): the page's default. */
export function defaultThreads() {
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 4));
}

/**
 * The smallest step performance.now() takes here, in ms: browsers coarsen it (Chromium: 0.1 ms, or 5 µs on
 * a cross-origin isolated page), and a span near that step is noise. The smallest of `tries` observed steps.
 */
export function timerResolution(tries = 50) {
  let best = Infinity;
  for (let i = 0; i < tries; i++) {
    const t0 = performance.now();
    let t1 = performance.now();
    while (t1 === t0) t1 = performance.now();
    best = Math.min(best, t1 - t0);
  }
  return best;
}

/**
 * How many runs one timed sample spans: 1 when a run is long enough for the timer, else enough runs that the
 * sample lasts BATCH_TARGET_MS and at least 200 timer steps (a step then costs at most 0.5 %).
 */
const BATCH_TARGET_MS = 1;
const MAX_BATCH = 4096;

/** The names the SDK itself treats as software rasterizers (a CPU pretending to be a GPU). */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|basic render driver|\bwarp\b/i;

/**
 * The adapter the SDK would get (it asks for 'high-performance' too), or why there is none. `software`
 * says why its figures are not a GPU's: a fallback adapter, or a known software rasterizer by name.
 */
export async function describeAdapter() {
  const gpu = navigator.gpu;
  if (!gpu) {
    return { available: false, reason: isSecureContext ? 'navigator.gpu is missing: this browser has no WebGPU, or it is turned off' : 'navigator.gpu is missing: WebGPU needs a secure origin (https:// or http://localhost)' };
  }
  let adapter;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { available: false, reason: `requestAdapter() failed: ${e?.message ?? e}` };
  }
  if (!adapter) return { available: false, reason: 'requestAdapter() returned null (no usable GPU, or it is blocklisted)' };
  const info = adapter.info ?? {};
  // Older browsers keep the flag on the adapter rather than in its info.
  const fallback = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter);
  const named = [info.architecture, info.device, info.description, info.vendor].find((s) => s && SOFTWARE_NAMES.test(s));
  const software = fallback || named !== undefined
    ? `software adapter (${[named?.match(SOFTWARE_NAMES)[0], fallback ? 'fallback adapter' : undefined].filter(Boolean).join(', ')})`
    : undefined;
  return {
    available: true,
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    fallback,
    software,
    shaderF16: adapter.features.has('shader-f16'),
  };
}

/** A tiny seeded generator: every candidate gets exactly the same inputs, and each Run the same ones. */
function lcg(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * `count` sets of feeds of the model's input shapes (a free batch dim -1 becomes 1), values in [0, 1).
 * A recurrent node's sequence-lengths input gets the full length instead: random floats are not lengths.
 */
export function makeInputs(model, count, seed = 20240611) {
  const lengths = sequenceLengthInputs(model.graph);
  const next = lcg(seed);
  return Array.from({ length: count }, () => {
    const feeds = {};
    for (const info of model.inputs) {
      const data = new Float32Array(info.shape.reduce((n, d) => n * (d === -1 ? 1 : d), 1));
      if (lengths.has(info.name)) data.fill(lengths.get(info.name));
      else for (let i = 0; i < data.length; i++) data[i] = next();
      feeds[info.name] = data;
    }
    return feeds;
  });
}

/** Graph inputs that feed RNN/LSTM/GRU sequence_lens, with the sequence length T (batch-first X [N,T,I]). */
function sequenceLengthInputs(graph) {
  const byName = new Map(graph.inputs.map((v) => [v.name, v]));
  const lengths = new Map();
  for (const n of graph.nodes) {
    if (!['RNN', 'LSTM', 'GRU'].includes(n.op) || !byName.has(n.inputs[4] ?? '')) continue;
    // When X is computed inside the graph its length is not at hand here: 1 is valid for any sequence.
    lengths.set(n.inputs[4], byName.get(n.inputs[0])?.shape[1] ?? 1);
  }
  return lengths;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile: with few runs, p90 is the slowest but one or two, never an interpolation. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

/** Lets the page repaint between runs; the yield itself is outside every timed span. */
const breathe = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Copies a run's outputs: a backend may hand back views of buffers it reuses on the next run. */
function snapshot(outputs) {
  return Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, Float32Array.from(t.data)]));
}

/**
 * Which build wasmSimdProvider took (relaxed-SIMD, or SIMD where the engine rejects relaxed), from the
 * page's resource timing entries: the later of the two files fetched. The SDK keeps a compiled build,
 * so a second Run fetches nothing new and the answer stays the same.
 */
function simdBuildFetched(threaded = false) {
  const file = threaded ? /edgeinfer-(relaxed|simd)-threads\.wasm$/ : /edgeinfer-(relaxed|simd)\.wasm$/;
  const builds = performance.getEntriesByType('resource').map((r) => r.name.match(file)?.[1]).filter(Boolean);
  return builds.at(-1);
}

/**
 * Why load() refused: 'unavailable' when the provider says the backend cannot run in this browser at
 * all, 'unsupported' when it lacks an op this model uses (the SDK's candidate status, in its message),
 * else 'failed': the backend is here but broke, which is worth a bug report.
 */
async function loadFailure(candidate, e) {
  if (!(e instanceof BackendUnavailableError) || !candidate.provider) return 'failed';
  const available = await candidate.provider.available().catch(() => true);
  if (available !== true) return 'unavailable';
  return / unsupported \(/.test(e.message) ? 'unsupported' : 'failed';
}

/** load() options for one row: exactly the provider its label names, chosen afresh, nothing remembered. */
function loadOptions(candidate, threads) {
  const fresh = { cache: false, warmStart: false };
  if (candidate.threaded) return { ...fresh, backend: 'wasm', threads };
  return { ...fresh, backend: candidate.backend, precision: candidate.precision, providers: [candidate.provider] };
}

/**
 * A threaded row's model must run on the threaded build: when load() settled on a single-threaded one, why the
 * threaded candidate was passed over (its status and reason in model.selection), else undefined.
 */
function threadedMissing(model) {
  const threaded = model.selection.candidates.find((c) => c.name === 'wasm' && c.priority === THREADED_PRIORITY);
  if (threaded?.status === 'chosen') return undefined;
  return { status: threaded?.status === 'unavailable' ? 'unavailable' : 'failed', reason: `threaded wasm build ${threaded?.status ?? 'not built in'}: ${threaded?.reason ?? 'no reason given'}` };
}

/**
 * Times one candidate: load(), one first run, then warm samples cycling through `inputCount` inputs. A run too
 * short for the timer (see BATCH_TARGET_MS) is timed in batches: `batch` runs per timer read, the sample being
 * their mean. Up to `runs` samples until `budgetMs` is spent (at least one, so there is always a median). The
 * model is disposed before this returns. `onProgress(text, done)` is called between samples (done: samples so far).
 * Result: { status: 'ok', ... } or { status: 'unavailable' | 'unsupported' | 'failed', reason }.
 */
export async function measure(candidate, source, { runs, budgetMs, inputCount, threads, resolutionMs, onProgress = () => {} }) {
  onProgress('loading', 0);
  const t0 = performance.now();
  let model;
  try {
    model = await load(source, loadOptions(candidate, threads));
  } catch (e) {
    return { status: await loadFailure(candidate, e), reason: `${e?.name ?? 'Error'}: ${e?.message ?? e}` };
  }
  const loadMs = performance.now() - t0;
  try {
    const missing = candidate.threaded ? threadedMissing(model) : undefined;
    if (missing) return { ...missing, loadMs };
    const build = candidate.provider === wasmSimdProvider || candidate.threaded ? simdBuildFetched(candidate.threaded) : undefined;
    const inputs = makeInputs(model, inputCount);
    /** The outputs for each input, kept the first time that input runs outside a batch. */
    const outputs = new Array(inputs.length);
    let next = 0;
    /** Wall ms of `n` runs back to back, on the next inputs in turn; one run's outputs are kept after its span. */
    const timed = async (n) => {
      const first = next;
      const t = performance.now();
      let out;
      for (let i = 0; i < n; i++) out = await model.run(inputs[next++ % inputs.length]);
      const ms = performance.now() - t;
      if (n === 1) outputs[first % inputs.length] ??= snapshot(out);
      return ms;
    };
    await breathe();
    onProgress('first run', 0);
    const firstMs = await timed(1);
    // Calibration, which also warms the backend up: grow the batch until one timer read spans the target.
    // One run is judged by the faster of two, so that one stall (another tab, a GC) does not leave a short
    // run unbatched.
    const target = Math.max(BATCH_TARGET_MS, 200 * resolutionMs);
    let batch = 1;
    for (let ms = Math.min(await timed(1), await timed(1)); ms < target && batch < MAX_BATCH; ms = await timed(batch)) {
      batch = Math.min(MAX_BATCH, Math.max(batch * 2, Math.ceil((batch * target * 1.2) / Math.max(ms, resolutionMs))));
      await breathe();
    }
    const samples = [];
    const warmStart = performance.now();
    while (samples.length < runs && (samples.length === 0 || performance.now() - warmStart < budgetMs)) {
      await breathe();
      onProgress(`sample ${samples.length + 1}/${runs}${batch > 1 ? ` (${batch} runs each)` : ''}`, samples.length);
      samples.push((await timed(batch)) / batch);
    }
    // Inputs first met inside a batch: their outputs, untimed, for the comparison.
    for (let k = 0; k < inputs.length; k++) outputs[k] ??= snapshot(await model.run(inputs[k]));
    return {
      status: 'ok',
      backend: model.backend,
      precision: model.precision,
      modelHash: model.modelHash,
      build,
      threads: candidate.threaded ? threads : 1,
      loadMs,
      firstMs,
      batch,
      samples,
      medianMs: median(samples),
      p10Ms: percentile(samples, 10),
      p90Ms: percentile(samples, 90),
      budgetHit: samples.length < runs,
      outputs,
    };
  } catch (e) {
    return { status: 'failed', reason: `${e?.name ?? 'Error'}: ${e?.message ?? e}`, loadMs };
  } finally {
    model.dispose();
  }
}

/**
 * The largest |a - b| over every output element of every input both candidates ran; NaN when either
 * produced a NaN (a broken kernel must not hide behind Math.max), Infinity when the shapes disagree.
 * Also how many inputs were compared, and the largest |reference| value for scale.
 */
export function agreement(outputs, reference) {
  let maxDiff = 0;
  let scale = 0;
  let compared = 0;
  for (let k = 0; k < Math.min(outputs.length, reference.length); k++) {
    if (!outputs[k] || !reference[k]) continue;
    compared++;
    for (const [name, ref] of Object.entries(reference[k])) {
      const got = outputs[k][name];
      if (!got || got.length !== ref.length) return { maxDiff: Infinity, scale, compared };
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(got[i] - ref[i]);
        if (Number.isNaN(d)) return { maxDiff: NaN, scale, compared };
        if (d > maxDiff) maxDiff = d;
        scale = Math.max(scale, Math.abs(ref[i]));
      }
    }
  }
  return { maxDiff, scale, compared };
}

/**
 * What load(source, { backend: 'auto' }) settles on here, with no remembered decision. With a real GPU
 * load() answers on a CPU backend first while the GPU is timed in the background (warm start):
 * model.ready waits for that, so the pick shown is the final one.
 */
export async function autoPick(source, threads) {
  const t0 = performance.now();
  const model = await load(source, { backend: 'auto', cache: false, threads });
  const firstMs = performance.now() - t0;
  try {
    const selection = await model.ready;
    return { backend: model.backend, precision: model.precision, firstMs, readyMs: performance.now() - t0, selection };
  } finally {
    model.dispose();
  }
}
