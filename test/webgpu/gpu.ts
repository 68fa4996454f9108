// Node WebGPU for the tests: regenerates shaders.gen.ts, points Dawn at SwiftShader when no driver is
// configured, and opens WebGpuBackends in either storage precision. Op math on every backend runs from the
// op tables (test/ops/<op>.cases.ts, test/helpers/run-op.ts); the f16 tolerances live in test/helpers/precision.ts.
// Without an adapter the tests skip with the reason, except under CI, where a missing adapter fails the run.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import type { OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { GpuPrecision } from '../../src/backends/backend.js';
import type { Tensor } from '../../src/tensor.js';
import { runOp } from '../helpers/run-op.js';

export { F16_MAX, F16_MIN_NORMAL, F16_ULP, roundF16, storedTolerance } from '../helpers/precision.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
execFileSync(process.execPath, ['scripts/embed-wgsl.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' });

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
// Imported only now: Dawn reads the environment above when it starts.
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);

const backendModule = await import('../../src/backends/webgpu/backend.js');
const providerModule = await import('../../src/backends/webgpu/provider.js');
const deviceModule = await import('../../src/backends/webgpu/device.js');
export const { WebGpuBackend } = backendModule;
export const { webgpuProvider } = providerModule;
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

export async function newBackend(precision: GpuPrecision = 'f32'): Promise<WebGpuBackendT> {
  return new WebGpuBackend(await deviceModule.acquireDevice(gpu), precision);
}

export const PRECISIONS = ['f32', 'f16'] as const satisfies readonly GpuPrecision[];

export interface RunOptions {
  /** Inputs passed as graph constants (weights) rather than written per run. */
  readonly constants?: readonly number[];
}

/** Runs one op on the backend through a one-node session (test/helpers/run-op.ts): upload, prepare, execute, read back. */
export async function runGpu<A>(b: WebGpuBackendT, op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {},
  opts: RunOptions = {}): Promise<Tensor[]> {
  return runOp(b, op, { inputs, attrs: rawAttrs, constants: opts.constants });
}
