// Checks fast-kernels.mjs against tfjs's own cpu kernels on random inputs over several geometries
// (strides, 'same'/'valid' padding, odd sizes); exits 1 on a mismatch. Run: node examples/train/check-kernels.mjs
import * as tf from '@tensorflow/tfjs';
import { installFastKernels } from './fast-kernels.mjs';

await tf.setBackend('cpu');
const CONV = [
  { x: [2, 9, 7, 3], f: [3, 3, 3, 5], s: 1, pad: 'valid' },
  { x: [3, 10, 11, 4], f: [3, 2, 4, 6], s: 2, pad: 'same' },
  { x: [1, 28, 28, 1], f: [3, 3, 1, 32], s: 1, pad: 'valid' },
  { x: [2, 13, 13, 32], f: [3, 3, 32, 64], s: 1, pad: 'valid' },
  { x: [2, 8, 8, 2], f: [5, 5, 2, 3], s: [2, 1], pad: 'same' },
];
const POOL = [
  { x: [2, 26, 26, 32], k: 2, s: 2, pad: 'valid' },
  { x: [2, 11, 11, 3], k: 2, s: 2, pad: 'valid' },
  { x: [1, 7, 9, 4], k: 3, s: 2, pad: 'same' },
  { x: [2, 6, 6, 2], k: 3, s: 1, pad: 'valid' },
];

const SPLIT = [
  { x: [32, 512], sizes: [128, 128, 128, 128], axis: 1 },
  { x: [5, 6, 7], sizes: [2, 4], axis: 1 },
  { x: [3, 4, 5], sizes: [1, 3, 1], axis: -1 },
  { x: [6, 3], sizes: [2, 4], axis: 0 },
];
const SUM = [
  { x: [4, 26, 26, 32], axis: [0, 1, 2] },
  { x: [32, 512], axis: 0 },
  { x: [3, 5, 7], axis: [1, 0], keepDims: true },
  { x: [3, 5, 7], axis: [0, 2] },
  { x: [6, 4], axis: [0, 1] },
];

const MATMUL = [
  { a: [64, 28], b: [28, 512] },
  { a: [64, 128], b: [512, 128], tb: true },
  { a: [64, 128], b: [64, 512], ta: true },
  { a: [7, 5], b: [9, 7], ta: true, tb: true },
  { a: [3, 4, 5], b: [3, 5, 6] },
  { a: [3, 4, 5], b: [5, 6] },
  { a: [4, 5], b: [2, 5, 6] },
  { a: [2, 3, 4, 5], b: [2, 3, 6, 5], tb: true },
];

function cases() {
  const out = [];
  CONV.forEach((c, i) => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 10 + i).relu();
    const w = tf.randomNormal(c.f, 0, 1, 'float32', 50 + i);
    const y = tf.conv2d(x, w, c.s, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 20 + i).relu();
    const [dx, dw] = tf.grads((a, f) => tf.conv2d(a, f, c.s, c.pad).mul(dy).sum())([x, w]);
    out.push({ what: `conv ${JSON.stringify(c)}`, got: y.dataSync() });
    out.push({ what: `conv dx ${JSON.stringify(c)}`, got: dx.dataSync() });
    out.push({ what: `conv dw ${JSON.stringify(c)}`, got: dw.dataSync() });
  });
  MATMUL.forEach((c, i) => {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', 80 + i), b = tf.randomNormal(c.b, 0, 1, 'float32', 90 + i);
    const y = tf.matMul(a, b, c.ta, c.tb);
    out.push({ what: `matMul ${JSON.stringify(c)}`, got: y.dataSync(), shape: y.shape });
    const n = y.shape[y.shape.length - 1];
    for (const activation of ['linear', 'relu', 'sigmoid', 'elu']) {
      const bias = tf.randomNormal([n], 0, 1, 'float32', 100 + i);
      const f = tf.fused.matMul({ a, b, transposeA: c.ta, transposeB: c.tb, bias, activation });
      out.push({ what: `fused matMul ${activation} ${JSON.stringify(c)}`, got: f.dataSync(), shape: f.shape });
    }
  });
  SPLIT.forEach((c, i) => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 60 + i);
    tf.split(x, c.sizes, c.axis).forEach((part, j) => out.push({ what: `split part ${j} ${JSON.stringify(c)}`, got: part.dataSync(), shape: part.shape }));
  });
  SUM.forEach((c, i) => {
    const s = tf.sum(tf.randomNormal(c.x, 0, 1, 'float32', 70 + i), c.axis, c.keepDims);
    out.push({ what: `sum ${JSON.stringify(c)}`, got: s.dataSync(), shape: s.shape });
  });
  POOL.forEach((p, i) => {
    // Quantized values make ties common, so the first-maximum rule is exercised too.
    const x = tf.randomUniform(p.x, 0, 4, 'float32', 30 + i).floor();
    const dy = tf.randomNormal(tf.maxPool(x, p.k, p.s, p.pad).shape, 0, 1, 'float32', 40 + i);
    out.push({ what: `maxPool ${JSON.stringify(p)}`, got: tf.grad((v) => tf.maxPool(v, p.k, p.s, p.pad).mul(dy).sum())(x).dataSync() });
  });
  return out;
}

const reference = cases();
installFastKernels();
const fast = cases();
let bad = 0;
reference.forEach((r, i) => {
  let worst = r.got.length === fast[i].got.length && String(r.shape) === String(fast[i].shape) ? 0 : Infinity;
  for (let j = 0; j < r.got.length; j++) worst = Math.max(worst, Math.abs(r.got[j] - fast[i].got[j]) / Math.max(1, Math.abs(r.got[j])));
  const ok = worst <= 1e-5;
  if (!ok) bad++;
  console.log(`${ok ? 'ok ' : 'BAD'} ${r.what}: max relative difference ${worst.toExponential(2)}`);
});
process.exit(bad ? 1 : 0);
