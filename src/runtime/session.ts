// A loaded model bound to one backend. It consumes the prepared graph (src/graph/prepared.ts): per batch
// size and layout, the backend turns the plan's nodes into steps and its values into tensors placed by
// the plan's lifetimes, once; a run writes the inputs, runs the steps and reads the outputs back.
// Runs go through a queue (the session's own, or the one of the LoadedModel that owns it). Before a plan
// is built, the memory it needs is checked against what the backend can give (ResourceError, nothing allocated).
import type { Backend, BackendName, DeviceTensor, GpuPrecision, Step } from '../backends/backend.js';
import { BackendLostError, EdgeInferError, InputError, ResourceError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { PreparedGraph, sourceShape, type BatchPlan, type Layout, type ValueRef } from '../graph/prepared.js';
import { shapeToString, sizeOf, type Shape, type Tensor } from '../tensor.js';
import type { WasmBackend } from '../backends/wasm/backend.js';
import { openNamed } from './backends.js';
import { queueOf, RunQueue } from './queue.js';
import { composeStages, type StagedRun, type StagedSpec } from '../backends/stages.js';

export interface TensorInfo {
  readonly name: string;
  /** In the source model's layout; dim 0 is -1 when the batch is free. */
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

export interface SessionOptions {
  /** A backend name, or a backend instance (tests use this). Default 'js'. */
  backend?: BackendName | Backend;
  /** With a backend name: the GPU backend's storage precision (default f32; see SelectOptions.precision). */
  precision?: GpuPrecision;
}

export interface RunOptions {
  /**
   * 'source' (default): inputs and outputs in the source model's layout (an ONNX image is NCHW), the
   * permute done by the backend's own kernel. 'ir': in the runtime's layout (NHWC), with no permute at all.
   */
  readonly layout?: Layout;
}

export type Feeds = Record<string, Float32Array | Tensor>;

/** What the backend built for one batch plan. */
interface Prepared {
  readonly steps: Step[];
  readonly inputs: DeviceTensor[];
  readonly outputs: DeviceTensor[];
  /** What values() placed: given back when the plan leaves the cache. */
  readonly values: DeviceTensor[];
}

/** What a value is, for `received` in errors: null, a typeof, a class name, or a plain object's first keys. */
export function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === null ? 'null' : typeof v;
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? name : `object with keys ${Object.keys(v).slice(0, 5).join(', ') || '(none)'}`;
}

/** The one argument check of the public entries: InputError "invalid <what>" with expected and received, unless `ok`. */
export function check(ok: unknown, what: string, expected: string, v: unknown): void {
  if (!ok) throw new InputError(`invalid ${what}`, { expected, received: typeof v === 'number' ? String(v) : describe(v) });
}

/** An options argument: an object (a default parameter has already replaced undefined). */
export function checkOptions(v: unknown, what = 'options'): void {
  check(v && typeof v === 'object', what, 'an object', v);
}

/** A number option: at least `min` and finite, or with `int` a safe integer; undefined passes. */
export function checkNumber(v: unknown, what: string, min = 1, int?: boolean): void {
  if (v !== undefined) check(typeof v === 'number' && v >= min && (int ? Number.isSafeInteger(v) : v < Infinity), what, `${int ? 'an integer' : 'a number'} >= ${min}`, v);
}

/** wasm32 addresses 4 GiB; the other backends' arenas are held to it too (js: one Float32Array). */
const MAX_ARENA = 2 ** 32;

/** Copies of the feeds' data, for a run that waits its turn while the caller may refill its buffers. */
export function snapshotFeeds(feeds: Feeds): Feeds {
  if (typeof feeds !== 'object' || feeds === null) return feeds;
  const copy: Feeds = {};
  for (const [name, feed] of Object.entries(feeds)) {
    copy[name] = feed instanceof Float32Array ? feed.slice()
      : feed && feed.data instanceof Float32Array ? { shape: feed.shape, data: feed.data.slice() } : feed;
  }
  return copy;
}

export class Session {
  readonly #prepared: PreparedGraph;
  readonly #backend: Backend;
  readonly #queue: RunQueue;
  readonly #built = new Map<BatchPlan, Prepared>();
  readonly #constants = new Map<string, DeviceTensor>();
  /** Open staged runs: given back before the backend. */
  readonly #staged = new Set<StagedRun>();
  #disposed = false;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];

  private constructor(prepared: PreparedGraph, backend: Backend, queue: RunQueue) {
    this.#prepared = prepared;
    this.#backend = backend;
    this.#queue = queue;
    const g = prepared.graph;
    this.inputs = g.inputs.map((v) => ({ name: v.name, shape: sourceShape(v), dtype: 'float32' }));
    const plan1 = prepared.plan(1, 'ir');
    this.outputs = g.outputs.map((v, i) => {
      const ref = plan1.outputs[i];
      const s = [...(ref.kind === 'value' ? plan1.values[ref.id].shape : g.constants.get(ref.name)!.shape)];
      if (prepared.batchFree && ref.kind === 'value') s[0] = -1;
      return { name: v.name, shape: sourceShape({ shape: s, sourcePerm: v.sourcePerm }), dtype: 'float32' };
    });
  }

  /** Prepares `graph` (passes, checks, shapes) and opens it on a backend: a name, or an instance. */
  static async create(graph: Graph, options: SessionOptions = {}): Promise<Session> {
    const prepared = PreparedGraph.build(graph);
    const backend = typeof options.backend === 'object'
      ? options.backend
      : await openNamed(options.backend ?? 'js', undefined, { precision: options.precision });
    try {
      return Session.open(prepared, backend);
    } catch (e) {
      if (typeof options.backend !== 'object') backend.dispose();
      throw e;
    }
  }

  /**
   * A session on a graph prepared once (PreparedGraph.build) and a backend; checks that the backend has
   * every op. `queue`: the owner's (a LoadedModel shares one over all its sessions); default the backend's,
   * so sessions that share a backend instance take turns on it.
   * @internal load() and the backend trials open sessions this way; applications use {@link Session.create}.
   */
  static open(prepared: PreparedGraph, backend: Backend, queue: RunQueue = queueOf(backend)): Session {
    prepared.checkCoverage(backend.ops, backend.name);
    const session = new Session(prepared, backend, queue);
    // Every kernel prepared and every weight packed now, not in the first run: the plan of the model's own
    // batch (1 when free) in the layout the classifiers and trials run in.
    session.#build(prepared.plan(prepared.defaultBatch, 'ir'));
    return session;
  }

  get backend(): BackendName {
    return this.#backend.name;
  }

  /** The backend instance (its memory figures, its device). */
  get backendInstance(): Backend {
    return this.#backend;
  }

  /** How the backend stores weights and activations: 'f16' only on a GPU backend asked for it. */
  get precision(): GpuPrecision {
    return this.#backend.precision ?? 'f32';
  }

  /** The graph as prepared (after the passes). */
  get graph(): Graph {
    return this.#prepared.graph;
  }

  /** @internal The graph prepared once per load, which the runtime shares between backends. */
  get prepared(): PreparedGraph {
    return this.#prepared;
  }

  /**
   * Runs the model in the queue. The inputs are read when run() is called: a caller may refill its
   * buffers as soon as run() returns, even while this run waits for its turn.
   */
  run(feeds: Feeds, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    // Called from work that holds the queue's turn for this session (LoadedModel.use): run now.
    if (this.#queue.lent) return this.execute(feeds, options);
    const captured = this.#queue.idle ? feeds : snapshotFeeds(feeds);
    return this.#queue.enqueue(() => this.execute(captured, options));
  }

  /**
   * Runs at once, outside the queue: for the queue's owner (a LoadedModel's queued work, a trial) that
   * already holds its turn. Two calls must not overlap.
   * @internal Applications call {@link Session.run}.
   */
  async execute(feeds: Feeds, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    if (this.#disposed) throw new EdgeInferError('DISPOSED', 'session is disposed');
    checkOptions(options);
    const layout = options.layout ?? 'source';
    check(layout === 'source' || layout === 'ir', 'layout', "'source' | 'ir'", layout);
    const { batch, data } = this.#checkFeeds(feeds, layout);
    const plan = this.#prepared.plan(batch, layout, (p) => this.#fit(p));
    let built: Prepared, outs: Float32Array[];
    try {
      built = this.#build(plan);
      built.inputs.forEach((t, i) => this.#backend.write(t, data[i]));
      outs = await this.#backend.execute(built.steps, built.outputs);
    } catch (e) {
      // Memory the engine would not give (wasm's memory.grow, a typed array, a GPU allocation) is the run's
      // size, not a lost backend; what the plan got may be unusable (an invalid GPU buffer): built again next time.
      const c = e instanceof BackendLostError ? e.cause : e;
      const oom = c instanceof RangeError && (c !== e || /alloc/.test(c.message))
        ? new ResourceError('OUT_OF_MEMORY', `out of memory: ${c.message}`, undefined, undefined, { cause: e }) : e;
      if (oom instanceof ResourceError) this.#drop(plan);
      throw oom;
    }
    const result: Record<string, Tensor> = {};
    this.graph.outputs.forEach((v, i) => { result[v.name] = { shape: [...built.outputs[i].shape], data: outs[i] }; });
    return result;
  }

  /**
   * A frame in, its top k out, as one ordinary run in this session's queue: the backend's preprocess stage
   * (writing item 0 of the input, NHWC), the model's steps, its rank stage on row 0 of the output; one
   * read-back of 2k floats (src/backends/stages.ts). Undefined unless the model is one input, one output
   * whose rows are in the IR's order.
   * @internal The classifiers' path for video frames and single images.
   */
  stagedRun(spec: StagedSpec): StagedRun | undefined {
    const g = this.graph, out = g.outputs[0];
    if (this.#disposed || g.inputs.length !== 1 || !out || out.sourcePerm?.some((a, i) => a !== i)) return undefined;
    const batch = this.#prepared.defaultBatch;
    const run: StagedRun = composeStages(this.#backend, () => this.#build(this.#prepared.plan(batch, 'ir')), spec,
      (work) => this.#queue.enqueue(work),
      () => { if (this.#disposed) throw new EdgeInferError('DISPOSED', 'session is disposed'); },
      () => this.#staged.delete(run));
    this.#staged.add(run);
    return run;
  }

  dispose(): void {
    if (this.#disposed) return;
    for (const r of [...this.#staged]) r.dispose();
    this.#disposed = true;
    this.#built.clear();
    this.#constants.clear();
    this.#backend.dispose();
  }

  /** Matches feeds to inputs and finds the batch size they imply. */
  #checkFeeds(feeds: Feeds, layout: Layout): { batch: number; data: Float32Array[] } {
    check(feeds && typeof feeds === 'object', 'feeds', 'an object of named inputs', feeds);
    let batch: number | undefined;
    const data = this.graph.inputs.map((v) => {
      const feed = feeds[v.name];
      const shapeHere = layout === 'ir' ? [...v.shape] : sourceShape(v);
      if (feed === undefined) throw new InputError(`missing input "${v.name}"`, { expected: shapeToString(shapeHere) });
      const values = feed instanceof Float32Array ? feed : feed?.data;
      const given = feed instanceof Float32Array ? undefined : feed?.shape;
      check(values instanceof Float32Array && (!given || Array.isArray(given)), `input "${v.name}"`, 'a Float32Array or { shape: number[], data: Float32Array }', feed);
      // The batch is IR axis 0; in the source layout it sits wherever sourcePerm moved it.
      const batchAxis = layout === 'source' && v.sourcePerm ? v.sourcePerm.indexOf(0) : 0;
      const free = shapeHere[batchAxis] === -1;
      const perSample = sizeOf(shapeHere.filter((_, i) => i !== batchAxis));
      // A rank-0 input has no batch axis: one value, batch 1.
      const n = free ? values.length / perSample : shapeHere[batchAxis] ?? 1;
      const shape = shapeHere.map((d, i) => (i === batchAxis ? n : d));
      if (!Number.isInteger(n) || n < 1 || values.length !== sizeOf(shape) || (given && shapeToString(given) !== shapeToString(shape))) {
        throw new InputError(`input "${v.name}" has the wrong size`, {
          expected: shapeToString(shapeHere), received: given ? shapeToString(given) : `${values.length} values`,
        });
      }
      if (free) {
        if (batch !== undefined && batch !== n) throw new InputError(`inputs disagree on the batch size (${batch} vs ${n})`);
        batch = n;
      }
      return values;
    });
    return { batch: batch ?? 1, data };
  }

  /**
   * ResourceError unless `plan` fits this backend, before anything is allocated: every WebGPU value must be a
   * buffer the adapter can bind; wasm's arena must fit what its memory may grow to (4 GiB, or a shared
   * memory's maximum) beside what it holds, unless its arena block already holds it.
   */
  #fit(plan: BatchPlan): void {
    const b = this.#backend;
    const { limits: gpu, memoryReport } = b as { limits?: Record<'maxBufferSize' | 'maxStorageBufferBindingSize', number>; memoryReport?: WasmBackend['memoryReport'] };
    const need = gpu ? 4 * Math.max(...plan.values.map((v) => v.size)) : plan.arena((v) => 4 * v.size, 64).size;
    const held = memoryReport?.call(b);
    const block = held?.arenaBytes ?? 0;
    const room = gpu ? Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize) * (this.precision === 'f16' ? 2 : 1)
      : need <= block ? need : (held?.maxBytes ?? MAX_ARENA) - ((held?.totalBytes ?? 0) - block);
    if (need > room) throw new ResourceError('OUT_OF_MEMORY', `batch ${plan.batch} does not fit ${b.name}`, need, room);
  }

  /** Releases what the backend built for `plan`. */
  #drop(plan: BatchPlan): void {
    const built = this.#built.get(plan);
    if (!built) return;
    this.#built.delete(plan);
    this.#backend.release?.(built.values);
  }

  /** The backend's steps and tensors for `plan`, built at its first use; plans the cache dropped are released. */
  #build(plan: BatchPlan): Prepared {
    const hit = this.#built.get(plan);
    if (hit) return hit;
    for (const p of [...this.#built.keys()]) if (!this.#prepared.holds(p)) this.#drop(p);
    const b = this.#backend;
    this.#fit(plan);
    const values = b.values(plan);
    try {
      return this.#buildSteps(plan, values);
    } catch (e) {
      // What the steps prepared so far took (tables, GPU buffers) goes back with the values.
      b.release?.(values);
      throw e;
    }
  }

  #buildSteps(plan: BatchPlan, values: DeviceTensor[]): Prepared {
    const b = this.#backend;
    const tensorOf = (r: ValueRef): DeviceTensor => {
      if (r.kind === 'value') return values[r.id];
      let t = this.#constants.get(r.name);
      if (!t) {
        t = b.constant(this.graph.constants.get(r.name)!);
        this.#constants.set(r.name, t);
      }
      return t;
    };
    const steps = plan.nodes.map((n) => b.prepare(n.op, n.inputs.map((r) => (r ? tensorOf(r) : undefined)), n.attrs, n.outputs.map((id) => values[id])));
    const built: Prepared = { steps, values, inputs: plan.inputs.map((id) => values[id]), outputs: plan.outputs.map(tensorOf) };
    this.#built.set(plan, built);
    return built;
  }
}

export type { Shape };
export type { FrameInput, StagedRun, StagedSpec, TopK } from '../backends/stages.js';
