// The CPU bench inside a page: edgeinfer from the built browser bundle (/dist/advanced.js, wasm backend),
// onnxruntime-web (/ort/ort.min.mjs, wasm EP, 1 thread) and tfjs + tfjs-backend-wasm (UMD scripts the
// page loads first, 1 thread, SIMD) on one model's files. Cold start, load, first run, output check
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

type Tf = typeof TfModule & { wasm: { setWasmPaths(prefix: string): void; setThreadsCount(n: number): void } };

interface Loaded {
  run(): Promise<Float32Array>;
  dispose(): Promise<void> | void;
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

function onnxruntime(ort: typeof OrtModule, req: ModelRequest, files: Map<string, Uint8Array>, int8: boolean): PageRuntime {
  return {
    id: int8 ? 'ort-wasm-int8' : 'ort-wasm',
    engine: 'ort-wasm',
    init: async () => {
      if (int8) return;
      const s = await ort.InferenceSession.create(files.get(req.tiny.onnx)!, { executionProviders: ['wasm'] });
      await s.release();
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
      };
    },
  };
}

function tfjs(tf: Tf, req: ModelRequest, files: Map<string, Uint8Array>): PageRuntime {
  return {
    id: 'tfjs-wasm',
    engine: 'tfjs-wasm',
    init: async () => {
      // The single-threaded SIMD build: no pthread pool at all (this page is cross-origin isolated).
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      tf.wasm.setWasmPaths('/tfjs-wasm/');
      tf.wasm.setThreadsCount(1);
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
      await tf.ready();
      if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('no WebAssembly SIMD');
    },
    load: async (batch, inputs) => {
      const json = JSON.parse(new TextDecoder().decode(files.get(req.tfjsJson)!)) as {
        format: string; generatedBy: string; convertedBy: string; modelTopology: object;
        weightsManifest: { weights: TfModule.io.WeightsManifestEntry[] }[];
      };
      const weights = files.get(req.tfjsWeights)!;
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
      result.check = `max|Δ| ${maxAbs.toExponential(1)}`;
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
  try {
    runtimes.push(edgeinfer((await import(/* @vite-ignore */ req.sdkUrl)) as typeof Sdk, req, files));
  } catch (e) {
    failed('edgeinfer-wasm-simd', e);
  }
  const tf = (globalThis as { tf?: Tf }).tf;
  if (tf?.wasm) runtimes.push(tfjs(tf, req, files));
  else failed('tfjs-wasm', new Error('the tfjs UMD scripts did not load'));

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
