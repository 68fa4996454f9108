// The WebAssembly backend: AssemblyScript kernels (relaxed-SIMD or SIMD build, or the scalar build where
// SIMD is missing) in one linear memory per backend. Weights are packed once at prepare; each plan's values
// share one arena laid out by lifetime at its first run; a run copies only inputs in and outputs out. The
// threaded provider runs the threaded build on a shared memory with a pool of workers (threads.ts) that
// take their share of each large op (par()).
import type { Backend, BackendProvider, DeviceTensor, Step } from '../backend.js';
import type { OpDef } from '../../ops/op.js';
import type { Constant } from '../../graph/ir.js';
import type { BatchPlan } from '../../graph/prepared.js';
import { dequantize } from '../../graph/constant.js';
import { BackendLostError, BackendUnavailableError, EdgeInferError, InputError } from '../../errors.js';
import { shapeToString, sizeOf, type Shape } from '../../tensor.js';
import type { Done, RangeKernel, WasmContext } from './context.js';
import { KERNELS } from './kernels.js';
import { hasRelaxedSimd, instantiateKernels, missingFeature, type KernelExports, type WasmSource, type WasmVariant } from './loader.js';
import { autoThreads, Pool, threadsMissing } from './threads.js';
import { LinearMemory } from './memory.js';
import { packKey, type PackParams } from './pack.js';
import { PlanState } from './plan-state.js';
import { WasmTensor } from './tensor.js';
import type { PreprocessSpec, PreprocessStage, RankSpec, RankStage } from '../stages.js';
import { wasmPreprocessStage, wasmRankStage } from './stages.js';
import { warnOnce } from '../runtime-files.js';

/**
 * The least work (about multiply-adds) an op must have for the pool to take a share: below it, waking the
 * workers and counting their chunks costs more than they save (measured: bench/wasm/threads.ts).
 */
const PAR_MIN_WORK = 1 << 18;

interface StepInfo { readonly plan: PlanState; readonly index: number; readonly op: string }

/** Where a backend's linear memory goes, in bytes (see WasmBackend.memoryReport). */
export interface WasmMemoryReport {
  /** The module's own data below heap_base (kernel constants). */
  readonly staticBytes: number;
  /** Weights as kernels read them: raw copies and packed panels (a weight packed two ways counts twice). */
  readonly weightsBytes: number;
  /** Tables derived from attributes and shapes: conv indirection, pooling divisors, sequence lengths. */
  readonly tablesBytes: number;
  /**
   * The arena block. Plans take turns (one run at a time, nothing kept in an arena between runs), so they
   * share one block; a plan larger than it grows it to at least twice its size (in place where it can, else
   * in a new block that every plan moves to, the old one freed).
   */
  readonly arenaBytes: number;
  /** The arena of each plan laid out and not yet released, in layout order. */
  readonly arenas: readonly number[];
  /** Everything handed out and not freed: the sum of the above plus alignment. */
  readonly totalBytes: number;
  /** The linear memory the engine holds (whole 64 KiB pages; it never shrinks): the backend's peak. */
  readonly memoryBytes: number;
  /** What the memory may grow to: 4 GiB, or a threaded build's shared memory's declared maximum. */
  readonly maxBytes: number;
}

export class WasmBackend implements Backend, WasmContext {
  readonly name = 'wasm' as const;
  readonly ops: ReadonlySet<string> = new Set(KERNELS.keys());
  readonly mem: LinearMemory;
  #open: PlanState | undefined;
  readonly #steps = new WeakMap<Step, StepInfo>();
  readonly #pending = new Map<WasmTensor, Float32Array>();
  readonly #pinned = new WeakMap<PlanState, Set<WasmTensor>>();
  readonly #packs = new Map<WasmTensor, Map<string, number>>();
  #stepScratch: WasmTensor[] | undefined;
  #lostReason: string | undefined;
  readonly #bytes = { weights: 0, tables: 0 };
  /** Plans laid out in the arena block and not released, in layout order. */
  readonly #laidOut = new Set<PlanState>();
  /** The tables each plan's steps took (freed with the plan). */
  readonly #tables = new WeakMap<PlanState, number[][]>();
  /** The block every plan's arena starts at. */
  #arena = { ptr: 0, bytes: 0 };

