// Test helpers for the wasm backend: builds the kernels once (cached by source hash in build/wasm) and
// creates a backend per build. Op math runs from the op tables (test/ops/<op>.cases.ts, test/helpers/run-op.ts).
import { readFile } from 'node:fs/promises';
import { WasmBackend } from '../../src/backends/wasm/backend.js';
import { hasRelaxedSimd, instantiateKernels, type WasmVariant } from '../../src/backends/wasm/loader.js';

/**
 * The builds this engine runs: relaxed SIMD joins where it validates (Node 20 needs
 * --experimental-wasm-relaxed-simd; see relaxed.test.ts). EDGEINFER_WASM_VARIANTS=relaxed,... narrows the list.
 */
export const VARIANTS: readonly WasmVariant[] = ((): WasmVariant[] => {
  const all: WasmVariant[] = hasRelaxedSimd() ? ['relaxed', 'simd', 'scalar'] : ['simd', 'scalar'];
  const only = process.env.EDGEINFER_WASM_VARIANTS?.split(',');
  return only ? all.filter((v) => only.includes(v)) : all;
})();

interface BuildModule { buildWasm(opts?: { force?: boolean }): Promise<Record<WasmVariant, string>> }

let built: Promise<Record<WasmVariant, Uint8Array<ArrayBuffer>>> | undefined;

/** The bytes of every build, compiled on first use (or reused when assembly/ is unchanged). */
export function wasmBinaries(): Promise<Record<WasmVariant, Uint8Array<ArrayBuffer>>> {
  built ??= (async () => {
    const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;
    const { buildWasm } = (await import(script)) as BuildModule;
    const paths = await buildWasm();
    const read = async (v: WasmVariant) => new Uint8Array(await readFile(paths[v]));
    return { simd: await read('simd'), scalar: await read('scalar'), relaxed: await read('relaxed') };
  })();
  return built;
}

export async function createWasmBackend(variant: WasmVariant): Promise<WasmBackend> {
  const bin = await wasmBinaries();
  return new WasmBackend(await instantiateKernels(variant, bin[variant]), variant);
}
