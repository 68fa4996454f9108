// The wasm backend's threads: a pool of workers (edgeinfer-worker.js, a file beside the bundle) that instantiate
// the threaded kernel build on the model's shared memory and run chunks of one op at a time beside the calling
// thread. An op is published in a small shared control block (kernel, task count, arguments), workers are woken
// with Atomics.notify, every thread claims chunks of tasks by compare-and-swap until none is left, and the calling
// thread counts them done: no message per run, no copy of a tensor. The calling thread never blocks in
// Atomics.wait (a browser window must not): it spins while the last chunks finish, then (a descheduled worker)
// awaits Atomics.waitAsync. Node gives its worker_threads and core count (node-files.ts).
import { compileKernels, instantiateKernels, type KernelExports, type WasmSource, type WasmVariant } from './loader.js';
import { KERNEL_EXPORT_NAMES } from './exports.gen.js';

// The control block: Int32 words, the arguments as f64 from word ARGS; edgeinfer-worker.js has the same layout.
// CLAIM holds the job's tag (its generation, 16 bits) over the next chunk to take (16 bits): a compare-and-swap on
// it succeeds only while the job it was read for is the current one, so a worker that wakes late never runs a
// chunk of the next job with this one's arguments. Before rewriting the fields, run() sets the new tag with the
// chunk field full (0xffff: nothing to claim).
const GEN = 0, CLAIM = 1, DONE = 2, CHUNKS = 3, FN = 4, TASKS = 5, GRAIN = 6, NARGS = 7, STOP = 8, ERROR = 9, ARGS = 64;
/** Chunks per thread and op: enough that a slow thread's share is taken over by the others. */
const CHUNKS_PER_THREAD = 4;
/** How long the calling thread spins for the last chunks before it awaits them. */
const SPIN_MS = 2;

/** A worker as the pool uses it: a Web Worker, or Node's worker_threads Worker. */
export interface PoolWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** Starts the worker script at `url`; `onMessage` gets what it posts, `onLost` why it died (an error, an exit). */
export type Spawn = (url: URL | string, onMessage: (data: unknown) => void, onLost: (why: string) => void) => PoolWorker;

/** What the platform gives the threads: the cores, and (Node) a spawn instead of Web Workers. */
export interface ThreadHost {
  cores(): number;
  spawn?: Spawn;
}

let host: ThreadHost = { cores: () => (typeof navigator === 'object' && navigator.hardwareConcurrency) || 1 };

export function configureThreadHost(h: ThreadHost): void {
  host = h;
}

/** The default thread count: the cores, at most 4 (the measured gain flattens while sync costs grow). */
export function autoThreads(): number {
  return Math.min(host.cores(), 4);
}

/** Why this engine cannot share a wasm memory between threads, with how to allow it; undefined when it can. */
export function threadsMissing(): string | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown; Worker?: unknown };
  if (!host.spawn && typeof g.Worker !== 'function') return 'no Web Workers here';
  if (g.crossOriginIsolated === false || typeof g.SharedArrayBuffer !== 'function') {
    return 'not cross-origin isolated: send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, '
      + 'or Document-Isolation-Policy: isolate-and-require-corp';
  }
  return undefined;
}

const webWorker: Spawn = (url, onMessage, onLost) => {
  const w = new Worker(url, { type: 'module' });
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => onLost(e.message || `${url} failed`);
  return w;
};

export class Pool {
  readonly #ctl = new Int32Array(new SharedArrayBuffer(ARGS * 4 + 256));
  readonly #args = new Float64Array(this.#ctl.buffer, ARGS * 4);
  readonly #workers: PoolWorker[] = [];
  /** Why the pool cannot run any more (a worker died, a kernel trapped on one), or undefined. */
  lost: string | undefined;
  /** The shared memory's declared maximum: it cannot grow past it. */
  memoryMaxBytes = 0;

  private constructor(readonly size: number, private readonly k: KernelExports) {}

