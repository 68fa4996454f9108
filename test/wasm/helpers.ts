// Test helpers for the wasm backend: builds the kernels once (cached by source hash in build/wasm) and
// creates a backend per build. Op math runs from the op tables (test/ops/<op>.cases.ts, test/helpers/run-op.ts).
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { WasmBackend } from '../../src/backends/wasm/backend.js';
import { hasRelaxedSimd, instantiateKernels, type WasmVariant } from '../../src/backends/wasm/loader.js';
import { spawnNodeWorker } from '../../src/backends/wasm/node-files.js';
import { configureThreadHost, Pool, type Spawn } from '../../src/backends/wasm/threads.js';

/**
 * The builds this engine runs: relaxed SIMD joins where it validates (Node 20 needs
 * --experimental-wasm-relaxed-simd; see relaxed.test.ts). EDGEINFER_WASM_VARIANTS=relaxed,... narrows the list.
 */
export const VARIANTS: readonly WasmVariant[] = ((): WasmVariant[] => {
  const all: WasmVariant[] = hasRelaxedSimd() ? ['relaxed', 'simd', 'scalar'] : ['simd', 'scalar'];
  const only = process.env.EDGEINFER_WASM_VARIANTS?.split(',');
  return only ? all.filter((v) => only.includes(v)) : all;
})();

/** A build: one of the single-threaded variants, or a threaded one (shared memory, atomics). */
export type Build = WasmVariant | 'simd-threads' | 'relaxed-threads';
const BUILDS: readonly Build[] = ['simd', 'scalar', 'relaxed', 'simd-threads', 'relaxed-threads'];

interface BuildModule { buildWasm(opts?: { force?: boolean }): Promise<Record<Build, string>> }

let built: Promise<Record<Build, Uint8Array<ArrayBuffer>>> | undefined;

/** The bytes of every build, compiled on first use (or reused when assembly/ is unchanged). */
export function wasmBinaries(): Promise<Record<Build, Uint8Array<ArrayBuffer>>> {
  built ??= (async () => {
    const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;
    const { buildWasm } = (await import(script)) as BuildModule;
    const paths = await buildWasm();
    const entries = await Promise.all(BUILDS.map(async (b) => [b, new Uint8Array(await readFile(paths[b]))] as const));
    return Object.fromEntries(entries) as Record<Build, Uint8Array<ArrayBuffer>>;
  })();
  return built;
}

export async function createWasmBackend(variant: WasmVariant): Promise<WasmBackend> {
  const bin = await wasmBinaries();
  return new WasmBackend(await instantiateKernels(variant, bin[variant]), variant);
}

/** The worker script of the pool, beside its module in the sources. */
export const WORKER_URL = new URL('../../src/backends/wasm/edgeinfer-worker.js', import.meta.url);

/**
 * A backend on the threaded `variant` build with `threads` threads (Node's worker_threads, or `spawn`) that
 * splits every op of at least `minWork` work (default 0: every op that has more than one task).
 */
export async function createThreadedWasmBackend(threads = 2, minWork = 0, variant: 'simd' | 'relaxed' = 'simd',
  spawn: Spawn = spawnNodeWorker): Promise<WasmBackend> {
  configureThreadHost({ spawn, cores: availableParallelism });
  const [k, p] = await Pool.open(variant, (await wasmBinaries())[`${variant}-threads`], threads, WORKER_URL);
  return new WasmBackend(k, variant, p, minWork);
}
