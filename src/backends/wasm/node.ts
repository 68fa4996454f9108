// Node only: the kernel builds read from disk, for configureWasmSources. Not reachable from the browser entry.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WasmSources } from './backend.js';

/** Sources reading edgeinfer-{simd,relaxed,scalar}.wasm from `dir` (the build output, or a package's copy). */
export function wasmSourcesFromFiles(dir: string): WasmSources {
  const file = (name: string) => async () => new Uint8Array(await readFile(join(dir, name)));
  return { simd: file('edgeinfer-simd.wasm'), scalar: file('edgeinfer-scalar.wasm'), relaxed: file('edgeinfer-relaxed.wasm') };
}
