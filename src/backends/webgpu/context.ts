// What an op's prepare function gets from the backend: tensors as GPU buffers, a uniform builder and
// dispatch(), which requests the pipeline and builds the uniform buffer and bind group once, at load.
import type { DeviceTensor, GpuPrecision, Step } from '../backend.js';
import type { Shape } from '../../tensor.js';
import type { Constants } from './pipeline-cache.js';
import type { ShaderStem } from './shaders.gen.js';

export class GpuTensor implements DeviceTensor {
  /**
   * `constant`: a weight, written once at load; kernels may derive re-laid-out copies of it once (ctx.once).
   * `precision`: how its buffer holds the values (f16: halves, two per word).
   */
  constructor(readonly shape: Shape, readonly size: number, readonly buffer: GPUBuffer, readonly constant = false,
    readonly precision: GpuPrecision = 'f32') {}
}

/** Builds a uniform struct of 4-byte scalars and Dims8 (array<vec4u, 2>) fields, in declaration order. */
export class Uniforms {
  private readonly words: { kind: 'u32' | 'i32' | 'f32'; value: number }[] = [];

  u32(...values: number[]): this {
    for (const value of values) {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`uniform u32 out of range: ${value}`);
      this.words.push({ kind: 'u32', value });
    }
    return this;
  }

  i32(...values: number[]): this {
    for (const value of values) {
      if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new RangeError(`uniform i32 out of range: ${value}`);
      this.words.push({ kind: 'i32', value });
    }
    return this;
  }

  f32(...values: number[]): this {
    for (const value of values) this.words.push({ kind: 'f32', value });
    return this;
  }

  /** A Dims8 field: aligned to 16 bytes as WGSL requires, unused axes filled with `fill`. */
  dims8(values: readonly number[], fill: number): this {
    if (values.length > 8) throw new RangeError(`Dims8 holds 8 axes, got ${values.length}`);
    while (this.words.length % 4 !== 0) this.u32(0);
    return this.u32(...values, ...new Array<number>(8 - values.length).fill(fill));
  }

  bytes(): ArrayBuffer {
    const buf = new ArrayBuffer(Math.max(16, Math.ceil(this.words.length / 4) * 16));
    const view = new DataView(buf);
    this.words.forEach(({ kind, value }, i) => {
      if (kind === 'u32') view.setUint32(i * 4, value, true);
      else if (kind === 'i32') view.setInt32(i * 4, value, true);
      else view.setFloat32(i * 4, value, true);
    });
    return buf;
  }
}

export interface KernelContext {
  readonly limits: GPUSupportedLimits;
  /** Bound in place of an absent optional input (the shader's override tells it not to read). */
  readonly empty: GPUBuffer;
  /**
   * A zero-filled device buffer owned by the backend, for a kernel's intermediate results: in the backend's
   * precision, or f32 for a binding that `stays f32` (scripts/wgsl-half.mjs).
   */
  scratch(elements: number, what: string, precision?: GpuPrecision): GpuTensor;
  /** A 1-D job of `groups` workgroups, folded into 2-D past the per-dimension limit. */
  grid1d(groups: number, what: string): [number, number, number];
  /** A 3-D grid whose axes carry meaning; throws GpuLimitError if an axis is too long. */
  grid3d(x: number, y: number, z: number, what: string): [number, number, number];
  /**
   * Runs `step` once, at the start of the next execute(), before every other step: for work that depends
   * on constants only (weights re-laid out for a kernel). Returns nothing to run per inference.
   */
  once(step: Step): void;
  /** One dispatch of `stem`: storage buffers in binding order, then the uniform (if the shader has one). */
  dispatch(stem: ShaderStem, constants: Constants, buffers: readonly GPUBuffer[], uniforms: Uniforms | undefined,
    grid: readonly [number, number, number]): Step;
}

export type PrepareFn<A = any> = (ctx: KernelContext, inputs: readonly (GpuTensor | undefined)[], attrs: A,
  outputs: readonly GpuTensor[]) => Step;

/** Several dispatches that form one node's step, in order. */
export function sequence(steps: readonly Step[]): Step {
  return steps.length === 1 ? steps[0] : () => { for (const s of steps) s(); };
}
