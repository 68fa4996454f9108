// Test helpers for the wasm backend: builds the kernels once (cached by source hash in build/wasm),
// creates a backend per build, and runs one op on it the way Session does (weights as constants).
import { readFile } from 'node:fs/promises';
import { WasmBackend } from '../../src/backends/wasm/backend.js';
import { hasRelaxedSimd, instantiateKernels, type WasmVariant } from '../../src/backends/wasm/loader.js';
import type { OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { Tensor } from '../../src/tensor.js';

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

/** An op input: a runtime tensor, or a weight (graph constant) when `constant` is set. */
export type OpInput = Tensor | { readonly constant: Tensor } | undefined;

/** Prepares one node on `b` and runs it once; returns every output's values. */
export async function runWasmOp<A>(b: WasmBackend, op: OpDef<A>, inputs: readonly OpInput[], rawAttrs: Attrs = {}): Promise<Float32Array[]> {
  const attrs = op.parseAttrs(rawAttrs);
  const tensors = inputs.map((x) => (x === undefined ? undefined : 'constant' in x ? x.constant : x));
  const outShapes = op.inferShape(tensors.map((t) => t?.shape), attrs);
  const dev = inputs.map((x) => {
    if (x === undefined) return undefined;
    if ('constant' in x) return b.constant({ shape: x.constant.shape, dtype: 'f32', data: x.constant.data });
    return b.alloc(x.shape);
  });
  const outs = outShapes.map((s) => b.alloc(s));
  const step = b.prepare(op, dev, attrs, outs);
  inputs.forEach((x, i) => { if (x && !('constant' in x)) b.write(dev[i]!, x.data); });
  return b.execute([step], outs);
}
