// Trains one Fashion-MNIST classifier with @tensorflow/tfjs (pure-JS cpu backend) and saves it in the
// TF.js layers format (model.json + weights.bin) plus training.json (settings, per-epoch accuracy,
// time). Usage (from the repository root; `--help` lists the options):
//   node examples/train/train.mjs cnn --epochs 6 --out models/fashion/cnn
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { installFastKernels } from './fast-kernels.mjs';
import { loadFashion } from './idx.mjs';
import { MODEL_NAMES, buildModel, inputShape } from './models.mjs';

const USAGE = `Usage: node examples/train/train.mjs <${MODEL_NAMES.join('|')}> [options]
  --epochs N     passes over the training set (default 5)
  --batch N      batch size (default 32)
  --lr X         Adam learning rate (default 0.001)
  --decay X      multiply the learning rate by X after each epoch (default 1)
  --clip X       clip the global gradient norm to X (default: no clipping)
  --limit N      train on the first N training images only (timing runs)
  --eval N       score on the first N test images (default all 10,000)
  --seed N       seed of the initializers and of the shuffling (default 1)
  --out DIR      save model.json, weights.bin and training.json there after every epoch`;

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    epochs: { type: 'string', default: '5' }, batch: { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.001' }, decay: { type: 'string', default: '1' }, clip: { type: 'string' }, limit: { type: 'string' },
    eval: { type: 'string' }, seed: { type: 'string', default: '1' }, out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help || positionals.length !== 1 || !MODEL_NAMES.includes(positionals[0])) {
  console.error(USAGE);
  process.exit(opt.help ? 0 : 2);
}
const name = positionals[0];
function num(key, int) {
  const v = Number(opt[key]);
  if (!Number.isFinite(v) || v <= 0 || (int && !Number.isInteger(v))) {
    console.error(`--${key} ${opt[key]}: expected a positive ${int ? 'integer' : 'number'}`);
    process.exit(2);
  }
  return v;
}
const epochs = num('epochs', true), batch = num('batch', true), lr = num('lr', false), seed = num('seed', true);
const decay = num('decay', false);
const clip = opt.clip === undefined ? undefined : num('clip', false);

let train, test;
try {
  train = loadFashion('train');
  test = loadFashion('t10k');
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const trainCount = opt.limit === undefined ? train.count : Math.min(num('limit', true), train.count);
const evalCount = opt.eval === undefined ? test.count : Math.min(num('eval', true), test.count);

await tf.setBackend('cpu');
installFastKernels();
const shape = inputShape(name);
const model = buildModel(name, seed);
const optimizer = tf.train.adam(lr);

/** Pixels of images idx[from..to) scaled to [0, 1], as [n, ...shape]. */
function batchX(images, idx, from, to) {
  const x = new Float32Array((to - from) * 784);
  for (let i = from; i < to; i++) {
    const src = idx[i] * 784;
    for (let p = 0; p < 784; p++) x[(i - from) * 784 + p] = images[src + p] / 255;
  }
  return tf.tensor(x, [to - from, ...shape]);
}

function batchY(labels, idx, from, to) {
  return tf.oneHot(tf.tensor1d(Array.from(idx.subarray(from, to), (i) => labels[i]), 'int32'), 10);
}

// mulberry32: a small seeded generator, so the shuffling order is reproducible.
function rng(s) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(seed * 7919);

function shuffled(n) {
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

function trainStep(x, y) {
  return tf.tidy(() => {
    const loss = () => tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true })).mean();
    const { value, grads } = optimizer.computeGradients(loss);
    if (clip !== undefined) {
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k]))))).dataSync()[0];
      if (norm > clip) for (const k of names) grads[k] = tf.mul(grads[k], clip / norm);
    }
    optimizer.applyGradients(grads);
    return value.dataSync()[0];
  });
}

function evaluate() {
  const all = Uint32Array.from({ length: evalCount }, (_, i) => i);
  let correct = 0;
  for (let at = 0; at < evalCount; at += 500) {
    const to = Math.min(at + 500, evalCount);
    const pred = tf.tidy(() => model.predict(batchX(test.images, all, at, to)).argMax(-1).dataSync());
    for (let i = at; i < to; i++) if (pred[i - at] === test.labels[i]) correct++;
  }
  return correct / evalCount;
}

async function save(dir, report) {
  mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (art) => {
    const weights = art.weightData instanceof ArrayBuffer ? art.weightData : tf.io.concatenateArrayBuffers(art.weightData);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weights));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({
      format: art.format, generatedBy: art.generatedBy, convertedBy: art.convertedBy ?? null,
      modelTopology: art.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  writeFileSync(join(dir, 'training.json'), `${JSON.stringify(report, null, 2)}\n`);
}

const report = {
  model: name, tfjs: tf.version.tfjs, backend: tf.getBackend(),
  command: `node examples/train/train.mjs ${process.argv.slice(2).join(' ')}`,
  settings: { epochs, batch, lr, decay, clip: clip ?? null, seed, trainImages: trainCount, testImages: evalCount },
  params: model.countParams(), epochs: [], trainSeconds: 0, cpuSeconds: 0, testAccuracy: null, done: false,
};
console.log(`${name}: ${report.params} parameters, ${trainCount} training images, batch ${batch}, ${epochs} epochs`);
const t0 = performance.now(), cpu0 = process.cpuUsage();
for (let e = 1; e <= epochs; e++) {
  optimizer.learningRate = lr * decay ** (e - 1); // read by every Adam update
  const idx = shuffled(trainCount);
  const te = performance.now();
  let lossSum = 0, steps = 0;
  for (let at = 0; at < trainCount; at += batch) {
    const to = Math.min(at + batch, trainCount);
    const x = batchX(train.images, idx, at, to), y = batchY(train.labels, idx, at, to);
    lossSum += trainStep(x, y);
    tf.dispose([x, y]);
    if (++steps % 200 === 0) {
      const s = (performance.now() - te) / 1000;
      console.log(`  epoch ${e} step ${steps}: loss ${(lossSum / steps).toFixed(4)}, ${(s / to * 1000).toFixed(2)} s per 1,000 images`);
    }
  }
  const seconds = (performance.now() - te) / 1000;
  const accuracy = evaluate();
  report.epochs.push({ epoch: e, lr: optimizer.learningRate, loss: lossSum / steps, seconds, testAccuracy: accuracy });
  report.trainSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  report.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  report.testAccuracy = accuracy;
  report.done = e === epochs;
  console.log(`epoch ${e}/${epochs}: loss ${(lossSum / steps).toFixed(4)}, ${seconds.toFixed(1)} s, test accuracy ${(accuracy * 100).toFixed(2)}% on ${evalCount}`);
  if (opt.out) await save(opt.out, report);
}
