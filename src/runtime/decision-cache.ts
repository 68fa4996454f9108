// Where `auto` backend decisions are remembered, keyed by (model hash, device, provider set), so a
// page reload or a second process skips the trial. Stores may lose, corrupt or refuse entries: every
// read is validated and every failure reads as a miss, never as an error.
import type { BackendName } from '../backends/backend.js';

const FORMAT = 1;
const BACKEND_NAMES: readonly string[] = ['webgpu', 'wasm', 'js'];

export interface CachedDecision {
  readonly format: typeof FORMAT;
  readonly backend: BackendName;
  /** Tells apart providers that share a name (wasm SIMD and scalar builds). */
  readonly priority: number;
  readonly medianMs?: number;
  /** Date.now() when the trial ran. */
  readonly savedAt: number;
}

/** A store for decisions; methods may be sync or async and may throw (treated as a miss / a dropped write). */
export interface DecisionCache {
  get(key: string): CachedDecision | undefined | Promise<CachedDecision | undefined>;
  set(key: string, decision: CachedDecision): void | Promise<void>;
}

export function makeDecision(backend: BackendName, priority: number, medianMs: number | undefined): CachedDecision {
  return medianMs === undefined
    ? { format: FORMAT, backend, priority, savedAt: Date.now() }
    : { format: FORMAT, backend, priority, medianMs, savedAt: Date.now() };
}

/** The decision `value` holds, or undefined when it is not one (foreign, older format, corrupted). */
export function parseDecision(value: unknown): CachedDecision | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (v.format !== FORMAT || typeof v.backend !== 'string' || !BACKEND_NAMES.includes(v.backend)) return undefined;
  if (typeof v.priority !== 'number' || !Number.isFinite(v.priority)) return undefined;
  // Within the range a Date can hold, so it can be shown.
  if (typeof v.savedAt !== 'number' || !(Math.abs(v.savedAt) <= 8.64e15)) return undefined;
  if (v.medianMs !== undefined && (typeof v.medianMs !== 'number' || !(v.medianMs >= 0))) return undefined;
  const medianMs = v.medianMs as number | undefined;
  const d = { format: FORMAT, backend: v.backend as BackendName, priority: v.priority, savedAt: v.savedAt } as const;
  return medianMs === undefined ? d : { ...d, medianMs };
}

export async function readDecision(cache: DecisionCache, key: string): Promise<CachedDecision | undefined> {
  try {
    return parseDecision(await cache.get(key));
  } catch {
    return undefined;
  }
}

/** Resolves to false (never rejects) when the store refused the write. */
export async function writeDecision(cache: DecisionCache, key: string, decision: CachedDecision): Promise<boolean> {
  try {
    await cache.set(key, decision);
    return true;
  } catch {
    return false;
  }
}

/** The part of the Web Storage API used here, so tests and other stores can stand in. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Decisions as JSON strings in localStorage (or any Storage-like object). */
export function localStorageCache(storage: KeyValueStorage, prefix = 'edgeinfer.backend:'): DecisionCache {
  return {
    get: (key) => {
      const raw = storage.getItem(prefix + key);
      return raw === null ? undefined : parseDecision(JSON.parse(raw));
    },
    set: (key, d) => storage.setItem(prefix + key, JSON.stringify(d)),
  };
}

/**
 * The browser's localStorage when this is a browser that allows it (opaque origins and some privacy
 * modes throw on access), else undefined. Node is excluded: its Web Storage is an opt-in file store.
 */
export function browserLocalStorage(): KeyValueStorage | undefined {
  const g = globalThis as { process?: { versions?: { node?: string } }; localStorage?: KeyValueStorage };
  if (g.process?.versions?.node) return undefined;
  try {
    const s = g.localStorage;
    return s && typeof s.getItem === 'function' && typeof s.setItem === 'function' ? s : undefined;
  } catch {
    return undefined;
  }
}

// Its own module, re-exported here: the runtime never calls it, so the browser bundle's index.js does not carry it.
export { memoryCache } from './memory-cache.js';
