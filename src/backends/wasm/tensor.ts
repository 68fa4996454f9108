// The wasm backend's tensors: a weight (host copy, placed in memory only when a kernel reads it raw)
// or a value of one plan (placed when that plan's arena is laid out). `ptr` is a byte offset.
import type { DeviceTensor } from '../backend.js';
import type { Shape } from '../../tensor.js';
import type { PlanState } from './plan-state.js';

let nextId = 0;

export class WasmTensor implements DeviceTensor {
  /** Distinct per tensor: part of the cache key of weights packed together with another tensor (bias). */
  readonly id = nextId++;
  /** Byte offset in linear memory; -1 until placed. Kernels read it when they run, never earlier. */
  ptr = -1;

  constructor(
    readonly shape: Shape,
    readonly size: number,
    /** The plan whose arena holds this value; undefined for weights. */
    readonly plan: PlanState | undefined,
    /** A weight's values, dequantized to f32. */
    readonly host?: Float32Array,
  ) {}

  get bytes(): number {
    return this.size * 4;
  }

  get isConstant(): boolean {
    return this.host !== undefined;
  }
}