  /**
   * The threaded `variant` build on a fresh shared memory, and a pool of `size` threads (the caller's included)
   * whose workers run the script at `url` on the same memory. Rejects when a worker cannot start or instantiate.
   */
  static async open(variant: WasmVariant, source: WasmSource, size: number, url: URL | string): Promise<[KernelExports, Pool]> {
    // A shared memory cannot move when it grows: its maximum is reserved up front, 4 GiB as one thread's may
    // grow to, or 1 GiB where the engine cannot reserve that much (32-bit).
    const shared = (maximum: number) => new WebAssembly.Memory({ initial: 1, maximum, shared: true } as WebAssembly.MemoryDescriptor);
    let memory, pages = 65536;
    try {
      memory = shared(pages);
    } catch {
      memory = shared(pages = 16384);
    }
    const k = await instantiateKernels(variant, source, memory);
    const pool = new Pool(size, k);
    pool.memoryMaxBytes = pages * 65536;
    const init = { module: await compileKernels(source), memory, control: pool.#ctl.buffer, names: KERNEL_EXPORT_NAMES };
    try {
      await Promise.all(Array.from({ length: size - 1 }, () => new Promise<void>((resolve, reject) => {
        const w = (host.spawn ?? webWorker)(url, (m) => (m === 'ready' ? resolve() : reject(new Error(String(m)))), (why) => {
          reject(new Error(why));
          pool.lost ??= `a worker thread stopped: ${why}`;
          Atomics.notify(pool.#ctl, DONE);
        });
        pool.#workers.push(w);
        w.postMessage(init);
      })));
    } catch (e) {
      pool.dispose();
      throw e;
    }
    return [k, pool];
  }

  /**
   * Runs kernel `fn` over tasks [0, tasks), its first two arguments the range and `args` the rest, on every
   * thread. Returns when every chunk is done, or a promise when the last ones take long; then `lost` says whether
   * they all ran.
   */
  run(fn: keyof KernelExports, tasks: number, args: readonly number[]): void | Promise<void> {
    const c = this.#ctl;
    const grain = Math.ceil(tasks / Math.min(tasks, this.size * CHUNKS_PER_THREAD, 0xfffe));
    const n = Math.ceil(tasks / grain);
    const tag = ((c[GEN] + 1) & 0xffff) << 16;
    Atomics.store(c, CLAIM, tag | 0xffff);
    c[FN] = KERNEL_EXPORT_NAMES.indexOf(fn); c[TASKS] = tasks; c[GRAIN] = grain; c[CHUNKS] = n; c[NARGS] = args.length; c[DONE] = 0;
    this.#args.set(args);
    Atomics.store(c, CLAIM, tag);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    const f = this.k[fn] as (t0: number, t1: number, ...a: readonly number[]) => void;
    for (let w; (w = Atomics.load(c, CLAIM) & 0xffff) < n;) {
      if (Atomics.compareExchange(c, CLAIM, tag | w, tag | (w + 1)) !== (tag | w)) continue;
      f(w * grain, Math.min(w * grain + grain, tasks), ...args);
      Atomics.add(c, DONE, 1);
    }
    const t = performance.now();
    while (Atomics.load(c, DONE) < n && !this.lost) if (performance.now() - t > SPIN_MS) return this.#await(n);
    this.#trapped();
  }

  async #await(n: number): Promise<void> {
    const c = this.#ctl;
    for (let d; (d = Atomics.load(c, DONE)) < n && !this.lost;) {
      const r = (Atomics as { waitAsync?(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: unknown } }).waitAsync?.(c, DONE, d, 50);
      // The timer also keeps Node's event loop alive (its workers are unref'd), which a pending waitAsync does not.
      await Promise.race([r?.async && r.value, new Promise((resolve) => setTimeout(resolve, r ? 50 : 1))]);
    }
    this.#trapped();
  }

  #trapped(): void {
    if (this.#ctl[ERROR]) this.lost ??= 'a kernel trapped on a worker thread';
  }

  /** Stops and terminates the workers; the pool is lost for good. */
  dispose(): void {
    this.lost ??= 'disposed';
    Atomics.store(this.#ctl, STOP, 1);
    Atomics.add(this.#ctl, GEN, 1);
    Atomics.notify(this.#ctl, GEN);
    for (const w of this.#workers) w.terminate();
  }
}
