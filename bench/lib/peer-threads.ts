// The Node bench's peers at N threads: each runs on a worker_thread of its own (peer-worker.mjs says why), driven
// by messages. run() returns the output; the time of the inference alone, measured in the worker, is what the
// bench records (lastMs), so the message round trip is not counted against the peer.
import { Worker } from 'node:worker_threads';
import { benchInputs, type BenchModel } from '../models/catalog.js';
import { exportOnnx } from '../models/export-onnx.js';
import { transposeData } from '../models/graph-info.js';
import type { Prepared, Runtime } from './runtimes.js';

type Reply = { seq: number; error?: string } & Record<string, unknown>;

class PeerWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (r: Reply) => void>();
  #seq = 0;

  constructor(kind: 'ort' | 'tfjs', threads: number) {
    this.#worker = new Worker(new URL('./peer-worker.mjs', import.meta.url), { workerData: { kind, threads } });
    this.#worker.on('message', (r: Reply) => {
      this.#pending.get(r.seq)?.(r);
      this.#pending.delete(r.seq);
      if (this.#pending.size === 0) this.#worker.unref();
    });
    // Idle, never what keeps the bench's process alive; while a call waits for its answer, it must.
    this.#worker.unref();
  }

  async call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const seq = ++this.#seq;
    const r = await new Promise<Reply>((resolve) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(seq, resolve);
      this.#worker.postMessage({ seq, op, ...args });
    });
    if (r.error) throw new Error(r.error);
    return r as unknown as T;
  }
}

function inputShape(model: BenchModel, batch: number): number[] {
  return model.graph.inputs[0].shape.map((d, i) => (i === 0 ? batch : d));
}

/** onnxruntime-web (wasm EP) or tfjs-backend-wasm at `threads` threads, in a worker. */
export class ThreadedPeerRuntime implements Runtime {
  readonly peer = true;
  #worker: PeerWorker | undefined;
  /** How the engine's thread count was checked (or undefined before init). */
  verified: string | undefined;
  #cases = 0;

  constructor(readonly id: string, readonly label: string, private readonly kind: 'ort' | 'tfjs', readonly threads: number) {}

  async init(): Promise<{ readonly engineMs: number } | string> {
    this.#worker = new PeerWorker(this.kind, this.threads);
    const tiny = exportOnnx({
      nodes: [{ name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['y'], attrs: {} }],
      inputs: [{ name: 'x', shape: [-1, 4] }], outputs: [{ name: 'y', shape: [-1, 4] }], constants: new Map(), metadata: {},
    }).bytes;
    const r = await this.#worker.call<{ engineMs?: number; reason?: string; verified?: string }>('init', { tiny });
    if (r.reason) return r.reason;
    this.verified = r.verified;
    return { engineMs: r.engineMs ?? 0 };
  }

  applies(): boolean {
    return true;
  }

  form(model: BenchModel): string {
    return this.kind === 'ort' ? 'ONNX f32' : model.tfjsForm;
  }

  async load(model: BenchModel, batch: number): Promise<Prepared> {
    const w = this.#worker!;
    const id = ++this.#cases;
    const shape = inputShape(model, batch);
    const xs = benchInputs(model, batch);
    if (this.kind === 'ort') {
      const { name, perm } = model.onnx.inputs[0];
      await w.call('load', { id, model: { bytes: model.onnx.bytes, inputName: name, dims: perm.map((p) => shape[p]), inputs: xs.map((x) => transposeData(x, shape, perm)) } });
    } else {
      await w.call('load', { id, model: { artifacts: model.tfjs, shape, inputs: xs } });
    }
    let last: number | undefined;
    return {
      run: async () => {
        const r = await w.call<{ out: Float32Array; ms: number }>('run', { id });
        last = r.ms;
        return r.out;
      },
      lastMs: () => last,
      detail: this.verified,
      dispose: async () => { await w.call('dispose', { id }); },
    };
  }
}
