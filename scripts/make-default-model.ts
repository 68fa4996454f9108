// Rebuilds models/mobilenetv2-12-int8.eim, the default model of the demo and of `edgeinfer classify`,
// from the staged ONNX Model Zoo file with the SDK's own converter. Deterministic: the same input gives
// the same bytes. Run from anywhere: `npx tsx scripts/make-default-model.ts`; tests import buildDefaultModel
// to check the committed file is still what the converter makes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importOnnx } from '../src/convert/onnx.js';
import { readEim } from '../src/format/reader.js';
import { writeEim } from '../src/format/writer.js';
import { quantizeWeights } from '../src/graph/quantize.js';
import type { Graph } from '../src/graph/ir.js';
import { optimize } from '../src/graph/optimize.js';
import { validateGraph } from '../src/graph/validate.js';
import { labelsFromSynset } from '../src/vision/labels.js';
import { IMAGENET_PREPROCESS } from '../src/vision/presets.js';

const root = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));
const ONNX = root('test/fixtures/models/mobilenetv2-12-int8/mobilenetv2-12-int8.onnx');
const SYNSET = root('test/fixtures/models/imagenet/synset.txt');
export const DEFAULT_MODEL_FILE = root('models/mobilenetv2-12-int8.eim');
// test/fixtures/models/mobilenetv2-12-int8/SOURCE.md: the zoo file, byte for byte.
const ONNX_SHA256 = 'cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The default model's .eim bytes, built from the staged ONNX file and synset labels. */
export function buildDefaultModel(): { bytes: Uint8Array; graph: Graph } {
  const onnx = new Uint8Array(readFileSync(ONNX));
  if (sha256(onnx) !== ONNX_SHA256) throw new Error(`${ONNX} is not the staged zoo file (sha256 ${sha256(onnx)})`);
  const labels = labelsFromSynset(readFileSync(SYNSET, 'utf8'));

  // The zoo weights are already int8 with per-channel scales: 'int8' keeps them as they are
  // (quantizeWeights never requantizes an integer tensor) and stores nothing wider than it must.
  let graph = importOnnx(onnx, { name: 'mobilenetv2-12-int8' });
  graph = quantizeWeights(optimize(graph), 'int8');
  graph.metadata = {
    ...graph.metadata,
    name: 'mobilenetv2-12-int8',
    description: 'MobileNetV2 1.0 ImageNet-1k classifier (1000 classes), weights quantized to int8 by Intel Neural Compressor; '
      + 'ONNX Model Zoo reports 68.30 % top-1, 88.44 % top-5 on ImageNet val.',
    source: 'ONNX Model Zoo, validated/vision/classification/mobilenet/model/mobilenetv2-12-int8.onnx '
      + `(sha256 ${ONNX_SHA256}); license Apache-2.0 (zoo model card). Labels: onnx/models validated/vision/classification/synset.txt, Apache-2.0.`,
    labels,
    preprocess: IMAGENET_PREPROCESS,
    outputKind: 'logits',
  };
  validateGraph(graph);
  const bytes = writeEim(graph);
  // Read it back: a file the runtime would reject must never be committed.
  const back = readEim(bytes);
  if (back.metadata.labels?.length !== 1000 || back.nodes.length !== graph.nodes.length) throw new Error('written model does not read back');
  return { bytes, graph };
}

function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  const { bytes, graph } = buildDefaultModel();
  mkdirSync(dirname(DEFAULT_MODEL_FILE), { recursive: true });
  writeFileSync(DEFAULT_MODEL_FILE, bytes);
  const dtypes = new Map<string, number>();
  for (const c of graph.constants.values()) dtypes.set(c.dtype, (dtypes.get(c.dtype) ?? 0) + c.data.length);
  console.log(`wrote ${DEFAULT_MODEL_FILE}: ${bytes.byteLength} bytes, sha256 ${sha256(bytes)}`);
  console.log(`  ${graph.nodes.length} nodes; weights ${[...dtypes].map(([d, n]) => `${d} ${n}`).join(', ')}; ${graph.metadata.labels!.length} labels`);
}
