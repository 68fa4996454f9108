// Reads a fetch Response body into one buffer with progress. Content-Length and then the size the .eim
// preamble declares are used to preallocate, each capped, and the body may not outrun the preamble:
// a lying length costs at most the cap, never a huge allocation, and a non-.eim body fails early. A declared
// length over maxBytes is refused before the body is read, and a body that yields nothing for stallMs fails.
import { ModelFormatError } from '../errors.js';
import { PREAMBLE_BYTES, declaredFileLength, readPreamble } from './layout.js';

/** Largest allocation made on a declared length before that much data has arrived; beyond it the buffer doubles as data comes. */
const MAX_PREALLOC = 64 * 1024 * 1024;
/** Content-Length alone (before the preamble has confirmed it) is trusted only this far. */
const MAX_UNCONFIRMED = 16 * 1024 * 1024;
const MIN_CAPACITY = 64 * 1024;
/** LoadOptions.maxModelBytes's default, as for model files in Node (node-file.ts). */
export const MAX_MODEL_BYTES = 2 ** 30;
/** LoadOptions.stallTimeoutMs's default. */
export const STALL_MS = 30_000;

/** `work`, or ModelFormatError once nothing has come for `ms`: a stalled server without a signal still ends. */
export function unlessStalled<T>(work: Promise<T>, ms: number, where: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([work, new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ModelFormatError(`no data for ${ms} ms (stallTimeoutMs)`, where)), ms);
  })]).finally(() => clearTimeout(timer));
}

function tooLarge(bytes: number, max: number, where: string): ModelFormatError {
  return new ModelFormatError(`the model is ${bytes} bytes, over the limit of ${max} (maxModelBytes)`, where);
}

function contentLength(response: Response): number | undefined {
  const enc = response.headers.get('content-encoding');
  // With compression the header counts encoded bytes while the stream yields decoded ones.
  if (enc !== null && enc.trim().toLowerCase() !== 'identity') return undefined;
  const v = response.headers.get('content-length');
  if (v === null || !/^\s*\d{1,15}\s*$/.test(v)) return undefined;
  return Number(v);
}

/**
 * Resolves to the whole body in a fresh buffer at byte offset 0 (so tensor views can be made). Rejects with
 * ModelFormatError when Content-Length or the preamble declares more than `maxBytes`, or no chunk comes for `stallMs`.
 */
export async function readBody(response: Response, onProgress?: (loaded: number, total: number | undefined) => void,
  maxBytes = MAX_MODEL_BYTES, stallMs = STALL_MS): Promise<Uint8Array> {
  const where = response.url || 'response';
  if (!response.ok && response.status !== 0) {
    throw new ModelFormatError(`model request failed: HTTP ${response.status} ${response.statusText}`.trim(), where);
  }
  if (response.bodyUsed) throw new ModelFormatError('response body was already read', where);
  const headerTotal = contentLength(response);
  let total = headerTotal;
  if (!response.body) return new Uint8Array(0);
  let buf = new Uint8Array(headerTotal !== undefined && headerTotal <= MAX_UNCONFIRMED ? Math.max(headerTotal, PREAMBLE_BYTES) : MIN_CAPACITY);
  let loaded = 0;
  let declared: number | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = response.body.getReader();
  } catch (e) {
    throw new ModelFormatError('response body cannot be read (locked by another reader)', where, { cause: e });
  }

  const abort = async (e: unknown): Promise<never> => {
    await reader.cancel().catch(() => undefined);
    throw e;
  };
  if (headerTotal! > maxBytes) return abort(tooLarge(headerTotal!, maxBytes, where));
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await unlessStalled(reader.read(), stallMs, `byte ${loaded} of ${where}`);
    } catch (e) {
      return abort(e instanceof ModelFormatError ? e
        : new ModelFormatError(`reading the model stream failed: ${e instanceof Error ? e.message : String(e)}`, `byte ${loaded} of ${where}`, { cause: e }));
    }
    if (chunk.done) break;
    const part = chunk.value;
    if (!(part instanceof Uint8Array)) {
      return abort(new ModelFormatError('model stream yielded something other than bytes', `byte ${loaded} of ${where}`));
    }
    const need = loaded + part.length;
    if (declared !== undefined && need > declared) {
      return abort(new ModelFormatError(`stream is longer than the ${declared} bytes the file declares`, `byte ${declared} of ${where}`));
    }
    if (need > buf.length) {
      const wanted = Math.max(need, Math.min(buf.length * 2, declared ?? Infinity), MIN_CAPACITY);
      const grown = new Uint8Array(wanted);
      grown.set(buf.subarray(0, loaded));
      buf = grown;
    }
    buf.set(part, loaded);
    loaded = need;
    if (declared === undefined && loaded >= PREAMBLE_BYTES) {
      try {
        declared = declaredFileLength(readPreamble(buf.subarray(0, loaded), null));
      } catch (e) {
        return abort(e);
      }
      if (declared > maxBytes) return abort(tooLarge(declared, maxBytes, where));
      if (loaded > declared) return abort(new ModelFormatError(`stream is longer than the ${declared} bytes the file declares`, `byte ${declared} of ${where}`));
      // The file's own length, when plausible, sizes the buffer exactly: no regrowth, no spare to trim later.
      if (buf.length !== declared && declared - loaded <= MAX_PREALLOC) {
        const exact = new Uint8Array(declared);
        exact.set(buf.subarray(0, loaded));
        buf = exact;
      }
      total = declared;
    }
    if (total !== undefined && loaded > total) total = undefined;
    if (onProgress) {
      try {
        onProgress(loaded, total);
      } catch (e) {
        return abort(e);
      }
    }
  }
  // Drop spare capacity when it is large, so a graph's views do not pin it.
  return buf.length - loaded > Math.max(MIN_CAPACITY, loaded >> 3) ? buf.slice(0, loaded) : buf.subarray(0, loaded);
}
