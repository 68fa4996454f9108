// Node-only entry: read a .eim file from disk. The one module of src/format that imports node:*
// (through runtime/node-file.ts: regular files only, under a size cap, never blocking on a FIFO).
import type { Graph } from '../graph/ir.js';
import { ModelFormatError } from '../errors.js';
import { FILE_LIMITS, FileRefusedError, readRegularFile } from '../node-file.js';
import { readEim } from './reader.js';

export interface ReadEimFileOptions {
  /** Refuse a file larger than this, in bytes, before reading it (default 1 GiB). */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
}

export async function readEimFile(path: string, options: ReadEimFileOptions = {}): Promise<Graph> {
  let buf: Uint8Array;
  try {
    buf = await readRegularFile(path, { maxBytes: options.maxBytes ?? FILE_LIMITS.model, signal: options.signal, raise: 'raise the model size limit to read it' });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    const detail = e instanceof FileRefusedError ? e.detail : e instanceof Error ? e.message : String(e);
    throw new ModelFormatError(`cannot read model file${detail.startsWith('(') ? ' ' : ': '}${detail}`, path, { cause: e });
  }
  return readEim(buf);
}
