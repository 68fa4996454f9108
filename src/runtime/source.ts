// Turns whatever load() was given into .eim bytes: a URL (fetched and streamed with progress), a
// fetch Response, bytes, a Blob/File, or a file path through an injected reader (Node supplies
// one, so no Node module is reachable from here). Cancelled reads reject with AbortError; a download that
// stalls, or declares more than maxModelBytes, with ModelFormatError before it is buffered.
import { EdgeInferError, InputError, ModelFormatError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { readBody, STALL_MS, unlessStalled } from '../format/stream.js';
import { AbortError, abortable, throwIfAborted } from './abort.js';
import { describe } from './session.js';

export type ProgressCallback = (loaded: number, total: number | undefined) => void;

/** Reads a whole file; `path` is a filesystem path or a file: URL. */
export type FileReader = (path: string | URL, signal?: AbortSignal) => Promise<Uint8Array>;

export type ModelSource = string | URL | ArrayBuffer | ArrayBufferView | Blob | Response | Graph;

export interface SourceOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Default: globalThis.fetch. */
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Extra fetch options (headers, credentials, cache mode); `signal` is set from options.signal. */
  requestInit?: RequestInit;
  /** Without one, strings are URLs; with one (the Node entry), strings without a URL scheme are paths. */
  readFile?: FileReader;
  /**
   * The largest model read from a URL, Response or Blob (and in Node from a file), in bytes; default 1 GiB. A
   * larger Content-Length or .eim preamble is refused before the body is buffered.
   */
  maxModelBytes?: number;
  /** A download that yields no data for this long (waiting for the response or for a chunk) fails; default 30000 ms. */
  stallTimeoutMs?: number;
}

/** Schemes fetched rather than read from disk; anything else (`C:\\x`, `./m.eim`) is a path when a file reader exists. */
const FETCHED = new Set(['http:', 'https:', 'blob:', 'data:']);

export function isGraph(v: unknown): v is Graph {
  if (v === null || typeof v !== 'object') return false;
  const g = v as Partial<Graph>;
  return Array.isArray(g.nodes) && Array.isArray(g.inputs) && Array.isArray(g.outputs) && g.constants instanceof Map;
}

function absoluteUrl(s: string): URL | undefined {
  // A one-letter scheme is a Windows drive (C:\models\m.eim), never a URL.
  if (!/^[a-z][a-z0-9+.-]+:/i.test(s)) return undefined;
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** Where relative URLs resolve in a page or worker; undefined outside one. */
function baseUrl(): string | undefined {
  const loc = (globalThis as { location?: { href?: string } }).location;
  return typeof loc?.href === 'string' ? loc.href : undefined;
}

/**
 * The progress callback readBody gets: it also polls the signal, so an abort while chunks arrive
 * cancels the body stream (readBody cancels its reader when the callback throws).
 */
function progressWithAbort(onProgress: ProgressCallback | undefined, signal: AbortSignal | undefined): ProgressCallback | undefined {
  if (!signal) return onProgress;
  return (loaded, total) => {
    throwIfAborted(signal, 'download');
    onProgress?.(loaded, total);
  };
}

async function fromResponse(response: Response, opts: SourceOptions): Promise<Uint8Array> {
  const body = readBody(response, progressWithAbort(opts.onProgress, opts.signal), opts.maxModelBytes, opts.stallTimeoutMs);
  // A stalled stream yields no chunk to notice the abort on, hence the race as well.
  return abortable(body, opts.signal, 'download');
}

async function fromUrl(url: string | URL, opts: SourceOptions): Promise<Uint8Array> {
  const fetchImpl = opts.fetch ?? (globalThis as { fetch?: SourceOptions['fetch'] }).fetch;
  const where = String(url);
  if (typeof fetchImpl !== 'function') throw new InputError(`cannot fetch ${where}: this environment has no fetch()`);
  throwIfAborted(opts.signal, 'download');
  let response: Response;
  try {
    // A server that never answers ends too; its request is left to the transport's own timeout.
    response = await abortable(unlessStalled(fetchImpl(url, { ...opts.requestInit, signal: opts.signal ?? opts.requestInit?.signal }),
      opts.stallTimeoutMs ?? STALL_MS, where), opts.signal, 'download');
  } catch (e) {
    if (e instanceof EdgeInferError) throw e;
    throw new ModelFormatError(`model request failed: ${e instanceof Error ? e.message : String(e)}`, where, { cause: e });
  }
  return fromResponse(response, opts);
}

async function fromFile(path: string | URL, opts: SourceOptions & { readFile: FileReader }): Promise<Uint8Array> {
  throwIfAborted(opts.signal, 'file read');
  const bytes = await abortable(opts.readFile(path, opts.signal), opts.signal, 'file read');
  opts.onProgress?.(bytes.length, bytes.length);
  return bytes;
}

function fromString(s: string, opts: SourceOptions): Promise<Uint8Array> {
  if (s.trim() === '') throw new InputError('load() was given an empty string', { expected: 'a URL or a file path' });
  const url = absoluteUrl(s);
  if (opts.readFile) {
    if (!url) return fromFile(s, { ...opts, readFile: opts.readFile });
    if (url.protocol === 'file:') return fromFile(url, { ...opts, readFile: opts.readFile });
  }
  if (url && !FETCHED.has(url.protocol)) {
    throw new InputError(`cannot load ${url.protocol} URLs here`, { expected: `one of ${[...FETCHED].join(' ')}${opts.readFile ? ' file:' : ''}`, received: s });
  }
  if (!url && baseUrl() === undefined) {
    throw new InputError(`"${s}" is not an absolute URL, and file paths can only be loaded through the Node entry`, { expected: 'http(s):, blob: or data: URL' });
  }
  return fromUrl(url ?? s, opts);
}

/** The .eim bytes of `source` (a Graph source has none: use isGraph first). */
export async function readSource(source: Exclude<ModelSource, Graph>, opts: SourceOptions = {}): Promise<Uint8Array> {
  throwIfAborted(opts.signal, 'start');
  if (typeof source === 'string') return fromString(source, opts);
  if (source instanceof URL) return fromString(source.href, opts);
  if (typeof Response !== 'undefined' && source instanceof Response) return fromResponse(source, opts);
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    // Through a Response: the same chunked read, progress and abort as a download.
    return fromResponse(new Response(source, { headers: { 'content-length': String(source.size) } }), opts);
  }
  let bytes: Uint8Array | undefined;
  if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (!bytes) {
    throw new InputError('load() cannot read this source', {
      expected: 'a URL, a file path (Node), ArrayBuffer, Uint8Array, Blob, Response or Graph', received: describe(source),
    });
  }
  opts.onProgress?.(bytes.length, bytes.length);
  return bytes;
}
