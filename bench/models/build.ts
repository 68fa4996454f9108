// Writes every bench model in every form to bench/models/out/ (git-ignored), for inspection or for
// other harnesses (a browser page): <id>.eim, <id>.onnx, <id>.tfjs/{model.json, weights.bin}, and
// manifest.json (title, weights, MACs per batch, input name, shape and each form's layout).
// Usage: npx tsx bench/models/build.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchModels, macsOf } from './catalog.js';
import { tfjsModelFiles } from './tfjs-writer.js';

const OUT = fileURLToPath(new URL('./out/', import.meta.url));

const models = await benchModels();
mkdirSync(OUT, { recursive: true });
const manifest = models.map((m) => {
  writeFileSync(`${OUT}${m.id}.eim`, m.eim);
  writeFileSync(`${OUT}${m.id}.onnx`, m.onnx.bytes);
  const { modelJson, weightsBin } = tfjsModelFiles(m.tfjs);
  mkdirSync(`${OUT}${m.id}.tfjs`, { recursive: true });
  writeFileSync(`${OUT}${m.id}.tfjs/model.json`, modelJson);
  writeFileSync(`${OUT}${m.id}.tfjs/weights.bin`, weightsBin);
  if (m.int8Onnx) writeFileSync(`${OUT}${m.id}-int8.onnx`, m.int8Onnx);
  const shape = m.graph.inputs[0].shape;
  console.log(`${m.id}: ${m.title} (${m.weights}); .eim ${m.eim.byteLength} B, .onnx ${m.onnx.bytes.byteLength} B, tfjs ${weightsBin.byteLength} B of weights`);
  return {
    id: m.id, title: m.title, weights: m.weights, tfjsForm: m.tfjsForm,
    input: { name: m.inputName, irShape: shape, onnxPerm: m.onnx.inputs[0].perm },
    output: m.outputName,
    macs: Object.fromEntries(m.batches.map((b) => [`batch${b}`, macsOf(m.graph, b)])),
  };
});
writeFileSync(`${OUT}manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote ${OUT}`);
