// What a backend is: it turns each node into a prepared step at load time and runs the steps.
import type { OpDef } from '../ops/op.js';
import type { Constant } from '../graph/ir.js';
import type { BatchPlan } from '../graph/prepared.js';
import type { Shape } from '../tensor.js';
import { InputError } from '../errors.js';
import type { StageKernels } from './stages.js';

export type BackendName = 'webgpu' | 'wasm' | 'js';

/**
 * How a GPU backend stores weights and activations: f32, or IEEE half floats (half the memory and
 * bandwidth; the math stays f32). The CPU backends always run f32.
 */
export type GpuPrecision = 'f32' | 'f16';

/** Throws InputError unless `value` is a GpuPrecision (callers may be plain JS). */
export function checkPrecision(value: unknown): asserts value is GpuPrecision {
  if (value !== 'f32' && value !== 'f16') {
    throw new InputError('unknown GPU precision', { expected: "'f32' | 'f16'", received: JSON.stringify(value) ?? String(value) });
  }
}

/** What a provider's create() may be asked for; a backend ignores what does not apply to it. */
export interface BackendOptions {
  readonly precision?: GpuPrecision;
}

export interface DeviceTensor {
  readonly shape: Shape;
  readonly size: number;
}

/** One node's work for one inference, built once at prepare time. */
export type Step = () => void;

/**
 * A backend: the model's nodes as prepared steps, and the stages around a model (stages.ts: a frame into the
 * input, the output's top k), whose steps run in the same execute().
 */
export interface Backend extends StageKernels {
  readonly name: BackendName;
  /** The op names this backend runs; a model runs on one backend or is rejected by it. */
  readonly ops: ReadonlySet<string>;
  /** Storage precision of weights and activations: 'f32' unless a GPU backend was created with 'f16'. */
  readonly precision?: GpuPrecision;
  /** A weight: uploaded, dequantized or packed once. */
  constant(c: Constant): DeviceTensor;
  /**
   * The tensors of one batch plan's values (index = value id), placed by the plan's lifetimes and aliases
   * (src/graph/prepared.ts): values that are never live together share memory.
   */
  values(plan: BatchPlan): DeviceTensor[];
  /** A tensor of its own, outside any plan (tests and tools that run single ops). */
  alloc(shape: Shape): DeviceTensor;
  /** Optional: gives back what values() took, for a plan the session no longer keeps. */
  release?(values: readonly DeviceTensor[]): void;
  /** Load time: build everything the node needs; returns the per-run step. */
  prepare(op: OpDef<any>, inputs: readonly (DeviceTensor | undefined)[], attrs: unknown, outputs: readonly DeviceTensor[]): Step;
  /** Copies a graph input in, for the next execute() of its plan (run that before another plan's steps: plans may share memory). */
  write(t: DeviceTensor, data: Float32Array): void;
  /** Runs steps in order, then reads `outputs` back once. */
  execute(steps: readonly Step[], outputs: readonly DeviceTensor[]): Promise<Float32Array[]>;
  dispose(): void;
}

export interface BackendProvider {
  readonly name: BackendName;
  /** Higher first: webgpu 30, wasm 20, js 0. */
  readonly priority: number;
  /** A cheap probe; a string is the reason it is not available. */
  available(): Promise<true | string>;
  /**
   * Optional: why `auto` should not time this provider ahead of the others here (e.g. a software GPU
   * adapter, which the CPU backends outrun), or undefined. `auto` then tries it only when no other
   * provider works; naming the backend explicitly ignores it. Asked only after available() is true.
   */
  deferReason?(): Promise<string | undefined>;
  create(options?: BackendOptions): Promise<Backend>;
}
