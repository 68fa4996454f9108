// The WebGPU backend's stages (src/backends/stages.ts). Preprocess: a frame goes into an RGBA8 texture
// (copyExternalImageToTexture from a browser source, writeTexture from bytes); the run's encoder copies it to
// a storage buffer before its compute pass (kernels bind buffers only), where frame_preprocess_u8 writes the
// model's input. Rank: softmax_f32 (logits only) and topk_f32 on the model's output, so only 2k floats come
// back. Both are built once; what depends on the frame size is rebuilt when it changes; per frame only the
// frame and a 16-byte parameter block are written.
import type { GpuPrecision, Step } from '../backend.js';
import {
  checkFrame, checkPreprocessInput, checkRank, checkRankInput, frameTaps, readTopK,
  type FrameInput, type PreprocessSpec, type PreprocessStage, type RankSpec, type RankStage,
} from '../stages.js';
import { BackendUnavailableError, InputError } from '../../errors.js';
import { checkBufferSize, GpuLimitError, grid1d } from './device.js';
import { GpuTensor } from './context.js';
import { BufferUsage } from './flags.js';
import { pipelineCacheOf, type PendingPipeline } from './pipeline-cache.js';

/** GPUTextureUsage COPY_SRC | COPY_DST | RENDER_ATTACHMENT (spec values; copyExternalImageToTexture needs the last). */
const TEXTURE_USAGE = 0x13;
const STORAGE_IN = BufferUsage.STORAGE | BufferUsage.COPY_DST;
const UNIFORM = BufferUsage.UNIFORM | BufferUsage.COPY_DST;
const WG = 64;

/** What the stages use of their WebGpuBackend; every buffer goes through the backend (and its ledger). */
export interface StageHost {
  readonly device: GPUDevice;
  readonly precision: GpuPrecision;
  readonly limits: GPUSupportedLimits;
  usable(): void;
  buffer(bytes: number, usage: number): GPUBuffer;
  release(buffer: GPUBuffer): void;
  scoped<T>(what: string, fn: () => T): T;
  /** The compute pass of the run in progress. */
  pass(): GPUComputePassEncoder | undefined;
  /** The next run waits for this pipeline to compile (and fails with its error). */
  pending(pipe: PendingPipeline): void;
  /** `encode` records into the encoder of every run that includes `step`, before its compute pass. */
  encodeBefore(step: Step, encode: (encoder: GPUCommandEncoder) => void): void;
}

const padded = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);

function uploaded(host: StageHost, data: Float32Array | Int32Array | Uint32Array, usage: number): GPUBuffer {
  const b = host.buffer(padded(data.byteLength), usage);
  host.device.queue.writeBuffer(b, 0, data as Uint32Array<ArrayBuffer>);
  return b;
}

