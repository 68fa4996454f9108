// The backends this build knows. Several providers may share a name (wasm: a SIMD and a scalar
// build); asking for a name gets the highest-priority one available here.
import type { Backend, BackendName, BackendOptions, BackendProvider } from '../backends/backend.js';
import { jsProvider } from '../backends/js/backend.js';
import { wasmScalarProvider, wasmSimdProvider } from '../backends/wasm/backend.js';
import { webgpuProvider } from '../backends/webgpu/backend.js';
import { BackendUnavailableError } from '../errors.js';

// In Node, WebGPU comes from the caller (a backend instance from the `webgpu` package); browsers have navigator.gpu.
const browserGpu = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { gpu?: GPU }).gpu;

export const PROVIDERS: readonly BackendProvider[] = [webgpuProvider(browserGpu), wasmSimdProvider, wasmScalarProvider, jsProvider]
  .sort((a, b) => b.priority - a.priority);

export async function createBackend(name: BackendName, providers: readonly BackendProvider[] = PROVIDERS,
  options: BackendOptions = {}): Promise<Backend> {
  const candidates = providers.filter((p) => p.name === name);
  if (!candidates.length) throw new BackendUnavailableError(name, 'not built into this version of edgeinfer');
  const reasons: string[] = [];
  for (const provider of candidates) {
    const ok = await provider.available();
    if (ok === true) return provider.create(options);
    reasons.push(ok);
  }
  throw new BackendUnavailableError(name, reasons.join('; '));
}
