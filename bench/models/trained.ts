// Trained Fashion-MNIST models, when the training task has left them in models/fashion/<name>/ (TF.js
// layers: model.json + weights). The bench prefers them to seeded weights: same networks, real weights.
// A model that is missing, unreadable (say, mid-write) or shaped differently falls back to seeded.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { readTfjsLayersDir } from '../../src/convert/tfjs-node.js';
import type { Graph } from '../../src/graph/ir.js';

export const TRAINED_DIR = fileURLToPath(new URL('../../models/fashion/', import.meta.url));

export interface WeightedGraph {
  readonly graph: Graph;
  /** Where the weights come from, for the table. */
  readonly weights: string;
}

/**
 * models/fashion/<name> imported, if present and of the expected interface (one input of `input`
 * shape, one [-1, 10] output); else `fallback()` with the reason in its `weights`.
 */
export async function trainedOr(name: string, input: readonly number[], fallback: () => Graph): Promise<WeightedGraph> {
  const dir = join(TRAINED_DIR, name);
  if (!existsSync(join(dir, 'model.json'))) return { graph: fallback(), weights: 'seeded' };
  try {
    const { modelJson, weightData } = await readTfjsLayersDir(dir);
    const graph = importTfjsLayers(modelJson, weightData, { name: `fashion-${name}` });
    const ok = graph.inputs.length === 1 && graph.outputs.length === 1 && graph.inputs[0].shape.join() === input.join()
      && graph.outputs[0].shape.join() === '-1,10';
    if (!ok) return { graph: fallback(), weights: `seeded (models/fashion/${name} has another interface)` };
    return { graph, weights: `trained (models/fashion/${name})` };
  } catch (e) {
    return { graph: fallback(), weights: `seeded (models/fashion/${name}: ${(e as Error).message.split('\n')[0]})` };
  }
}
