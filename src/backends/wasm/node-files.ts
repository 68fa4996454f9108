// Node only: finds the kernel builds on disk, beside the bundle (dist/node, dist/cli) or in a checkout (build/wasm).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configureDefaultWasmSources } from './backend.js';
import { wasmSourcesFromFiles } from './node.js';

const CANDIDATES = ['./', '../../build/wasm/', '../../../build/wasm/'];

/**
 * Points the wasm providers at the first folder holding the builds (unless the app set its own with
 * setAssetPaths); returns it, or undefined if none.
 */
export function useWasmBuildsOnDisk(): string | undefined {
  for (const rel of CANDIDATES) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}edgeinfer-simd.wasm`)) {
      configureDefaultWasmSources(wasmSourcesFromFiles(dir));
      return dir;
    }
  }
  return undefined;
}
