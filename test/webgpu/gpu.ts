// Node WebGPU for the kernel tests: regenerates shaders.gen.ts, points Dawn at SwiftShader when no driver
// is configured, and runs single ops on a WebGpuBackend the way Session does, in either storage precision
// (PrecisionGpu: f16 results checked against the reference on the rounded inputs, with an f16 tolerance).
// Without an adapter the tests skip with the reason, except under CI, where a missing adapter fails the run.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe } from 'vitest';
import type { OpDef, Tolerance } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { GpuPrecision } from '../../src/backends/backend.js';
import { f16ToF32, f32ToF16 } from '../../src/graph/constant.js';
import { tensor, type Tensor } from '../../src/tensor.js';
import { expectClose, runReference } from '../helpers/harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
execFileSync(process.execPath, ['scripts/embed-wgsl.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' });

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
// Imported only now: Dawn reads the environment above when it starts.
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);

const backendModule = await import('../../src/backends/webgpu/backend.js');
const deviceModule = await import('../../src/backends/webgpu/device.js');
export const { WebGpuBackend, webgpuProvider } = backendModule;
export type WebGpuBackendT = InstanceType<typeof WebGpuBackend>;

export const gpu: GPU = create([]);

const probe = await deviceModule.requestAdapter(gpu);
/** Why the WebGPU tests cannot run here, or undefined when they can. */
export const skipReason: string | undefined = typeof probe === 'string' ? probe : undefined;
if (skipReason !== undefined && process.env.CI) {
  throw new Error(`WebGPU is required in CI but unavailable: ${skipReason}`);
}
export const adapterName = typeof probe === 'string' ? 'none' : deviceModule.adapterDescription(probe);

/** describe() for GPU tests: skipped, with the reason in its title, when there is no adapter (never under CI). */
export function describeGpu(title: string, fn: () => void): void {
  if (skipReason === undefined) describe(title, fn);
  else describe.skip(`${title} (skipped: ${skipReason})`, fn);
}

export async function newBackend(precision: GpuPrecision = 'f32'): Promise<WebGpuBackendT> {
  return new WebGpuBackend(await deviceModule.acquireDevice(gpu), precision);
}

export const PRECISIONS = ['f32', 'f16'] as const satisfies readonly GpuPrecision[];

export interface RunOptions {
  /** Inputs passed as graph constants (weights) rather than written per run. */
  readonly constants?: readonly number[];
}

/**
 * Uploads inputs and prepares one op, returning the run. Preparing many cases before running any lets
 * their pipelines compile in parallel, as a model's do (SwiftShader takes ~1-2 s per tiled kernel).
 */
export function prepareGpu<A>(b: WebGpuBackendT, op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {},
  opts: RunOptions = {}): () => Promise<Tensor[]> {
  const attrs = op.parseAttrs(rawAttrs);
  const shapes = op.inferShape(inputs.map((t) => t?.shape), attrs);
  const ins = inputs.map((t, i) => {
    if (!t) return undefined;
    if (opts.constants?.includes(i)) return b.constant({ shape: t.shape, dtype: 'f32', data: t.data });
    const d = b.alloc(t.shape);
    b.write(d, t.data);
    return d;
  });
  const outs = shapes.map((s) => b.alloc(s));
  const step = b.prepare(op, ins, attrs, outs);
  return async () => {
    const data = await b.execute([step], outs);
    return shapes.map((s, i) => tensor(s, data[i]));
  };
}

/** Runs one op on the backend: parse, infer shapes, upload, prepare, execute, read back. */
export async function runGpu<A>(b: WebGpuBackendT, op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {},
  opts: RunOptions = {}): Promise<Tensor[]> {
  return prepareGpu(b, op, inputs, rawAttrs, opts)();
}

/** `values` as an f16 backend stores them: rounded to the nearest half, saturating at ±65504 (as uploads are). */
export function roundF16(values: Float32Array): Float32Array {
  return f16ToF32(f32ToF16(values));
}

/**
 * Spacing of halves relative to the value (2^-10 in [1, 2)). WGSL leaves the direction of an f32 -> f16
 * conversion open (either neighbour may come back), so one stored result may be off a whole ulp, not half.
 */
export const F16_ULP = 2 ** -10;
/** Smallest normal half: WGSL may flush subnormal halves to zero, an absolute error up to this. */
export const F16_MIN_NORMAL = 2 ** -14;

/**
 * The tolerance of a result against the reference run on the values the backend stored. On f32 that is
 * the op's own. On f16 the inputs then agree exactly and the math is f32 in both, so what is left is the
 * rounding of the output as it is stored: up to one ulp, or a subnormal flushed to zero. (Ops that store
 * f16 intermediates their output depends on need more; recurrent.test.ts says how much.) A copy (EXACT)
 * rounds nothing: it reads a half and writes the same half back, so it stays exact.
 */
export function storedTolerance(tol: Tolerance, precision: GpuPrecision): Tolerance {
  if (precision === 'f32' || (tol.atol === 0 && tol.rtol === 0)) return tol;
  return { atol: tol.atol + F16_MIN_NORMAL, rtol: tol.rtol + F16_ULP };
}

/** The largest finite half: an f16 tensor holds nothing beyond it (uploads saturate there, and so must results). */
export const F16_MAX = 65504;

