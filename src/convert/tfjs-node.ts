// Node only: reads a TF.js layers model directory (model.json and the manifest's shard files, in
// manifest order) into what importTfjsLayers takes. No path leaves the model's folder: a shard path is
// checked as written and again after resolving symbolic links (a shard linked to /dev/zero or to a file
// elsewhere is refused). Every file is read through node-file.ts: regular files only, model.json under
// 64 MiB, the shards together under maxBytes, checked before any is read.
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { ModelFormatError } from '../errors.js';
import { FILE_LIMITS, FileRefusedError, formatSize, openRegularFile, readRegularFile, type RegularFile } from '../node-file.js';
import { child, expectArray, expectObject, expectString } from './tfjs/json.js';

export interface ReadTfjsOptions {
  /** The most bytes of weights (all shards together) read, checked before reading; default 1 GiB. */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
}

/** True when `path` is `dir` itself or below it (both absolute, resolved the same way). */
function inside(dir: string, path: string): boolean {
  const back = relative(dir, path);
  return back !== '' && back !== '..' && !back.startsWith(`..${sep}`) && !isAbsolute(back);
}

function why(e: unknown): string {
  return e instanceof FileRefusedError ? e.detail : e instanceof Error ? e.message : String(e);
}

export async function readTfjsLayersDir(dir: string, options: ReadTfjsOptions = {}): Promise<{ modelJson: unknown; weightData: Uint8Array }> {
  const maxBytes = options.maxBytes ?? FILE_LIMITS.model;
  const jsonPath = join(dir, 'model.json');
  let realDir: string, text: string;
  try {
    realDir = await realpath(dir);
    const realJson = await realpath(jsonPath);
    if (!inside(realDir, realJson)) throw new Error(`it resolves to ${realJson}, outside the model directory`);
    text = new TextDecoder().decode(await readRegularFile(realJson, { maxBytes: FILE_LIMITS.modelJson, signal: options.signal }));
  } catch (e) {
    throw new ModelFormatError(`cannot read model.json: ${why(e)}`, jsonPath, { cause: e });
  }
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`model.json is not valid JSON: ${(e as Error).message}`, jsonPath, { cause: e });
  }
  const root = expectObject(modelJson, 'model.json');
  const shards: RegularFile[] = [];
  try {
    // Every shard is resolved, opened and checked before any is read: the total is known up front.
    let total = 0;
    if (root.weightsManifest !== undefined) {
      const groups = expectArray(root.weightsManifest, 'weightsManifest');
      for (let g = 0; g < groups.length; g++) {
        const gw = child('weightsManifest', g);
        const paths = expectArray(expectObject(groups[g], gw).paths, child(gw, 'paths'));
        for (let p = 0; p < paths.length; p++) {
          const where = child(child(gw, 'paths'), p);
          const rel = expectString(paths[p], where);
          if (isAbsolute(rel) || !inside(dir, normalize(join(dir, rel)))) {
            throw new ModelFormatError(`shard path ${JSON.stringify(rel)} leaves the model directory`, where);
          }
          let file: RegularFile;
          try {
            const real = await realpath(join(dir, rel));
            if (!inside(realDir, real)) {
              throw new ModelFormatError(`shard path ${JSON.stringify(rel)} leaves the model directory (it resolves to ${real})`, where);
            }
            file = await openRegularFile(real, { maxBytes: maxBytes - total, raise: `the weights may take ${formatSize(maxBytes)} in all` });
          } catch (e) {
            if (e instanceof ModelFormatError) throw e;
            throw new ModelFormatError(`cannot read weight shard ${JSON.stringify(rel)}: ${why(e)}`, where, { cause: e });
          }
          shards.push(file);
          total += file.size;
        }
      }
    }
    const weightData = new Uint8Array(total);
    let at = 0;
    for (const s of shards) {
      try {
        await s.read(options.signal, weightData.subarray(at, at + s.size));
      } catch (e) {
        if (options.signal?.aborted) throw e;
        throw new ModelFormatError(`cannot read weight shard ${s.path}: ${why(e)}`, s.path, { cause: e });
      }
      at += s.size;
    }
    return { modelJson, weightData };
  } finally {
    await Promise.all(shards.map((s) => s.close()));
  }
}
