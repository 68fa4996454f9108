// Stages: the work around a model that is not a node of its graph: an image frame into the model's input
// (resize taps, level table, channel order) and the output's scores into the top k. Each backend implements
// both (js/stages.ts, wasm/stages.ts, webgpu/stages.ts) against one reference, src/vision (preprocess.ts,
// resize.ts, topk.ts), which also computes the tables below. A stage is built once; per run only its small
// setter is called, and its step runs among the model's steps in one Backend.execute.
import { InputError } from '../errors.js';
import type { GlobalType } from '../globals.js';
import type { Backend, BackendName, DeviceTensor, Step } from './backend.js';

/** One axis's fixed-point resampling taps (src/vision/resize.ts): output i = sum over t < count[i] of source start[i] + t times weights[i * stride + t] / 2^22. */
export interface AxisTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
  readonly stride: number;
}

/** What turns RGBA frames into a model's NHWC f32 input: src/vision's preprocessing, as tables. */
export interface PreprocessSpec {
  /** Working channels: 1 = gray (Pillow's luma of RGB), 3 = RGB. */
  readonly channels: 1 | 3;
  /** Model channel c reads working channel order[c]. */
  readonly order: readonly number[];
  /** lut[c * 256 + v]: the input value of level v in model channel c. */
  readonly lut: Float32Array;
  /** For a frame of this size, the taps of each axis onto the input's H x W (Pillow's bilinear, crop included). */
  resample(width: number, height: number): { readonly x: AxisTaps; readonly y: AxisTaps };
}

/** What ranks row 0 of a model's output. */
export interface RankSpec {
  /** Scores in row 0 of the output. */
  readonly classes: number;
  /** The output holds logits: the k scores become softmax probabilities over all classes. */
  readonly softmax: boolean;
}

/**
 * A frame: 8-bit RGBA bytes (straight alpha, which is ignored), or, where the stage takes them
 * (PreprocessStage.sources), a browser image source the device copies itself (WebGPU's
 * GPUCopyExternalImageSource, named class by class so that these types compile without @webgpu/types).
 */
export type FrameInput = { readonly width: number; readonly height: number }
  & ({ readonly rgba: Uint8Array | Uint8ClampedArray } | { readonly source: GlobalType<
    'ImageBitmap' | 'ImageData' | 'HTMLImageElement' | 'HTMLVideoElement' | 'VideoFrame' | 'HTMLCanvasElement' | 'OffscreenCanvas', never> });

export interface PreprocessStage {
  /** Writes the frame last given to set() into batch item 0 of the input tensor. */
  readonly step: Step;
  /** true: set() takes browser image sources as they are (webgpu); false: RGBA bytes only. */
  readonly sources: boolean;
  /**
   * The next run's frame. Resources that depend on the frame size are rebuilt when it changes, else nothing
   * is allocated. Call it right before the run, in turn with the backend's other runs (Session does).
   */
  set(frame: FrameInput): Promise<void>;
  /** Gives back what the stage holds. Idempotent; the step must not run afterwards. */
  dispose(): void;
}

export interface RankStage {
  /** Reduces row 0 of the scores tensor to its k best (after softmax when asked for) into `output`. */
  readonly step: Step;
  /** The next run's k (1..classes) and keep mask (bit i % 32 of word i / 32 keeps class i); returns the tensor to read back. */
  set(k: number, keep?: Uint32Array): DeviceTensor;
  /** The read-back of that tensor: k scores, then k class indices (as floats; -1 once the kept classes run out). */
  read(out: Float32Array, k: number): TopK;
  dispose(): void;
}

export interface TopK {
  readonly indices: number[];
  readonly scores: number[];
}

/** What every backend implements (Backend.preprocessStage / rankStage). */
export interface StageKernels {
  preprocessStage(input: DeviceTensor, spec: PreprocessSpec): PreprocessStage;
  rankStage(scores: DeviceTensor, spec: RankSpec): RankStage;
}

/** Throws unless `input` is [N, H, W, channels]; returns H, W. */
export function checkPreprocessInput(input: DeviceTensor, spec: PreprocessSpec): { readonly H: number; readonly W: number } {
  const s = input.shape;
  if (s.length !== 4 || s[3] !== spec.channels || !(s[1] > 0 && s[2] > 0)) {
    throw new InputError('preprocess stage does not fit the model input', { expected: `[N, H, W, ${spec.channels}]`, received: `[${s.join(', ')}]` });
  }
  return { H: s[1], W: s[2] };
}

/** Throws unless the scores tensor holds `classes` scores in row 0 (indices travel as f32: exact below 2^24). */
export function checkRankInput(scores: DeviceTensor, spec: RankSpec): void {
  const { classes } = spec;
  if (!(Number.isInteger(classes) && classes > 0 && classes <= scores.size && classes < 2 ** 24)) {
    throw new InputError('rank stage does not fit the model output', { expected: `1..${Math.min(scores.size, 2 ** 24 - 1)} classes`, received: `${classes}` });
  }
}

/** InputError unless the frame has a positive integer size and, given as bytes, width x height x 4 of them. */
export function checkFrame(frame: FrameInput): void {
  const { width, height } = frame;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new InputError('frame size must be positive integers', { received: `${width}x${height} frame` });
  }
  if ('rgba' in frame && frame.rgba.length !== width * height * 4) {
    throw new InputError('frame: wrong RGBA length', { expected: `${width * height * 4}`, received: `${frame.rgba.length}` });
  }
}

