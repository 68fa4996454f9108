// The WebGPU backend: weights uploaded once, every tensor a storage buffer allocated once, pipelines and
// bind groups built at prepare; one command encoder, one compute pass and one submit per inference, and
// only the outputs are copied back. Every GPU call runs inside error scopes: a validation error, like device
// loss, surfaces as BackendLostError from the next run; an out-of-memory error (with the validation errors
// its invalid buffers cause) as ResourceError, and the backend stays usable for what fits. On its own device
// the backend destroys the device on dispose; on a shared one (provider.ts) only its own buffers.
import { checkPrecision, type Backend, type DeviceTensor, type GpuPrecision, type Step } from '../backend.js';
import type { OpDef } from '../../ops/op.js';
import type { Constant } from '../../graph/ir.js';
import type { BatchPlan } from '../../graph/prepared.js';
import { dequantize, f16ToF32, f32ToF16 } from '../../graph/constant.js';
import { BackendLostError, BackendUnavailableError, EdgeInferError, InputError, ResourceError, UnsupportedOpError } from '../../errors.js';
import { shapeToString, sizeOf, type Shape } from '../../tensor.js';
import { checkBufferSize, grid1d, grid3d, type GpuDevice } from './device.js';
import { pipelineCacheOf, type Constants, type PendingPipeline, type PipelineCache } from './pipeline-cache.js';
import { ledgerOf, type DeviceLedger } from './ledger.js';
import { GpuTensor, type KernelContext, type Uniforms } from './context.js';
import { BufferUsage, MapMode } from './flags.js';
import { GPU_KERNELS } from './kernels.js';
import type { ShaderStem } from './shaders.gen.js';
import type { PreprocessSpec, PreprocessStage, RankSpec, RankStage } from '../stages.js';
import { gpuPreprocessStage, gpuRankStage, type StageHost } from './stages.js';

