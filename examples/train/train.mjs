// Trains one Fashion-MNIST classifier with @tensorflow/tfjs (pure-JS cpu backend) and saves it in the
// TF.js layers format (model.json + weights.bin) plus training.json (settings, per-epoch accuracy,
// time). Usage (from the repository root; `--help` lists the options):
//   node examples/train/train.mjs cnn --epochs 6 --out models/fashion/cnn
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  --keep K:F,... keep only the first fraction F of class K's training images (an imbalanced set),
                 e.g. --keep 2:0.05,6:0.05
  --class-weights  weight each image's loss by N / (classes x its class's count) ("balanced"), so
                 rare classes count as much as frequent ones
  --eval N       score on the first N test images (default all 10,000)
  --seed N       seed of the initializers and of the shuffling (default 1)
  --out DIR      save model.json, weights.bin and training.json there after every epoch
  --resume       continue the run saved in --out from its last finished epoch (its settings and
                 shuffling order; Adam's moment estimates are not saved, so they restart)`;

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    epochs: { type: 'string' }, batch: { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.001' }, decay: { type: 'string', default: '1' }, clip: { type: 'string' }, limit: { type: 'string' },
    keep: { type: 'string' }, 'class-weights': { type: 'boolean' },
    eval: { type: 'string' }, seed: { type: 'string', default: '1' }, out: { type: 'string' }, resume: { type: 'boolean' },
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
await tf.setBackend('cpu');
installFastKernels();
// A resumed run keeps its saved settings; only --epochs may raise the total.
const saved = opt.resume ? await readSavedRun(opt.out) : undefined;
const prior = saved?.report.settings;
const epochs = opt.epochs === undefined ? (prior?.epochs ?? 5) : num('epochs', true);
const batch = prior?.batch ?? num('batch', true), lr = prior?.lr ?? num('lr', false), seed = prior?.seed ?? num('seed', true);
const decay = prior?.decay ?? num('decay', false);
const clip = prior ? (prior.clip ?? undefined) : opt.clip === undefined ? undefined : num('clip', false);

let train, test;
try {
  train = loadFashion('train');
  test = loadFashion('t10k');
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const limit = prior ? (prior.limit ?? prior.trainImages) : (opt.limit === undefined ? train.count : Math.min(num('limit', true), train.count));
const keep = prior?.keep ?? parseKeep(opt.keep);
const classWeights = prior?.classWeights ?? opt['class-weights'] === true;
// The training images used: the first `limit`, less what --keep drops (the first fraction of a class stays).
const pool = subset(train.labels, limit, keep);
const trainCount = pool.length;
const counts = new Array(10).fill(0);
for (const i of pool) counts[train.labels[i]]++;
const weightOf = counts.map((n) => (classWeights && n > 0 ? trainCount / (10 * n) : 1));

/** "2:0.05,6:0.05" → { 2: 0.05, 6: 0.05 }. */
function parseKeep(text) {
  if (text === undefined) return {};
  const out = {};
  for (const part of text.split(',')) {
    const m = /^(\d):(0?\.\d+|1(\.0*)?)$/.exec(part.trim());
    if (!m) { console.error(`--keep ${text}: expected CLASS:FRACTION,... with classes 0-9 and fractions in (0, 1]`); process.exit(2); }
    out[m[1]] = Number(m[2]);
  }
  return out;
}

function subset(labels, n, fractions) {
  const total = new Array(10).fill(0), taken = new Array(10).fill(0);
  for (let i = 0; i < n; i++) total[labels[i]]++;
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = labels[i];
    if (taken[k] < Math.round(total[k] * (fractions[k] ?? 1))) { taken[k]++; out.push(i); }
  }
  return Uint32Array.from(out);
}
const evalCount = prior?.testImages ?? (opt.eval === undefined ? test.count : Math.min(num('eval', true), test.count));

const shape = inputShape(name);
const model = saved ? saved.model : buildModel(name, seed);
const optimizer = tf.train.adam(lr);

/** The model and report of a run saved by --out, to go on with --resume. */
async function readSavedRun(dir) {
  if (!dir || !existsSync(join(dir, 'training.json'))) {
    console.error('--resume needs --out DIR holding a saved run (training.json, model.json, weights.bin)');
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(join(dir, 'training.json'), 'utf8'));
  if (report.model !== name) {
    console.error(`--resume: ${dir} holds a ${report.model} run, not ${name}`);
    process.exit(2);
  }
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'weights.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData,
  }));
  return { model, report };
}

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

function trainStep(x, y, w) {
  return tf.tidy(() => {
    const loss = () => tf.mul(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true })), w).mean();
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

const command = `node examples/train/train.mjs ${process.argv.slice(2).join(' ')}`;
const report = saved?.report ?? {
  model: name, tfjs: tf.version.tfjs, backend: tf.getBackend(), command,
  settings: { epochs, batch, lr, decay, clip: clip ?? null, seed, limit, keep, classWeights, classCounts: counts, trainImages: trainCount, testImages: evalCount },
  params: model.countParams(), epochs: [], trainSeconds: 0, cpuSeconds: 0, testAccuracy: null, done: false,
};
const firstEpoch = report.epochs.length + 1;
if (saved) {
  report.settings.epochs = epochs;
  (report.resumed ??= []).push({ afterEpoch: firstEpoch - 1, command });
  console.log(`${name}: resuming after epoch ${firstEpoch - 1} (${(report.testAccuracy * 100).toFixed(2)}%), up to ${epochs} epochs`);
} else {
  console.log(`${name}: ${report.params} parameters, ${trainCount} training images, batch ${batch}, ${epochs} epochs`);
}
// The finished epochs' shuffles are drawn again, so a resumed run sees the order it would have seen.
for (let e = 1; e < firstEpoch; e++) shuffled(trainCount);
const t0 = performance.now() - report.trainSeconds * 1000, cpu0 = process.cpuUsage(), cpuBefore = report.cpuSeconds;
for (let e = firstEpoch; e <= epochs; e++) {
  optimizer.learningRate = lr * decay ** (e - 1); // read by every Adam update
  const idx = shuffled(trainCount).map((j) => pool[j]);
  const te = performance.now();
  let lossSum = 0, steps = 0;
  for (let at = 0; at < trainCount; at += batch) {
    const to = Math.min(at + batch, trainCount);
    const x = batchX(train.images, idx, at, to), y = batchY(train.labels, idx, at, to);
    const w = tf.tensor1d(Array.from(idx.subarray(at, to), (i) => weightOf[train.labels[i]]));
    lossSum += trainStep(x, y, w);
    tf.dispose([x, y, w]);
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
  report.cpuSeconds = cpuBefore + (cpu.user + cpu.system) / 1e6;
  report.testAccuracy = accuracy;
  report.done = e === epochs;
  console.log(`epoch ${e}/${epochs}: loss ${(lossSum / steps).toFixed(4)}, ${seconds.toFixed(1)} s, test accuracy ${(accuracy * 100).toFixed(2)}% on ${evalCount}`);
  if (opt.out) await save(opt.out, report);
}
