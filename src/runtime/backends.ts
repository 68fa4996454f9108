// The backends this build knows, by name. Later backends (wasm, webgpu) register here too.
import type { Backend, BackendName, BackendProvider } from '../backends/backend.js';
import { jsProvider } from '../backends/js/backend.js';
import { BackendUnavailableError } from '../errors.js';

export const PROVIDERS: readonly BackendProvider[] = [jsProvider];

export async function createBackend(name: BackendName): Promise<Backend> {
  const provider = PROVIDERS.find((p) => p.name === name);
  if (!provider) throw new BackendUnavailableError(name, 'not built into this version of edgeinfer');
  const ok = await provider.available();
  if (ok !== true) throw new BackendUnavailableError(name, ok);
  return provider.create();
}
