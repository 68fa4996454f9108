// WebGPU in Node: the optional `webgpu` package (Dawn's Node bindings), found at run time with a
// dynamic import, its globals installed and its GPU created once per process, behind a provider that
// replaces the browser one (navigator.gpu) in the Node load() and the CLI. When it cannot work, the
// webgpu candidate's reason is a one-line hint: install the package, or point Dawn at a Vulkan driver.
// Reached from the Node entry only (node-load.ts, src/cli): the browser bundle never sees 'webgpu'.
import type { BackendName, BackendOptions, BackendProvider } from '../backends/backend.js';
import { requestAdapter, adapterDescription, softwareAdapterReason } from '../backends/webgpu/device.js';
import { webgpuProvider } from '../backends/webgpu/provider.js';
import { BackendUnavailableError } from '../errors.js';
import { PROVIDERS } from './backends.js';
import type { DescribedProvider } from './select.js';

export const INSTALL_HINT = 'install the optional package `webgpu` to use WebGPU in Node';
export const VULKAN_HINT = "set VK_ICD_FILENAMES to a Vulkan driver's ICD, e.g. /usr/lib/chromium/vk_swiftshader_icd.json (SwiftShader); LD_LIBRARY_PATH for libvulkan.so.1";
/** Set to 1, the `webgpu` package is not looked for (as where it is not installed): tests and CPU-only runs. */
export const DISABLE_ENV = 'EDGEINFER_NO_NODE_WEBGPU';

/** The adapter Dawn found here. */
export interface NodeGpuAdapter {
  /** e.g. "google swiftshader swiftshader-device-subzero- SwiftShader driver 5.0.0" (adapterDescription). */
  readonly description: string;
  /** Why it is a software (CPU) adapter, or undefined for a hardware one (softwareAdapterReason). */
  readonly software?: string;
}

/** The `webgpu` package opened: its GPU (as navigator.gpu) and adapter, or why WebGPU cannot run here. */
export type NodeGpu = { readonly gpu: GPU; readonly adapter: NodeGpuAdapter } | { readonly reason: string };

interface WebGpuModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

let globalsInstalled = false;

/**
 * Opens the `webgpu` package through `importer` (default: import('webgpu')), uncached: its globals
 * (GPUBufferUsage, GPUMapMode, ...) go onto globalThis where absent, `create([])` makes the GPU and one
 * adapter request says whether Dawn finds a driver. `name` is the package the importer loads, to tell
 * "not installed" from a package that is there but fails to load.
 */
export async function openNodeGpu(importer: () => Promise<unknown> = () => import('webgpu'), name = 'webgpu'): Promise<NodeGpu> {
  let mod: WebGpuModule;
  try {
    mod = (await importer()) as WebGpuModule;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && errorText(e).includes(`'${name}'`);
    if (missing) return { reason: `the \`${name}\` package is not installed: ${INSTALL_HINT}` };
    const vulkan = /libvulkan/i.test(errorText(e)) ? `: ${VULKAN_HINT}` : '';
    return { reason: `the \`${name}\` package failed to load (${errorText(e)})${vulkan}` };
  }
  if (typeof mod?.create !== 'function') return { reason: `the \`${name}\` package has no create(): ${INSTALL_HINT} (0.6 or later)` };
  if (!globalsInstalled && mod.globals && typeof mod.globals === 'object') {
    const g = globalThis as Record<string, unknown>;
    for (const [key, value] of Object.entries(mod.globals)) if (!(key in g)) g[key] = value;
    globalsInstalled = true;
  }
  let gpu: GPU;
  try {
    gpu = mod.create([]);
  } catch (e) {
    return { reason: `the \`${name}\` package could not start Dawn (${errorText(e)}): ${VULKAN_HINT}` };
  }
  const adapter = await requestAdapter(gpu);
  if (typeof adapter === 'string') {
    // Dawn finds no adapter when there is no Vulkan loader (libvulkan.so.1) or no driver (ICD) for it.
    const noDriver = adapter === 'no WebGPU adapter found' || adapter.startsWith('requestAdapter failed');
    return { reason: noDriver ? `${adapter}: ${VULKAN_HINT}` : adapter };
  }
  return { gpu, adapter: { description: adapterDescription(adapter), software: softwareAdapterReason(adapter) } };
}

let opened: Promise<NodeGpu> | undefined;

/**
 * The process's `webgpu` package, opened on first use and remembered (Dawn reads VK_ICD_FILENAMES when it
 * starts, so later changes to the environment would not count anyway). With EDGEINFER_NO_NODE_WEBGPU=1 in
 * `env`, it is not looked for.
 */
export function nodeGpu(env: Readonly<Record<string, string | undefined>> = process.env): Promise<NodeGpu> {
  if (env[DISABLE_ENV] === '1') {
    return Promise.resolve({ reason: `the \`webgpu\` package is not looked for (${DISABLE_ENV}=1): unset it and ${INSTALL_HINT}` });
  }
  return (opened ??= openNodeGpu());
}

/** "<adapter description>" or "<adapter description>, software": what a cached decision was timed on. */
export function describeAdapter(adapter: NodeGpuAdapter): string {
  return adapter.software ? `${adapter.description}, software` : adapter.description;
}

/**
 * The WebGPU provider for Node: webgpuProvider() on the `webgpu` package's GPU, opened lazily (nothing is
 * imported until the provider is probed). deviceInfo() names the adapter (and says when it is a software
 * one), which select.ts folds into decision cache keys.
 */
export function nodeWebgpuProvider(env: Readonly<Record<string, string | undefined>> = process.env, priority = 30): DescribedProvider {
  let inner: BackendProvider | undefined;
  const open = async () => {
    const got = await nodeGpu(env);
    if ('reason' in got) return got;
    inner ??= webgpuProvider(got.gpu);
    return { ...got, inner };
  };
  return {
    name: 'webgpu',
    priority,
    available: async () => {
      const got = await open();
      return 'reason' in got ? got.reason : got.inner.available();
    },
    deferReason: async () => {
      const got = await open();
      return 'reason' in got ? undefined : got.adapter.software;
    },
    deviceInfo: async () => {
      const got = await open();
      return 'reason' in got ? undefined : describeAdapter(got.adapter);
    },
    create: async (options?: BackendOptions) => {
      const got = await open();
      if ('reason' in got) throw new BackendUnavailableError('webgpu', got.reason);
      return got.inner.create(options);
    },
  };
}

/** Whether a backend preference may reach WebGPU: 'auto' (or none), 'webgpu', or a list naming it. */
export function wantsWebgpu(backend: unknown): boolean {
  if (backend === undefined || backend === 'auto' || backend === 'webgpu') return true;
  return Array.isArray(backend) && backend.includes('webgpu' satisfies BackendName);
}

/** The built-in providers with the Node WebGPU provider in place of the browser one (navigator.gpu). */
export function nodeProviders(env: Readonly<Record<string, string | undefined>> = process.env): BackendProvider[] {
  return PROVIDERS.map((p) => (p.name === 'webgpu' ? nodeWebgpuProvider(env, p.priority) : p));
}