/** InputError unless k is 1..classes and a keep mask, when given, has a bit per class. */
export function checkRank(k: number, classes: number, keep?: Uint32Array): void {
  if (!(Number.isInteger(k) && k > 0 && k <= classes)) throw new InputError('rank: k out of range', { expected: `1..${classes}`, received: `${k}` });
  if (keep && keep.length < Math.ceil(classes / 32)) {
    throw new InputError('rank: keep mask too short', { expected: `${Math.ceil(classes / 32)} words`, received: `${keep.length}` });
  }
}

/** The read-back layout every rank stage writes: k scores, then k indices, -1 past the last kept class. */
export function readTopK(out: Float32Array, k: number): TopK {
  const indices: number[] = [], scores: number[] = [];
  for (let j = 0; j < k && out[k + j] >= 0; j++) {
    indices.push(out[k + j]);
    scores.push(out[j]);
  }
  return { indices, scores };
}

/** The frame's taps packed as the kernels read them: x's start[W], count[W], weights[W * x.stride], then y's likewise from yBase. */
function packTaps(W: number, H: number, x: AxisTaps, y: AxisTaps): { taps: Int32Array; yBase: number } {
  const yBase = W * (2 + x.stride);
  const taps = new Int32Array(yBase + H * (2 + y.stride));
  let at = 0;
  for (const part of [x.start, x.count, x.weights.subarray(0, W * x.stride), y.start, y.count, y.weights.subarray(0, H * y.stride)]) {
    taps.set(part, at);
    at += part.length;
  }
  return { taps, yBase };
}

/** A frame size's packed taps (x then y, as packTaps lays them out) and the tap strides every preprocess kernel reads. */
export interface FrameTaps {
  readonly taps: Int32Array;
  readonly yBase: number;
  readonly xStride: number;
  readonly yStride: number;
}

/** The taps of a width x height frame onto the input's H x W (spec.resample, packed). */
export function frameTaps(spec: PreprocessSpec, W: number, H: number, width: number, height: number): FrameTaps {
  const { x, y } = spec.resample(width, height);
  return { ...packTaps(W, H, x, y), xStride: x.stride, yStride: y.stride };
}

/** A frame's RGBA bytes, for a stage that takes no browser image sources; checks the frame first. */
export function rgbaOf(frame: FrameInput, backend: BackendName): Uint8Array | Uint8ClampedArray {
  checkFrame(frame);
  if (!('rgba' in frame)) throw new InputError(`the ${backend} backend takes frames as RGBA bytes`, { expected: 'rgba', received: 'an image source' });
  return frame.rgba;
}

/** What Session.stagedRun composes: a preprocess stage before a model, a rank stage after it. */
export interface StagedSpec {
  readonly preprocess: PreprocessSpec;
  readonly rank: RankSpec;
}

/** A frame in, its top k out: [preprocess step, the model's steps, rank step] as one run of the backend. */
export interface StagedRun {
  /** The backend that runs it. */
  readonly backend: BackendName;
  /** true: frames may be browser image sources (the backend copies them itself); false: RGBA bytes only. */
  readonly sources: boolean;
  /** Runs in the session's queue, never interleaved with its other runs. */
  run(frame: FrameInput, k: number, keep?: Uint32Array): Promise<TopK>;
  /** Runs at once, for the owner of the queue during its turn (LoadedModel.use). Two calls must not overlap. */
  execute(frame: FrameInput, k: number, keep?: Uint32Array): Promise<TopK>;
  /** Gives back both stages. Idempotent; later runs reject. */
  dispose(): void;
}

/** The backend's steps and tensors for one batch plan, as a Session built them. */
export interface ModelSteps {
  readonly steps: readonly Step[];
  readonly inputs: readonly DeviceTensor[];
  readonly outputs: readonly DeviceTensor[];
}

/**
 * Composes a StagedRun for Session.stagedRun. `model()` gives the model's steps for one image at each run (the
 * same object while the session keeps that plan; the stages are built again on a new one). `live()` throws once
 * the session is disposed; `enqueue` is the session's queue.
 */
export function composeStages(backend: Backend, model: () => ModelSteps, spec: StagedSpec,
  enqueue: <T>(work: () => Promise<T>) => Promise<T>, live: () => void, onDispose: () => void): StagedRun {
  let built: { model: ModelSteps; pre: PreprocessStage; rank: RankStage; steps: Step[]; first: boolean } | undefined;
  let disposed = false;
  const release = (): void => {
    built?.pre.dispose();
    built?.rank.dispose();
    built = undefined;
  };
  const stages = (): NonNullable<typeof built> => {
    const m = model();
    if (built?.model === m) return built;
    release();
    const pre = backend.preprocessStage(m.inputs[0], spec.preprocess);
    let rank: RankStage;
    try {
      rank = backend.rankStage(m.outputs[0], spec.rank);
    } catch (e) {
      pre.dispose();
      throw e;
    }
    built = { model: m, pre, rank, steps: [pre.step, ...m.steps, rank.step], first: true };
    return built;
  };
  const sources = stages().pre.sources;
  const execute = async (frame: FrameInput, k: number, keep?: Uint32Array): Promise<TopK> => {
    if (disposed) throw new InputError('staged run disposed');
    live();
    const s = stages();
    await s.pre.set(frame);
    const top = s.rank.set(k, keep);
    // The first run also reads the model's outputs: a backend may fix a plan's outputs at its first run (wasm).
    const outs = await backend.execute(s.steps, s.first ? [...s.model.outputs, top] : [top]);
    s.first = false;
    return s.rank.read(outs[outs.length - 1], k);
  };
  return {
    backend: backend.name,
    sources,
    run: (frame, k, keep) => enqueue(() => execute(frame, k, keep)),
    execute,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      release();
      onDispose();
    },
  };
}
