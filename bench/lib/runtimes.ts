// The runtimes the CPU bench compares, behind one shape: init() instantiates the engine once, load()
// prepares one model at one batch, and the prepared run() does one whole inference from a Float32Array
// in the runtime's native layout to a Float32Array out (input copy-in and output read-back included).
// All run with WebAssembly SIMD where they have it; on one thread, or (the *-2t and *-auto runtimes) on several.
import { fileURLToPath } from 'node:url';
import type { BackendProvider } from '../../src/backends/backend.js';
import { jsProvider } from '../../src/backends/js/backend.js';
import type { WasmMemoryReport } from '../../src/backends/wasm/backend.js';
import { readEim } from '../../src/format/reader.js';
import { Session } from '../../src/runtime/session.js';
import { load as loadModel } from '../../src/runtime/node-load.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { ThreadedPeerRuntime } from './peer-threads.js';
import { benchInputs, type BenchModel } from '../models/catalog.js';
import { exportOnnx } from '../models/export-onnx.js';
import { transposeData } from '../models/graph-info.js';

/** Linear memory a prepared case holds, in bytes. */
export interface MemoryUse {
  /**
   * What this case takes: edgeinfer wasm, the linear memory of its own backend (static data, weights,
   * tables, arena); a peer, how much its engine's heap grew while the case was loaded and first run.
   */
  readonly bytes: number;
  /** The engine's whole linear memory after the case (a peer's is shared by every model loaded so far). */
  readonly heapBytes: number;
  /** edgeinfer wasm only: weights as the kernels read them (packed), and the planned arena. */
  readonly weightsBytes?: number;
  readonly arenaBytes?: number;
}

export interface Prepared {
  /**
   * One inference; returns the output in IR layout. Calls cycle through benchInputs(): the first call
   * runs on the model's own input.
   */
  run(): Promise<Float32Array>;
  /** Where the runtime can say it itself (edgeinfer wasm: the backend's memory report); peers are measured from outside. */
  memory?(): MemoryUse | undefined;
  /** The last run's own time (ms) where it ran elsewhere (a worker): the bench records it instead of its wall time. */
  lastMs?(): number | undefined;
  /** What ran, as checked at load (which build, how many threads): shown beside the output check. */
  readonly detail?: string;
  dispose(): Promise<void>;
}

export interface Runtime {
  readonly id: string;
  readonly label: string;
  /** Another runtime (a peer) rather than edgeinfer. */
  readonly peer: boolean;
  /** Set when this runtime reuses the engine another one instantiates (its init measures nothing new). */
  readonly sharesEngineWith?: string;
  /** Plain JS loops (no wasm tier-up to wait for): when a run takes long, a few runs tell enough. */
  readonly reference?: boolean;
  /** Threads it runs on, the calling one included (default 1); 'auto': edgeinfer's own choice. */
  readonly threads?: number | 'auto';
  /**
   * Loads the runtime's JS and instantiates its engine; returns the milliseconds the instantiation took
   * (JS module loading excluded, for every runtime alike), or why it cannot run here.
   */
  init(): Promise<{ readonly engineMs: number } | string>;
  /** Whether this runtime has a form of `model` at all (the int8 path exists for MobileNetV2 only). */
  applies(model: BenchModel): boolean;
  /** The model form it runs, for the table. */
  form(model: BenchModel): string;
  load(model: BenchModel, batch: number): Promise<Prepared>;
}

const REPO = new URL('../../', import.meta.url);

function inputShape(model: BenchModel, batch: number): number[] {
  return model.graph.inputs[0].shape.map((d, i) => (i === 0 ? batch : d));
}

// ---------------------------------------------------------------- edgeinfer

class EdgeinferRuntime implements Runtime {
  readonly peer = false;
  constructor(readonly id: string, readonly label: string, private readonly provider: () => Promise<BackendProvider | string>,
    readonly reference = false) {}

  private resolved: BackendProvider | undefined;

