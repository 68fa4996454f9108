// Node-only entry: read a .eim file from disk. The one module of src/format that imports node:*.
import { readFile } from 'node:fs/promises';
import type { Graph } from '../graph/ir.js';
import { ModelFormatError } from '../errors.js';
import { readEim } from './reader.js';

export async function readEimFile(path: string): Promise<Graph> {
  let buf: Uint8Array;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new ModelFormatError(`cannot read model file${typeof code === 'string' ? ` (${code})` : ''}: ${e instanceof Error ? e.message : String(e)}`, path, { cause: e });
  }
  return readEim(buf);
}
