// Node only: reads a TF.js layers model directory (model.json and the manifest's shard files, in
// manifest order) into what importTfjsLayers takes. Shard paths must stay inside the directory.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { ModelFormatError } from '../errors.js';
import { child, expectArray, expectObject, expectString } from './tfjs/json.js';

export async function readTfjsLayersDir(dir: string): Promise<{ modelJson: unknown; weightData: Uint8Array }> {
  const jsonPath = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    throw new ModelFormatError(`cannot read model.json: ${(e as Error).message}`, jsonPath, { cause: e });
  }
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`model.json is not valid JSON: ${(e as Error).message}`, jsonPath, { cause: e });
  }
  const root = expectObject(modelJson, 'model.json');
  const shards: Uint8Array[] = [];
  if (root.weightsManifest !== undefined) {
    const groups = expectArray(root.weightsManifest, 'weightsManifest');
    for (let g = 0; g < groups.length; g++) {
      const gw = child('weightsManifest', g);
      const paths = expectArray(expectObject(groups[g], gw).paths, child(gw, 'paths'));
      for (let p = 0; p < paths.length; p++) {
        const where = child(child(gw, 'paths'), p);
        const rel = expectString(paths[p], where);
        const file = normalize(join(dir, rel));
        const back = relative(dir, file);
        if (isAbsolute(rel) || back === '' || back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back)) {
          throw new ModelFormatError(`shard path ${JSON.stringify(rel)} leaves the model directory`, where);
        }
        try {
          shards.push(await readFile(file));
        } catch (e) {
          throw new ModelFormatError(`cannot read weight shard ${JSON.stringify(rel)}: ${(e as Error).message}`, where, { cause: e });
        }
      }
    }
  }
  const weightData = new Uint8Array(shards.reduce((a, s) => a + s.byteLength, 0));
  let at = 0;
  for (const s of shards) { weightData.set(s, at); at += s.byteLength; }
  return { modelJson, weightData };
}
