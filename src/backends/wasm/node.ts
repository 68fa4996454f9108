// Node only: the kernel builds read from disk, for configureWasmSources. Not reachable from the browser entry.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WasmSources } from './backend.js';

/**
 * Sources reading edgeinfer-{simd,relaxed,scalar,simd-threads,relaxed-threads}.wasm from `dir` (the build
 * output, or a package's copy), and its edgeinfer-worker.js where it has one (else the one beside the module).
 */
export function wasmSourcesFromFiles(dir: string): WasmSources {
  const file = (name: string) => async () => new Uint8Array(await readFile(join(dir, name)));
  const worker = join(dir, 'edgeinfer-worker.js');
  return {
    simd: file('edgeinfer-simd.wasm'), scalar: file('edgeinfer-scalar.wasm'), relaxed: file('edgeinfer-relaxed.wasm'),
    simdThreads: file('edgeinfer-simd-threads.wasm'), relaxedThreads: file('edgeinfer-relaxed-threads.wasm'),
    ...(existsSync(worker) && { worker: pathToFileURL(worker) }),
  };
}
