// Finds out whether this engine has WebAssembly SIMD (and relaxed SIMD) and instantiates the matching
// kernel build from bytes, a Response or a URL. No Node-only code here: in Node, pass the bytes (see ./node.ts).
import { BackendUnavailableError } from '../../errors.js';

/** The builds: relaxed = SIMD plus relaxed SIMD (f32x4.relaxed_madd), simd, scalar (no SIMD at all). */
export type WasmVariant = 'relaxed' | 'simd' | 'scalar';

/** Where a build comes from: its bytes, a Response, a URL to fetch, or a function giving one of those. */
export type WasmSource = BufferSource | Response | URL | string | (() => Promise<BufferSource | Response>);

/** The kernels assembly/index.ts exports; pointers are byte offsets into `memory`. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  copy_f32(x: number, y: number, n: number): void;
  fill_f32(y: number, n: number, v: number): void;
  unary_f32(x: number, y: number, n: number, code: number, p0: number, p1: number): void;
  binary_f32(op: number, a: number, b: number, y: number, n: number, mode: number,
    d0: number, d1: number, d2: number, sa0: number, sa1: number, sa2: number, sb0: number, sb1: number, sb2: number): void;
  gemm_f32(M: number, N: number, K: number, a: number, lda: number, w: number, y: number, ldy: number,
    accumulate: boolean | number, code: number, p0: number, p1: number): void;
  pack_b_f32(b: number, sk: number, sn: number, K: number, N: number, scale: number, bias: number, sbias: number, w: number): void;
  transpose2d_f32(x: number, y: number, R: number, C: number): void;
  conv_igemm_f32(P: number, T: number, cpg: number, ind: number, goff: number, w: number, cout: number, y: number, ldy: number,
    code: number, p0: number, p1: number): void;
  dwconv_f32(N: number, H: number, W: number, C: number, OH: number, OW: number, kh: number, kw: number, sh: number, sw: number,
    dh: number, dw: number, padTop: number, padLeft: number, x: number, w: number, y: number, code: number, p0: number, p1: number): void;
  dwconv3x3_f32(N: number, H: number, W: number, C: number, OH: number, OW: number, sh: number, sw: number, dh: number, dw: number,
    padTop: number, padLeft: number, x: number, w: number, zero: number, y: number, code: number, p0: number, p1: number): void;
  maxpool_f32(N: number, H: number, W: number, C: number, OH: number, OW: number, kh: number, kw: number, sh: number, sw: number,
    dh: number, dw: number, padTop: number, padLeft: number, x: number, y: number): void;
  avgpool_f32(N: number, H: number, W: number, C: number, OH: number, OW: number, kh: number, kw: number, sh: number, sw: number,
    dh: number, dw: number, padTop: number, padLeft: number, x: number, y: number, counts: number): void;
  globalpool_f32(N: number, S: number, C: number, x: number, y: number, isMax: boolean | number): void;
  softmax_f32(outer: number, n: number, inner: number, x: number, y: number, log: boolean | number): void;
  batchnorm_f32(rows: number, C: number, x: number, scale: number, bias: number, mean: number, variance: number, eps: number,
    tmp: number, y: number, code: number, p0: number, p1: number): void;
  gather_nd_f32(rank: number, params: number, x: number, y: number, value: number, contiguous: boolean | number): void;
  copy2d_f32(x: number, xs: number, y: number, ys: number, rows: number, run: number): void;
  recurrent_bias_f32(B: number, D: number, GH: number, H: number, splitLast: boolean | number, bx: number, br: number): void;
  rnn_f32(N: number, T: number, H: number, D: number, lens: number, reverse: boolean | number, p: number, ldp: number, r: number,
    h0: number, bx: number, y: number, yh: number, work: number, acts: number, clip: number): void;
  lstm_f32(N: number, T: number, H: number, D: number, lens: number, reverse: boolean | number, p: number, ldp: number, r: number,
    blocked: boolean | number, h0: number, c0: number, peep: number, bx: number, y: number, yh: number, yc: number, work: number, acts: number,
    clip: number, inputForget: boolean | number): void;
  gru_f32(N: number, T: number, H: number, D: number, lens: number, reverse: boolean | number, p: number, ldp: number, rzr: number, rh: number,
    h0: number, bx: number, br: number, y: number, yh: number, work: number, acts: number, clip: number, lbr: boolean | number): void;
}

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

const REQUIRED: readonly (keyof KernelExports)[] = [
  'memory', 'heap_base', 'copy_f32', 'fill_f32', 'unary_f32', 'binary_f32', 'gemm_f32', 'pack_b_f32', 'transpose2d_f32',
  'conv_igemm_f32', 'dwconv_f32', 'dwconv3x3_f32', 'maxpool_f32', 'avgpool_f32', 'globalpool_f32', 'softmax_f32', 'batchnorm_f32',
  'gather_nd_f32', 'copy2d_f32', 'recurrent_bias_f32', 'rnn_f32', 'lstm_f32', 'gru_f32',
];

async function resolveSource(source: WasmSource): Promise<BufferSource | Response> {
  if (typeof source === 'function') return source();
  if (typeof source === 'string' || source instanceof URL) {
    const url = new URL(source, typeof location === 'object' ? location.href : undefined);
    if (url.protocol === 'file:') {
      throw new Error(`cannot fetch ${url.href}: in Node give the build's bytes (wasmSourcesFromFiles in backends/wasm/node.ts)`);
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`fetching ${url.href} failed: HTTP ${res.status}`);
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

/** Compiles a build once per source; each call returns a fresh instance, i.e. its own linear memory. */
export async function instantiateKernels(variant: WasmVariant, source: WasmSource): Promise<KernelExports> {
  const lacking = missingFeature(variant);
  if (lacking) throw new BackendUnavailableError('wasm', lacking);
  let mod = modules.get(source);
  if (!mod) {
    mod = compile(source);
    modules.set(source, mod);
    mod.catch(() => modules.delete(source));
  }
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(await mod, {
      env: { abort: () => { throw new WebAssembly.RuntimeError('abort called by the kernel module'); } },
    });
  } catch (e) {
    throw new BackendUnavailableError('wasm', `cannot load the ${variant} kernels: ${(e as Error).message}`);
  }
  const ex = instance.exports as unknown as KernelExports;
  const missing = REQUIRED.filter((k) => ex[k] === undefined);
  if (missing.length) throw new BackendUnavailableError('wasm', `the ${variant} kernel module lacks ${missing.join(', ')}`);
  return ex;
}
