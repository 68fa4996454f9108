// The CPU bench inside a page: edgeinfer from the built browser bundle (/dist/advanced.js, wasm backend; at
// 2 threads and threads 'auto' through load()), onnxruntime-web (/ort/ort.min.mjs, wasm EP, 1 thread; a second
// instance of the module at 2 threads) and tfjs + tfjs-backend-wasm (UMD scripts the page loads first, 1 thread,
// SIMD; at 2 threads a second tfjs in a same-origin frame, tfjs-frame.html) on one model's files. Cold start, load, first run, output check
// against onnxruntime-web, then the Node bench's timing scheme (lib/timing.ts): passes in which the
// runtimes take turns. Bundled by browser-bench.ts with esbuild; the SDK and ort stay URL imports.
import type * as Sdk from '../../src/advanced.js';
import type * as OrtModule from 'onnxruntime-web';
import type * as TfModule from '@tensorflow/tfjs';
import { compareOutputs } from '../lib/stats.js';
import { runPlan, timingPlan } from '../lib/timing.js';
import { WasmMemoryProbe } from '../lib/wasm-memory.js';
import type { MemoryUse } from '../lib/runtimes.js';
import type { CaseResult, InitResult, ModelRequest, PageResult } from './protocol.js';

// Before any engine starts: memories are attributed to the runtime whose code instantiates them.
const probe = new WasmMemoryProbe();

type Tf = typeof TfModule & { wasm: { setWasmPaths(prefix: string): void; setThreadsCount(n: number): void; getThreadsCount(): number } };

// Every worker the page starts, by script URL: how a peer's threads are seen to start (onnxruntime-web's pool).
const workersStarted: string[] = [];
const PageWorker = globalThis.Worker;
globalThis.Worker = class extends PageWorker {
  constructor(url: string | URL, options?: WorkerOptions) {
    super(url, options);
    workersStarted.push(String(url));
  }
};

interface Loaded {
  run(): Promise<Float32Array>;
  dispose(): Promise<void> | void;
  /** What ran, as checked at load (build, threads): shown beside the output check. */
  readonly detail?: string;
}

interface PageRuntime {
  readonly id: string;
  /** Whose engine's memory the probe should watch (an engine shared by several runtimes counts once). */
  readonly engine: string;
  init(): Promise<void>;
  /** Prepares the model at `batch` from bytes already fetched; run() cycles through `inputs`. */
  load(batch: number, inputs: readonly Float32Array[]): Promise<Loaded>;
  /** Runtimes with their own per-case memory (edgeinfer: one backend instance per case). */
  readonly ownMemory?: boolean;
}

async function bytesOf(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function f32Of(url: string): Promise<Float32Array> {
  const b = await bytesOf(url);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

const message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0];

function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = from;
  for (let i = from + 1; i < from + n; i++) if (v[i] > v[best]) best = i;
  return best - from;
}

function edgeinfer(sdk: typeof Sdk, req: ModelRequest, files: Map<string, Uint8Array>): PageRuntime {
  return {
    id: 'edgeinfer-wasm-simd',
    engine: 'edgeinfer',
    ownMemory: true,
    // A first session on a one-node model: compiles and instantiates the kernel build, as ORT's init does.
    init: async () => (await sdk.Session.create(sdk.readEim(files.get(req.tiny.eim)!), { backend: 'wasm' })).dispose(),
    load: async (_batch, inputs) => {
      const session = await sdk.Session.create(sdk.readEim(files.get(req.eim)!), { backend: 'wasm' });
      let k = 0;
      return {
        run: async () => (await session.run({ [req.inputName]: inputs[k++ % inputs.length] }))[req.outputName].data,
        dispose: () => session.dispose(),
      };
    },
  };
}

/**
 * edgeinfer's threaded build as an app asks for it: load(bytes, { backend: 'wasm', threads: N }) must run the threaded
 * provider (priority 25) on N threads, or the case fails saying what ran; 'auto' lets load() time the candidates
 * (every provider of the bundle, WebGPU on SwiftShader included) at batch 1 and keep the fastest.
 */
