// A decision cache that lives as long as the process: for tests, and workers without storage.
import type { CachedDecision, DecisionCache } from './decision-cache.js';

/** A process-lifetime store (tests, workers without storage). */
export function memoryCache(): DecisionCache & { readonly entries: Map<string, CachedDecision> } {
  const entries = new Map<string, CachedDecision>();
  return {
    entries,
    get: (key) => entries.get(key),
    set: (key, d) => { entries.set(key, d); },
  };
}
