// Browser bundle only (rollup.config.mjs puts it in place of shader-table.ts): the WGSL kernels live in
// edgeinfer-kernels.json beside the bundle and are fetched once per page, when the first WebGPU backend is
// created, so pages that never create one never download them. Failures are BackendUnavailableError.
import { BackendUnavailableError } from '../../errors.js';
import { inFolder, warnOnce } from '../runtime-files.js';
import type { ShaderTable } from './shader-table.js';

// This exact form, like the wasm builds' URLs, is what bundlers recognise to copy the file along.
let kernelsUrl = new URL('./edgeinfer-kernels.json', import.meta.url).href;
const KINDS: readonly unknown[] = ['read', 'read_write', 'uniform'];

let table: ShaderTable | undefined;
let loading: Promise<ShaderTable> | undefined;

/**
 * Where edgeinfer-kernels.json is served (setAssetPaths): its own URL, else the folder of the runtime's
 * files; resolved against the page. A table already loaded stays.
 */
export function locateKernels(url: string | URL | undefined, folder: string | URL | undefined): void {
  const at = url ?? (folder === undefined ? undefined : inFolder(folder, 'edgeinfer-kernels.json'));
  if (at !== undefined) kernelsUrl = new URL(at, location.href).href;
}

export function loadShaders(): Promise<ShaderTable> {
  loading ??= fetchTable().then((t) => (table = t), (e: unknown) => {
    // Not remembered: a later backend tries again (the network may be back).
    loading = undefined;
    throw e;
  });
  return loading;
}

export function shaderTable(): ShaderTable {
  if (!table) throw new BackendUnavailableError('webgpu', `the WGSL kernels (${kernelsUrl}) are not loaded`);
  return table;
}

async function fetchTable(): Promise<ShaderTable> {
  const url = kernelsUrl;
  let json: unknown;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    json = await res.json();
  } catch (e) {
    const error = new BackendUnavailableError('webgpu', `cannot load the WGSL kernels from ${url}: ${(e as Error).message}`);
    warnOnce(url, error.message, 'copy edgeinfer/dist/browser/edgeinfer-kernels.json and set kernels (setAssetPaths)');
    throw error;
  }
  const why = malformed(json);
  if (why) throw new BackendUnavailableError('webgpu', `the WGSL kernels at ${url} ${why}`);
  return json as ShaderTable;
}

/** Checks the shape the pipeline cache relies on; a missing stem is caught where it is used. */
function malformed(json: unknown): string | undefined {
  if (typeof json !== 'object' || !json || Array.isArray(json)) return 'are not an object of shaders';
  const entries = Object.entries(json);
  if (!entries.length) return 'hold no shader';
  for (const [stem, s] of entries) {
    const { bindings, code, half } = (s ?? {}) as { bindings?: unknown; code?: unknown; half?: unknown };
    if (typeof code !== 'string' || typeof half !== 'string' || !Array.isArray(bindings) || !bindings.every((k) => KINDS.includes(k))) {
      return `have a malformed shader "${stem}"`;
    }
  }
  return undefined;
}