function edgeinferThreads(sdk: typeof Sdk, req: ModelRequest, files: Map<string, Uint8Array>, threads: number | 'auto'): PageRuntime {
  const options = threads === 'auto' ? { threads, cache: false as const, warmStart: false }
    : { backend: 'wasm' as const, threads, cache: false as const, warmStart: false };
  const open = async (bytes: Uint8Array) => {
    const m = await sdk.load(bytes, options);
    const chosen = m.selection.candidates.find((c) => c.status === 'chosen');
    const ran = (m.session.backendInstance as { threads?: number }).threads ?? 1;
    const detail = `${m.backend}@${chosen?.priority}, ${ran} thread${ran > 1 ? 's' : ''}`;
    if (threads !== 'auto' && (chosen?.priority !== 25 || ran !== threads)) {
      const why = m.selection.candidates.map((c) => `${c.name}@${c.priority} ${c.status}${c.reason ? ` (${c.reason})` : ''}`).join('; ');
      m.dispose();
      throw new Error(`asked for ${threads} threads, ran ${detail}: ${why}`);
    }
    return { m, detail: threads === 'auto' ? `auto chose ${detail}` : detail };
  };
  return {
    id: threads === 'auto' ? 'edgeinfer-wasm-auto' : `edgeinfer-wasm-${threads}t`,
    engine: `edgeinfer-${threads}`,
    ownMemory: true,
    init: async () => (await open(files.get(req.tiny.eim)!)).m.dispose(),
    load: async (_batch, inputs) => {
      const { m, detail } = await open(files.get(req.eim)!);
      let k = 0;
      return {
        run: async () => (await m.run({ [req.inputName]: inputs[k++ % inputs.length] }))[req.outputName].data,
        dispose: () => m.dispose(),
        detail,
      };
    },
  };
}

function onnxruntime(ort: typeof OrtModule, req: ModelRequest, files: Map<string, Uint8Array>, int8: boolean, threads = 1): PageRuntime {
  let detail: string | undefined;
  return {
    id: int8 ? 'ort-wasm-int8' : threads > 1 ? `ort-wasm-${threads}t` : 'ort-wasm',
    engine: threads > 1 ? `ort-wasm-${threads}t` : 'ort-wasm',
    init: async () => {
      if (int8) return;
      const before = workersStarted.length;
      const s = await ort.InferenceSession.create(files.get(req.tiny.onnx)!, { executionProviders: ['wasm'] });
      await s.release();
      if (threads === 1) return;
      // onnxruntime-web sets numThreads back to 1 (with a console warning) where it cannot start threads.
      const started = workersStarted.slice(before);
      if (ort.env.wasm.numThreads !== threads) throw new Error(`onnxruntime-web fell back to ${ort.env.wasm.numThreads} thread(s)`);
      if (started.length < threads - 1) throw new Error(`numThreads ${threads}, but it started ${started.length} worker(s)`);
      detail = `numThreads ${ort.env.wasm.numThreads}, ${started.length} worker(s) started`;
    },
    load: async (batch, inputs) => {
      const session = await ort.InferenceSession.create(files.get(int8 ? req.int8Onnx! : req.onnx)!, { executionProviders: ['wasm'] });
      const dims = req.onnxPerm.map((p) => (p === 0 ? batch : req.irShape[p]));
      const out = session.outputNames[0];
      let k = 0;
      return {
        run: async () => {
          const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', inputs[k++ % inputs.length], dims) });
          const data = r[out].data as Float32Array;
          r[out].dispose();
          return data;
        },
        dispose: () => session.release(),
        detail,
      };
    },
  };
}

/** A second tfjs, in a same-origin frame (cross-origin isolated like the page): its own engine and thread count. */
async function frameTf(): Promise<{ tf: Tf; realm: typeof globalThis }> {
  const frame = document.createElement('iframe');
  frame.src = '/bench/tfjs-frame.html';
  const loaded = new Promise<void>((resolve, reject) => { frame.onload = () => resolve(); frame.onerror = () => reject(new Error('tfjs-frame.html did not load')); });
  document.body.append(frame);
  await loaded;
  const realm = frame.contentWindow as unknown as typeof globalThis & { tf?: Tf };
  if (!realm.tf?.wasm) throw new Error('the tfjs UMD scripts did not load in the frame');
  return { tf: realm.tf, realm };
}

/**
 * tfjs-backend-wasm at `threads` (1: the single-threaded SIMD build). `realm`: the window tf lives in; inputs and
 * weights are copied into it once at load, as tfjs checks typed arrays with that window's constructors.
 */
