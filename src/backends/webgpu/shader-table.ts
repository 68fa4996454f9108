// Where the WebGPU backend gets its WGSL kernels. Here: embedded in the code (shaders.gen.ts), for Node,
// its bundles and the tests. The browser bundle swaps this module for shader-table.browser.ts
// (rollup.config.mjs), which fetches them from the asset beside the bundle instead.
import { SHADERS, type ShaderSource, type ShaderStem } from './shaders.gen.js';

export type ShaderTable = Readonly<Record<ShaderStem, ShaderSource>>;

/** Where the browser bundle fetches its kernels (shader-table.browser.ts); nothing to locate where they are embedded. */
export function locateKernels(_url: string | URL | undefined, _folder: string | URL | undefined): void {}

/** Resolves with every kernel; the providers await it before they create a backend. */
export async function loadShaders(): Promise<ShaderTable> {
  return SHADERS;
}

/** The kernels loadShaders() resolved with (embedded here, so always there). */
export function shaderTable(): ShaderTable {
  return SHADERS;
}
