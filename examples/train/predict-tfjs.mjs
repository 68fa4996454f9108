// Records TF.js's own predictions (stock cpu backend, no fast-kernels.mjs) of a trained model for the
// 10,000 Fashion-MNIST test images, for test/e2e/fashion.test.ts: one byte per image, the top-1 class,
// in test-set order. Usage (from the repository root):
//   node examples/train/predict-tfjs.mjs cnn [simplernn lstm gru ...]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadFashion } from './idx.mjs';
import { MODEL_NAMES, inputShape } from './models.mjs';

const FIXTURES = 'test/fixtures/fashion-mnist';
const names = process.argv.slice(2);
if (names.length === 0 || names.some((n) => !MODEL_NAMES.includes(n))) {
  console.error(`Usage: node examples/train/predict-tfjs.mjs <${MODEL_NAMES.join('|')}>...`);
  process.exit(2);
}

/** Loads models/fashion/<name>/ with tfjs's own loader from memory (tfjs has no file:// in pure JS). */
async function loadTfjsModel(dir) {
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const specs = [], shards = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) shards.push(readFileSync(join(dir, p)));
  }
  const all = Buffer.concat(shards);
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology, weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  }));
}

await tf.setBackend('cpu');
const test = loadFashion('t10k', FIXTURES);
for (const name of names) {
  const model = await loadTfjsModel(join('models/fashion', name));
  const top1 = new Uint8Array(test.count);
  const t0 = performance.now();
  for (let at = 0; at < test.count; at += 500) {
    const n = Math.min(500, test.count - at);
    const x = Float32Array.from(test.images.subarray(at * 784, (at + n) * 784), (v) => v / 255);
    top1.set(tf.tidy(() => model.predict(tf.tensor(x, [n, ...inputShape(name)])).argMax(-1).dataSync()), at);
  }
  const seconds = (performance.now() - t0) / 1000;
  let correct = 0;
  top1.forEach((c, i) => { if (c === test.labels[i]) correct++; });
  writeFileSync(join(FIXTURES, `tfjs-top1-${name}.u8`), top1);
  console.log(JSON.stringify({ model: name, tfjs: tf.version.tfjs, images: test.count, correct, accuracy: correct / test.count, seconds: Number(seconds.toFixed(1)) }));
  model.dispose();
}
