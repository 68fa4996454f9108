// The TF.js importer's Keras Masking: a graph input of sequence lengths wired into every recurrent node
// after the mask, metadata.mask naming it, and SequenceClassifier compacting each sequence; compared with
// TF.js predict on stacks of recurrent and per-step layers. Models where compaction would not equal Keras
// (the masked steps reaching Flatten, a sequence output, go_backwards sequences) are refused by name.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { UnsupportedOpError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import { writeEim } from '../../src/format/writer.js';
import { optimize } from '../../src/graph/optimize.js';
import { SequenceClassifier } from '../../src/vision/sequence-classifier.js';
import { randomF32 } from '../helpers/harness.js';
import { predictTf, save, seedWeights, tfReady } from './tfjs-helpers.js';

const T = 7, F = 4, MASK = -1;

beforeAll(tfReady);

function masked(layers: tf.layers.Layer[], maskValue = MASK): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.masking({ maskValue, inputShape: [T, F] }), ...layers] });
}

/** Seeded sequences with some frames set to the mask value: every pattern of the first 4, then random ones. */
function sequences(n: number, seed: number, value: number): Float32Array {
  const data = randomF32(n * T * F, { seed, min: -1, max: 1 });
  const pick = randomF32(n * T, { seed: seed + 1, min: 0, max: 1 });
  const missing = Array.from({ length: n }, (_, s) => Array.from({ length: T }, (_, t) => (s < 16 && t < 4 ? ((s >> t) & 1) === 1 : pick[s * T + t] < 0.3)));
  missing[n - 1].fill(true); // nothing left
  missing.forEach((row, s) => row.forEach((m, t) => { if (m) data.fill(value, (s * T + t) * F, (s * T + t + 1) * F); }));
  return data;
}

async function convertAndCompare(model: tf.LayersModel, value: number, n = 40): Promise<number> {
  seedWeights(model, 3);
  const saved = await save(model);
  const graph = importTfjsLayers(saved.modelJson, saved.weightData);
  const data = sequences(n, 11, value);
  const theirs = predictTf(model, [{ data, shape: [n, T, F] }])[0];
  // Through the file, as edgeinfer convert writes it.
  const c = await SequenceClassifier.create(readEim(writeEim(optimize(graph))), { backend: 'js', outputKind: 'probabilities' });
  try {
    const ours = await c.scoresBatch(Array.from({ length: n }, (_, s) => data.slice(s * T * F, (s + 1) * T * F)));
    let worst = 0;
    ours.forEach((p, s) => p.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - theirs[s * p.length + k])); }));
    return worst;
  } finally {
    c.dispose();
  }
}

describe('TF.js Masking import', () => {
  it('makes a lengths input read by every recurrent node after the mask, and metadata.mask (format 1.3)', async () => {
    const model = masked([tf.layers.lstm({ units: 5, returnSequences: true }), tf.layers.gru({ units: 4 }), tf.layers.dense({ units: 3 })]);
    seedWeights(model, 1);
    const saved = await save(model);
    const graph = importTfjsLayers(saved.modelJson, saved.weightData);
    const [x, lengths] = graph.inputs;
    expect(graph.inputs).toHaveLength(2);
    expect(x.shape).toEqual([-1, T, F]);
    expect(lengths.shape).toEqual([-1]);
    expect(graph.metadata.mask).toEqual({ input: lengths.name, value: MASK });
    const recurrent = graph.nodes.filter((n) => ['LSTM', 'GRU'].includes(n.op));
    expect(recurrent.map((n) => n.inputs[4])).toEqual([lengths.name, lengths.name]);
    const bytes = writeEim(graph);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(10, true)).toBe(3);
    expect(readEim(bytes).metadata.mask).toEqual(graph.metadata.mask);
  });

  it.each([
    ['SimpleRNN', MASK, () => masked([tf.layers.simpleRNN({ units: 6 }), tf.layers.dense({ units: 3, activation: 'softmax' })])],
    ['LSTM, mask value 0', 0, () => masked([tf.layers.lstm({ units: 6 }), tf.layers.dense({ units: 3, activation: 'softmax' })], 0)],
    ['GRU', MASK, () => masked([tf.layers.gru({ units: 6 }), tf.layers.dense({ units: 3, activation: 'softmax' })])],
    ['LSTM go_backwards', MASK, () => masked([tf.layers.lstm({ units: 6, goBackwards: true }), tf.layers.dense({ units: 3, activation: 'softmax' })])],
    ['LSTM seq -> Dense per step -> Dropout -> GRU', MASK, () => masked([
      tf.layers.lstm({ units: 6, returnSequences: true }), tf.layers.dense({ units: 5, activation: 'relu' }), tf.layers.dropout({ rate: 0.5 }),
      tf.layers.gru({ units: 4 }), tf.layers.dense({ units: 3, activation: 'softmax' })])],
    ['Bidirectional LSTM seq -> SimpleRNN', MASK, () => masked([
      tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4, returnSequences: true }) as tf.RNN }),
      tf.layers.simpleRNN({ units: 5 }), tf.layers.dense({ units: 3, activation: 'softmax' })])],
    ['Bidirectional GRU', MASK, () => masked([tf.layers.bidirectional({ layer: tf.layers.gru({ units: 4 }) as tf.RNN }), tf.layers.dense({ units: 3, activation: 'softmax' })])],
  ])('%s: the same probabilities as TF.js with masked frames, a fully masked sequence included', async (name, value, make) => {
    const worst = await convertAndCompare(make(), value);
    console.log(`masked ${name}: max |dp| vs TF.js ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });

  it.each([
    ['Flatten over the masked steps', () => masked([tf.layers.flatten(), tf.layers.dense({ units: 3 })]), /Flatten.*masked by Masking/],
    ['GlobalAveragePooling1D', () => masked([tf.layers.dense({ units: 5 }), tf.layers.globalAveragePooling1d(), tf.layers.dense({ units: 3 })]), /GlobalAveragePooling1D.*masked/],
    ['a sequence output', () => masked([tf.layers.lstm({ units: 5, returnSequences: true })]), /Masking.*still a sequence over the masked time steps/],
    ['go_backwards with return_sequences', () => masked([tf.layers.gru({ units: 5, returnSequences: true, goBackwards: true }), tf.layers.gru({ units: 3 })]), /go_backwards with return_sequences behind a Masking/],
    ['Masking after a layer', () => tf.sequential({ layers: [tf.layers.dense({ units: F, inputShape: [T, F] }), tf.layers.masking({ maskValue: 0 }), tf.layers.lstm({ units: 3 })] }), /does not read a \[batch, steps, features\] model input directly/],
    ['two Masking layers', () => masked([tf.layers.masking({ maskValue: 0 }), tf.layers.lstm({ units: 3 })]), /unsupported op Masking \(it would see the time steps masked by Masking/],
  ])('refuses %s with UnsupportedOpError', async (_, make, message) => {
    const model = make();
    const saved = await save(model);
    let error: unknown;
    try { importTfjsLayers(saved.modelJson, saved.weightData); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(UnsupportedOpError);
    expect(String((error as Error).message)).toMatch(message);
  });

  it('refuses a model whose input is also read unmasked', async () => {
    const input = tf.input({ shape: [T, F] });
    const a = tf.layers.lstm({ units: 3 }).apply(tf.layers.masking({ maskValue: 0 }).apply(input)) as tf.SymbolicTensor;
    const b = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor });
    const saved = await save(model);
    expect(() => importTfjsLayers(saved.modelJson, saved.weightData)).toThrow(/is also read unmasked/);
  });
});
