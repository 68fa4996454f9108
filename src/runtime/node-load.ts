// Node side of load(): file paths and file: URLs, a decision cache in a JSON file (under the OS temp
// folder unless told otherwise) and a device key from the OS. Exported by src/node.ts only, so the
// browser bundle never reaches node:*.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { arch, cpus, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFormatError } from '../errors.js';
import { AbortError } from './abort.js';
import { parseDecision, type CachedDecision, type DecisionCache } from './decision-cache.js';
import { load as loadCore, type LoadOptions, type LoadedModel } from './load.js';
import { useWasmBuildsOnDisk } from '../backends/wasm/node-files.js';
import { nodeProviders, wantsWebgpu } from './node-webgpu.js';
import type { FileReader, ModelSource } from './source.js';

/** Keeps the file small and its rewrite cheap; the oldest decisions go first. */
const MAX_ENTRIES = 256;
const FILE_FORMAT = 1;

/** Per user (where there are uids): another account's file could not be written, and should not be trusted. */
export const DEFAULT_CACHE_PATH = join(tmpdir(), `edgeinfer-backend-decisions${process.getuid ? `-${process.getuid()}` : ''}.json`);

/** Reads a model file; failures name the path, like readEimFile. */
export const readModelFile: FileReader = async (path, signal) => {
  const where = typeof path === 'string' ? path : fileURLToPath(path);
  try {
    const buf = await readFile(path, { signal });
    // A plain Uint8Array over the same memory, not a pooled Buffer subclass.
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if (signal?.aborted) throw new AbortError('file read', { cause: signal.reason });
    const code = (e as { code?: unknown }).code;
    throw new ModelFormatError(`cannot read model file${typeof code === 'string' ? ` (${code})` : ''}: ${e instanceof Error ? e.message : String(e)}`, where, { cause: e });
  }
};

/** Node version, OS, architecture and CPU model: what a timing depends on besides the model. */
export function nodeDeviceKey(): string {
  const list = cpus();
  const model = list[0]?.model?.trim().replace(/\s+/g, ' ') ?? 'unknown cpu';
  return `node-${process.version}-${platform()}-${arch()}-${model}x${list.length}`;
}

async function readEntries(path: string): Promise<Map<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return new Map();
    throw e;
  }
  try {
    const doc = JSON.parse(text) as { format?: unknown; entries?: unknown };
    if (doc?.format !== FILE_FORMAT || doc.entries === null || typeof doc.entries !== 'object') return new Map();
    return new Map(Object.entries(doc.entries as Record<string, unknown>));
  } catch {
    return new Map(); // corrupted: the next write replaces it
  }
}

/**
 * Decisions in one JSON file. Writes go to a temporary file renamed over the old one, so a reader
 * never sees half a file; writes from one process are serialised so none is lost.
 */
export function jsonFileCache(path: string = DEFAULT_CACHE_PATH): DecisionCache {
  let writes: Promise<unknown> = Promise.resolve();
  const write = async (key: string, decision: CachedDecision): Promise<void> => {
    const entries = await readEntries(path);
    entries.delete(key);
    entries.set(key, decision);
    const valid = [...entries].flatMap(([k, v]) => {
      const d = parseDecision(v);
      return d ? [[k, d] as const] : [];
    });
    const kept = valid.sort((a, b) => a[1].savedAt - b[1].savedAt).slice(-MAX_ENTRIES);
    const doc = { format: FILE_FORMAT, entries: Object.fromEntries(kept) };
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(doc, null, 1));
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  };
  return {
    get: async (key) => parseDecision((await readEntries(path)).get(key)),
    set: (key, decision) => {
      const done = writes.then(() => write(key, decision));
      writes = done.catch(() => undefined);
      return done;
    },
  };
}

/**
 * load() for Node: as the browser's, plus file paths and file: URLs, and by default a JSON-file
 * decision cache (DEFAULT_CACHE_PATH) and nodeDeviceKey(). Without `providers`, WebGPU ('auto', 'webgpu'
 * or a list naming it) comes from the optional `webgpu` package, opened once per process (node-webgpu.ts).
 */
export function load(source: ModelSource, options: LoadOptions = {}): Promise<LoadedModel> {
  // Node's fetch cannot read file: URLs, so the wasm kernels are read from disk.
  useWasmBuildsOnDisk();
  return loadCore(source, {
    ...options,
    readFile: options.readFile ?? readModelFile,
    cache: options.cache === undefined ? jsonFileCache() : options.cache,
    deviceKey: options.deviceKey ?? nodeDeviceKey,
    providers: options.providers ?? (wantsWebgpu(options.backend) ? nodeProviders() : undefined),
  });
}
