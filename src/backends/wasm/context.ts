// What a kernel's prepare function gets from the backend: the module's exports, its memory, and
// the three kinds of storage (weights packed once, per-plan tables, per-step scratch in the arena).
import type { KernelExports, WasmVariant } from './loader.js';
import type { LinearMemory } from './memory.js';
import type { PackParams } from './pack.js';
import type { Kernel } from './plan-state.js';
import type { WasmTensor } from './tensor.js';

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
}

export type PrepareFn<A = any> = (
  b: WasmContext,
  inputs: readonly (WasmTensor | undefined)[],
  attrs: A,
  outputs: readonly WasmTensor[],
) => Kernel;
