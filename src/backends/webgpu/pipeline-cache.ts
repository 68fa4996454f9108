// Compute pipelines keyed by shader stem + override constants, created with createComputePipelineAsync so a
// model's pipelines compile in parallel while it is being prepared. Layouts come from each shader's
// binding list (shader-table.ts), so bind groups can be built before the pipeline exists. One cache per
// GPUDevice, shared by every backend on it: a second model on the same device compiles only what is new.
import { BackendUnavailableError } from '../../errors.js';
import { ShaderStage } from './flags.js';
import type { BindingKind, ShaderSource, ShaderStem } from './shaders.gen.js';
import type { GpuPrecision } from '../backend.js';
import { shaderTable, type ShaderTable } from './shader-table.js';

export type Constants = Readonly<Record<string, number | boolean>>;

/** A pipeline that may still be compiling; `pipeline` is set once `ready` resolves. */
export interface PendingPipeline {
  readonly key: string;
  readonly layout: GPUBindGroupLayout;
  pipeline?: GPUComputePipeline;
  readonly ready: Promise<GPUComputePipeline>;
}

/** The shader module's name: f16 is the shader's `half` variant, `f16:<stem>`. */
function variantName(stem: ShaderStem, precision: GpuPrecision): string {
  return precision === 'f16' ? `f16:${stem}` : stem;
}

export function pipelineKey(stem: ShaderStem, constants: Constants, precision: GpuPrecision = 'f32'): string {
  const parts = Object.keys(constants).sort().map((k) => `${k}=${Number(constants[k])}`);
  const name = variantName(stem, precision);
  return parts.length ? `${name}?${parts.join('&')}` : name;
}

const BUFFER_TYPE: Record<BindingKind, GPUBufferBindingType> = {
  read: 'read-only-storage',
  read_write: 'storage',
  uniform: 'uniform',
};

export class PipelineCache {
  readonly #modules = new Map<string, GPUShaderModule>();
  readonly #layouts = new Map<ShaderStem, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  readonly #pipelines = new Map<string, PendingPipeline>();
  /** Loaded before any backend exists (the providers await loadShaders()), so this is not early. */
  readonly #shaders: ShaderTable = shaderTable();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.#pipelines.size;
  }

  layoutOf(stem: ShaderStem): GPUBindGroupLayout {
    return this.#layoutsOf(stem).group;
  }

  get(stem: ShaderStem, constants: Constants, precision: GpuPrecision = 'f32'): PendingPipeline {
    const key = pipelineKey(stem, constants, precision);
    const hit = this.#pipelines.get(key);
    if (hit) return hit;
    const { group, pipeline: layout } = this.#layoutsOf(stem);
    const numeric: Record<string, number> = {};
    for (const [k, v] of Object.entries(constants)) numeric[k] = Number(v);
    const ready = this.device.createComputePipelineAsync({
      label: key,
      layout,
      compute: { module: this.#moduleOf(stem, precision), entryPoint: 'main', constants: numeric },
    }).then((p) => {
      entry.pipeline = p;
      return p;
    }, (e: unknown) => {
      throw new BackendUnavailableError('webgpu', `pipeline ${key} failed to compile: ${(e as Error).message}`);
    });
    // Awaited by the backend before the first run; a failure must not also surface as unhandled.
    ready.catch(() => undefined);
    const entry: PendingPipeline = { key, layout: group, ready };
    this.#pipelines.set(key, entry);
    return entry;
  }

  #moduleOf(stem: ShaderStem, precision: GpuPrecision): GPUShaderModule {
    const label = variantName(stem, precision);
    let m = this.#modules.get(label);
    if (!m) {
      const source = this.#source(stem);
      m = this.device.createShaderModule({ label, code: precision === 'f16' ? source.half : source.code });
      this.#modules.set(label, m);
    }
    return m;
  }

  /** A kernels asset from another version may lack a stem (the browser's table is checked only for shape). */
  #source(stem: ShaderStem): ShaderSource {
    const s = this.#shaders[stem] as ShaderSource | undefined;
    if (!s) throw new BackendUnavailableError('webgpu', `the WGSL kernels have no shader ${stem}`);
    return s;
  }

  #layoutsOf(stem: ShaderStem): { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    let l = this.#layouts.get(stem);
    if (!l) {
      const bindings: readonly BindingKind[] = this.#source(stem).bindings;
      const group = this.device.createBindGroupLayout({
        label: stem,
        entries: bindings.map((kind, binding) => ({ binding, visibility: ShaderStage.COMPUTE, buffer: { type: BUFFER_TYPE[kind] } })),
      });
      l = { group, pipeline: this.device.createPipelineLayout({ label: stem, bindGroupLayouts: [group] }) };
      this.#layouts.set(stem, l);
    }
    return l;
  }
}

const CACHES = new WeakMap<GPUDevice, PipelineCache>();

export function pipelineCacheOf(device: GPUDevice): PipelineCache {
  let c = CACHES.get(device);
  if (!c) {
    c = new PipelineCache(device);
    CACHES.set(device, c);
  }
  return c;
}
