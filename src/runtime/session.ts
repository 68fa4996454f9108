// A loaded model bound to one backend: validated and prepared once per batch size, then run
// with tensors in the source model's own layout. Calls are queued, never interleaved.
import type { Backend, BackendName, DeviceTensor, FrameRunner, FrameSpec, GpuPrecision, Step } from '../backends/backend.js';
import { BackendUnavailableError, EdgeInferError, InputError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { optimize } from '../graph/optimize.js';
import { resolveNodes, type ResolvedNode } from '../graph/resolve.js';
import { inferShapes } from '../graph/shapes.js';
import { validateGraph } from '../graph/validate.js';
import { shapeToString, sizeOf, type Shape, type Tensor } from '../tensor.js';
import { createBackend } from './backends.js';
import { inversePerm, permute, permuteShape } from './layout.js';

export interface TensorInfo {
  readonly name: string;
  /** In the source model's layout; dim 0 is -1 when the batch is free. */
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

export interface SessionOptions {
  /** A backend name, or a backend instance (tests use this). Default 'js'. */
  backend?: BackendName | Backend;
  /** Run the graph passes before preparing (default true). */
  optimize?: boolean;
  /** With a backend name: the GPU backend's storage precision (default f32; see SelectOptions.precision). */
  precision?: GpuPrecision;
}

export type Feeds = Record<string, Float32Array | Tensor>;

interface Plan {
  readonly steps: Step[];
  readonly inputs: DeviceTensor[];
  readonly outputs: DeviceTensor[];
}

export class Session {
  readonly #plans = new Map<number, Plan>();
  readonly #constants = new Map<string, DeviceTensor>();
  #queue: Promise<unknown> = Promise.resolve();
  #disposed = false;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];

  private constructor(readonly graph: Graph, private readonly backendImpl: Backend, private readonly resolved: ResolvedNode[]) {
    this.inputs = graph.inputs.map((v) => ({ name: v.name, shape: v.sourcePerm ? permuteShape(v.shape, v.sourcePerm) : [...v.shape], dtype: 'float32' }));
    const shapes1 = inferShapes(graph, 1, resolved);
    this.outputs = graph.outputs.map((v) => {
      const s = [...shapes1.get(v.name)!];
      if (this.#batchFree) s[0] = -1;
      return { name: v.name, shape: v.sourcePerm ? permuteShape(s, v.sourcePerm) : s, dtype: 'float32' };
    });
  }

  static async create(graph: Graph, options: SessionOptions = {}): Promise<Session> {
    const g = options.optimize === false ? graph : optimize(graph);
    validateGraph(g);
    const backend = typeof options.backend === 'object' ? options.backend : await createBackend(options.backend ?? 'js', undefined, { precision: options.precision });
    const missing = [...new Set(g.nodes.map((n) => n.op))].filter((op) => !backend.ops.has(op));
    if (missing.length) throw new BackendUnavailableError(backend.name, `it does not implement ${missing.join(', ')}`);
    return new Session(g, backend, resolveNodes(g));
  }

  get backend(): BackendName {
    return this.backendImpl.name;
  }

  /** How the backend stores weights and activations: 'f16' only on a GPU backend asked for it. */
  get precision(): GpuPrecision {
    return this.backendImpl.precision ?? 'f32';
  }

  get #batchFree(): boolean {
    return this.graph.inputs.some((v) => v.shape[0] === -1);
  }

  /** Runs the model; inputs and outputs are in the source model's layout. */
  run(feeds: Feeds): Promise<Record<string, Tensor>> {
    const result = this.#queue.then(() => this.#runNow(feeds));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * The backend's frame path (Backend.frameRunner) on this session's plan for one image (item 0 of a fixed
   * batch), or undefined when the backend has none or the model is not one image in, one row of scores out.
   * Its runs go through this session's queue, so they never interleave with run().
   */
  frameRunner(spec: FrameSpec): FrameRunner | undefined {
    const b = this.backendImpl;
    const out = this.graph.outputs[0];
    if (this.#disposed || !b.frameRunner || this.graph.inputs.length !== 1 || !out || out.sourcePerm?.some((a, i) => a !== i)) return undefined;
    const batch = this.graph.inputs[0].shape[0];
    const plan = this.#planFor(batch === -1 ? 1 : batch);
    const runner = b.frameRunner(plan.inputs[0], plan.outputs[0], plan.steps, spec);
    return {
      run: (frame, k, keep) => {
        const result = this.#queue.then(() => {
          if (this.#disposed) throw new EdgeInferError('DISPOSED', 'session is disposed');
          return runner.run(frame, k, keep);
        });
        this.#queue = result.catch(() => undefined);
        return result;
      },
      dispose: () => runner.dispose(),
    };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#plans.clear();
    this.#constants.clear();
    this.backendImpl.dispose();
  }

  async #runNow(feeds: Feeds): Promise<Record<string, Tensor>> {
    if (this.#disposed) throw new EdgeInferError('DISPOSED', 'session is disposed');
    const { batch, data } = this.#checkFeeds(feeds);
    const plan = this.#planFor(batch);
    this.graph.inputs.forEach((v, i) => {
      const d = data[i];
      this.backendImpl.write(plan.inputs[i], v.sourcePerm ? permute(d, permuteShape(plan.inputs[i].shape, v.sourcePerm), inversePerm(v.sourcePerm)) : d);
    });
    const outs = await this.backendImpl.execute(plan.steps, plan.outputs);
    const result: Record<string, Tensor> = {};
    this.graph.outputs.forEach((v, i) => {
      const irShape = plan.outputs[i].shape;
      result[v.name] = v.sourcePerm
        ? { shape: permuteShape(irShape, v.sourcePerm), data: permute(outs[i], irShape, v.sourcePerm) }
        : { shape: [...irShape], data: outs[i] };
    });
    return result;
  }

  /** Matches feeds to inputs and finds the batch size they imply. */
  #checkFeeds(feeds: Feeds): { batch: number; data: Float32Array[] } {
    let batch: number | undefined;
    const data = this.inputs.map((info, k) => {
      const feed = feeds[info.name];
      if (feed === undefined) throw new InputError(`missing input "${info.name}"`, { expected: shapeToString(info.shape) });
      const values = feed instanceof Float32Array ? feed : feed.data;
      if (!(values instanceof Float32Array)) throw new InputError(`input "${info.name}" must be a Float32Array`);
      // The batch is IR axis 0; in the source layout it sits wherever sourcePerm moved it.
      const perm = this.graph.inputs[k].sourcePerm;
      const batchAxis = perm ? perm.indexOf(0) : 0;
      const free = info.shape[batchAxis] === -1;
      const perSample = sizeOf(info.shape.filter((_, i) => i !== batchAxis));
      const n = free ? values.length / perSample : info.shape[batchAxis];
      const shape = info.shape.map((d, i) => (i === batchAxis ? n : d));
      const given = feed instanceof Float32Array ? undefined : feed.shape;
      if (!Number.isInteger(n) || n < 1 || values.length !== sizeOf(shape) || (given && shapeToString(given) !== shapeToString(shape))) {
        throw new InputError(`input "${info.name}" has the wrong size`, {
          expected: shapeToString(info.shape), received: given ? shapeToString(given) : `${values.length} values`,
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

  #planFor(batch: number): Plan {
    const cached = this.#plans.get(batch);
    if (cached) return cached;
    const b = this.backendImpl;
    const shapes = inferShapes(this.graph, batch, this.resolved);
    const values = new Map<string, DeviceTensor>();
    for (const v of this.graph.inputs) values.set(v.name, b.alloc(shapes.get(v.name)!));
    const tensorOf = (name: string): DeviceTensor => {
      let t = values.get(name) ?? this.#constants.get(name);
      if (!t) {
        const c = this.graph.constants.get(name)!;
        t = b.constant(c);
        this.#constants.set(name, t);
      }
      return t;
    };
    const steps = this.resolved.map(({ node, op, attrs }) => {
      const ins = node.inputs.map((n) => (n === '' ? undefined : tensorOf(n)));
      // Every output the op produces gets a tensor, also those the node leaves unnamed or unlisted
      // (ONNX may drop trailing outputs): ops write all of their outputs.
      const outShapes = op.inferShape(ins.map((x) => x?.shape), attrs);
      const outs = outShapes.map((shape, i) => {
        const n = node.outputs[i] ?? '';
        const t = b.alloc(n === '' ? shape : shapes.get(n)!);
        if (n !== '') values.set(n, t);
        return t;
      });
      return b.prepare(op, ins, attrs, outs);
    });
    const plan: Plan = {
      steps,
      inputs: this.graph.inputs.map((v) => values.get(v.name)!),
      outputs: this.graph.outputs.map((v) => tensorOf(v.name)),
    };
    this.#plans.set(batch, plan);
    return plan;
  }
}

export type { Shape };
export type { AxisTaps, FrameInput, FrameRunner, FrameSpec } from '../backends/backend.js';