/** A wanted value as an f16 tensor can hold it: finite values saturate at ±65504, as uploads do. */
function saturated(want: ArrayLike<number>): ArrayLike<number> {
  let over = false;
  for (let i = 0; i < want.length && !over; i++) over = Math.abs(want[i]) > F16_MAX && Number.isFinite(want[i]);
  return over ? Float32Array.from(want, (v) => (Number.isFinite(v) ? Math.max(-F16_MAX, Math.min(F16_MAX, v)) : v)) : want;
}

interface Worst { values: number; diff: number; rel: number; used: number }
/** Worst errors per (family, precision) over this test file, printed one line per family after it. */
const worst = new Map<string, Map<GpuPrecision, Worst>>();
/** Relative errors are measured where the wanted value is at least this (below it the atol governs). */
const REL_FLOOR = 1e-3;

function note(family: string, precision: GpuPrecision, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): void {
  let byPrecision = worst.get(family);
  if (!byPrecision) worst.set(family, byPrecision = new Map());
  const w = byPrecision.get(precision) ?? { values: 0, diff: 0, rel: 0, used: 0 };
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const d = Math.abs(got[i] - want[i]), a = Math.abs(want[i]);
    if (!Number.isFinite(d)) continue;
    w.diff = Math.max(w.diff, d);
    if (a >= REL_FLOOR) w.rel = Math.max(w.rel, d / a);
    const bound = Math.max(tol.atol, tol.rtol * a);
    w.used = Math.max(w.used, bound > 0 ? d / bound : d > 0 ? Infinity : 0);
  }
  w.values += want.length;
  byPrecision.set(precision, w);
}

function summary(family: string, byPrecision: Map<GpuPrecision, Worst>): string {
  const one = (w: Worst) => `|diff| ${w.diff.toExponential(2)}, |diff|/|want| ${w.rel.toExponential(2)} (|want| >= ${REL_FLOOR}), `
    + `${(w.used * 100).toFixed(0)}% of the tolerance, ${w.values} values`;
  const f16 = byPrecision.get('f16'), f32 = byPrecision.get('f32');
  return `${family} worst errors: f16 ${f16 ? one(f16) : 'not run'}; f32 ${f32 ? one(f32) : 'not run'}`;
}

/** One storage precision's backend for a test file's describe blocks, and checks that know the precision. */
export class PrecisionGpu {
  #backend: WebGpuBackendT | undefined;

  constructor(readonly precision: GpuPrecision) {}

  /** Created by backendsPerPrecision's beforeAll. */
  get b(): WebGpuBackendT {
    if (!this.#backend) throw new Error(`the ${this.precision} backend is not open (backendsPerPrecision opens it before the tests)`);
    return this.#backend;
  }

  async open(): Promise<void> { this.#backend ??= await newBackend(this.precision); }

  dispose(): void { this.#backend?.dispose(); }

  /** `t` as this backend stores it: itself on f32, rounded to f16 on f16 (what the kernels read). */
  stored(t: Tensor): Tensor;
  stored(t: Tensor | undefined): Tensor | undefined;
  stored(t: Tensor | undefined): Tensor | undefined {
    return t && this.precision === 'f16' ? tensor(t.shape, roundF16(t.data)) : t;
  }

  /** The op's reference on the values this backend stores for `inputs`. */
  reference<A>(op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {}): Tensor[] {
    return runReference(op, inputs.map((t) => this.stored(t)), rawAttrs);
  }

  /** prepareGpu on this backend, uploading `inputs` as given (the backend rounds them itself on f16). */
  prepare<A>(op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {}, opts: RunOptions = {}): () => Promise<Tensor[]> {
    return prepareGpu(this.b, op, inputs, rawAttrs, opts);
  }

  run<A>(op: OpDef<A>, inputs: readonly (Tensor | undefined)[], rawAttrs: Attrs = {}, opts: RunOptions = {}): Promise<Tensor[]> {
    return runGpu(this.b, op, inputs, rawAttrs, opts);
  }

  /** The tolerance `tol` becomes on this precision (storedTolerance). */
  tolerance(tol: Tolerance): Tolerance {
    return storedTolerance(tol, this.precision);
  }

  /** expectClose under this precision's tolerance for `tol` (the op's), keeping the worst errors of `family` for the file's summary. */
  expectClose(family: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string): void {
    this.expectWithin(family, got, want, this.tolerance(tol), what);
  }

  /** expectClose under `tol` as given; on f16 `want` saturates at ±65504 first (an f16 tensor holds no more). */
  expectWithin(family: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string): void {
    const w = this.precision === 'f16' ? saturated(want) : want;
    note(family, this.precision, got, w, tol);
    expectClose(got, w, tol, `${what} (${this.precision})`);
  }
}

/**
 * A backend per storage precision for one test file, opened before its tests (so preparing in a
 * beforeAll may use them) and disposed after; the file's worst errors per family are printed at the end.
 */
export function backendsPerPrecision(): readonly PrecisionGpu[] {
  const gpus = PRECISIONS.map((p) => new PrecisionGpu(p));
  beforeAll(async () => {
    if (skipReason === undefined) for (const g of gpus) await g.open();
  });
  afterAll(() => {
    for (const g of gpus) g.dispose();
    for (const [family, byPrecision] of worst) console.log(summary(family, byPrecision));
    worst.clear();
  });
  return gpus;
}
