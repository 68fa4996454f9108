// Artificial backends for selection tests: the js reference backend wrapped to be slow, broken at a
// chosen stage, unavailable or missing ops, lost while running or slow to create, and counting every
// call so tests can tell whether a trial ran. Also a tiny image-classifier graph.
import type { Backend, BackendName, BackendOptions, BackendProvider, DeviceTensor, GpuPrecision, Step } from '../../src/backends/backend.js';
import { JsBackend } from '../../src/backends/js/backend.js';
import type { Graph } from '../../src/graph/ir.js';
import type { OpDef } from '../../src/ops/op.js';
import { BackendLostError } from '../../src/errors.js';
import { randomF32 } from '../helpers/harness.js';

export interface Counts {
  available: number;
  /** Backends successfully created. */
  create: number;
  prepare: number;
  execute: number;
  dispose: number;
}

export interface FakeSpec {
  name: BackendName;
  priority: number;
  /** Busy-waits this long in every step. */
  slowMs?: number;
  /** Where it breaks: its probe throws, create() throws, prepare() throws, or every step throws. */
  failAt?: 'probe' | 'create' | 'prepare' | 'run';
  /** available() answers this reason. */
  unavailable?: string;
  /** Ops it pretends not to implement. */
  dropOps?: string[];
  /** Reported through the optional deviceInfo() hook. */
  info?: string;
  /** While set, every execute() of this provider's backends rejects with BackendLostError (a lost device, a wasm trap). */
  lost?: string;
  /** create() waits for it: a GPU whose device and pipelines take a while, without blocking the thread. */
  gate?: Promise<unknown>;
  /** Answers wrong at full speed, as a broken GPU path does: all zeros, NaN, or every value doubled. */
  wrong?: 'zeros' | 'nan' | 'doubled';
}

export type FakeProvider = BackendProvider & {
  readonly counts: Counts;
  readonly spec: FakeSpec;
  /** The options of every create() call, in order. */
  readonly createOptions: (BackendOptions | undefined)[];
  deviceInfo?(): Promise<string | undefined>;
};

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* deliberately burn time: an artificially slow kernel */ }
}

class FakeBackend implements Backend {
  readonly ops: ReadonlySet<string>;
  private readonly inner = new JsBackend();
  constructor(readonly name: BackendName, private readonly spec: FakeSpec, private readonly counts: Counts, readonly precision?: GpuPrecision) {
    this.ops = new Set([...this.inner.ops].filter((op) => !spec.dropOps?.includes(op)));
  }
  constant(c: Parameters<Backend['constant']>[0]): DeviceTensor {
    return this.inner.constant(c);
  }
  alloc(shape: readonly number[]): DeviceTensor {
    return this.inner.alloc(shape);
  }
  values(plan: Parameters<Backend['values']>[0]): DeviceTensor[] {
    return this.inner.values(plan);
  }
  prepare(op: OpDef<any>, inputs: readonly (DeviceTensor | undefined)[], attrs: unknown, outputs: readonly DeviceTensor[]): Step {
    this.counts.prepare++;
    if (this.spec.failAt === 'prepare') throw new Error(`no kernel for ${op.name} on this fake`);
    const step = this.inner.prepare(op, inputs, attrs, outputs);
    const { slowMs, failAt } = this.spec;
    return () => {
      if (failAt === 'run') throw new Error('kernel exploded');
      if (slowMs) busyWait(slowMs);
      step();
    };
  }
  write(t: DeviceTensor, data: Float32Array): void {
    this.inner.write(t, data);
  }
  preprocessStage(...a: Parameters<Backend['preprocessStage']>): ReturnType<Backend['preprocessStage']> {
    return this.inner.preprocessStage(...a);
  }
  rankStage(...a: Parameters<Backend['rankStage']>): ReturnType<Backend['rankStage']> {
    return this.inner.rankStage(...a);
  }
  execute(steps: readonly Step[], outputs: readonly DeviceTensor[]): Promise<Float32Array[]> {
    this.counts.execute++;
    if (this.spec.lost !== undefined) return Promise.reject(new BackendLostError(this.name, this.spec.lost));
    const { wrong } = this.spec;
    if (!wrong) return this.inner.execute(steps, outputs);
    return this.inner.execute(steps, outputs).then((outs) => outs.map((o) => o.map((v) => (wrong === 'zeros' ? 0 : wrong === 'nan' ? NaN : 2 * v))));
  }
  dispose(): void {
    this.counts.dispose++;
  }
}