function tfjs(tf: Tf, req: ModelRequest, files: Map<string, Uint8Array>, threads = 1, realm: typeof globalThis = globalThis): PageRuntime {
  let detail: string | undefined;
  return {
    id: threads > 1 ? `tfjs-wasm-${threads}t` : 'tfjs-wasm',
    engine: threads > 1 ? `tfjs-wasm-${threads}t` : 'tfjs-wasm',
    init: async () => {
      // One thread: the single-threaded SIMD build, no pthread pool at all (this page is cross-origin isolated).
      if (threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      tf.wasm.setWasmPaths('/tfjs-wasm/');
      tf.wasm.setThreadsCount(threads);
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
      await tf.ready();
      if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('no WebAssembly SIMD');
      if (threads > 1) {
        const has = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
        if (!has) throw new Error('WASM_HAS_MULTITHREAD_SUPPORT is false: no threaded build');
        // Timed even when it answers fewer: this is what tfjs gives when asked for `threads`; the table says so.
        const got = tf.wasm.getThreadsCount();
        detail = `threaded SIMD build, getThreadsCount() ${got}${got < threads ? ` (asked ${threads}: tfjs 4.22 runs its pool on fewer, cf. tfjs#8513)` : ''}`;
      }
    },
    load: async (batch, mainInputs) => {
      const inputs = mainInputs.map((x) => new realm.Float32Array(x));
      const json = realm.JSON.parse(new TextDecoder().decode(files.get(req.tfjsJson)!)) as {
        format: string; generatedBy: string; convertedBy: string; modelTopology: object;
        weightsManifest: { weights: TfModule.io.WeightsManifestEntry[] }[];
      };
      const weights = new realm.Uint8Array(files.get(req.tfjsWeights)!);
      const gm = await tf.loadGraphModel(tf.io.fromMemory({
        format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
      }));
      const shape = req.irShape.map((d, i) => (i === 0 ? batch : d));
      let k = 0;
      return {
        run: async () => {
          const t = tf.tensor(inputs[k++ % inputs.length], shape);
          const y = gm.execute(t) as TfModule.Tensor;
          const data = y.dataSync() as Float32Array;
          t.dispose();
          y.dispose();
          return data;
        },
        dispose: () => gm.dispose(),
        detail,
      };
    },
  };
}

interface Prepared { readonly rt: PageRuntime; readonly result: CaseResult; loaded?: Loaded; estimateMs?: number }

async function prepare(rt: PageRuntime, req: ModelRequest, batch: number, reference: Map<number, Float32Array>): Promise<Prepared> {
  const result: CaseResult = { runtime: rt.id, batch, state: 'ready', passes: [] };
  const p: Prepared = { rt, result };
  const owner = rt.ownMemory ? `${rt.engine}:${batch}` : rt.engine;
  const heapBefore = probe.bytes(owner) ?? 0;
  try {
    const inputs = await Promise.all(req.inputs[batch][rt.id.startsWith('ort') ? 'ort' : 'ir'].map(f32Of));
    let t = performance.now();
    const loaded = p.loaded = await probe.during(owner, () => rt.load(batch, inputs));
    result.loadMs = performance.now() - t;
    t = performance.now();
    const out = (await loaded.run()).slice();
    result.firstRunMs = performance.now() - t;
    for (let k = 0; k < 2; k++) {
      t = performance.now();
      await loaded.run();
      p.estimateMs = Math.min(p.estimateMs ?? Infinity, performance.now() - t);
    }
    const heap = probe.bytes(owner);
    const memory: MemoryUse | undefined = heap === undefined ? undefined
      : rt.ownMemory ? { bytes: heap, heapBytes: heap } : { bytes: heap - heapBefore, heapBytes: heap };
    if (memory) result.memory = memory;
    const detail = loaded.detail ? `; ${loaded.detail}` : '';
    if (rt.id === 'ort-wasm') {
      reference.set(batch, out);
      result.check = 'reference';
    } else if (!reference.has(batch)) {
      result.check = 'unchecked (no onnxruntime-web output)';
    } else if (rt.id === 'ort-wasm-int8') {
      const want = reference.get(batch)!, n = want.length / batch;
      result.check = argmax(out, 0, n) === argmax(want, 0, n) ? 'top-1 = float' : 'top-1 differs';
    } else {
      const { maxAbs, ok } = compareOutputs(out, reference.get(batch)!);
      result.check = `max|Δ| ${maxAbs.toExponential(1)}${detail}`;
      if (!ok) {
        result.state = 'mismatch';
        result.note = `output differs from onnxruntime-web's by up to ${maxAbs.toExponential(2)}`;
      }
    }
  } catch (e) {
    result.state = 'failed';
    result.note = message(e);
  }
  if (result.state !== 'ready' && p.loaded) {
    await p.loaded.dispose();
    p.loaded = undefined;
  }
  return p;
}

/** Benchmarks one model (every batch) on the requested runtimes; the page is fresh, so every engine starts cold here. */
async function benchModel(req: ModelRequest): Promise<PageResult> {
  const files = new Map<string, Uint8Array>();
  for (const url of [req.eim, req.onnx, req.int8Onnx, req.tfjsJson, req.tfjsWeights, req.tiny.eim, req.tiny.onnx]) {
    if (url) files.set(url, await bytesOf(url));
  }
  const runtimes: PageRuntime[] = [];
  const inits: InitResult[] = [];
  const failed = (id: string, e: unknown) => inits.push({ runtime: id, status: message(e), initMs: 0 });
  // onnxruntime-web first: its output is what the others are checked against.
  try {
    const ort = (await import(/* @vite-ignore */ req.ortUrl)) as typeof OrtModule;
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.logLevel = 'error';
    runtimes.push(onnxruntime(ort, req, files, false));
    if (req.int8Onnx) runtimes.push(onnxruntime(ort, req, files, true));
  } catch (e) {
    failed('ort-wasm', e);
  }
  if (req.runtimes.includes('ort-wasm-2t')) {
    try {
      // A second instance of the module (another URL): its own engine, started at 2 threads.
      const ort2 = (await import(/* @vite-ignore */ `${req.ortUrl}?threads=2`)) as typeof OrtModule;
      ort2.env.wasm.numThreads = 2;
      ort2.env.wasm.wasmPaths = '/ort/';
      ort2.env.logLevel = 'error';
      runtimes.push(onnxruntime(ort2, req, files, false, 2));
    } catch (e) {
      failed('ort-wasm-2t', e);
    }
  }
  try {
    const sdk = (await import(/* @vite-ignore */ req.sdkUrl)) as typeof Sdk;
    runtimes.push(edgeinfer(sdk, req, files), edgeinferThreads(sdk, req, files, 2), edgeinferThreads(sdk, req, files, 'auto'));
  } catch (e) {
    failed('edgeinfer-wasm-simd', e);
  }
  const tf = (globalThis as { tf?: Tf }).tf;
  if (tf?.wasm) runtimes.push(tfjs(tf, req, files));
  else failed('tfjs-wasm', new Error('the tfjs UMD scripts did not load'));
  if (req.runtimes.includes('tfjs-wasm-2t')) {
    try {
      const frame = await frameTf();
      runtimes.push(tfjs(frame.tf, req, files, 2, frame.realm));
    } catch (e) {
      failed('tfjs-wasm-2t', e);
    }
  }

  const ready: PageRuntime[] = [];
  for (const rt of runtimes.filter((r) => req.runtimes.includes(r.id))) {
    try {
      const t = performance.now();
      await probe.during(rt.ownMemory ? `${rt.engine}:init` : rt.engine, () => rt.init());
      inits.push({ runtime: rt.id, status: true, initMs: performance.now() - t });
      ready.push(rt);
    } catch (e) {
      failed(rt.id, e);
    }
  }

  const cases: CaseResult[] = [];
  for (const batch of req.batches) {
    const reference = new Map<number, Float32Array>();
    const group: Prepared[] = [];
    for (const rt of ready) group.push(await prepare(rt, req, batch, reference));
    cases.push(...group.map((p) => p.result));
    const timed = group.filter((p) => p.loaded);
    for (let pass = 0; pass < req.passes; pass++) {
      for (const p of timed) {
        const plan = timingPlan(p.estimateMs, false, pass, req.budgetMs / req.passes);
        p.result.passes.push(await runPlan(() => p.loaded!.run(), plan));
      }
    }
    for (const p of timed) {
      p.result.state = 'timed';
      await p.loaded!.dispose();
    }
  }
  const builds = performance.getEntriesByType('resource').map((r) => /edgeinfer-(\w+)\.wasm$/.exec(r.name)?.[1]).filter((b): b is string => !!b);
  return { inits, cases, wasmBuilds: [...new Set(builds)], userAgent: navigator.userAgent, crossOriginIsolated };
}

(globalThis as { pageApi?: unknown }).pageApi = { benchModel };
