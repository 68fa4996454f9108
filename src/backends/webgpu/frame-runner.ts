// The WebGPU frame path (Backend.frameRunner): a frame goes into an RGBA8 texture (copyExternalImageToTexture
// from a browser source, writeTexture from bytes); then one encoder and one submit copy it to a storage buffer
// (kernels bind buffers only), run frame_preprocess_u8 into the model's input buffer, the model's steps,
// softmax_f32 (logits only) and topk_f32, and read back 2k floats. Built once; what depends on the frame size
// is rebuilt when it changes.
import type { FrameInput, FrameRunner, FrameSpec, GpuPrecision, Step } from '../backend.js';
import { BackendUnavailableError, InputError } from '../../errors.js';
import { shapeToString } from '../../tensor.js';
import { checkBufferSize, GpuLimitError, grid1d } from './device.js';
import { GpuTensor } from './context.js';
import { BufferUsage } from './flags.js';
import { pipelineCacheOf, type PendingPipeline } from './pipeline-cache.js';

/** GPUTextureUsage COPY_SRC | COPY_DST | RENDER_ATTACHMENT (spec values; copyExternalImageToTexture needs the last). */
const TEXTURE_USAGE = 0x13;
const STORAGE_IN = BufferUsage.STORAGE | BufferUsage.COPY_DST;
const UNIFORM = BufferUsage.UNIFORM | BufferUsage.COPY_DST;
const WG = 64;

/** What the runner uses of its WebGpuBackend; every buffer goes through the backend (and its ledger). */
export interface FrameHost {
  readonly device: GPUDevice;
  readonly precision: GpuPrecision;
  readonly limits: GPUSupportedLimits;
  usable(): void;
  buffer(bytes: number, usage: number): GPUBuffer;
  release(buffer: GPUBuffer): void;
  scoped<T>(what: string, fn: () => T): T;
  pass(): GPUComputePassEncoder | undefined;
  /** In turn with the backend's runs: `upload` (it may throw), then one encoder: `encode`, a compute pass of `steps`, `outputs` read back. */
  execute(upload: () => void, encode: (encoder: GPUCommandEncoder) => void, steps: readonly Step[],
    outputs: readonly GpuTensor[]): Promise<Float32Array[]>;
}

/** The resources of one frame size. */
interface Sized {
  readonly width: number;
  readonly height: number;
  readonly rowBytes: number;
  readonly texture: GPUTexture;
  readonly buffers: readonly GPUBuffer[];
  readonly steps: readonly Step[];
}

const padded = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);

export class GpuFrameRunner implements FrameRunner {
  readonly #preprocess: PendingPipeline;
  readonly #ready: Promise<unknown>;
  /** lut, keep, top, top-k params, then softmax's output and params when the model gives logits. */
  readonly #buffers: GPUBuffer[];
  /** softmax (logits only) and top-k: the steps after the model's. */
  readonly #ranked: Step[];
  #size: Sized | undefined;
  #disposed = false;
  /**
   * Set once a browser source refused the direct copy (OperationError: Chromium without GPU-backed video
   * frames, e.g. on SwiftShader): frames then go through createImageBitmap, still without JS seeing pixels.
   */
  #viaBitmap = false;