export function fakeProvider(spec: FakeSpec): FakeProvider {
  const counts: Counts = { available: 0, create: 0, prepare: 0, execute: 0, dispose: 0 };
  const p: FakeProvider = {
    name: spec.name,
    priority: spec.priority,
    counts,
    spec,
    createOptions: [],
    available: async () => {
      counts.available++;
      if (spec.failAt === 'probe') throw new Error('probe crashed');
      return spec.unavailable ?? true;
    },
    create: async (options) => {
      p.createOptions.push(options);
      await spec.gate;
      if (spec.failAt === 'create') throw new Error('device request refused');
      counts.create++;
      // Like the real providers: only the GPU one stores in another precision.
      return new FakeBackend(spec.name, spec, counts, spec.name === 'webgpu' ? options?.precision : undefined);
    },
  };
  if (spec.info !== undefined) p.deviceInfo = async () => spec.info;
  return p;
}

/** Sessions and backends still alive: created minus disposed (a session disposes its backend once). */
export function alive(p: FakeProvider): number {
  return p.counts.create - p.counts.dispose;
}

/**
 * x [N,4,4,2] NHWC -> Conv 1x1 (2 -> 3) + Relu -> GlobalAveragePool -> Flatten -> Softmax: y [N,3].
 * After the passes the nodes are Conv (Relu fused), GlobalAveragePool, Flatten, Softmax.
 */
export function tinyClassifier(name = 'tiny-classifier'): Graph {
  const w = randomF32(6, { seed: 11, min: -1, max: 1 });
  return {
    nodes: [
      { name: 'conv', op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel: [1, 1] } },
      { name: 'relu', op: 'Relu', inputs: ['c'], outputs: ['r'], attrs: {} },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'], attrs: {} },
      { name: 'flat', op: 'Flatten', inputs: ['g'], outputs: ['f'], attrs: { axis: 1 } },
      { name: 'soft', op: 'Softmax', inputs: ['f'], outputs: ['y'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'x', shape: [-1, 4, 4, 2] }],
    outputs: [{ name: 'y', shape: [-1, 3] }],
    constants: new Map([
      ['w', { shape: [3, 1, 1, 2], dtype: 'f32', data: w }],
      ['b', { shape: [3], dtype: 'f32', data: Float32Array.of(0.1, -0.2, 0.3) }],
    ]),
    metadata: { name, labels: ['a', 'b', 'c'] },
  };
}

/** tinyClassifier on 4x4 RGB images, with the preprocessing metadata an ImageClassifier needs. */
export function tinyImageClassifier(): Graph {
  const g = tinyClassifier('tiny-image');
  return {
    ...g,
    inputs: [{ name: 'x', shape: [-1, 4, 4, 3] }],
    constants: new Map([
      ['w', { shape: [3, 1, 1, 3], dtype: 'f32', data: randomF32(9, { seed: 12, min: -1, max: 1 }) }],
      ['b', { shape: [3], dtype: 'f32', data: Float32Array.of(0.1, -0.2, 0.3) }],
    ]),
    metadata: {
      ...g.metadata,
      preprocess: { width: 4, height: 4, channels: 3, colorOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', crop: 'none' },
    },
  };
}

/** A 4x4 RGB test image for tinyImageClassifier. */
export const TINY_PIXELS = { width: 4, height: 4, format: 'RGB' as const, data: Uint8Array.from({ length: 48 }, (_, i) => (i * 37) % 256) };
