// `auto` decisions in IndexedDB, for the browser contexts without localStorage (Web Workers, service
// workers). Same contract as decision-cache.ts: a failed open, request or transaction reads as a miss
// or a dropped write, never as an error.
import type { GlobalType } from '../globals.js';
import { parseDecision, type DecisionCache } from './decision-cache.js';

const DB_NAME = 'edgeinfer';
const STORE = 'backend-decisions';

export function indexedDbCache(factory: GlobalType<'IDBFactory', never>): DecisionCache {
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => (db ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    // Another context holds an older version open: give up rather than wait for it.
    req.onblocked = () => reject(new Error('IndexedDB upgrade blocked'));
  }).catch((e: unknown) => {
    db = undefined; // a failed open is tried again by the next request
    throw e;
  }));
  async function request<T>(mode: IDBTransactionMode, make: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const store = (await open()).transaction(STORE, mode).objectStore(STORE);
    return new Promise((resolve, reject) => {
      const req = make(store);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return {
    get: async (key) => parseDecision(await request('readonly', (s) => s.get(key))),
    set: async (key, decision) => { await request('readwrite', (s) => s.put(decision, key)); },
  };
}

/** This browser context's IndexedDB when it has one it allows (opaque origins throw), else undefined; never Node's. */
export function browserIndexedDb(): GlobalType<'IDBFactory', never> | undefined {
  const g = globalThis as { process?: { versions?: { node?: string } }; indexedDB?: IDBFactory };
  if (g.process?.versions?.node) return undefined;
  try {
    return g.indexedDB ?? undefined;
  } catch {
    return undefined;
  }
}
