// Where the runtime's files live: the wasm kernel builds (edgeinfer-{simd,relaxed,scalar}.wasm, the threaded
// edgeinfer-{simd,relaxed}-threads.wasm and their worker script edgeinfer-worker.js) and, for the browser
// bundle's WebGPU backend, the WGSL kernels (edgeinfer-kernels.json). By default they are
// fetched from beside the bundle (new URL('./file', import.meta.url)); bundlers that do not copy them
// (esbuild) or apps that serve them elsewhere say where with setAssetPaths() (or LoadOptions.wasmPaths).
import type { BackendProvider } from '../backends/backend.js';
import {
  configureWasmSources, wasmProvidersFor, wasmScalarProvider, wasmSimdProvider, wasmThreadsProvider, type WasmSources,
} from '../backends/wasm/backend.js';
import { InputError } from '../errors.js';
import { inFolder } from '../backends/runtime-files.js';
import { locateKernels } from '../backends/webgpu/shader-table.js';
import { PROVIDERS } from './backends.js';

/**
 * Where the wasm builds are: a URL prefix (a folder, e.g. '/assets/edgeinfer/' or a URL on a CDN), the
 * file names are appended to; or each file's own URL (`relaxed` optional: without it the SIMD build runs
 * where relaxed SIMD would have; without `simdThreads` and `worker` there are no threads). Relative URLs
 * resolve against the page. The worker script must be served from the page's origin (a browser starts no
 * worker from another one).
 */
export type WasmPaths = string | URL | {
  readonly simd: string | URL;
  readonly scalar: string | URL;
  readonly relaxed?: string | URL;
  readonly simdThreads?: string | URL;
  readonly relaxedThreads?: string | URL;
  readonly worker?: string | URL;
};

export interface AssetPaths {
  /**
   * Where edgeinfer-simd.wasm, edgeinfer-relaxed.wasm, edgeinfer-scalar.wasm, the threaded
   * edgeinfer-simd-threads.wasm and edgeinfer-relaxed-threads.wasm and edgeinfer-worker.js are served. A URL
   * prefix is the folder of all the runtime's files: edgeinfer-kernels.json is looked for there too, unless
   * `kernels` says otherwise.
   */
  readonly wasmPaths?: WasmPaths;
  /**
   * The URL of edgeinfer-kernels.json, the WGSL kernels the browser bundle's WebGPU backend fetches when
   * it is first created (the Node bundles embed them). Takes effect for the next WebGPU backend created
   * unless the kernels are already loaded.
   */
  readonly kernels?: string | URL;
}

/** The sources `paths` names (a prefix gets the file names appended); InputError when malformed. */
export function wasmSourcesFromPaths(paths: WasmPaths): WasmSources {
  if (typeof paths === 'string' || paths instanceof URL) {
    const file = (v: string) => inFolder(paths, `edgeinfer-${v}.wasm`);
    return {
      simd: file('simd'), scalar: file('scalar'), relaxed: file('relaxed'),
      simdThreads: file('simd-threads'), relaxedThreads: file('relaxed-threads'), worker: inFolder(paths, 'edgeinfer-worker.js'),
    };
  }
  if (!paths?.simd || !paths.scalar) throw new InputError('wasmPaths: a URL prefix or { simd, scalar, relaxed? }');
  return paths;
}

/**
 * Says, for every later load() in this page or process, where the runtime's files are. Call it before
 * the first load(). An option left out keeps its current location.
 */
export function setAssetPaths(paths: AssetPaths): void {
  const { wasmPaths, kernels } = paths;
  if (wasmPaths !== undefined) configureWasmSources(wasmSourcesFromPaths(wasmPaths));
  locateKernels(kernels, typeof wasmPaths === 'string' || wasmPaths instanceof URL ? wasmPaths : undefined);
}

/**
 * `providers` (default: the built-in ones) with the built-in wasm providers replaced by ones reading the
 * builds from `paths`; the caller's own providers are kept as given. Undefined paths: `providers` unchanged.
 */
export function withWasmPaths(providers: readonly BackendProvider[] | undefined, paths: WasmPaths | undefined): readonly BackendProvider[] | undefined {
  if (paths === undefined) return providers;
  const sources = wasmSourcesFromPaths(paths);
  const [simd, scalar, threaded] = wasmProvidersFor(() => sources);
  return (providers ?? PROVIDERS).map((p) => (p === wasmSimdProvider ? simd : p === wasmScalarProvider ? scalar : p === wasmThreadsProvider ? threaded : p));
}
