// What a kernel's prepare function gets from the backend: the module's exports, its memory, the three
// kinds of storage (weights packed once, per-plan tables, per-step scratch in the arena), and par(), which
// runs a kernel over a range of tasks on every thread of the backend (one, or a pool: threads.ts).
import type { KernelExports, WasmVariant } from './loader.js';
import type { LinearMemory } from './memory.js';
import type { PackParams } from './pack.js';
import type { Kernel } from './plan-state.js';
import type { WasmTensor } from './tensor.js';

/** The kernels whose first two arguments are a range [t0, t1) of independent tasks (see par). */
export type RangeKernel = 'gemm_f32' | 'conv_igemm_f32' | 'dwconv_f32' | 'dwconv3x3_f32' | 'maxpool_f32' | 'avgpool_f32';

/** What par() returns: nothing when the op is done, a promise when its last chunks are still running. */
export type Done = void | Promise<void>;

/** `next` once `done` is: at once, or when the promise settles. */
export function after(done: Done, next: () => Done): Done {
  return done ? done.then(next) : next();
}

export interface WasmContext {
  readonly k: KernelExports;
  readonly mem: LinearMemory;
  readonly variant: WasmVariant;
  /** Makes a weight readable by kernels as-is (copied into memory once); values are placed by the plan. */
  raw(t: WasmTensor): WasmTensor;
  /**
   * A weight transformed once into the layout a kernel wants, cached per (weight, packKey(params)): params
   * name the layout and everything else `fill` depends on. `fill` gets the zeroed block as f32 and must not
   * allocate. Returns its byte offset.
   */
  packed(t: WasmTensor, params: PackParams, floats: number, fill: (dst: Float32Array) => void): number;
  /** A block that lives as long as the backend (tables, constants derived from attributes). */
  persistent(bytes: number): number;
  /** A block in the arena that only the step being prepared uses; its `ptr` is set at layout. */
  scratch(floats: number): WasmTensor;
  /**
   * Lets output `y` of the step being prepared share the bytes of its input `x` (same values, another
   * shape): true when it can (x a value of the same plan, as large), else false and the step must copy.
   */
  share(y: WasmTensor, x: WasmTensor): boolean;
  /**
   * Runs `fn(t0, t1, ...args)` over tasks [0, tasks) at run time: on this thread, or split in chunks across the
   * backend's threads when `work` (about the op's multiply-adds) pays for waking them. A kernel's output does not
   * depend on how its tasks are split.
   */
  par(fn: RangeKernel, tasks: number, work: number, args: readonly number[]): Done;
}

export type PrepareFn<A = any> = (
  b: WasmContext,
  inputs: readonly (WasmTensor | undefined)[],
  attrs: A,
  outputs: readonly WasmTensor[],
) => Kernel;