  constructor(private readonly host: FrameHost, private readonly input: GpuTensor, output: GpuTensor,
    private readonly modelSteps: readonly Step[], private readonly spec: FrameSpec, private readonly onDispose: () => void) {
    const { classes, channels } = spec;
    // Indices come back as f32, exact below 2^24.
    if (input.shape.length !== 4 || input.shape[3] !== channels || !(classes > 0 && classes <= output.size && classes < 2 ** 24)) {
      throw new InputError('frame path does not fit the model', { expected: `[N, H, W, ${channels}], <= ${output.size} classes`, received: `${shapeToString(input.shape)}, ${classes}` });
    }
    const cache = pipelineCacheOf(host.device);
    // The kernels that touch the model's tensors read and write them in the model's precision.
    const precision = host.precision;
    this.#preprocess = cache.get('frame_preprocess_u8', { WG }, precision);
    const topk = cache.get('topk_f32', {}, precision);
    const soft = spec.softmax ? cache.get('softmax_f32', { LOG: false }, precision) : topk;
    this.#ready = Promise.all([this.#preprocess, topk, soft].map((p) => p.ready));
    [this.#buffers, this.#ranked] = host.scoped('frame path', () => {
      const bufs = [
        this.#uploaded(spec.lut, STORAGE_IN),
        host.buffer(padded(Math.ceil(classes / 32) * 4), STORAGE_IN),
        host.buffer(padded(classes * 8), BufferUsage.STORAGE | BufferUsage.COPY_SRC),
        host.buffer(16, UNIFORM),
      ];
      const steps: Step[] = [];
      let scores = output.buffer;
      if (spec.softmax) {
        // The CPU path ranks softmax's f32 probabilities: so does this one (ties included).
        bufs.push(host.buffer(padded(classes * 4), BufferUsage.STORAGE), this.#uploaded(new Uint32Array([1, classes, 1, 0]), UNIFORM));
        steps.push(this.#dispatch(soft, [scores, bufs[4], bufs[5]], [1, 1, 1]));
        scores = bufs[4];
      }
      steps.push(this.#dispatch(topk, [scores, bufs[1], bufs[2], bufs[3]], [1, 1, 1]));
      return [bufs, steps];
    });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#releaseSized();
    for (const b of this.#buffers) this.host.release(b);
    this.onDispose();
  }

  #live(): void {
    if (this.#disposed) throw new BackendUnavailableError('webgpu', 'frame runner disposed');
    this.host.usable();
  }

  /**
   * Calls must not overlap (Session.frameRunner queues them): a run may rebuild the per-size resources the
   * previous one still uses.
   */
  async run(frame: FrameInput, k: number, keep?: Uint32Array): Promise<{ indices: number[]; scores: number[] }> {
    this.#live();
    await this.#ready;
    this.#live();
    const { classes } = this.spec;
    if (!(Number.isInteger(k) && k > 0 && k <= classes)) throw new InputError('frame path: k out of range', { expected: `1..${classes}`, received: `${k}` });
    const s = this.#sized(frame.width, frame.height);
    const host = this.host, buffers = this.#buffers;
    const size = [s.width, s.height];
    const unreadable = (e: unknown): InputError => new InputError(`frame not readable: ${(e as Error)?.message}`, { received: (e as Error)?.name }, { cause: e });
    const bitmap = 'source' in frame && this.#viaBitmap ? await createImageBitmap(frame.source as ImageBitmapSource).catch((e) => { throw unreadable(e); }) : undefined;
    let retry = false;
    const upload = (): void => host.scoped('frame upload', () => {
      // Disposed while waiting (for the bitmap, or a run before this one): its buffers are gone.
      this.#live();
      const q = host.device.queue;
      if ('rgba' in frame && frame.rgba.length !== s.width * s.height * 4) {
        throw new InputError('frame: wrong RGBA length', { expected: `${s.width * s.height * 4}`, received: `${frame.rgba.length}` });
      }
      // 16 + classes / 8 bytes a frame: cheaper than remembering what the buffers hold.
      q.writeBuffer(buffers[3], 0, new Uint32Array([classes, k, keep ? 1 : 0, 0]));
      if (keep) q.writeBuffer(buffers[1], 0, keep as Uint32Array<ArrayBuffer>);
      if ('rgba' in frame) {
        q.writeTexture({ texture: s.texture }, frame.rgba as Uint8Array<ArrayBuffer>, { bytesPerRow: s.width * 4 }, size);
        return;
      }
      try {
        // The defaults, sRGB and unpremultiplied, are what getImageData gives the CPU path.
        q.copyExternalImageToTexture({ source: bitmap ?? frame.source }, { texture: s.texture }, size);
      } catch (e) {
        const name = (e as Error)?.name;
        retry = name === 'OperationError' && !bitmap && typeof createImageBitmap === 'function';
        throw unreadable(e);
      }
    });
    const encode = (e: GPUCommandEncoder): void => e.copyTextureToBuffer({ texture: s.texture }, { buffer: s.buffers[0], bytesPerRow: s.rowBytes }, size);
    let out: Float32Array;
    try {
      [out] = await host.execute(upload, encode, s.steps, [new GpuTensor([2 * k], 2 * k, buffers[2])]);
    } catch (e) {
      if (!retry) throw e;
      this.#viaBitmap = true;
      return this.run(frame, k, keep);
    } finally {
      bitmap?.close();
    }
    const indices: number[] = [], scores: number[] = [];
    for (let j = 0; j < k && out[k + j] >= 0; j++) {
      indices.push(out[k + j]);
      scores.push(out[j]);
    }
    return { indices, scores };
  }

  /** The resources for frames of this size: the last ones, or new ones (the old given back). */
  #sized(width: number, height: number): Sized {
    const last = this.#size;
    if (last?.width === width && last.height === height) return last;
    const { host, input } = this;
    const [, H, W] = input.shape;
    const what = `${width}x${height} frame`;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new InputError('frame size must be positive integers', { received: what });
    }
    const max = host.limits.maxTextureDimension2D;
    if (width > max || height > max) throw new GpuLimitError('maxTextureDimension2D', Math.max(width, height), max, what);
    const rowBytes = Math.ceil(width / 64) * 256;
    checkBufferSize(host.limits, rowBytes * height, what);
    const { x, y } = this.spec.resample(width, height);
    const yBase = W * (2 + x.stride);
    const taps = new Int32Array(yBase + H * (2 + y.stride));
    [x.start, x.count, x.weights.subarray(0, W * x.stride), y.start, y.count, y.weights.subarray(0, H * y.stride)]
      .reduce((at, part) => { taps.set(part, at); return at + part.length; }, 0);
    const order = this.spec.order;
    const params = new Uint32Array([rowBytes / 4, this.spec.channels, W, H, x.stride, yBase, y.stride, 0, order[0], order[1] ?? 0, order[2] ?? 0, 0]);
    this.#releaseSized();
    this.#size = host.scoped(what, () => {
      const texture = host.device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: TEXTURE_USAGE });
      const buffers = [host.buffer(rowBytes * height, STORAGE_IN), this.#uploaded(taps, STORAGE_IN), this.#uploaded(params, UNIFORM)];
      const pre = this.#dispatch(this.#preprocess, [buffers[0], buffers[1], this.#buffers[0], input.buffer, buffers[2]], grid1d(host.limits, Math.ceil((H * W) / WG), what));
      return { width, height, rowBytes, texture, buffers, steps: [pre, ...this.modelSteps, ...this.#ranked] };
    });
    return this.#size;
  }

  #releaseSized(): void {
    const s = this.#size;
    this.#size = undefined;
    s?.buffers.forEach((b) => this.host.release(b));
    s?.texture.destroy();
  }

  #uploaded(data: Float32Array | Int32Array | Uint32Array, usage: number): GPUBuffer {
    const b = this.host.buffer(padded(data.byteLength), usage);
    this.host.device.queue.writeBuffer(b, 0, data as Uint32Array<ArrayBuffer>);
    return b;
  }

  /** One dispatch; the bind group is made here, once. */
  #dispatch(pipe: PendingPipeline, buffers: readonly GPUBuffer[], [x, y, z]: readonly number[]): Step {
    const group = this.host.device.createBindGroup({ layout: pipe.layout, entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
    return () => {
      const pass = this.host.pass();
      if (!pass || !pipe.pipeline) throw new BackendUnavailableError('webgpu', `frame step ${pipe.key} ran outside a frame run`);
      pass.setPipeline(pipe.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y, z);
    };
  }
}
