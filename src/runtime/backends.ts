// The backends this build knows, and the one path from backend names to a working backend: each name in
// the caller's order, its providers (a SIMD and a scalar wasm build share a name) by priority, the first
// that opens wins, and every attempt is recorded as a candidate.
import type { Backend, BackendName, BackendOptions, BackendProvider } from '../backends/backend.js';
import { jsProvider } from '../backends/js/backend.js';
import { wasmScalarProvider, wasmSimdProvider, wasmThreadsProvider, type ThreadedWasmProvider } from '../backends/wasm/backend.js';
import { webgpuProvider } from '../backends/webgpu/provider.js';
import { InputError } from '../errors.js';
import { message, noneWorked, type Candidate } from './report.js';

// In Node, WebGPU comes from the caller (a backend instance from the `webgpu` package); browsers have navigator.gpu.
const browserGpu = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { gpu?: GPU }).gpu;

export const PROVIDERS: readonly BackendProvider[] = byPriority([
  webgpuProvider(browserGpu), wasmThreadsProvider, wasmSimdProvider, wasmScalarProvider, jsProvider,
]);

/**
 * `providers` with every threaded wasm provider set to `threads` (SelectOptions.threads): the count the auto
 * trial times against one thread ('auto', the default: the cores, at most 4); with 1 it is unavailable, saying so.
 */
export function withThreads(providers: readonly BackendProvider[], threads: number | 'auto' | undefined): readonly BackendProvider[] {
  if (threads === undefined) return providers;
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1)) throw new InputError('options.threads', { expected: "'auto' or an integer >= 1", received: String(threads) });
  const isThreaded = (p: BackendProvider): p is ThreadedWasmProvider => 'withThreads' in p;
  return providers.map((p) => (isThreaded(p) ? p.withThreads(threads) : p));
}

export function byPriority(providers: readonly BackendProvider[]): BackendProvider[] {
  // Stable: equal priorities keep the order they were given in.
  return providers.map((p, i) => ({ p, i })).sort((a, b) => b.p.priority - a.p.priority || a.i - b.i).map((x) => x.p);
}

/** What opening one provider gave: the thing opened, or why not. */
export type Attempt<T> = { readonly value: T } | { readonly status: 'unavailable' | 'unsupported' | 'failed'; readonly reason: string };

/**
 * The first provider of `names` (in that order; each name's providers by priority) for which `attempt`
 * succeeds, with a candidate for every provider tried. Throws BackendUnavailableError listing them when none does.
 */
export async function firstWorking<T>(names: readonly BackendName[], providers: readonly BackendProvider[],
  attempt: (p: BackendProvider) => Promise<Attempt<T>>): Promise<{ value: T; provider: BackendProvider; candidates: Candidate[] }> {
  const candidates: Candidate[] = [];
  for (const name of names) {
    const ofName = byPriority(providers.filter((p) => p.name === name));
    if (!ofName.length) candidates.push({ name, status: 'unavailable', reason: 'not built into this version of edgeinfer' });
    for (const p of ofName) {
      const got = await attempt(p);
      const base = { name: p.name, priority: p.priority };
      if ('value' in got) {
        candidates.push({ ...base, status: 'chosen' });
        return { value: got.value, provider: p, candidates };
      }
      candidates.push({ ...base, status: got.status, reason: got.reason });
    }
  }
  throw noneWorked(names.join(' or '), candidates);
}

/** The provider's probe: true, or why it is unavailable (a probe that throws says so). */
export async function probe(p: BackendProvider): Promise<true | string> {
  try {
    const ok = await p.available();
    return ok === true ? true : String(ok);
  } catch (e) {
    return `its probe threw: ${message(e)}`;
  }
}

/** A backend of that name: the highest-priority provider available here that creates one. */
export async function openNamed(name: BackendName, providers: readonly BackendProvider[] = PROVIDERS,
  options: BackendOptions = {}): Promise<Backend> {
  const { value } = await firstWorking([name], providers, async (p): Promise<Attempt<Backend>> => {
    const ok = await probe(p);
    if (ok !== true) return { status: 'unavailable', reason: ok };
    try {
      return { value: await p.create(options) };
    } catch (e) {
      return { status: 'failed', reason: `create failed: ${message(e)}` };
    }
  });
  return value;
}
