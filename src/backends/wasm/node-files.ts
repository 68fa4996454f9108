// Node only: finds the kernel builds on disk, beside the bundle (dist/node, dist/cli) or in a checkout (build/wasm),
// and gives the thread pool Node's workers (worker_threads) and core count.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { configureDefaultWasmSources } from './backend.js';
import { wasmSourcesFromFiles } from './node.js';
import { configureThreadHost, type Spawn } from './threads.js';

const CANDIDATES = ['./', '../../build/wasm/', '../../../build/wasm/'];
/** Set once: a host configured after (tests that watch the workers) is not replaced by later loads. */
let threadsSet = false;

/** A pool worker on worker_threads, unref'd once it is ready: an idle pool never keeps the process alive. */
export const spawnNodeWorker: Spawn = (url, onMessage, onLost) => {
  const w = new Worker(url);
  // Ref'd until then, or a process awaiting only the pool would exit before it is ready.
  w.once('message', () => w.unref());
  w.on('message', onMessage);
  w.on('error', (e) => onLost(e.message));
  w.on('exit', (code) => onLost(`exited with code ${code}`));
  return w;
};

/**
 * Points the wasm providers at the first folder holding the builds (unless the app set its own with
 * setAssetPaths) and the thread pool at worker_threads; returns the folder, or undefined if none.
 */
export function useWasmBuildsOnDisk(): string | undefined {
  if (!threadsSet) configureThreadHost({ spawn: spawnNodeWorker, cores: availableParallelism });
  threadsSet = true;
  for (const rel of CANDIDATES) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}edgeinfer-simd.wasm`)) {
      configureDefaultWasmSources(wasmSourcesFromFiles(dir));
      return dir;
    }
  }
  return undefined;
}
