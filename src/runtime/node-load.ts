// Node side of load(): file paths and file: URLs (node-file.ts: regular files under a size cap, read
// without blocking), a decision cache in a per-user JSON file and a device key from the OS. Exported by
// src/node.ts only, so the browser bundle never reaches node:*.
import { lstat, mkdir } from 'node:fs/promises';
import { arch, cpus, homedir, platform, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFormatError } from '../errors.js';
import { AbortError, abortable } from './abort.js';
import { parseDecision, type CachedDecision, type DecisionCache } from './decision-cache.js';
import { checkLoadOptions, load as loadCore, type LoadOptions, type LoadedModel } from './load.js';
import { FILE_LIMITS, FileRefusedError, fileKind, MiB, readRegularFile, replaceFile } from '../node-file.js';
import { useWasmBuildsOnDisk } from '../backends/wasm/node-files.js';
import { nodeProviders, wantsWebgpu } from './node-webgpu.js';
import type { FileReader, ModelSource } from './source.js';

/** Keeps the file small and its rewrite cheap; the oldest decisions go first. */
const MAX_ENTRIES = 256;
const FILE_FORMAT = 1;
/** 256 entries take about 40 KB: anything much larger is not ours. */
const MAX_CACHE_BYTES = MiB;
/** A read that takes longer (a stalled network file system) counts as a miss: loading never waits on the cache. */
const CACHE_READ_TIMEOUT_MS = 2000;

const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Someone's home, or a per-user folder under the OS temp folder when there is none (a uid without passwd entry). */
function home(): string {
  try {
    const h = homedir();
    if (h) return h;
  } catch { /* no home: below */ }
  return join(tmpdir(), `edgeinfer-${uid ?? 'user'}`);
}

/**
 * The per-user cache folder: `%LOCALAPPDATA%\edgeinfer` on Windows, else `$XDG_CACHE_HOME/edgeinfer`
 * (an absolute XDG_CACHE_HOME only, as the XDG spec says) or `~/.cache/edgeinfer`.
 */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env, os: string = platform()): string {
  if (os === 'win32') {
    const local = env.LOCALAPPDATA;
    return join(local && isAbsolute(local) ? local : join(home(), 'AppData', 'Local'), 'edgeinfer');
  }
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home(), '.cache'), 'edgeinfer');
}

/** Where load() remembers its decisions: backend-decisions.json in defaultCacheDir(), per user. */
export const DEFAULT_CACHE_PATH = join(defaultCacheDir(), 'backend-decisions.json');

/** A reader for load() that refuses model files over `maxBytes` before reading them; failures name the path. */
export function modelFileReader(maxBytes: number = FILE_LIMITS.model): FileReader {
  return async (path, signal) => {
    const where = typeof path === 'string' ? path : fileURLToPath(path);
    try {
      return await readRegularFile(path, { maxBytes, signal, raise: 'raise maxModelBytes to load it' });
    } catch (e) {
      if (signal?.aborted) throw new AbortError('file read', { cause: signal.reason });
      const detail = e instanceof FileRefusedError ? e.detail : e instanceof Error ? e.message : String(e);
      throw new ModelFormatError(`cannot read model file${detail.startsWith('(') ? ' ' : ': '}${detail}`, where, { cause: e });
    }
  };
}

/** Reads a model file of at most FILE_LIMITS.model bytes (1 GiB); failures name the path, like readEimFile. */
export const readModelFile: FileReader = modelFileReader();

/** Node version, OS, architecture and CPU model: what a timing depends on besides the model. */
export function nodeDeviceKey(): string {
  const list = cpus();
  const model = list[0]?.model?.trim().replace(/\s+/g, ' ') ?? 'unknown cpu';
  return `node-${process.version}-${platform()}-${arch()}-${model}x${list.length}`;
}

let warnedCache = false;

/** One line, once per process: the cache is still used (as empty) and the next write replaces the file. */
function warnCache(path: string, why: string, then = 'it is replaced on the next write'): void {
  if (warnedCache) return;
  warnedCache = true;
  console.warn(`edgeinfer: ignoring the backend decision cache ${path}: ${why}; ${then}`);
}

function ownedByUser(st: { uid: number }): string | undefined {
  return uid !== undefined && st.uid !== uid ? `it belongs to another user (uid ${st.uid})` : undefined;
}

/**
 * The entries of the file at `path`: none when it does not exist, and none (with a warning) when it is
 * not a regular file owned by this user under MAX_CACHE_BYTES, a symbolic link, or not a decision file.
 */
async function readEntries(path: string): Promise<Map<string, unknown>> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, { maxBytes: MAX_CACHE_BYTES, noFollow: true, check: ownedByUser });
  } catch (e) {
    if (e instanceof FileRefusedError && e.code === 'ENOENT') return new Map();
    warnCache(path, e instanceof Error ? e.message : String(e));
    return new Map();
  }
  let doc: { format?: unknown; entries?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as typeof doc;
  } catch {
    warnCache(path, 'it is not JSON');
    return new Map();
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    warnCache(path, 'it is not a decision file');
    return new Map();
  }
  if (doc.format !== FILE_FORMAT) return new Map(); // another version's file: replaced quietly
  if (doc.entries === null || typeof doc.entries !== 'object' || Array.isArray(doc.entries)) {
    warnCache(path, 'its entries are not a JSON object');
    return new Map();
  }
  return new Map(Object.entries(doc.entries as Record<string, unknown>));
}