  async init(): Promise<{ readonly engineMs: number } | string> {
    const p = await this.provider();
    if (typeof p === 'string') return p;
    const ok = await p.available();
    if (ok !== true) return ok;
    // A throwaway backend: the engine (wasm compile + instantiate) is what init measures.
    const t = performance.now();
    (await p.create()).dispose();
    const engineMs = performance.now() - t;
    this.resolved = p;
    return { engineMs };
  }

  applies(): boolean {
    return true;
  }

  form(): string {
    return '.eim f32';
  }

  async load(model: BenchModel, batch: number): Promise<Prepared> {
    // What an app does: read the model file, get a backend, prepare a session.
    const graph = readEim(model.eim);
    const backend = await this.resolved!.create();
    let session: Session;
    try {
      session = await Session.create(graph, { backend });
    } catch (e) {
      backend.dispose();
      throw e;
    }
    const feeds = benchInputs(model, batch).map((x) => ({ [model.inputName]: x }));
    let k = 0;
    return {
      run: async () => (await session.run(feeds[k++ % feeds.length]))[model.outputName].data,
      memory: () => memoryOf(backend),
      dispose: async () => session.dispose(),
    };
  }
}

/** The wasm backend's own account of its linear memory; undefined for backends without one (js). */
function memoryOf(backend: unknown): MemoryUse | undefined {
  const b = backend as { memoryReport?: () => WasmMemoryReport };
  if (typeof b.memoryReport !== 'function') return undefined;
  const r = b.memoryReport();
  return { bytes: r.memoryBytes, heapBytes: r.memoryBytes, weightsBytes: r.weightsBytes, arenaBytes: r.arenaBytes };
}

/** The wasm providers, when the wasm backend and its kernel builds exist in this tree. */
async function wasmProvider(variant: 'simd' | 'scalar'): Promise<BackendProvider | string> {
  let mod: Record<string, unknown>;
  try {
    mod = await import('../../src/backends/wasm/backend.js');
  } catch (e) {
    return `not built (src/backends/wasm/backend.ts: ${(e as Error).message.split('\n')[0]})`;
  }
  const provider = mod[variant === 'simd' ? 'wasmSimdProvider' : 'wasmScalarProvider'] as BackendProvider | undefined;
  const configure = mod.configureWasmSources as ((s: unknown) => void) | undefined;
  if (!provider || !configure) return 'not built (no wasm provider exported)';
  try {
    // Compiles assembly/ when its sources changed since the last build (cached by hash in build/wasm).
    const script = new URL('scripts/build-wasm.mjs', REPO).href;
    const { buildWasm } = (await import(script)) as { buildWasm(): Promise<Record<string, string>> };
    await buildWasm();
    const { wasmSourcesFromFiles } = await import('../../src/backends/wasm/node.js');
    configure(wasmSourcesFromFiles(fileURLToPath(new URL('build/wasm/', REPO))));
  } catch (e) {
    return `not built (${(e as Error).message.split('\n')[0]})`;
  }
  return provider;
}

/**
 * edgeinfer's threaded wasm build through load(), as an app asks for it: `threads: N` names the wasm backend and
 * must get the threaded provider (priority 25) with N threads, or the case fails saying what ran instead;
 * 'auto' lets load() time the threaded build against the single-threaded one (at batch 1) and keep the faster.
 */
class EdgeinferThreadsRuntime implements Runtime {
  readonly peer = false;
  constructor(readonly id: string, readonly label: string, readonly threads: number | 'auto') {}

  async init(): Promise<{ readonly engineMs: number } | string> {
    const built = await wasmProvider('simd');
    if (typeof built === 'string') return built;
    const { wasmThreadsProvider } = await import('../../src/backends/wasm/backend.js');
    const { useWasmBuildsOnDisk } = await import('../../src/backends/wasm/node-files.js');
    useWasmBuildsOnDisk();
    const p = wasmThreadsProvider.withThreads(this.threads === 'auto' ? 'auto' : this.threads);
    const ok = await p.available();
    if (ok !== true) return ok;
    // The engine and its pool: compile, instantiate on a shared memory, start the workers.
    const t = performance.now();
    (await p.create()).dispose();
    return { engineMs: performance.now() - t };
  }

