// Node only: the one way a file that a user or a model names is read (models, TF.js shards, images,
// labels, JSON arguments, the decision cache). Opened non-blocking (a FIFO never blocks the open, so no
// libuv thread is left stuck), checked on the open handle to be a regular file under a size cap before
// any memory is taken, read in chunks with the AbortSignal checked between them, always closed.
// Failures are FileRefusedError, which each caller turns into its own typed error with the path.
// And the one way a file is replaced (replaceFile: the decision cache, `edgeinfer convert`'s output).
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Flags that do not exist on a platform (Windows: O_NONBLOCK, O_NOFOLLOW, O_NOCTTY) count as 0. */
const flag = (name: 'O_NONBLOCK' | 'O_NOFOLLOW' | 'O_NOCTTY'): number => (constants as Record<string, number | undefined>)[name] ?? 0;

const CHUNK = 8 << 20;

export const MiB = 1 << 20;
export const GiB = 1 << 30;

/** Default caps per kind of file; each reader has its own option to change its cap. */
export const FILE_LIMITS = {
  /** .eim, ONNX, and the weights of a TF.js model together. */
  model: GiB,
  /** A JPEG or PNG file (its decoding has its own memory budget). */
  image: 256 * MiB,
  /** TF.js model.json. */
  modelJson: 64 * MiB,
  /** A labels file, a preprocessing JSON file. */
  text: 16 * MiB,
} as const;

export type RefusalReason = 'not-regular' | 'too-large' | 'io' | 'rejected';

/** Why a file was not read; `message` reads after "cannot read <what> <path>: ". */
export class FileRefusedError extends Error {
  readonly path: string;
  readonly reason: RefusalReason;
  /** The OS error code (ENOENT, EACCES...), EISDIR for a directory; undefined otherwise. */
  readonly code?: string;
  constructor(path: string, reason: RefusalReason, message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'FileRefusedError';
    this.path = path;
    this.reason = reason;
    if (options?.code !== undefined) this.code = options.code;
  }

  /** "(ENOENT) no such file..." style, for messages that put the code first. */
  get detail(): string {
    return this.code ? `(${this.code}) ${this.message}` : this.message;
  }
}

/** What a stat says a path is, in words. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function formatSize(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(n % GiB ? 2 : 0)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(n % MiB ? 1 : 0)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KiB`;
  return `${n} bytes`;
}

/** A size limit given by a caller: a positive integer number of bytes (Infinity is not a limit). */
export function isByteLimit(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'it is a symbolic link (or too many levels of them)',
  EMFILE: 'too many open files',
  ENXIO: 'no such device',
  EISDIR: 'it is a directory',
  ENAMETOOLONG: 'the name is too long',
};

export interface OpenOptions {
  /** Refuse a file larger than this (bytes), before reading it. */
  readonly maxBytes: number;
  /** Shown in the too-large message: how to raise the cap, e.g. "raise maxModelBytes". */
  readonly raise?: string;
  /** Refuse a symbolic link at the path itself (O_NOFOLLOW) instead of following it. */
  readonly noFollow?: boolean;
  /** More checks on the open file's stats: a refusal reason, or undefined to accept. */
  readonly check?: (st: Stats) => string | undefined;
}

