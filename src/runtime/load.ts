// load(source, options): model bytes from anywhere (runtime/source.ts), parsed and checked, then a
// session on the chosen backend (runtime/select.ts), kept running across a lost backend (fallback.ts)
// and upgraded to the GPU once it is ready (warm-start.ts). Browser-safe: the Node entry (node-load.ts)
// adds file paths, a JSON-file decision cache and a device key from the OS.
import type { BackendName, GpuPrecision } from '../backends/backend.js';
import type { Graph, ModelMetadata } from '../graph/ir.js';
import { readEim } from '../format/reader.js';
import { readPreamble } from '../format/layout.js';
import { BackendLostError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { throwIfAborted } from './abort.js';
import { browserLocalStorage, localStorageCache, type DecisionCache } from './decision-cache.js';
import { browserIndexedDb, indexedDbCache } from './idb-cache.js';
import { fallBack } from './fallback.js';
import { RunQueue } from './queue.js';
import { now, type Candidate, type Fallback, type Selection, type WarmStart } from './report.js';
import { choose, type SelectContext, type SelectOptions, type WarmJob } from './select.js';
import { check, checkNumber, checkOptions, snapshotFeeds, type Feeds, type RunOptions, type Session, type TensorInfo } from './session.js';
import { warmInBackground } from './warm-start.js';
import { isGraph, readSource, type ModelSource, type SourceOptions } from './source.js';
import { withWasmPaths, type WasmPaths } from './assets.js';

export interface LoadOptions extends SourceOptions, Omit<SelectOptions, 'modelHash' | 'signal' | 'cache'> {
  /**
   * Where `auto` decisions are remembered. Default: localStorage in a browser that allows it (the
   * Node entry: a JSON file in the user's cache folder); false: never cached.
   */
  cache?: DecisionCache | false;
  /**
   * `auto` only, default true: when the choice is (or may be) the GPU, load() resolves as soon as a CPU
   * backend answers; the GPU prepares and is timed in the background and takes over between two runs
   * once ready and faster (see LoadedModel.ready). false: load() waits for the final backend.
   */
  warmStart?: boolean;
  /** Called after a run-time fallback (`auto` or a list of backends), with the selection that records it. */
  onFallback?: (fallback: Fallback, selection: Selection) => void;
  /**
   * Where this load's wasm providers fetch the kernel builds: a URL prefix or { simd, scalar, relaxed? }
   * (see setAssetPaths for every load). It replaces the built-in wasm providers (in `providers` too).
   */
  wasmPaths?: WasmPaths;
  /**
   * How many runs (run(), classify...) may wait behind the one running; one more rejects at once with
   * ResourceError 'QUEUE_FULL' (a server answers "busy" instead of piling work up). Default: no limit.
   */
  maxQueue?: number;
}

/** Throws InputError for options, or an option, of the wrong kind: before anything is fetched or opened. */
export function checkLoadOptions(o: LoadOptions): void {
  checkOptions(o);
  // null as fetch() takes it: none.
  check(o.signal == null || o.signal instanceof AbortSignal, 'options.signal', 'an AbortSignal', o.signal);
  for (const k of ['onProgress', 'onFallback', 'fetch', 'readFile'] as const) check(o[k] == null || typeof o[k] === 'function', `options.${k}`, 'a function', o[k]);
  for (const [k, min, int] of [['trialBudgetMs', 0], ['stallTimeoutMs', 1], ['trialRuns', 1, 1], ['maxModelBytes', 1, 1], ['maxQueue', 0, 1]] as const) {
    checkNumber(o[k], `options.${k}`, min, !!int);
  }
}

/**
 * A model ready to run, and how its backend was chosen. Runs go through one queue (shared by every session
 * the model opens), never interleaved, with a macrotask between two so timers and I/O keep their turn; the backend
 * may change between two of them: when it is lost (`auto` or a list: the next one takes over and the
 * call is retried there) and when a warm start's GPU is ready.
 */
export class LoadedModel {
  #current: Session;
  #record: Selection;
  readonly #queue: RunQueue;
  /** Set when the backend was lost and none could take over: every later run rejects with it. */
  #lost: BackendLostError | undefined;
  #closed = false;
  readonly #stop = new AbortController();
  /**
   * Settles (never rejects) with the final selection once no backend work is left in the background:
   * at once without a warm start; else once the GPU took over, lost to the CPU, failed, or the model was disposed.
   */
  readonly ready: Promise<Selection>;

  /** @internal Models are made by {@link load}. */
  constructor(
    session: Session,
    selection: Selection,
    readonly metadata: ModelMetadata,
    /** Identifies the model bytes (CRC-32 and length); undefined for a Graph source. */
    readonly modelHash: string | undefined,
    private readonly live?: { readonly ctx: SelectContext; readonly job?: WarmJob; readonly onFallback?: LoadOptions['onFallback'] },
  ) {
    // The sessions' queue, made by load(); a model built around a bare session gets its own.
    this.#queue = live?.ctx.queue ?? new RunQueue();
    this.#current = session;
    this.#record = selection;
    // Never rejects: nothing to handle for an app that does not wait for it.
    this.ready = live?.job ? this.#warm(live.ctx, live.job).catch(() => this.selection) : Promise.resolve(this.selection);
  }

  /** The session runs go to now; it changes on a fallback or a warm start's switch. */
  get session(): Session {
    return this.#current;
  }

  /** How the backend was chosen, and every change since; a new object after each change. */
  get selection(): Selection {
    const { adapter: description, software } = this.#current.backendInstance as { adapter?: string; software?: boolean };
    const { adapter, ...rest } = this.#record;
    // Follows the session runs go to (a fallback or warm start switches it), kept as one object while unchanged.
    if (adapter?.description !== description) this.#record = description === undefined ? rest : { ...rest, adapter: { description, software: !!software } };
    return this.#record;
  }

  get backend(): BackendName {
    return this.#current.backend;
  }

  /** 'f16' while the model runs on a GPU backend that stores it in half precision (LoadOptions.precision). */
  get precision(): GpuPrecision {
    return this.#current.precision;
  }

  get inputs(): readonly TensorInfo[] {
    return this.#current.inputs;
  }

  get outputs(): readonly TensorInfo[] {
    return this.#current.outputs;
  }

  /** The graph as prepared (after the passes). */
  get graph(): Graph {
    return this.#current.graph;
  }

  /**
   * Runs the model (see Session.run: the inputs are read when run() is called, even if the run waits its turn).
   * Rejects with ResourceError when the run cannot fit the backend's memory ('OUT_OF_MEMORY': the model stays
   * where it is, the next run that fits works) or maxQueue runs already wait ('QUEUE_FULL').
   */
  run(feeds: Feeds, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    const captured = this.#queue.idle ? feeds : snapshotFeeds(feeds);
    return this.use((s) => s.execute(captured, options));
  }

  /**
   * Runs `work` on the current session in this model's queue (so no switch happens during it), and again
   * on the next backend when it fails with BackendLostError and a fallback is allowed. For work beyond run():
   * `work` holds the queue's turn, and session.run() inside it runs at once.
   */
  use<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.#queue.enqueue(() => this.#attempt(work), true);
  }

  /** Releases the session, and stops a warm start's background work (its GPU session is released too). */
  dispose(): void {
    this.#closed = true;
    this.#stop.abort();
    this.#current.dispose();
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    return this.#queue.enqueue(work);
  }

  async #attempt<T>(work: (session: Session) => Promise<T>): Promise<T> {
    for (;;) {
      if (this.#lost) throw this.#lost;
      const s = this.#current;
      try {
        return await work(s);
      } catch (e) {
        const ctx = this.live?.ctx;
        // A named backend is what the caller asked for: its loss is theirs to handle.
        if (!(e instanceof BackendLostError) || !ctx || this.#closed || (ctx.names?.length ?? 2) < 2) throw e;
        s.dispose();
        const { session, selection } = await fallBack(ctx, this.#record, e);
        this.#record = selection;
        if (!session || this.#closed) {
          session?.dispose();
          this.#lost = e;
          throw e;
        }
        this.#current = session;
        try {
          this.live?.onFallback?.(selection.fallbacks!.at(-1)!, selection);
        } catch {
          // The app's callback must not fail the run.
        }
      }
    }
  }

  async #warm(ctx: SelectContext, job: WarmJob): Promise<Selection> {
    const out = await warmInBackground(ctx, job, this.#stop.signal, (work) => this.#enqueue(work));
    const gpu = out.session;
    /** Re-applied to the latest record: a fallback may have replaced it meanwhile (it only appends candidates). */
    const update = (state: WarmStart['state'], switchedAtMs?: number) => {
      const candidates = this.#record.candidates.map((c, i): Candidate => {
        const u = out.updates.find(([j]) => j === i)?.[1];
        // The GPU counts as chosen only once runs go to it; until then a fallback must not take it for the lost one.
        if (u) return u.status === 'chosen' && switchedAtMs === undefined ? { ...u, status: 'pending' } : u;
        return switchedAtMs !== undefined && c.status === 'chosen' ? { ...c, status: 'slower', reason: `answered until ${gpu!.backend} was ready` } : c;
      });
      const warmStart = { ...this.#record.warmStart!, state, targetReadyMs: out.readyMs, switchedAtMs };
      const cacheReason = out.cacheReason ?? this.#record.cacheReason;
      this.#record = { ...this.#record, backend: this.#current.backend, candidates, warmStart, ...(cacheReason ? { cacheReason } : {}) };
    };
    update(gpu ? 'preparing' : out.state);
    if (!gpu) return this.selection;
    // Queued behind the runs already waiting: they finish on the CPU backend, later ones go to the GPU.
    await this.#enqueue(async () => {
      if (this.#closed) {
        gpu.dispose();
        return update('cancelled');
      }
      this.#current.dispose();
      this.#current = gpu;
      this.#lost = undefined;
      update('switched', now() - ctx.started);
    });
    return this.selection;
  }
}

