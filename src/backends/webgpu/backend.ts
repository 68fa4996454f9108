// The WebGPU backend: weights uploaded once, every tensor a storage buffer allocated once, pipelines and
// bind groups built at prepare; one command encoder, one compute pass and one submit per inference, and
// only the outputs are copied back. Device loss and uncaptured GPU errors surface as BackendLostError.
import type { Backend, BackendProvider, DeviceTensor, Step } from '../backend.js';
import type { OpDef } from '../../ops/op.js';
import type { Constant } from '../../graph/ir.js';
import { dequantize } from '../../graph/constant.js';
import { BackendLostError, BackendUnavailableError, InputError, UnsupportedOpError } from '../../errors.js';
import { shapeToString, sizeOf, type Shape } from '../../tensor.js';
import { acquireDevice, checkBufferSize, grid1d, grid3d, requestAdapter, softwareAdapterReason, type GpuDevice } from './device.js';
import { PipelineCache, type Constants } from './pipeline-cache.js';
import { GpuTensor, type KernelContext, type Uniforms } from './context.js';
import { BufferUsage, MapMode } from './flags.js';
import { GPU_KERNELS } from './kernels.js';
import type { ShaderStem } from './shaders.gen.js';

const TENSOR_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Vec4 kernels read whole vec4s, so every tensor buffer is padded to 16 bytes. */
function paddedBytes(elements: number): number {
  return Math.max(16, Math.ceil((elements * 4) / 16) * 16);
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly ops: ReadonlySet<string> = new Set(Object.keys(GPU_KERNELS));
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  readonly adapter: string;
  private readonly cache: PipelineCache;
  private readonly owners: readonly unknown[];
  private readonly owned = new Set<GPUBuffer>();
  private readonly ctx: KernelContext;
  private readonly empty: GPUBuffer;
  private pass: GPUComputePassEncoder | undefined;
  private staging: GPUBuffer | undefined;
  private failure: BackendLostError | undefined;
  private disposed = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(gpu: GpuDevice) {
    this.device = gpu.device;
    this.limits = gpu.limits;
    this.adapter = gpu.description;
    this.owners = gpu.owners;
    this.cache = new PipelineCache(this.device);
    this.device.lost.then((info) => {
      if (!this.disposed) this.failure ??= new BackendLostError('webgpu', `device lost (${info.reason}): ${info.message}`);
    });
    // A validation error outside an error scope means a plan is broken: refuse to run it again.
    this.device.addEventListener('uncapturederror', (ev) => {
      const error = (ev as GPUUncapturedErrorEvent).error;
      this.failure ??= new BackendLostError('webgpu', `GPU error: ${error.message}`, { cause: error });
    });
    this.empty = this.buffer(16, TENSOR_USAGE, 'empty');
    this.ctx = {
      limits: this.limits,
      empty: this.empty,
      scratch: (elements, what) => this.alloc([elements], what) as GpuTensor,
      grid1d: (groups, what) => grid1d(this.limits, groups, what),
      grid3d: (x, y, z, what) => grid3d(this.limits, x, y, z, what),
      dispatch: (stem, constants, buffers, uniforms, grid) => this.dispatch(stem, constants, buffers, uniforms, grid),
    };
  }

  /** Live GPU buffers this backend created (tensors, uniforms, staging); 0 after dispose(). */
  get bufferCount(): number {
    return this.owned.size;
  }

  /** Pipelines requested so far, one per distinct (shader, override constants). */
  get pipelineCount(): number {
    return this.cache.size;
  }

  constant(c: Constant): DeviceTensor {
    this.usable();
    const data = dequantize(c);
    checkBufferSize(this.limits, paddedBytes(data.length), `constant ${shapeToString(c.shape)}`);
    const buffer = this.buffer(paddedBytes(data.length), TENSOR_USAGE, `constant ${shapeToString(c.shape)}`, true);
    new Float32Array(buffer.getMappedRange()).set(data);
    buffer.unmap();
    return new GpuTensor(c.shape, data.length, buffer);
  }

  /** WebGPU zero-fills new buffers, which the recurrent kernels rely on for absent initial states. */
  alloc(shape: Shape, what = `tensor ${shapeToString(shape)}`): DeviceTensor {
    this.usable();
    const n = sizeOf(shape);
    checkBufferSize(this.limits, paddedBytes(n), what);
    return new GpuTensor(shape, n, this.buffer(paddedBytes(n), TENSOR_USAGE, what));
  }

  prepare(op: OpDef<any>, inputs: readonly (DeviceTensor | undefined)[], attrs: unknown, outputs: readonly DeviceTensor[]): Step {
    this.usable();
    const kernel = GPU_KERNELS[op.name];
    if (!kernel) throw new UnsupportedOpError(op.name, '?', '?', 'no WebGPU kernel');
    return kernel(this.ctx, inputs as readonly (GpuTensor | undefined)[], attrs, outputs as readonly GpuTensor[]);
  }

  write(t: DeviceTensor, data: Float32Array): void {
    this.usable();
    if (data.length !== t.size) throw new InputError('tensor data has the wrong size', { expected: `${t.size} values`, received: `${data.length} values` });
    this.device.queue.writeBuffer((t as GpuTensor).buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  execute(steps: readonly Step[], outputs: readonly DeviceTensor[]): Promise<Float32Array[]> {
    // Runs one at a time: the staging buffer is shared and a mapped buffer cannot be reused.
    const run = this.tail.then(() => this.executeNow(steps, outputs as readonly GpuTensor[]));
    this.tail = run.catch(() => undefined);
    return run;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.owned) b.destroy();
    this.owned.clear();
    this.staging = undefined;
    this.device.destroy();
  }

  private async executeNow(steps: readonly Step[], outputs: readonly GpuTensor[]): Promise<Float32Array[]> {
    this.usable();
    await this.cache.ready();
    const offsets: number[] = [];
    let total = 0;
    for (const o of outputs) { offsets.push(total); total += paddedBytes(o.size); }
    const staging = this.stagingBuffer(Math.max(total, 16));
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder({ label: 'inference' });
    const pass = encoder.beginComputePass();
    this.pass = pass;
    try {
      for (const step of steps) step();
    } finally {
      pass.end();
      this.pass = undefined;
    }
    outputs.forEach((o, i) => encoder.copyBufferToBuffer(o.buffer, 0, staging, offsets[i], paddedBytes(o.size)));
    device.queue.submit([encoder.finish()]);
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    const error = validation ?? oom;
    if (error) {
      this.failure ??= new BackendLostError('webgpu', `GPU error during inference: ${error.message}`, { cause: error });
      throw this.failure;
    }
    if (total === 0) return [];
    try {
      await staging.mapAsync(MapMode.READ, 0, total);
    } catch (e) {
      throw this.failure ?? new BackendLostError('webgpu', `reading results back failed: ${(e as Error).message}`, { cause: e });
    }
    const bytes = staging.getMappedRange(0, total);
    const results = outputs.map((o, i) => new Float32Array(bytes, offsets[i], o.size).slice());
    staging.unmap();
    return results;
  }

  private dispatch(stem: ShaderStem, constants: Constants, buffers: readonly GPUBuffer[], uniforms: Uniforms | undefined,
    grid: readonly [number, number, number]): Step {
    const pending = this.cache.get(stem, constants);
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (uniforms) {
      const data = uniforms.bytes();
      const ub = this.buffer(data.byteLength, BufferUsage.UNIFORM | BufferUsage.COPY_DST, `${stem} params`, true);
      new Uint8Array(ub.getMappedRange()).set(new Uint8Array(data));
      ub.unmap();
      entries.push({ binding: buffers.length, resource: { buffer: ub } });
    }
    const group = this.device.createBindGroup({ label: pending.key, layout: pending.layout, entries });
    const [x, y, z] = grid;
    return () => {
      const pass = this.pass;
      if (!pass || !pending.pipeline) throw new BackendUnavailableError('webgpu', `step ${pending.key} ran outside execute()`);
      pass.setPipeline(pending.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y, z);
    };
  }

  private stagingBuffer(bytes: number): GPUBuffer {
    if (this.staging && this.staging.size >= bytes) return this.staging;
    if (this.staging) { this.staging.destroy(); this.owned.delete(this.staging); }
    this.staging = this.buffer(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'read-back');
    return this.staging;
  }

  private buffer(size: number, usage: number, label: string, mappedAtCreation = false): GPUBuffer {
    const b = this.device.createBuffer({ size, usage, label, mappedAtCreation });
    this.owned.add(b);
    return b;
  }

  private usable(): void {
    if (this.disposed) throw new BackendUnavailableError('webgpu', 'the backend was disposed');
    if (this.failure) throw this.failure;
  }
}

/**
 * The WebGPU provider for `gpu` (navigator.gpu in a browser; in Node, `create([])` from the `webgpu`
 * package, which the caller imports so that browser bundles never see it).
 */
export function webgpuProvider(gpu: GPU | undefined): BackendProvider {
  return {
    name: 'webgpu',
    priority: 30,
    available: async () => {
      const adapter = await requestAdapter(gpu);
      return typeof adapter === 'string' ? adapter : true;
    },
    // Asked again rather than remembered from available(): requestAdapter is cheap (a few ms) and the
    // provider stays stateless.
    deferReason: async () => {
      const adapter = await requestAdapter(gpu);
      return typeof adapter === 'string' ? undefined : softwareAdapterReason(adapter);
    },
    create: async () => new WebGpuBackend(await acquireDevice(gpu)),
  };
}