/** An open regular file: its size as checked, a read of all of it, and close(). */
export interface RegularFile {
  readonly path: string;
  readonly size: number;
  readonly stats: Stats;
  /** Reads the whole file into `into` (size bytes, a new array by default); checks the signal between chunks. */
  read(signal?: AbortSignal, into?: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

function pathOf(path: string | URL): string {
  return typeof path === 'string' ? path : fileURLToPath(path);
}

async function ioError(path: string, e: unknown): Promise<FileRefusedError> {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return new FileRefusedError(path, 'io', e instanceof Error ? e.message : String(e), { cause: e });
  // ENXIO: a socket, or a device without a driver; say which when a stat can tell.
  if (code === 'ENXIO') {
    const st = await stat(path).catch(() => undefined);
    if (st && !st.isFile()) return new FileRefusedError(path, 'not-regular', `it is ${fileKind(st)}, not a regular file`, { cause: e });
  }
  return new FileRefusedError(path, 'io', ERRNO_WORDS[code] ?? (e instanceof Error ? e.message : code), { code, cause: e });
}

/**
 * Opens `path` for reading without blocking and checks the handle: a regular file of at most
 * `maxBytes`. The caller reads and must close it. Rejects with FileRefusedError.
 */
export async function openRegularFile(path: string | URL, options: OpenOptions): Promise<RegularFile> {
  const where = pathOf(path);
  const flags = constants.O_RDONLY | flag('O_NONBLOCK') | flag('O_NOCTTY') | (options.noFollow ? flag('O_NOFOLLOW') : 0);
  let handle: FileHandle;
  try {
    handle = await open(path, flags);
  } catch (e) {
    throw await ioError(where, e);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw new FileRefusedError(where, 'not-regular', `it is ${fileKind(st)}, not a regular file`, st.isDirectory() ? { code: 'EISDIR' } : undefined);
    }
    if (st.size > options.maxBytes) {
      throw new FileRefusedError(where, 'too-large', `it is ${formatSize(st.size)}, over the limit of ${formatSize(options.maxBytes)}${options.raise ? ` (${options.raise})` : ''}`);
    }
    const rejected = options.check?.(st);
    if (rejected !== undefined) throw new FileRefusedError(where, 'rejected', rejected);
    return {
      path: where,
      size: st.size,
      stats: st,
      read: (signal, into) => readAll(handle, where, st.size, signal, into),
      close: () => handle.close().catch(() => undefined),
    };
  } catch (e) {
    await handle.close().catch(() => undefined);
    if (e instanceof FileRefusedError) throw e;
    throw await ioError(where, e);
  }
}

async function readAll(handle: FileHandle, path: string, size: number, signal: AbortSignal | undefined, into?: Uint8Array): Promise<Uint8Array> {
  const buf = into ?? new Uint8Array(size);
  if (buf.length !== size) throw new RangeError(`read target holds ${buf.length} bytes, the file ${size}`);
  let at = 0;
  while (at < size) {
    signal?.throwIfAborted();
    let n: number;
    try {
      ({ bytesRead: n } = await handle.read(buf, at, Math.min(CHUNK, size - at), at));
    } catch (e) {
      throw await ioError(path, e);
    }
    // A file that shrank while it was read: what is left would be zeros, never data.
    if (n === 0) throw new FileRefusedError(path, 'io', `it shrank while being read (${at} of ${size} bytes)`);
    at += n;
  }
  signal?.throwIfAborted();
  return buf;
}

/** Opens, checks, reads and closes: the whole file, or a FileRefusedError (or the signal's reason). */
export async function readRegularFile(path: string | URL, options: OpenOptions & { readonly signal?: AbortSignal }): Promise<Uint8Array> {
  options.signal?.throwIfAborted();
  const file = await openRegularFile(path, options);
  try {
    return await file.read(options.signal);
  } finally {
    await file.close();
  }
}

/** readRegularFile as UTF-8 text; a leading byte-order mark is dropped. */
export async function readTextFile(path: string | URL, options: OpenOptions & { readonly signal?: AbortSignal }): Promise<string> {
  return new TextDecoder().decode(await readRegularFile(path, options));
}

/**
 * Replaces `path` with `data` as one step: a temporary file created exclusively beside it (so the rename
 * stays on one file system) with `mode`, written whole (and flushed with `sync`), then renamed over it.
 * rename() replaces whatever is at `path` (a symbolic link, a FIFO, another user's file) and never follows
 * it. On any failure the temporary file is removed, `path` is left as it was, and the error is rethrown.
 */
export async function replaceFile(path: string, data: Uint8Array | string, options: { readonly mode: number; readonly sync?: boolean }): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(tmp, 'wx', options.mode);
    created = true;
    try {
      await handle.writeFile(data);
      if (options.sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    created = false;
  } finally {
    if (created) await unlink(tmp).catch(() => undefined);
  }
}