/** Settles with `work`, or rejects after `ms` (the timer does not keep the process alive). */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    timer.unref?.();
    work.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/**
 * The default folder, made 0700 when missing, must be a real folder of this user that nobody else can
 * write to: anyone who could swap files in it could pin this user's backend.
 */
async function ensureCacheDir(dir: string, strict: boolean): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!strict) return;
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is ${fileKind(st)}, not a directory`);
  const other = ownedByUser(st);
  if (other !== undefined) throw new Error(`${dir}: ${other}`);
  if (platform() !== 'win32' && (st.mode & 0o022) !== 0) throw new Error(`${dir} can be written by other users (mode ${(st.mode & 0o777).toString(8)})`);
}

export interface JsonFileCacheOptions {
  /** A read slower than this (ms) counts as a miss, a write as refused (it may still finish); default 2000. */
  readonly timeoutMs?: number;
}

/**
 * Decisions in one JSON file of this user. Reads never follow a symbolic link, never block (a FIFO or a
 * device is refused), refuse files of other users or over 1 MiB, and give up after `timeoutMs` (as do
 * writes, which a load waits for); a bad file reads as empty (one warning per process) and is replaced
 * by the next write. Writes go to a file created exclusively (0600) beside it and renamed over it, so a
 * reader never sees half a file; writes from one process are serialised so none is lost.
 */
export function jsonFileCache(path: string = DEFAULT_CACHE_PATH, options: JsonFileCacheOptions = {}): DecisionCache {
  const timeoutMs = options.timeoutMs ?? CACHE_READ_TIMEOUT_MS;
  const strict = path === DEFAULT_CACHE_PATH;
  let writes: Promise<unknown> = Promise.resolve();
  const write = async (key: string, decision: CachedDecision): Promise<void> => {
    await ensureCacheDir(dirname(path), strict);
    const entries = await withTimeout(readEntries(path), timeoutMs, 'reading the decision cache');
    entries.delete(key);
    entries.set(key, decision);
    const valid = [...entries].flatMap(([k, v]) => {
      const d = parseDecision(v);
      return d ? [[k, d] as const] : [];
    });
    const kept = valid.sort((a, b) => a[1].savedAt - b[1].savedAt).slice(-MAX_ENTRIES);
    await replaceFile(path, JSON.stringify({ format: FILE_FORMAT, entries: Object.fromEntries(kept) }, null, 1), { mode: 0o600 });
  };
  return {
    get: async (key) => {
      try {
        return parseDecision((await withTimeout(readEntries(path), timeoutMs, 'reading the decision cache')).get(key));
      } catch (e) {
        warnCache(path, e instanceof Error ? e.message : String(e), 'loading goes on without it');
        return undefined;
      }
    },
    set: (key, decision) => {
      const done = writes.then(() => write(key, decision));
      writes = done.catch(() => undefined);
      // load() waits for the write of its decision: a stalled file system must not hold it either.
      return withTimeout(done, timeoutMs, 'writing the decision cache');
    },
  };
}

let defaultFileCache: DecisionCache | undefined;

/** A cache whose reads end when `signal` fires (as a miss: selection then notices the abort itself). */
function withSignal(cache: DecisionCache, signal: AbortSignal | undefined): DecisionCache {
  if (!signal) return cache;
  return {
    get: (key) => abortable(Promise.resolve().then(() => cache.get(key)), signal, 'decision cache read'),
    set: (key, decision) => cache.set(key, decision),
  };
}

/** LoadOptions; in Node `maxModelBytes` also bounds a model read from a path or file: URL (unless `readFile` is given). */
export type NodeLoadOptions = LoadOptions;

/**
 * load() for Node: as the browser's, plus file paths and file: URLs (regular files only, at most
 * `maxModelBytes`), and by default a per-user JSON-file decision cache (DEFAULT_CACHE_PATH) and
 * nodeDeviceKey(). Without `providers`, WebGPU ('auto', 'webgpu' or a list naming it) comes from the
 * optional `webgpu` package, opened once per process (node-webgpu.ts).
 */
export async function load(source: ModelSource, options: NodeLoadOptions = {}): Promise<LoadedModel> {
  // Checked before the defaults below read them (load() checks again, cheaply).
  checkLoadOptions(options);
  const rest = options ?? {};
  const { maxModelBytes } = rest;
  // Node's fetch cannot read file: URLs, so the wasm kernels are read from disk.
  useWasmBuildsOnDisk();
  const cache = rest.cache === undefined ? (defaultFileCache ??= jsonFileCache()) : rest.cache;
  return loadCore(source, {
    ...rest,
    readFile: rest.readFile ?? (maxModelBytes === undefined ? readModelFile : modelFileReader(maxModelBytes)),
    cache: cache === false ? false : withSignal(cache, rest.signal),
    deviceKey: rest.deviceKey ?? nodeDeviceKey,
    providers: rest.providers ?? (wantsWebgpu(rest.backend) ? nodeProviders() : undefined),
  });
}
