// Every backend variant the op tests run on: js (the reference), wasm x {relaxed, simd, scalar}, the
// threaded SIMD build on 2 threads splitting every op (wasm-threads), and webgpu x {f32, f16} storage. Each says why it cannot run here (a visible skip), and under CI a wasm or
// webgpu variant that cannot run fails the run instead, or a broken setup would pass silently. Relaxed
// SIMD is the exception: Node 20 validates it only with --experimental-wasm-relaxed-simd, and
// test/wasm/relaxed.test.ts runs the GEMM, Conv and recurrent tables with the flag in a child vitest.
// EDGEINFER_TEST_BACKENDS=wasm-relaxed,js narrows the list (that child uses it).
import { afterAll } from 'vitest';
import type { Backend, GpuPrecision } from '../../src/backends/backend.js';
import { JsBackend } from '../../src/backends/js/backend.js';
import { missingFeature, type WasmVariant } from '../../src/backends/wasm/loader.js';

export type VariantId = 'js' | 'wasm-relaxed' | 'wasm-simd' | 'wasm-scalar' | 'wasm-threads' | 'webgpu-f32' | 'webgpu-f16';
export const VARIANT_IDS: readonly VariantId[] = ['js', 'wasm-relaxed', 'wasm-simd', 'wasm-scalar', 'wasm-threads', 'webgpu-f32', 'webgpu-f16'];

export interface BackendVariant {
  readonly id: VariantId;
  readonly kind: Backend['name'];
  /** Storage precision: f16 only for webgpu-f16 (inputs and results are rounded to halves). */
  readonly precision: GpuPrecision;
  /** Why this variant cannot run here; undefined when it can. */
  readonly skipReason?: string;
  /** The backend, created on first use and shared by the test file; disposed after the file (useBackends). */
  backend(): Promise<Backend>;
}

/** The variants EDGEINFER_TEST_BACKENDS selects (all when unset). */
function selected(): readonly VariantId[] {
  const only = process.env.EDGEINFER_TEST_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!only) return VARIANT_IDS;
  const unknown = only.filter((id) => !VARIANT_IDS.includes(id as VariantId));
  if (unknown.length) throw new Error(`EDGEINFER_TEST_BACKENDS: unknown variant(s) ${unknown.join(', ')} (known: ${VARIANT_IDS.join(', ')})`);
  return VARIANT_IDS.filter((id) => only.includes(id));
}

const RELAXED_ELSEWHERE = 'test/wasm/relaxed.test.ts runs the GEMM, Conv and recurrent tables with --experimental-wasm-relaxed-simd';

async function wasmSkipReason(variant: WasmVariant): Promise<string | undefined> {
  const lacking = missingFeature(variant);
  if (lacking === undefined) return undefined;
  return variant === 'relaxed' ? `${lacking} (Node 20 needs --experimental-wasm-relaxed-simd; ${RELAXED_ELSEWHERE})` : lacking;
}

type GpuModule = typeof import('../webgpu/gpu.js');
let gpuModule: Promise<GpuModule> | undefined;
/** test/webgpu/gpu.ts (Dawn on SwiftShader), imported only when a webgpu variant is wanted. */
function gpu(): Promise<GpuModule> {
  gpuModule ??= import('../webgpu/gpu.js');
  return gpuModule;
}

let variants: Promise<readonly BackendVariant[]> | undefined;
const created = new Map<VariantId, Promise<Backend>>();

function once(id: VariantId, make: () => Promise<Backend>): () => Promise<Backend> {
  return () => {
    let b = created.get(id);
    if (!b) created.set(id, b = make());
    return b;
  };
}

/**
 * The variants selected for this run, each with its skip reason. Throws under CI when a wasm (other than
 * relaxed) or webgpu variant cannot run.
 */
export function backendVariants(): Promise<readonly BackendVariant[]> {
  variants ??= (async () => {
    const out: BackendVariant[] = [];
    for (const id of selected()) {
      if (id === 'js') {
        out.push({ id, kind: 'js', precision: 'f32', backend: once(id, async () => new JsBackend()) });
      } else if (id === 'wasm-threads') {
        // Every op with more than one task is split between the 2 threads, however small.
        out.push({
          id, kind: 'wasm', precision: 'f32', skipReason: missingFeature('simd'),
          backend: once(id, async () => (await import('../wasm/helpers.js')).createThreadedWasmBackend(2, 0)),
        });
      } else if (id.startsWith('wasm-')) {
        const variant = id.slice(5) as WasmVariant;
        const skipReason = await wasmSkipReason(variant);
        out.push({
          id, kind: 'wasm', precision: 'f32', skipReason,
          backend: once(id, async () => (await import('../wasm/helpers.js')).createWasmBackend(variant)),
        });
      } else {
        const precision = id.slice(7) as GpuPrecision;
        const g = await gpu();
        out.push({ id, kind: 'webgpu', precision, skipReason: g.skipReason, backend: once(id, () => g.newBackend(precision)) });
      }
    }
    const broken = out.filter((v) => v.skipReason !== undefined && v.id !== 'wasm-relaxed');
    if (process.env.CI && broken.length) {
      throw new Error(`under CI every backend must run, but: ${broken.map((v) => `${v.id}: ${v.skipReason}`).join('; ')}`);
    }
    return out;
  })();
  return variants;
}

/** The selected variants for a test file; the backends it creates are disposed after the file's tests. */
export async function useBackends(): Promise<readonly BackendVariant[]> {
  afterAll(async () => {
    for (const b of created.values()) (await b.catch(() => undefined))?.dispose();
    created.clear();
  });
  return backendVariants();
}
