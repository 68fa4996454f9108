// SequenceClassifier over a small recurrent model built by hand: frames in, ranked classes out,
// the same scores as running the model directly, in either source layout; bad sequences refused.
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/graph/ir.js';
import { InputError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { SequenceClassifier } from '../../src/vision/sequence-classifier.js';
import { softmax } from '../../src/vision/topk.js';
import { randomF32 } from '../helpers/harness.js';

const T = 5, F = 3, H = 4, K = 3;

/** x [N,T,F] -> RNN(H) -> last state [N,H] -> Dense(K) logits. `timeMajor`: the user sees [T,N,F]. */
function rnnGraph(timeMajor: boolean): Graph {
  return {
    nodes: [
      { name: 'rnn', op: 'RNN', inputs: ['x', 'w', 'r'], outputs: ['', 'h'], attrs: { hiddenSize: H } },
      { name: 'flat', op: 'Reshape', inputs: ['h'], outputs: ['hf'], attrs: { shape: [0, H] } },
      { name: 'dense', op: 'Gemm', inputs: ['hf', 'wd', 'bd'], outputs: ['logits'], attrs: {} },
    ],
    inputs: [{ name: 'x', shape: [-1, T, F], ...(timeMajor ? { sourcePerm: [1, 0, 2] } : {}) }],
    outputs: [{ name: 'logits', shape: [-1, K] }],
    constants: new Map([
      ['w', { shape: [1, H, F], dtype: 'f32', data: randomF32(H * F, { seed: 1 }) }],
      ['r', { shape: [1, H, H], dtype: 'f32', data: randomF32(H * H, { seed: 2 }) }],
      ['wd', { shape: [H, K], dtype: 'f32', data: randomF32(H * K, { seed: 3, min: -3, max: 3 }) }],
      ['bd', { shape: [K], dtype: 'f32', data: randomF32(K, { seed: 4 }) }],
    ]),
    metadata: { name: 'tiny-rnn', labels: ['up', 'down', 'still'], outputKind: 'logits' },
  };
}

function frames(seed: number): Float32Array[] {
  const flat = randomF32(T * F, { seed });
  return Array.from({ length: T }, (_, t) => flat.slice(t * F, (t + 1) * F));
}

describe('SequenceClassifier', () => {
  it('ranks the same probabilities as running the model directly', async () => {
    const graph = rnnGraph(false);
    const direct = await Session.create(graph);
    const c = await SequenceClassifier.create(graph, { backend: 'js' });
    expect([c.steps, c.features, c.classes]).toEqual([T, F, K]);
    for (const seed of [10, 11, 12]) {
      const seq = frames(seed);
      const flat = Float32Array.from(seq.flatMap((f) => [...f]));
      const probs = softmax((await direct.run({ x: flat })).logits.data);
      const ranked = await c.classify(seq, { topK: K });
      expect(ranked.map((r) => r.index)).toEqual([0, 1, 2].sort((a, b) => probs[b] - probs[a]));
      ranked.forEach((r) => { expect(r.score).toBeCloseTo(probs[r.index], 6); expect(r.label).toBe(['up', 'down', 'still'][r.index]); });
      expect(await c.classify(flat, { topK: K })).toEqual(ranked);
    }
    c.dispose();
  });

  it('feeds time-major models in their own layout and batches sequences', async () => {
    const batchMajor = await SequenceClassifier.create(rnnGraph(false), { backend: 'js', maxBatch: 2 });
    const timeMajor = await SequenceClassifier.create(rnnGraph(true), { backend: 'js' });
    const seqs = [20, 21, 22, 23, 24].map(frames);
    const a = await batchMajor.scoresBatch(seqs);
    const b = await timeMajor.scoresBatch(seqs);
    for (let i = 0; i < seqs.length; i++) {
      const one = await batchMajor.scoresBatch([seqs[i]]);
      for (let k = 0; k < K; k++) { expect(a[i][k]).toBeCloseTo(one[0][k], 6); expect(b[i][k]).toBeCloseTo(one[0][k], 6); }
    }
  });

  it('refuses sequences of the wrong shape or with non-finite values, and stays usable', async () => {
    const c = await SequenceClassifier.create(rnnGraph(false), { backend: 'js' });
    await expect(c.classify(frames(1).slice(1))).rejects.toThrow(/wrong number of frames.*expected 5 frames of 3 values/);
    await expect(c.classify(new Float32Array(T * F + 1))).rejects.toBeInstanceOf(InputError);
    const bad = frames(2); bad[3] = new Float32Array([1, 2]);
    await expect(c.classify(bad)).rejects.toThrow(/frame 3 has the wrong size/);
    const nan = frames(3); nan[0][1] = Number.NaN;
    await expect(c.classify(nan)).rejects.toThrow(/non-finite value at 1/);
    expect(await c.classify(frames(4))).toHaveLength(3);
  });

  it('rejects models that do not take [batch, steps, features]', async () => {
    const g = rnnGraph(false);
    g.inputs[0] = { name: 'x', shape: [-1, T * F] };
    g.nodes = [{ name: 'dense', op: 'Gemm', inputs: ['x', 'w2', 'bd'], outputs: ['logits'], attrs: {} }];
    g.constants.set('w2', { shape: [T * F, K], dtype: 'f32', data: randomF32(T * F * K) });
    await expect(SequenceClassifier.create(g, { backend: 'js' })).rejects.toThrow(/not a sequence classifier/);
  });
});
