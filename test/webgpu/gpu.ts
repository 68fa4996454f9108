// Node WebGPU for the kernel tests: regenerates shaders.gen.ts, points Dawn at SwiftShader when no driver
// is configured, and runs single ops on a WebGpuBackend the way Session does. Without an adapter the tests
// skip with the reason, except under CI, where WebGPU is always expected and a missing adapter fails the run.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import type { OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor, type Tensor } from '../../src/tensor.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
execFileSync(process.execPath, ['scripts/embed-wgsl.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' });

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
// Imported only now: Dawn reads the environment above when it starts.
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);

const backendModule = await import('../../src/backends/webgpu/backend.js');
const deviceModule = await import('../../src/backends/webgpu/device.js');
export const { WebGpuBackend, webgpuProvider } = backendModule;
export type WebGpuBackendT = InstanceType<typeof WebGpuBackend>;

export const gpu: GPU = create([]);

const probe = await deviceModule.requestAdapter(gpu);
/** Why the WebGPU tests cannot run here, or undefined when they can. */
export const skipReason: string | undefined = typeof probe === 'string' ? probe : undefined;
if (skipReason !== undefined && process.env.CI) {
  throw new Error(`WebGPU is required in CI but unavailable: ${skipReason}`);
}
export const adapterName = typeof probe === 'string' ? 'none' : deviceModule.adapterDescription(probe);

/** describe() for GPU tests: skipped, with the reason in its title, when there is no adapter (never under CI). */
export function describeGpu(title: string, fn: () => void): void {
  if (skipReason === undefined) describe(title, fn);
  else describe.skip(`${title} (skipped: ${skipReason})`, fn);
}

export async function newBackend(): Promise<WebGpuBackendT> {
  return new WebGpuBackend(await deviceModule.acquireDevice(gpu));
}

export interface RunOptions {
  /** Inputs passed as graph constants (weights) rather than written per run. */
  readonly constants?: readonly number[];
}

/**
 * Uploads inputs and prepares one op, returning the run. Preparing many cases before running any lets
 * their pipelines compile in parallel, as a model's do (SwiftShader takes ~1-2 s per tiled kernel).
 */
export function prepareGpu<A>(b: WebGpuBackendT, op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {},
  opts: RunOptions = {}): () => Promise<Tensor[]> {
  const attrs = op.parseAttrs(rawAttrs);
  const shapes = op.inferShape(inputs.map((t) => t?.shape), attrs);
  const ins = inputs.map((t, i) => {
    if (!t) return undefined;
    if (opts.constants?.includes(i)) return b.constant({ shape: t.shape, dtype: 'f32', data: t.data });
    const d = b.alloc(t.shape);
    b.write(d, t.data);
    return d;
  });
  const outs = shapes.map((s) => b.alloc(s));
  const step = b.prepare(op, ins, attrs, outs);
  return async () => {
    const data = await b.execute([step], outs);
    return shapes.map((s, i) => tensor(s, data[i]));
  };
}

/** Runs one op on the backend: parse, infer shapes, upload, prepare, execute, read back. */
export async function runGpu<A>(b: WebGpuBackendT, op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {},
  opts: RunOptions = {}): Promise<Tensor[]> {
  return prepareGpu(b, op, inputs, rawAttrs, opts)();
}
