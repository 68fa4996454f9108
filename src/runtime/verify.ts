// Whether a backend's answers can be trusted: its trial outputs against those of the most trusted backend
// that ran the same seeded inputs (js, the reference, then wasm; a GPU is never the reference). A GPU path
// that returns zeros, NaNs or unrelated scores at full speed is rejected with the measured difference.
import type { BackendName, GpuPrecision } from '../backends/backend.js';

/** Higher is more trusted; 0: checked, never a reference. */
export const TRUST: Readonly<Record<BackendName, number>> = { js: 2, wasm: 1, webgpu: 0 };

/**
 * Largest |difference| allowed, relative to the largest |reference value| of that output (at least 1): f32
 * backends differ by rounding order only (MobileNetV2: 1e-6 relative); f16 storage rounds every layer to 11
 * bits (MobileNetV2 logits: 3e-3 relative). Both bounds sit far below what a broken kernel produces.
 */
export const AGREEMENT: Readonly<Record<GpuPrecision, number>> = { f32: 1e-3, f16: 5e-2 };

export interface Reference {
  readonly name: BackendName;
  readonly outputs: readonly Float32Array[];
}

/** Why `got` (a run at `precision`) disagrees with the reference, or undefined when it agrees. */
export function disagreement(got: readonly Float32Array[], ref: Reference, precision: GpuPrecision): string | undefined {
  const bound = AGREEMENT[precision];
  for (let o = 0; o < ref.outputs.length; o++) {
    const want = ref.outputs[o], have = got[o];
    if (!have || have.length !== want.length) return `its output ${o} has ${have?.length ?? 0} values, ${ref.name}'s ${want.length}`;
    let scale = 1;
    for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i])) scale = Math.max(scale, Math.abs(want[i]));
    let worst = 0;
    for (let i = 0; i < want.length; i++) {
      if (Number.isFinite(want[i]) && !Number.isFinite(have[i])) return `its output ${o}[${i}] is ${have[i]} where ${ref.name} gives ${want[i]}`;
      worst = Math.max(worst, Math.abs(have[i] - want[i]));
    }
    if (worst / scale > bound) {
      return `its output ${o} disagrees with ${ref.name}'s: max |diff| ${worst.toPrecision(3)} (${(worst / scale).toExponential(1)} of the largest value; ${precision} allows ${bound})`;
    }
  }
  return undefined;
}