/** One dispatch whose bind group is made here, once. */
function dispatch(host: StageHost, pipe: PendingPipeline, buffers: readonly GPUBuffer[], [x, y, z]: readonly number[]): () => void {
  const group = host.device.createBindGroup({ label: pipe.key, layout: pipe.layout, entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
  return () => {
    const pass = host.pass();
    if (!pass || !pipe.pipeline) throw new BackendUnavailableError('webgpu', `stage ${pipe.key} ran outside a run, or before its pipeline compiled`);
    pass.setPipeline(pipe.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
  };
}

/** The resources of one frame size. */
interface Sized {
  readonly width: number;
  readonly height: number;
  readonly rowBytes: number;
  readonly texture: GPUTexture;
  readonly buffers: readonly GPUBuffer[];
  readonly run: () => void;
}

export function gpuPreprocessStage(host: StageHost, input: GpuTensor, spec: PreprocessSpec): PreprocessStage {
  const { H, W } = checkPreprocessInput(input, spec);
  // It writes the model's input in the model's precision.
  const pipe = pipelineCacheOf(host.device).get('frame_preprocess_u8', { WG }, host.precision);
  host.pending(pipe);
  const lut = uploaded(host, spec.lut, STORAGE_IN);
  let size: Sized | undefined;
  let disposed = false;
  /**
   * Set once a browser source refused the direct copy (OperationError: Chromium without GPU-backed video
   * frames, e.g. on SwiftShader): frames then go through createImageBitmap, still without JS seeing pixels.
   */
  let viaBitmap = false;

  const live = (): void => {
    if (disposed) throw new BackendUnavailableError('webgpu', 'preprocess stage disposed');
    host.usable();
  };
  const release = (): void => {
    const s = size;
    size = undefined;
    s?.buffers.forEach((b) => host.release(b));
    s?.texture.destroy();
  };
  const sized = (width: number, height: number): Sized => {
    if (size?.width === width && size.height === height) return size;
    const what = `${width}x${height} frame`;
    const max = host.limits.maxTextureDimension2D;
    if (width > max || height > max) throw new GpuLimitError('maxTextureDimension2D', Math.max(width, height), max, what);
    const rowBytes = Math.ceil(width / 64) * 256;
    checkBufferSize(host.limits, rowBytes * height, what);
    const { taps, yBase, xStride, yStride } = frameTaps(spec, W, H, width, height);
    const o = spec.order;
    const params = new Uint32Array([rowBytes / 4, spec.channels, W, H, xStride, yBase, yStride, 0, o[0], o[1] ?? 0, o[2] ?? 0, 0]);
    release();
    size = host.scoped(what, () => {
      const texture = host.device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: TEXTURE_USAGE });
      const buffers = [host.buffer(rowBytes * height, STORAGE_IN), uploaded(host, taps, STORAGE_IN), uploaded(host, params, UNIFORM)];
      const run = dispatch(host, pipe, [buffers[0], buffers[1], lut, input.buffer, buffers[2]], grid1d(host.limits, Math.ceil((H * W) / WG), what));
      return { width, height, rowBytes, texture, buffers, run };
    });
    return size;
  };

  const step: Step = () => {
    if (disposed) throw new BackendUnavailableError('webgpu', 'preprocess stage disposed');
    if (!size) throw new InputError('preprocess stage ran without a frame');
    size.run();
  };
  host.encodeBefore(step, (encoder) => {
    if (size) encoder.copyTextureToBuffer({ texture: size.texture }, { buffer: size.buffers[0], bytesPerRow: size.rowBytes }, [size.width, size.height]);
  });

  const set = async (frame: FrameInput): Promise<void> => {
    live();
    checkFrame(frame);
    const unreadable = (e: unknown): InputError => new InputError(`frame not readable: ${(e as Error)?.message}`, { received: (e as Error)?.name }, { cause: e });
    const bitmap = 'source' in frame && viaBitmap ? await createImageBitmap(frame.source as ImageBitmapSource).catch((e) => { throw unreadable(e); }) : undefined;
    let retry = false;
    try {
      // Disposed while waiting (for the bitmap): its buffers are gone.
      live();
      const s = sized(frame.width, frame.height);
      const extent = [s.width, s.height];
      host.scoped('frame upload', () => {
        const q = host.device.queue;
        if ('rgba' in frame) {
          q.writeTexture({ texture: s.texture }, frame.rgba as Uint8Array<ArrayBuffer>, { bytesPerRow: s.width * 4 }, extent);
          return;
        }
        try {
          // The defaults, sRGB and unpremultiplied, are what getImageData gives the canvas path.
          q.copyExternalImageToTexture({ source: bitmap ?? frame.source }, { texture: s.texture }, extent);
        } catch (e) {
          retry = (e as Error)?.name === 'OperationError' && !bitmap && typeof createImageBitmap === 'function';
          throw unreadable(e);
        }
      });
    } catch (e) {
      if (!retry) throw e;
      viaBitmap = true;
      return set(frame);
    } finally {
      bitmap?.close();
    }
  };

  return {
    step,
    sources: true,
    set,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      release();
      host.release(lut);
    },
  };
}

export function gpuRankStage(host: StageHost, scores: GpuTensor, spec: RankSpec): RankStage {
  checkRankInput(scores, spec);
  const { classes } = spec;
  const cache = pipelineCacheOf(host.device);
  // The kernels read the model's output in the model's precision; top-k's read-back stays f32.
  const topk = cache.get('topk_f32', {}, host.precision);
  const soft = spec.softmax ? cache.get('softmax_f32', { LOG: false }, host.precision) : undefined;
  host.pending(topk);
  if (soft) host.pending(soft);
  const params = new Uint32Array(4);
  const views = new Map<number, GpuTensor>();
  let disposed = false;
  const [buffers, runs] = host.scoped('rank stage', () => {
    const bufs = [
      host.buffer(padded(Math.ceil(classes / 32) * 4), STORAGE_IN),
      host.buffer(padded(classes * 8), BufferUsage.STORAGE | BufferUsage.COPY_SRC),
      host.buffer(16, UNIFORM),
    ];
    const steps: (() => void)[] = [];
    let from = scores.buffer;
    if (soft) {
      // The canvas path ranks softmax's f32 probabilities: so does this one (ties included).
      bufs.push(host.buffer(padded(classes * 4), BufferUsage.STORAGE), uploaded(host, new Uint32Array([1, classes, 1, 0]), UNIFORM));
      steps.push(dispatch(host, soft, [from, bufs[3], bufs[4]], [1, 1, 1]));
      from = bufs[3];
    }
    steps.push(dispatch(host, topk, [from, bufs[0], bufs[1], bufs[2]], [1, 1, 1]));
    return [bufs, steps];
  });
  const step: Step = () => {
    if (disposed) throw new BackendUnavailableError('webgpu', 'rank stage disposed');
    for (const run of runs) run();
  };
  return {
    step,
    set: (k, keep) => {
      if (disposed) throw new BackendUnavailableError('webgpu', 'rank stage disposed');
      host.usable();
      checkRank(k, classes, keep);
      params[0] = classes;
      params[1] = k;
      params[2] = keep ? 1 : 0;
      host.scoped('rank parameters', () => {
        host.device.queue.writeBuffer(buffers[2], 0, params);
        if (keep) host.device.queue.writeBuffer(buffers[0], 0, keep as Uint32Array<ArrayBuffer>, 0, Math.ceil(classes / 32));
      });
      let view = views.get(k);
      if (!view) views.set(k, view = new GpuTensor([2 * k], 2 * k, buffers[1], false, 'f32'));
      return view;
    },
    read: readTopK,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const b of buffers) host.release(b);
    },
  };
}