  /**
   * `pool`: the threads of a threaded build (on `k.memory`), which take a share of every op with at least
   * `minParallelWork` of work (tests lower it to split every op).
   */
  constructor(readonly k: KernelExports, readonly variant: WasmVariant, private readonly pool?: Pool,
    private readonly minParallelWork = PAR_MIN_WORK) {
    this.mem = new LinearMemory(k.memory, k.heap_base(), pool?.memoryMaxBytes || undefined);
  }

  /** The threads that run this backend's large ops: 1, or the pool's (the calling thread included). */
  get threads(): number {
    return this.pool?.size ?? 1;
  }

  /** False once a kernel has trapped or the backend was disposed: its memory can no longer be trusted. */
  get usable(): boolean {
    return this.#lostReason === undefined && !this.pool?.lost;
  }

  /** Bytes of linear memory in use: static data, weights, tables and every plan's arena. */
  get memoryBytes(): number {
    return this.mem.used;
  }

  /** The layout of this backend's linear memory: weights, tables, each plan's arena, total and peak. */
  memoryReport(): WasmMemoryReport {
    return {
      staticBytes: this.k.heap_base(),
      weightsBytes: this.#bytes.weights,
      tablesBytes: this.#bytes.tables,
      arenaBytes: this.#arena.bytes,
      arenas: [...this.#laidOut].map((p) => p.arenaBytes),
      totalBytes: this.mem.used,
      memoryBytes: this.k.memory.buffer.byteLength,
      maxBytes: this.mem.maxBytes,
    };
  }

  constant(c: Constant): DeviceTensor {
    return new WasmTensor(c.shape, sizeOf(c.shape), undefined, dequantize(c));
  }

  /** The plan's values, laid out at its first run in the arena block plans share: lifetimes and aliases from the plan, scratch added at prepare. */
  values(plan: BatchPlan): DeviceTensor[] {
    this.#check();
    const state = new PlanState();
    this.#open = state;
    const ts = plan.values.map((v) => {
      const t = new WasmTensor(v.shape, v.size, state);
      state.addPlanned(t, v.first, v.last);
      return t;
    });
    for (const v of plan.values) if (v.aliasOf !== undefined) state.share(ts[v.id], ts[v.aliasOf]);
    return ts;
  }

  /** Forgets the plans of `values` (a plan the session dropped): their tables are freed, the arena block stays. */
  release(values: readonly DeviceTensor[]): void {
    for (const plan of new Set((values as readonly WasmTensor[]).map((t) => t.plan))) {
      if (!plan) continue;
      this.#laidOut.delete(plan);
      for (const [ptr, bytes] of this.#tables.get(plan) ?? []) { this.mem.free(ptr, bytes); this.#bytes.tables -= bytes; }
      this.#tables.delete(plan);
      for (const t of this.#pending.keys()) if (t.plan === plan) this.#pending.delete(t);
      if (this.#open === plan) this.#open = undefined;
    }
  }

  alloc(shape: Shape): DeviceTensor {
    if (!this.#open || this.#open.laidOut) this.#open = new PlanState();
    const t = new WasmTensor(shape, sizeOf(shape), this.#open);
    this.#open.addValue(t);
    return t;
  }

  prepare(op: OpDef<any>, inputs: readonly (DeviceTensor | undefined)[], attrs: unknown, outputs: readonly DeviceTensor[]): Step {
    this.#check();
    const fn = KERNELS.get(op.name);
    if (!fn) throw new BackendUnavailableError('wasm', `no kernel for op ${op.name}`);
    const ins = inputs as readonly (WasmTensor | undefined)[];
    const outs = outputs as readonly WasmTensor[];
    const plan = this.#open;
    if (!plan) throw new EdgeInferError('WASM_PLAN', `${op.name}: prepare before any output was allocated`);
    for (const t of [...ins, ...outs]) {
      if (t && !t.isConstant && (t.plan !== plan || plan.laidOut)) {
        throw new EdgeInferError('WASM_PLAN', `${op.name}: a tensor of an earlier, already laid out plan was passed to prepare`);
      }
    }
    const scratch: WasmTensor[] = [];
    this.#stepScratch = scratch;
    let kernel;
    try {
      kernel = fn(this, ins, attrs, outs);
    } catch (e) {
      plan.dropValues(scratch);
      throw e;
    } finally {
      this.#stepScratch = undefined;
    }
    plan.addStep(kernel, ins, [...outs, ...scratch]);
    const step: Step = () => kernel.run();
    this.#steps.set(step, { plan, index: plan.kernels.length - 1, op: op.name });
    return step;
  }

  write(t: DeviceTensor, data: Float32Array): void {
    this.#check();
    const w = t as WasmTensor;
    if (data.length !== w.size) throw new InputError('input has the wrong size', { expected: `${w.size} values ${shapeToString(w.shape)}`, received: `${data.length} values` });
    if (w.plan && !w.plan.laidOut) this.#pending.set(w, data);
    else this.mem.write(this.raw(w).ptr, data);
  }

  async execute(steps: readonly Step[], outputs: readonly DeviceTensor[]): Promise<Float32Array[]> {
    this.#check();
    const outs = outputs as readonly WasmTensor[];
    const infos = steps.map((s) => {
      const info = this.#steps.get(s);
      if (!info) throw new EdgeInferError('WASM_PLAN', 'execute was given a step this backend did not prepare');
      return info;
    });
    const plan = infos[0]?.plan ?? outs.find((o) => o.plan)?.plan;
    if (infos.some((i) => i.plan !== plan)) throw new EdgeInferError('WASM_PLAN', 'execute was given steps of more than one plan');
    if (plan) this.#layOut(plan, outs);
    let i = 0;
    try {
      for (; i < steps.length; i++) {
        // A step returns a promise only while its op's last chunks run on other threads.
        const pending = (steps[i] as () => Done)();
        if (pending) await pending;
      }
      // A worker that died took its chunks with it.
      this.#check();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        this.#lostReason = `kernel of step ${infos[i].index} (${infos[i].op}) trapped: ${e.message}`;
        throw new BackendLostError('wasm', this.#lostReason, { cause: e });
      }
      if (e instanceof BackendLostError) this.#lostReason ??= e.message;
      throw e;
    }
    return outs.map((o) => (o.isConstant ? o.host!.slice() : this.mem.read(o.ptr, o.size)));
  }

  /** Stages (stages.ts): their steps read the tensors of `t`'s plan, so execute() takes them as that plan's. */
  preprocessStage(input: DeviceTensor, spec: PreprocessSpec): PreprocessStage {
    this.#check();
    return this.#stage(wasmPreprocessStage(this, input as WasmTensor, spec), input as WasmTensor, 'preprocess stage');
  }

  rankStage(scores: DeviceTensor, spec: RankSpec): RankStage {
    this.#check();
    return this.#stage(wasmRankStage(this, scores as WasmTensor, spec), scores as WasmTensor, 'rank stage');
  }

  #stage<S extends { readonly step: Step }>(stage: S, t: WasmTensor, op: string): S {
    if (t.plan) this.#steps.set(stage.step, { plan: t.plan, index: -1, op });
    return stage;
  }

  dispose(): void {
    this.#lostReason ??= 'disposed';
    this.pool?.dispose();
    this.#pending.clear();
    this.#packs.clear();
    this.#open = undefined;
  }

  // WasmContext

  raw(t: WasmTensor): WasmTensor {
    if (t.isConstant && t.ptr < 0) {
      t.ptr = this.mem.alloc(t.bytes);
      this.#bytes.weights += t.bytes;
      this.mem.write(t.ptr, t.host!);
    }
    return t;
  }

  packed(t: WasmTensor, params: PackParams, floats: number, fill: (dst: Float32Array) => void): number {
    const key = packKey(params);
    let byKey = this.#packs.get(t);
    if (!byKey) this.#packs.set(t, byKey = new Map());
    let ptr = byKey.get(key);
    if (ptr === undefined) {
      ptr = this.mem.alloc(floats * 4);
      this.#bytes.weights += floats * 4;
      const dst = this.mem.f32.subarray(ptr >> 2, (ptr >> 2) + floats);
      dst.fill(0);
      fill(dst);
      byKey.set(key, ptr);
    }
    return ptr;
  }

  persistent(bytes: number): number {
    const ptr = this.mem.alloc(bytes);
    this.#bytes.tables += bytes;
    // A step's tables go with its plan; a stage's live as long as the backend.
    const plan = this.#stepScratch && this.#open;
    if (plan) {
      let list = this.#tables.get(plan);
      if (!list) this.#tables.set(plan, list = []);
      list.push([ptr, bytes]);
    }
    return ptr;
  }

  scratch(floats: number): WasmTensor {
    if (!this.#stepScratch || !this.#open) throw new EdgeInferError('WASM_PLAN', 'scratch is only available while a step is prepared');
    const t = new WasmTensor([floats], floats, this.#open);
    this.#open.addValue(t);
    this.#stepScratch.push(t);
    return t;
  }

  share(y: WasmTensor, x: WasmTensor): boolean {
    const plan = this.#open;
    // The prepared graph decided for its values.
    if (plan?.isPlanned(y)) return plan.shares(y, x);
    if (!plan || plan.laidOut || x.plan !== plan || y.plan !== plan || x.isConstant || x.bytes < y.bytes) return false;
    plan.share(y, x);
    return true;
  }

  par(fn: RangeKernel, tasks: number, work: number, args: readonly number[]): Done {
    if (this.pool && tasks > 1 && work >= this.minParallelWork) return this.pool.run(fn, tasks, args);
    (this.k[fn] as (t0: number, t1: number, ...a: readonly number[]) => void)(0, tasks, ...args);
  }

  #layOut(plan: PlanState, outs: readonly WasmTensor[]): void {
    if (!plan.laidOut) {
      const pinned = new Set(outs.filter((o) => o.plan === plan));
      plan.layOut(pinned, (bytes) => this.#arenaBlock(bytes));
      this.#laidOut.add(plan);
      this.#pinned.set(plan, pinned);
      for (const [t, data] of this.#pending) {
        if (t.plan === plan) {
          this.mem.write(t.ptr, data);
          this.#pending.delete(t);
        }
      }
      return;
    }
    const pinned = this.#pinned.get(plan)!;
    if (outs.some((o) => o.plan === plan && !pinned.has(o))) {
      throw new EdgeInferError('WASM_PLAN', 'a plan\'s outputs are fixed at its first run; prepare a new plan to read other tensors');
    }
  }

  /**
   * The arena block, grown to hold `bytes` (twice its size when the memory allows, else just `bytes`). Nothing
   * lives in it between runs, so the old block is freed first: the new one may start where it did (grown in
   * place) or anywhere else, and then the plans laid out so far move with it (their kernels re-bind).
   */
  #arenaBlock(bytes: number): number {
    const old = this.#arena;
    if (bytes <= old.bytes) return old.ptr;
    this.mem.free(old.ptr, old.bytes);
    let failure: unknown;
    for (const size of [Math.max(bytes, 2 * old.bytes), bytes, old.bytes]) {
      try {
        this.#arena = { ptr: this.mem.alloc(size), bytes: size };
        break;
      } catch (e) {
        // The old size always fits again: its bytes were just freed.
        failure ??= e;
      }
    }
    if (this.#arena.ptr !== old.ptr) for (const p of this.#laidOut) p.layOut(this.#pinned.get(p)!, () => this.#arena.ptr);
    if (this.#arena.bytes < bytes) throw failure;
    return this.#arena.ptr;
  }

  #check(): void {
    this.#lostReason ??= this.pool?.lost;
    if (this.#lostReason !== undefined) throw new BackendLostError('wasm', this.#lostReason);
  }
}

/** Where the builds come from; see configureWasmSources. */
export interface WasmSources {
  readonly simd: WasmSource;
  readonly scalar: WasmSource;
  /** The relaxed-SIMD build, preferred over `simd` where the engine validates relaxed SIMD. */
  readonly relaxed?: WasmSource;
  /** The threaded SIMD build (shared memory, atomics); without it the threaded provider is unavailable. */
  readonly simdThreads?: WasmSource;
  /** The threaded relaxed-SIMD build, preferred over `simdThreads` as `relaxed` is over `simd`. */
  readonly relaxedThreads?: WasmSource;
  /** The worker script of the threads (edgeinfer-worker.js); default: beside this module. */
  readonly worker?: string | URL;
}

const WORKER = new URL('./edgeinfer-worker.js', import.meta.url);

// Default: the files beside the bundled module (a bundle must copy build/wasm/*.wasm and the worker there).
let sources: WasmSources = {
  simd: new URL('./edgeinfer-simd.wasm', import.meta.url),
  scalar: new URL('./edgeinfer-scalar.wasm', import.meta.url),
  relaxed: new URL('./edgeinfer-relaxed.wasm', import.meta.url),
  simdThreads: new URL('./edgeinfer-simd-threads.wasm', import.meta.url),
  relaxedThreads: new URL('./edgeinfer-relaxed-threads.wasm', import.meta.url),
  worker: WORKER,
};
/** True once the application said where the builds are (setAssetPaths): defaults no longer replace them. */
let setByApp = false;

/** Tells the wasm providers where to load the kernel builds from (URLs, bytes or loaders); the app's word (setAssetPaths). */
export function configureWasmSources(s: WasmSources): void {
  sources = s;
  setByApp = true;
}

/** A default location (Node: the builds found on disk); ignored once the application configured its own. */
export function configureDefaultWasmSources(s: WasmSources): void {
  if (!setByApp) sources = s;
}

/** A build at a URL (not bytes or a loader the app gave) that cannot be fetched or compiled. */
function warnMissing(source: WasmSource | undefined, e: unknown): void {
  if (typeof source === 'string' || source instanceof URL) warnOnce(String(source), (e as Error).message, 'copy edgeinfer/dist/browser/*.wasm and set wasmPaths');
}

/** The threads of a threaded build: how many (the caller's included) and the worker script. */
interface Threading { readonly threads: number; readonly worker?: string | URL }

/** A backend on one build: its own memory, or with `t` a shared one and a pool of t.threads - 1 workers. */
async function open(variant: WasmVariant, source: WasmSource, t?: Threading): Promise<WasmBackend> {
  if (!t) return new WasmBackend(await instantiateKernels(variant, source), variant);
  const [k, pool] = await Pool.open(variant, source, t.threads, t.worker ?? WORKER);
  return new WasmBackend(k, variant, pool);
}

/**
 * A provider for one build; `source` is read when a backend is created. A SIMD provider given a
 * `relaxed` source creates the relaxed-SIMD build instead where the engine has relaxed SIMD, and the
 * plain SIMD build when that one cannot be loaded; the backend's `variant` says which runs. A build at a
 * URL that cannot be fetched or compiled is reported once per URL with console.warn. With `threading`, the
 * builds are threaded ones, run by a pool.
 */
export function createWasmProvider(variant: WasmVariant, source: () => WasmSource, priority: number,
  relaxed?: () => WasmSource | undefined, threading?: () => Threading): BackendProvider {
  return {
    name: 'wasm',
    priority,
    available: async () => missingFeature(variant) ?? true,
    create: async () => {
      const r = variant === 'simd' && hasRelaxedSimd() ? relaxed?.() : undefined;
      if (r !== undefined) {
        try {
          return await open('relaxed', r, threading?.());
        } catch (e) {
          // A bundle without the relaxed build, or an engine that rejects it: the SIMD build does the same work.
          warnMissing(r, e);
        }
      }
      const s = source();
      try {
        return await open(variant, s, threading?.());
      } catch (e) {
        warnMissing(s, e);
        throw e;
      }
    },
  };
}

/** The threaded wasm provider: its thread count, and the same provider with another one (LoadOptions.threads). */
export interface ThreadedWasmProvider extends BackendProvider {
  /** Threads asked for, the calling one included; 'auto': the cores, at most 4. */
  readonly threads: number | 'auto';
  withThreads(threads: number | 'auto'): ThreadedWasmProvider;
  /** `threads=N`: part of the decision cache's key, so another count is timed anew. */
  deviceInfo(): Promise<string>;
}

/**
 * The threaded SIMD build (relaxed where the engine has it) with `threads` threads, at priority 25: `auto`
 * times it against the single-threaded build (20) and keeps the faster. Unavailable where memory cannot be
 * shared between threads (a page that is not cross-origin isolated: the reason says which headers to send),
 * and with 1 thread (threads: 1, or 'auto' on one core).
 */
export function threadedWasmProvider(s: () => WasmSources, threads: number | 'auto' = 'auto'): ThreadedWasmProvider {
  const count = () => (threads === 'auto' ? autoThreads() : threads);
  const base = createWasmProvider('simd', () => s().simdThreads!, 25, () => s().relaxedThreads, () => ({ threads: count(), worker: s().worker }));
  return {
    ...base,
    threads,
    available: async () => threadsMissing() ?? (count() < 2 ? `threads: ${count()}` : base.available()),
    deviceInfo: async () => `threads=${count()}`,
    withThreads: (t) => threadedWasmProvider(s, t),
  };
}

/**
 * The SIMD, scalar and threaded providers (the built-ins' priorities) reading `s()`: LoadOptions.wasmPaths
 * makes its own.
 */
export function wasmProvidersFor(s: () => WasmSources): [simd: BackendProvider, scalar: BackendProvider, threaded: ThreadedWasmProvider] {
  return [createWasmProvider('simd', () => s().simd, 20, () => s().relaxed), createWasmProvider('scalar', () => s().scalar, 15), threadedWasmProvider(s)];
}

export const [wasmSimdProvider, wasmScalarProvider, wasmThreadsProvider] = wasmProvidersFor(() => sources);
