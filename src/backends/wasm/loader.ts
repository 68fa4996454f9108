// Finds out whether this engine has WebAssembly SIMD (and relaxed SIMD) and instantiates the matching
// kernel build from bytes, a Response or a URL. No Node-only code here: in Node, pass the bytes (see ./node.ts).
import { BackendUnavailableError } from '../../errors.js';
import { KERNEL_EXPORT_NAMES, type KernelExports } from './exports.gen.js';

/** Generated from asc's typings of assembly/index.ts (scripts/build-wasm.mjs). */
export type { KernelExports };

declare global {
  // KernelExports.memory, LinearMemory's constructor and compileKernels (the thread pool shares its module) name
  // WebAssembly.Memory and WebAssembly.Module, which TypeScript declares in lib.dom only: these empty interfaces
  // (merged into lib.dom's where the app has it) let the published .d.ts compile in a Node project without the
  // DOM lib (test/build/types.test.ts). Types only.
  namespace WebAssembly { interface Memory {} interface Module {} }
}

/** The builds: relaxed = SIMD plus relaxed SIMD (f32x4.relaxed_madd), simd, scalar (no SIMD at all). */
export type WasmVariant = 'relaxed' | 'simd' | 'scalar';

/**
 * Where a build comes from: its bytes, a Response, a URL to fetch, or a function giving one of those. The
 * bytes are lib.dom's BufferSource, spelt out: Node's types have no BufferSource.
 */
export type WasmSource = WasmBytes | Response | URL | string | (() => Promise<WasmBytes | Response>);
type WasmBytes = ArrayBuffer | ArrayBufferView<ArrayBuffer>;

/** (module (func (result v128) (i32x4.splat (i32.const 0)))): validates only where SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b,
]);

/**
 * (module (func (result v128) three times (i32x4.splat (i32.const 0)), f32x4.relaxed_madd)): validates only
 * where relaxed SIMD is on (Chromium; Node 20 only with --experimental-wasm-relaxed-simd).
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x13, 0x01, 0x11, 0x00,
  0x41, 0x00, 0xfd, 0x11, 0x41, 0x00, 0xfd, 0x11, 0x41, 0x00, 0xfd, 0x11,
  0xfd, 0x85, 0x02, 0x0b,
]);

export function hasWebAssembly(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function';
}

export function hasSimd(): boolean {
  try {
    return hasWebAssembly() && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

export function hasRelaxedSimd(): boolean {
  try {
    return hasWebAssembly() && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Why `variant` cannot run in this engine, or undefined when it can. */
export function missingFeature(variant: WasmVariant): string | undefined {
  if (!hasWebAssembly()) return 'this engine has no WebAssembly';
  if (variant !== 'scalar' && !hasSimd()) return 'this engine has no WebAssembly SIMD';
  if (variant === 'relaxed' && !hasRelaxedSimd()) return 'this engine has no WebAssembly relaxed SIMD';
  return undefined;
}


async function resolveSource(source: WasmSource): Promise<BufferSource | Response> {
  if (typeof source === 'function') return source();
  if (typeof source === 'string' || source instanceof URL) {
    const url = new URL(source, typeof location === 'object' ? location.href : undefined);
    if (url.protocol === 'file:') {
      throw new Error(`cannot fetch ${url.href} in Node: give the bytes (wasmSourcesFromFiles)`);
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res;
  }
  return source;
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  const s = await resolveSource(source);
  if (typeof Response === 'function' && s instanceof Response) {
    // Streaming compile needs the application/wasm type; fall back to bytes for servers that omit it.
    if (typeof WebAssembly.compileStreaming === 'function' && s.headers.get('content-type')?.startsWith('application/wasm')) {
      return WebAssembly.compileStreaming(s);
    }
    return WebAssembly.compile(await s.arrayBuffer());
  }
  return WebAssembly.compile(s as BufferSource);
}

const modules = new Map<WasmSource, Promise<WebAssembly.Module>>();

/** A build's module, compiled once per source. */
export function compileKernels(source: WasmSource): Promise<WebAssembly.Module> {
  let mod = modules.get(source);
  if (!mod) {
    mod = compile(source);
    modules.set(source, mod);
    mod.catch(() => modules.delete(source));
  }
  return mod;
}

/**
 * Compiles a build once per source; each call returns a fresh instance, i.e. its own linear memory, or
 * `memory` for a threaded build (which imports a shared one).
 */
export async function instantiateKernels(variant: WasmVariant, source: WasmSource, memory?: WebAssembly.Memory): Promise<KernelExports> {
  const lacking = missingFeature(variant);
  if (lacking) throw new BackendUnavailableError('wasm', lacking);
  const mod = compileKernels(source);
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(await mod, {
      env: { ...(memory && { memory }), abort: () => { throw new WebAssembly.RuntimeError('abort called by the kernel module'); } },
    });
  } catch (e) {
    const from = typeof source === 'string' || source instanceof URL ? ` from ${source}` : '';
    throw new BackendUnavailableError('wasm', `cannot load the ${variant} kernels${from}: ${(e as Error).message}`);
  }
  const ex = instance.exports as unknown as KernelExports;
  const missing = KERNEL_EXPORT_NAMES.filter((k) => ex[k] === undefined);
  if (missing.length) throw new BackendUnavailableError('wasm', `the ${variant} kernel module lacks ${missing.join(', ')}`);
  return ex;
}
