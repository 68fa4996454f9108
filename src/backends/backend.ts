// What a backend is: it turns each node into a prepared step at load time and runs the steps.
import type { OpDef } from '../ops/op.js';
import type { Constant } from '../graph/ir.js';
import type { Shape } from '../tensor.js';
import { InputError } from '../errors.js';

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

export interface Backend {
  readonly name: BackendName;
  /** The op names this backend runs; a model runs on one backend or is rejected by it. */
  readonly ops: ReadonlySet<string>;
  /** Storage precision of weights and activations: 'f32' unless a GPU backend was created with 'f16'. */
  readonly precision?: GpuPrecision;
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
  /**
   * Optional (webgpu): the frame path. Each run writes `input` (item 0) from a frame on the device, runs
   * `steps`, and reduces row 0 of `output` to its top-k there, so only k results come back.
   */
  frameRunner?(input: DeviceTensor, output: DeviceTensor, steps: readonly Step[], spec: FrameSpec): FrameRunner;
}

/** One axis's fixed-point resampling taps (src/vision/resize.ts): output i = sum of source start[i] + t times weights[i * stride + t] / 2^22. */
export interface AxisTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
  readonly stride: number;
}

/** What Backend.frameRunner needs to turn RGBA frames into the model's input and its output into top-k. */
export interface FrameSpec {
  /** Scores in row 0 of the output. */
  readonly classes: number;
  /** The output holds logits: the k scores become softmax probabilities over all classes. */
  readonly softmax: boolean;
  /** Working channels: 1 = gray (Pillow's luma of RGB), 3 = RGB. */
  readonly channels: 1 | 3;
  /** Model channel c reads working channel order[c]. */
  readonly order: readonly number[];
  /** lut[c * 256 + v]: the input value of level v in model channel c. */
  readonly lut: Float32Array;
  /** For a frame of this size, the taps of each axis onto the input's H x W. */
  resample(width: number, height: number): { readonly x: AxisTaps; readonly y: AxisTaps };
}

/** A frame: a browser image source the device copies itself, or RGBA bytes. */
export type FrameInput = { readonly width: number; readonly height: number }
  & ({ readonly source: GPUCopyExternalImageSource } | { readonly rgba: Uint8Array | Uint8ClampedArray });

export interface FrameRunner {
  /** The k best classes of one frame, best first (fewer when `keep`, a bit per class, rules classes out). */
  run(frame: FrameInput, k: number, keep?: Uint32Array): Promise<{ indices: number[]; scores: number[] }>;
  /** Gives back what the runner holds on the device. Idempotent. */
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