  applies(): boolean {
    return true;
  }

  form(): string {
    return '.eim f32';
  }

  async load(model: BenchModel, batch: number): Promise<Prepared> {
    const { wasmThreadsProvider, wasmSimdProvider } = await import('../../src/backends/wasm/backend.js');
    const m = await loadModel(model.eim, this.threads === 'auto'
      ? { threads: 'auto', providers: [wasmThreadsProvider, wasmSimdProvider], cache: false, warmStart: false }
      : { backend: 'wasm', threads: this.threads, cache: false, warmStart: false });
    const chosen = m.selection.candidates.find((c) => c.status === 'chosen');
    const backend = m.session.backendInstance as WasmBackend;
    const ran = `wasm@${chosen?.priority}, ${backend.threads} thread${backend.threads > 1 ? 's' : ''}`;
    if (this.threads !== 'auto' && (chosen?.priority !== 25 || backend.threads !== this.threads)) {
      const why = m.selection.candidates.map((c) => `wasm@${c.priority} ${c.status}${c.reason ? ` (${c.reason})` : ''}`).join('; ');
      m.dispose();
      throw new Error(`asked for ${this.threads} threads, ran ${ran}: ${why}`);
    }
    const feeds = benchInputs(model, batch).map((x) => ({ [model.inputName]: x }));
    let k = 0;
    return {
      run: async () => (await m.run(feeds[k++ % feeds.length]))[model.outputName].data,
      memory: () => memoryOf(backend),
      detail: this.threads === 'auto' ? `auto chose ${ran}` : ran,
      dispose: async () => m.dispose(),
    };
  }
}

// ---------------------------------------------------------------- onnxruntime-web

type Ort = typeof import('onnxruntime-web');
let ortModule: Ort | undefined;

async function loadOrt(): Promise<Ort> {
  if (!ortModule) {
    ortModule = await import('onnxruntime-web');
    ortModule.env.wasm.numThreads = 1;
    ortModule.env.logLevel = 'error';
  }
  return ortModule;
}

class OrtRuntime implements Runtime {
  readonly peer = true;
  readonly sharesEngineWith?: string;
  constructor(readonly id: string, readonly label: string, private readonly int8: boolean) {
    if (int8) this.sharesEngineWith = 'ort-wasm';
  }

  async init(): Promise<{ readonly engineMs: number } | string> {
    const ort = await loadOrt();
    if (this.int8) return { engineMs: 0 };
    // The first session of the process instantiates the wasm module: a one-node model measures that.
    const tiny = exportOnnx({
      nodes: [{ name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['y'], attrs: {} }],
      inputs: [{ name: 'x', shape: [-1, 4] }], outputs: [{ name: 'y', shape: [-1, 4] }], constants: new Map(), metadata: {},
    });
    const t = performance.now();
    const s = await ort.InferenceSession.create(tiny.bytes, { executionProviders: ['wasm'] });
    const engineMs = performance.now() - t;
    await s.release();
    return { engineMs };
  }

  applies(model: BenchModel): boolean {
    return !this.int8 || model.int8Onnx !== undefined;
  }

  form(): string {
    return this.int8 ? 'ONNX int8 (QLinear)' : 'ONNX f32';
  }