/**
 * The file's own CRC-32 (already verified by readEim) and its length: free to compute, and any
 * change to the file changes it with near certainty.
 */
export function eimModelHash(bytes: Uint8Array): string {
  const crc = readPreamble(bytes).checksum;
  return `eim-${crc.toString(16).padStart(8, '0')}-${bytes.length}`;
}

// One per context, so its IndexedDB connection is opened once, not at every load().
let idbCache: DecisionCache | undefined;

// Workers and service workers have no localStorage but do have IndexedDB.
function defaultCache(): DecisionCache | undefined {
  const storage = browserLocalStorage();
  if (storage) return localStorageCache(storage);
  const idb = browserIndexedDb();
  return idb ? (idbCache ??= indexedDbCache(idb)) : undefined;
}

/**
 * Loads a .eim model and prepares it on a backend. `source`: a URL (string or URL; fetched with
 * progress), a fetch Response, an ArrayBuffer or typed array (viewed, not copied: keep it unchanged),
 * a Blob/File, a Graph, or (Node entry only) a file path. Rejects with ModelFormatError (bad or
 * unreachable, stalled or over maxModelBytes), InputError (a source or option of the wrong kind), BackendUnavailableError
 * (nothing can run it), GraphError/UnsupportedOpError (the graph), AbortError (options.signal).
 */
export async function load(source: ModelSource, options: LoadOptions = {}): Promise<LoadedModel> {
  checkLoadOptions(options);
  const { signal } = options;
  let graph: Graph;
  let modelHash: string | undefined;
  if (isGraph(source)) {
    throwIfAborted(signal, 'start');
    graph = source;
  } else {
    const bytes = await readSource(source, options);
    throwIfAborted(signal, 'parse');
    graph = readEim(bytes);
    modelHash = eimModelHash(bytes);
  }
  const cache = options.cache === undefined ? defaultCache() : options.cache;
  const providers = withWasmPaths(options.providers, options.wasmPaths);
  const chosen = await choose(graph, { ...options, providers, cache, modelHash, signal }, options.warmStart !== false, new RunQueue(options.maxQueue));
  if (signal?.aborted) {
    chosen.session.dispose();
    throwIfAborted(signal, 'backend selection');
  }
  return new LoadedModel(chosen.session, chosen.selection, graph.metadata, modelHash, { ctx: chosen.ctx, job: chosen.job, onFallback: options.onFallback });
}