const TENSOR_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Vec4 kernels read whole vec4s, so every tensor buffer is padded to 16 bytes. */
function paddedBytes(elements: number, precision: GpuPrecision): number {
  return Math.max(16, Math.ceil((elements * (precision === 'f16' ? 2 : 4)) / 16) * 16);
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly ops: ReadonlySet<string> = new Set(Object.keys(GPU_KERNELS));
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  readonly adapter: string;
  readonly software: boolean;
  /** f16: every tensor holds half floats (the kernels' `half` variants); inputs and outputs convert on the CPU. */
  readonly precision: GpuPrecision;
  /** true: dispose() destroys the device; false: the device is shared and outlives the backend. */
  readonly ownsDevice: boolean;
  readonly #cache: PipelineCache;
  readonly #ledger: DeviceLedger;
  readonly #owners: readonly unknown[];
  readonly #owned = new Set<GPUBuffer>();
  readonly #ctx: KernelContext;
  readonly #empty: GPUBuffer;
  readonly #onUncaptured: ((ev: Event) => void) | undefined;
  /** Pipelines this backend's steps use that had not compiled when last looked at. */
  #unready: PendingPipeline[] = [];
  /** Error scopes of load-time GPU calls, still to be read. */
  #checks: Promise<void>[] = [];
  /** Load-time steps (ctx.once) not run yet: the next execute() runs them first. */
  #onceSteps: Step[] = [];
  #pass: GPUComputePassEncoder | undefined;
  #staging: GPUBuffer | undefined;
  /** f16 inputs are converted here before upload (grown as needed, never per run once big enough). */
  #halfInput = new Uint16Array(0);
  #failure: BackendLostError | undefined;
  /** The buffers a plan's steps made (uniforms, scratch), by the values array values() returned: released with it. */
  readonly #planBuffers = new WeakMap<readonly DeviceTensor[], GPUBuffer[]>();
  /** Where the steps being prepared put theirs. */
  #stepBuffers: GPUBuffer[] | undefined;
  /** A once-step of a plan not yet run -> that plan's step buffers: a released plan's do not run. */
  readonly #planOnce = new WeakMap<Step, GPUBuffer[]>();
  /** Scoped errors since the last run, judged together there (#judge): an out-of-memory error explains the rest. */
  #outOfMemory: string | undefined;
  #invalid: BackendLostError | undefined;
  #disposed = false;
  #running = false;
  /** What stage steps record before the compute pass of a run that includes them (stages.ts). */
  readonly #beforePass = new WeakMap<Step, (encoder: GPUCommandEncoder) => void>();

  constructor(gpu: GpuDevice, precision: GpuPrecision = 'f32') {
    checkPrecision(precision);
    this.precision = precision;
    this.device = gpu.device;
    this.limits = gpu.limits;
    this.adapter = gpu.description;
    this.software = gpu.software;
    this.#owners = gpu.owners;
    this.ownsDevice = gpu.owned;
    this.#cache = pipelineCacheOf(this.device);
    this.#ledger = ledgerOf(this.device);
    if (gpu.owned) {
      // Nothing but this backend uses its own device, and every call it makes is scoped: an error that
      // still escapes to the device means something is broken, so refuse to run again.
      this.#onUncaptured = (ev) => {
        const error = (ev as GPUUncapturedErrorEvent).error;
        this.#failure ??= new BackendLostError('webgpu', `GPU error: ${error.message}`, { cause: error });
      };
      this.device.addEventListener('uncapturederror', this.#onUncaptured);
    }
    this.#empty = this.#scoped('empty buffer', () => this.#buffer(16, TENSOR_USAGE, 'empty'));
    this.#ctx = {
      limits: this.limits,
      empty: this.#empty,
      scratch: (elements, what, precision = this.precision) => {
        const t = this.#alloc([elements], what, precision);
        this.#stepBuffers?.push(t.buffer);
        return t;
      },
      grid1d: (groups, what) => grid1d(this.limits, groups, what),
      grid3d: (x, y, z, what) => grid3d(this.limits, x, y, z, what),
      once: (step) => {
        this.#onceSteps.push(step);
        if (this.#stepBuffers) this.#planOnce.set(step, this.#stepBuffers);
      },
      dispatch: (stem, constants, buffers, uniforms, grid) => this.#dispatch(stem, constants, buffers, uniforms, grid),
    };
  }

  /** Live GPU buffers this backend created (tensors, uniforms, staging); 0 after dispose(). */
  get bufferCount(): number {
    return this.#owned.size;
  }

  /** Their size in bytes: the GPU memory this backend holds (half the tensors' share with f16 storage). */
  get bufferBytes(): number {
    let bytes = 0;
    for (const b of this.#owned) bytes += b.size;
    return bytes;
  }

  /**
   * Live GPU buffers that edgeinfer holds on this backend's device, over every backend sharing it: each
   * createBuffer and destroy goes through one ledger per device, so disposal can be checked from outside.
   */
  get liveBuffers(): number {
    return this.#ledger.live;
  }

  /** Pipelines requested on this device so far (by any backend on it), one per distinct (shader, override constants). */
  get pipelineCount(): number {
    return this.#cache.size;
  }

  constant(c: Constant): DeviceTensor {
    this.#usable();
    // f16 weights go up as stored; anything else is converted once here.
    const data = this.precision === 'f32' ? dequantize(c) : c.dtype === 'f16' ? c.data as Uint16Array : f32ToF16(dequantize(c));
    const what = `constant ${shapeToString(c.shape)}`;
    const bytes = paddedBytes(data.length, this.precision);
    checkBufferSize(this.limits, bytes, what);
    return this.#scoped(what, () => {
      const buffer = this.#buffer(bytes, TENSOR_USAGE, what, true);
      const mapped = buffer.getMappedRange();
      if (data instanceof Float32Array) new Float32Array(mapped).set(data);
      else new Uint16Array(mapped).set(data);
      buffer.unmap();
      return new GpuTensor(c.shape, data.length, buffer, true, this.precision);
    });
  }

  /**
   * The plan's values in shared buffers: one buffer per slot of the plan (arena.ts planSlots), each reused
   * whole by values that are never live together; an alias (Reshape) shares its input's buffer. Slots
   * rather than offsets in one buffer: binding offsets would have to honour minStorageBufferOffsetAlignment,
   * and whole buffers keep every kernel's bindings as they are.
   */
  values(plan: BatchPlan): DeviceTensor[] {
    this.#usable();
    const { slotOf, slotBytes } = plan.slots((v) => paddedBytes(v.size, this.precision));
    const buffers = slotBytes.map((bytes, i) => {
      const what = `values slot ${i} (batch ${plan.batch})`;
      checkBufferSize(this.limits, bytes, what);
      return this.#scoped(what, () => this.#buffer(bytes, TENSOR_USAGE, what));
    });
    const values = plan.values.map((v) => new GpuTensor(v.shape, v.size, buffers[slotOf[v.id]], false, this.precision));
    this.#planBuffers.set(values, this.#stepBuffers = []);
    return values;
  }

  /** Destroys the slots of a plan the session dropped, and what its steps made. */
  release(values: readonly DeviceTensor[]): void {
    const steps = this.#planBuffers.get(values) ?? [];
    if (this.#stepBuffers === steps) this.#stepBuffers = undefined;
    this.#onceSteps = this.#onceSteps.filter((s) => this.#planOnce.get(s) !== steps);
    // Slots shared by several values are destroyed once: #destroy skips a buffer already given back.
    for (const t of values) this.#destroy((t as GpuTensor).buffer);
    for (const b of steps) this.#destroy(b);
  }

  /** WebGPU zero-fills new buffers, which the recurrent kernels rely on for absent initial states. */
  alloc(shape: Shape, what = `tensor ${shapeToString(shape)}`): DeviceTensor {
    return this.#alloc(shape, what, this.precision);
  }

  #alloc(shape: Shape, what: string, precision: GpuPrecision): GpuTensor {
    this.#usable();
    const n = sizeOf(shape);
    const bytes = paddedBytes(n, precision);
    checkBufferSize(this.limits, bytes, what);
    return new GpuTensor(shape, n, this.#scoped(what, () => this.#buffer(bytes, TENSOR_USAGE, what)), false, precision);
  }

  prepare(op: OpDef<any>, inputs: readonly (DeviceTensor | undefined)[], attrs: unknown, outputs: readonly DeviceTensor[]): Step {
    this.#usable();
    const kernel = GPU_KERNELS[op.name];
    if (!kernel) throw new UnsupportedOpError(op.name, '?', '?', 'no WebGPU kernel');
    // The plan gave the output its input's buffer: the values are already there.
    const [x] = inputs as readonly (GpuTensor | undefined)[];
    if (op.aliasesInput && x && x.buffer === (outputs[0] as GpuTensor).buffer) return () => {};
    return this.#scoped(`prepare ${op.name}`, () => kernel(this.#ctx, inputs as readonly (GpuTensor | undefined)[], attrs, outputs as readonly GpuTensor[]));
  }

  write(t: DeviceTensor, data: Float32Array): void {
    this.#usable();
    if (data.length !== t.size) throw new InputError('tensor data has the wrong size', { expected: `${t.size} values`, received: `${data.length} values` });
    const buffer = (t as GpuTensor).buffer;
    if (this.precision === 'f32') {
      this.#scoped('input upload', () => this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    // writeBuffer takes whole 4-byte words: an odd count carries one zero half after it.
    const words = Math.ceil(data.length / 2);
    if (this.#halfInput.length < words * 2) this.#halfInput = new Uint16Array(words * 2);
    const half = f32ToF16(data, this.#halfInput.subarray(0, data.length));
    if (data.length % 2) this.#halfInput[data.length] = 0;
    this.#scoped('input upload', () => this.device.queue.writeBuffer(buffer, 0, half.buffer, 0, words * 4));
  }

  /**
   * One run at a time (the staging buffer is shared and a mapped buffer cannot be reused): the session's
   * queue serialises runs, so an overlapping call is a caller's bug and is refused, not queued a second time.
   */
  async execute(steps: readonly Step[], outputs: readonly DeviceTensor[]): Promise<Float32Array[]> {
    if (this.#running) throw new EdgeInferError('BUSY', 'webgpu: execute() was called while a run was in flight; run through a Session, whose queue serialises runs');
    this.#running = true;
    // The plan's steps are all prepared: what is made from now on is not theirs.
    this.#stepBuffers = undefined;
    try {
      return await this.#executeNow(steps, outputs as readonly GpuTensor[]);
    } finally {
      this.#running = false;
    }
  }

  /**
   * Gives back every buffer this backend created (and its device, when it owns it). Idempotent. A run in
   * flight rejects with BackendUnavailableError; later calls throw it.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const b of this.#owned) this.#ledger.destroyBuffer(b);
    this.#owned.clear();
    this.#staging = undefined;
    this.#unready = [];
    this.#checks = [];
    this.#onceSteps = [];
    if (this.#onUncaptured) this.device.removeEventListener('uncapturederror', this.#onUncaptured);
    if (this.ownsDevice) this.device.destroy();
  }

  /** Backend.preprocessStage / rankStage (stages.ts): frames preprocessed and scores ranked on the device, in the run's one submit. */
  preprocessStage(input: DeviceTensor, spec: PreprocessSpec): PreprocessStage {
    return this.#scoped('preprocess stage', () => gpuPreprocessStage(this.#stageHost(), input as GpuTensor, spec));
  }

  rankStage(scores: DeviceTensor, spec: RankSpec): RankStage {
    return this.#scoped('rank stage', () => gpuRankStage(this.#stageHost(), scores as GpuTensor, spec));
  }

  #stageHost(): StageHost {
    this.#usable();
    return {
      device: this.device,
      precision: this.precision,
      limits: this.limits,
      usable: () => this.#usable(),
      buffer: (bytes, usage) => this.#buffer(bytes, usage, 'stage'),
      release: (b) => this.#destroy(b),
      scoped: (what, fn) => this.#scoped(what, fn),
      pass: () => this.#pass,
      pending: (p) => { if (!p.pipeline) this.#unready.push(p); },
      encodeBefore: (step, encode) => { this.#beforePass.set(step, encode); },
    };
  }

  async #executeNow(steps: readonly Step[], outputs: readonly GpuTensor[]): Promise<Float32Array[]> {
    this.#usable();
    await this.#settle();
    const offsets: number[] = [];
    let total = 0;
    for (const o of outputs) { offsets.push(total); total += paddedBytes(o.size, o.precision); }
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const staging = this.#stagingBuffer(Math.max(total, 16));
    const encoder = device.createCommandEncoder({ label: 'inference' });
    for (const step of steps) this.#beforePass.get(step)?.(encoder);
    const pass = encoder.beginComputePass();
    this.#pass = pass;
    const once = this.#onceSteps;
    try {
      for (const step of once) step();
      for (const step of steps) step();
    } finally {
      pass.end();
      this.#pass = undefined;
    }
    outputs.forEach((o, i) => encoder.copyBufferToBuffer(o.buffer, 0, staging, offsets[i], paddedBytes(o.size, o.precision)));
    device.queue.submit([encoder.finish()]);
    // Submitted: they ran, or this run fails and the backend with it.
    if (once.length) this.#onceSteps = this.#onceSteps.slice(once.length);
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    this.#usable();
    this.#note('inference', validation, oom);
    this.#judge();
    if (total === 0) return [];
    try {
      await staging.mapAsync(MapMode.READ, 0, total);
    } catch (e) {
      this.#usable();
      throw new BackendLostError('webgpu', `reading results back failed: ${(e as Error).message}`, { cause: e });
    }
    this.#usable();
    const bytes = staging.getMappedRange(0, total);
    const results = outputs.map((o, i) => (o.precision === 'f16'
      ? f16ToF32(new Uint16Array(bytes, offsets[i], o.size))
      : new Float32Array(bytes, offsets[i], o.size).slice()));
    staging.unmap();
    return results;
  }

  /** Waits for the pipelines the steps use and reads the error scopes of everything done since the last run. */
  async #settle(): Promise<void> {
    if (this.#unready.length) {
      // Kept on failure: every later run rejects with the same compile error.
      await Promise.all(this.#unready.map((p) => p.ready));
      this.#unready = [];
    }
    if (this.#checks.length) {
      const checks = this.#checks;
      this.#checks = [];
      await Promise.all(checks);
    }
    this.#usable();
    this.#judge();
  }

  /** Records what one pair of error scopes caught. */
  #note(what: string, validation: GPUError | null, oom: GPUError | null): void {
    if (oom) this.#outOfMemory ??= `GPU out of memory in ${what}: ${oom.message}`;
    else if (validation) this.#invalid ??= new BackendLostError('webgpu', `GPU error in ${what}: ${validation.message}`, { cause: validation });
  }

  /**
   * Throws what the scopes caught since the last judgement. Out of memory: ResourceError, and the
   * validation errors beside it are taken for its consequences (its buffers are invalid); the caller drops
   * what it built (Session drops the plan), the read-back buffer is made again. Otherwise a validation
   * error fails the backend for good.
   */
  #judge(): void {
    const oom = this.#outOfMemory, invalid = this.#invalid;
    this.#outOfMemory = this.#invalid = undefined;
    if (oom) {
      if (this.#staging) this.#destroy(this.#staging);
      this.#staging = undefined;
      throw new ResourceError('OUT_OF_MEMORY', oom);
    }
    if (invalid) {
      this.#failure ??= invalid;
      throw this.#failure;
    }
  }

  #dispatch(stem: ShaderStem, constants: Constants, buffers: readonly GPUBuffer[], uniforms: Uniforms | undefined,
    grid: readonly [number, number, number]): Step {
    const pending = this.#cache.get(stem, constants, this.precision);
    if (!pending.pipeline) this.#unready.push(pending);
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (uniforms) {
      const data = uniforms.bytes();
      const ub = this.#buffer(data.byteLength, BufferUsage.UNIFORM | BufferUsage.COPY_DST, `${stem} params`, true);
      this.#stepBuffers?.push(ub);
      new Uint8Array(ub.getMappedRange()).set(new Uint8Array(data));
      ub.unmap();
      entries.push({ binding: buffers.length, resource: { buffer: ub } });
    }
    const group = this.device.createBindGroup({ label: pending.key, layout: pending.layout, entries });
    const [x, y, z] = grid;
    return () => {
      const pass = this.#pass;
      if (!pass) throw new BackendUnavailableError('webgpu', `step ${pending.key} ran outside execute()`);
      if (!pending.pipeline) throw new BackendUnavailableError('webgpu', `pipeline ${pending.key} has not compiled`);
      pass.setPipeline(pending.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y, z);
    };
  }

  #stagingBuffer(bytes: number): GPUBuffer {
    if (this.#staging && this.#staging.size >= bytes) return this.#staging;
    if (this.#staging) this.#destroy(this.#staging);
    this.#staging = this.#buffer(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'read-back');
    return this.#staging;
  }

  /** Destroys a buffer this backend made (once: a buffer already given back is left alone). */
  #destroy(b: GPUBuffer): void {
    if (this.#owned.delete(b)) this.#ledger.destroyBuffer(b);
  }

  #buffer(size: number, usage: number, label: string, mappedAtCreation = false): GPUBuffer {
    const b = this.#ledger.createBuffer(this.device, { size, usage, label, mappedAtCreation });
    this.#owned.add(b);
    return b;
  }

  /**
   * Runs load-time GPU calls inside validation and out-of-memory error scopes; an error found there is
   * thrown by the next execute() (#judge). Scoped rather than left to the device's
   * uncaptured-error event so that, on a shared device, neither side mistakes the other's errors for its own.
   */
  #scoped<T>(what: string, fn: () => T): T {
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    try {
      return fn();
    } finally {
      const validation = device.popErrorScope();
      const oom = device.popErrorScope();
      this.#checks.push(Promise.all([validation, oom]).then(([v, o]) => this.#note(what, v, o), () => undefined));
    }
  }

  #usable(): void {
    if (this.#disposed) throw new BackendUnavailableError('webgpu', 'the backend was disposed');
    const lost = this.#ledger.lost;
    if (lost) this.#failure ??= new BackendLostError('webgpu', lost);
    if (this.#failure) throw this.#failure;
  }
}
