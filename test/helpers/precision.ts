// What f16 storage does to values and to the tolerance of a result: shared by the op tables (run on
// webgpu-f16) and the WebGPU tests. The reference runs on the inputs rounded as the backend stores them.
import type { Tolerance } from '../../src/ops/op.js';
import type { GpuPrecision } from '../../src/backends/backend.js';
import { f16ToF32, f32ToF16 } from '../../src/graph/constant.js';
import { tensor, type Tensor } from '../../src/tensor.js';

/** `values` as an f16 backend stores them: rounded to the nearest half, saturating at ±65504 (as uploads are). */
export function roundF16(values: Float32Array): Float32Array {
  return f16ToF32(f32ToF16(values));
}

/** `t` as a backend of `precision` stores it: itself on f32, rounded to f16 on f16 (what the kernels read). */
export function stored(t: Tensor | undefined, precision: GpuPrecision): Tensor | undefined {
  return t && precision === 'f16' ? tensor(t.shape, roundF16(t.data)) : t;
}

/**
 * Spacing of halves relative to the value (2^-10 in [1, 2)). WGSL leaves the direction of an f32 -> f16
 * conversion open (either neighbour may come back), so one stored result may be off a whole ulp, not half.
 */
export const F16_ULP = 2 ** -10;
/** Smallest normal half: WGSL may flush subnormal halves to zero, an absolute error up to this. */
export const F16_MIN_NORMAL = 2 ** -14;
/** The largest finite half: an f16 tensor holds nothing beyond it (uploads saturate there, and so must results). */
export const F16_MAX = 65504;

/**
 * The tolerance of a result against the reference run on the values the backend stored. On f32 that is
 * the op's own. On f16 the inputs then agree exactly and the math is f32 in both, so what is left is the
 * rounding of the output as it is stored: up to one ulp, or a subnormal flushed to zero. (Ops that store
 * f16 intermediates their output depends on need more: the recurrent tables say how much.) A copy (EXACT)
 * rounds nothing: it reads a half and writes the same half back, so it stays exact.
 */
export function storedTolerance(tol: Tolerance, precision: GpuPrecision): Tolerance {
  if (precision === 'f32' || (tol.atol === 0 && tol.rtol === 0)) return tol;
  return { atol: tol.atol + F16_MIN_NORMAL, rtol: tol.rtol + F16_ULP };
}

/** A wanted value as an f16 tensor can hold it: finite values saturate at ±65504, as uploads do. */
export function saturated(want: Float32Array): Float32Array {
  let over = false;
  for (let i = 0; i < want.length && !over; i++) over = Math.abs(want[i]) > F16_MAX && Number.isFinite(want[i]);
  return over ? want.map((v) => (Number.isFinite(v) ? Math.max(-F16_MAX, Math.min(F16_MAX, v)) : v)) : want;
}
