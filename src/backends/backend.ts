// What a backend is: it turns each node into a prepared step at load time and runs the steps.
import type { OpDef } from '../ops/op.js';
import type { Constant } from '../graph/ir.js';
import type { Shape } from '../tensor.js';

export type BackendName = 'webgpu' | 'wasm' | 'js';

export interface DeviceTensor {
  readonly shape: Shape;
  readonly size: number;
}

/** One node's work for one inference, built once at prepare time. */
export type Step = () => void;

export interface Backend {
  readonly name: BackendName;
  /** The op names this backend runs; a model runs on one backend or is rejected by it. */
  readonly ops: ReadonlySet<string>;
  /** A weight: uploaded, dequantized or packed once. */
  constant(c: Constant): DeviceTensor;
  /** An intermediate or graph input/output tensor. */
  alloc(shape: Shape): DeviceTensor;
  /** Load time: build everything the node needs; returns the per-run step. */
  prepare(op: OpDef<any>, inputs: readonly (DeviceTensor | undefined)[], attrs: unknown, outputs: readonly DeviceTensor[]): Step;
  /** Copies a graph input in. */
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
  create(): Promise<Backend>;
}