  async load(model: BenchModel, batch: number): Promise<Prepared> {
    const ort = await loadOrt();
    const session = await ort.InferenceSession.create(this.int8 ? model.int8Onnx! : model.onnx.bytes, { executionProviders: ['wasm'] });
    const { name, perm } = model.onnx.inputs[0];
    const shape = inputShape(model, batch);
    const xs = benchInputs(model, batch).map((x) => transposeData(x, shape, perm));
    const dims = perm.map((p) => shape[p]);
    const out = session.outputNames[0];
    let k = 0;
    return {
      run: async () => {
        const r = await session.run({ [name]: new ort.Tensor('float32', xs[k++ % xs.length], dims) });
        const data = r[out].data as Float32Array;
        r[out].dispose();
        return data;
      },
      dispose: () => session.release(),
    };
  }
}

// ---------------------------------------------------------------- tfjs + tfjs-backend-wasm

type Tf = typeof import('@tensorflow/tfjs');
type TfTensor = import('@tensorflow/tfjs').Tensor;
type TfArtifacts = import('@tensorflow/tfjs').io.ModelArtifacts;
let tfModule: Tf | undefined;

class TfjsRuntime implements Runtime {
  readonly id = 'tfjs-wasm';
  readonly label = 'tfjs-backend-wasm';
  readonly peer = true;

  async init(): Promise<{ readonly engineMs: number } | string> {
    let wasm: { setThreadsCount(n: number): void };
    try {
      tfModule = await import('@tensorflow/tfjs');
      // Through a variable: not a devDependency yet, so the type-check must not need it installed.
      const backendPackage = '@tensorflow/tfjs-backend-wasm';
      wasm = (await import(backendPackage)) as typeof wasm;
    } catch (e) {
      return `not installed (npm install --no-save @tensorflow/tfjs-backend-wasm@4.22.0): ${(e as Error).message.split('\n')[0]}`;
    }
    // The single-threaded SIMD build: no pthread pool at all, rather than a pool of one.
    tfModule.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    const t = performance.now();
    if (!(await tfModule.setBackend('wasm'))) return 'tf.setBackend("wasm") failed';
    await tfModule.ready();
    const engineMs = performance.now() - t;
    if (!(await tfModule.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'no WebAssembly SIMD';
    return { engineMs };
  }

  applies(): boolean {
    return true;
  }

  form(model: BenchModel): string {
    return model.tfjsForm;
  }

  async load(model: BenchModel, batch: number): Promise<Prepared> {
    const tf = tfModule!;
    const gm = await tf.loadGraphModel(tf.io.fromMemory(model.tfjs as unknown as TfArtifacts));
    const shape = inputShape(model, batch);
    const xs = benchInputs(model, batch);
    let k = 0;
    return {
      run: async () => {
        const t = tf.tensor(xs[k++ % xs.length], shape);
        const y = gm.execute(t) as TfTensor;
        const data = y.dataSync() as Float32Array;
        t.dispose();
        y.dispose();
        return data;
      },
      dispose: async () => gm.dispose(),
    };
  }
}

export function allRuntimes(): Runtime[] {
  return [
    new EdgeinferRuntime('edgeinfer-js', 'edgeinfer js (reference)', async () => jsProvider, true),
    new EdgeinferRuntime('edgeinfer-wasm-simd', 'edgeinfer wasm SIMD', () => wasmProvider('simd')),
    new EdgeinferRuntime('edgeinfer-wasm-scalar', 'edgeinfer wasm scalar', () => wasmProvider('scalar')),
    new EdgeinferThreadsRuntime('edgeinfer-wasm-2t', 'edgeinfer wasm 2 threads', 2),
    new EdgeinferThreadsRuntime('edgeinfer-wasm-auto', 'edgeinfer wasm threads auto', 'auto'),
    new OrtRuntime('ort-wasm', 'onnxruntime-web wasm', false),
    new ThreadedPeerRuntime('ort-wasm-2t', 'onnxruntime-web wasm 2 threads', 'ort', 2),
    new TfjsRuntime(),
    new ThreadedPeerRuntime('tfjs-wasm-2t', 'tfjs-backend-wasm setThreadsCount(2)', 'tfjs', 2),
    new OrtRuntime('ort-wasm-int8', 'onnxruntime-web wasm, int8 model', true),
  ];
}
