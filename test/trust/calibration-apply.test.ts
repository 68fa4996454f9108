// The classifiers' apply step (src/vision/model-classifier.ts): metadata.calibration or options.calibration
// (softmax(logits / T + bias)), options.priors (scores re-weighted) and per-class thresholds ([] when the
// top class is below its own), on logits and on probability outputs, on the JS path and instead of the
// fused one; bad values refused; the metadata survives a write and read of the .eim file.
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import { assembleEim, writeEim } from '../../src/format/writer.js';
import type { Graph, ModelMetadata } from '../../src/graph/ir.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { SequenceClassifier } from '../../src/vision/sequence-classifier.js';
import { softmax } from '../../src/vision/topk.js';

const K = 3;

/** x [N, 1, K] → its own values as the K class scores (a Reshape), or their softmax. */
function passThrough(metadata: ModelMetadata, probabilities = false): Graph {
  return {
    nodes: [
      { name: 'flat', op: 'Reshape', inputs: ['x'], outputs: [probabilities ? 'z' : 'y'], attrs: { shape: [0, K] } },
      ...(probabilities ? [{ name: 'sm', op: 'Softmax', inputs: ['z'], outputs: ['y'], attrs: { axis: -1 } }] : []),
    ],
    inputs: [{ name: 'x', shape: [-1, 1, K] }],
    outputs: [{ name: 'y', shape: [-1, K] }],
    constants: new Map(),
    metadata: { labels: ['a', 'b', 'c'], outputKind: probabilities ? 'probabilities' : 'logits', ...metadata },
  };
}

const LOGITS = Float32Array.of(2, 1, -1);
const scoresOf = async (graph: Graph, options = {}): Promise<Float32Array> => {
  const c = await SequenceClassifier.create(graph, { backend: 'js', ...options });
  try { return (await c.scoresBatch([LOGITS]))[0]; } finally { c.dispose(); }
};
const expectScores = (got: Float32Array, want: Float32Array): void => got.forEach((v, k) => expect(v).toBeCloseTo(want[k], 6));

describe('calibration, priors and thresholds in the classifiers', () => {
  it('applies metadata.calibration to logits and reports it', async () => {
    const calibration = { temperature: 2, bias: [0, 0.5, 0] };
    const c = await SequenceClassifier.create(passThrough({ calibration }), { backend: 'js' });
    expect(c.calibration).toEqual(calibration);
    expectScores((await c.scoresBatch([LOGITS]))[0], softmax([1, 1, -0.5]));
    c.dispose();
    expectScores(await scoresOf(passThrough({ calibration }), { calibration: false }), softmax(LOGITS));
  });

  it('scales the log-probabilities of a model that ends in Softmax the same way', async () => {
    expectScores(await scoresOf(passThrough({ calibration: { temperature: 3 } }, true)), softmax(LOGITS.map((v) => v / 3)));
  });

  it('re-weights the scores by options.priors and renormalises', async () => {
    const p = softmax(LOGITS);
    const w = [1, 1, 20];
    const sum = p.reduce((a, v, k) => a + v * w[k], 0);
    expectScores(await scoresOf(passThrough({}), { priors: w }), Float32Array.from(p, (v, k) => (v * w[k]) / sum));
  });

  it('answers [] ("unknown") when the top class is below its threshold, from the metadata or the options', async () => {
    const top = softmax(LOGITS)[0]; // about 0.705
    const c = await SequenceClassifier.create(passThrough({ thresholds: [0.8, 0, 0] }), { backend: 'js' });
    expect(await c.classify(LOGITS)).toEqual([]);
    c.dispose();
    const d = await SequenceClassifier.create(passThrough({ thresholds: [0.8, 0, 0] }), { backend: 'js', thresholds: [0.5, 0.5, 0.5] });
    expect((await d.classify(LOGITS)).map((r) => r.label)).toEqual(['a']);
    expect((await d.classify(LOGITS))[0].score).toBeCloseTo(top, 6);
    d.dispose();
  });

  it('an ImageClassifier with a calibration skips the fused stages, whose ranking knows none', async () => {
    const graph: Graph = {
      ...passThrough({ calibration: { temperature: 2 } }),
      inputs: [{ name: 'x', shape: [-1, 1, 1, K] }],
    };
    graph.metadata.preprocess = { width: 1, height: 1, channels: 3, colorOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', crop: 'none' };
    const c = await ImageClassifier.create(graph, { backend: 'js' });
    const rgba = { width: 1, height: 1, data: Uint8ClampedArray.of(255, 51, 0, 255) };
    const ranked = await c.classify(rgba, { topK: 3 });
    const want = softmax([0.5, 0.1, 0]);
    ranked.forEach((r) => expect(r.score).toBeCloseTo(want[r.index], 5));
    c.dispose();
  });

  it('refuses priors, thresholds or a calibration that do not fit the classes', async () => {
    const bad: object[] = [
      { priors: [1, 1] }, { priors: [1, -1, 1] }, { priors: [0, 0, 0] }, { thresholds: [0.5] },
      { calibration: { temperature: 0 } }, { calibration: { temperature: 1, bias: [0, 0] } }, { calibration: { temperature: 1, bias: ['x', 0, 0] } },
    ];
    for (const options of bad) await expect(SequenceClassifier.create(passThrough({}), { backend: 'js', ...options }), JSON.stringify(options)).rejects.toThrow(InputError);
    await expect(SequenceClassifier.create(passThrough({ calibration: { temperature: -1 } }), { backend: 'js' })).rejects.toThrow(InputError);
  });

  it('calibration and thresholds survive writeEim and readEim; a non-object calibration is a format error', () => {
    const graph = passThrough({ calibration: { temperature: 1.5, bias: [0.1, 0, -0.1] }, thresholds: [0.5, 0.6, 0.7] });
    const back = readEim(writeEim(graph));
    expect(back.metadata.calibration).toEqual({ temperature: 1.5, bias: [0.1, 0, -0.1] });
    expect(back.metadata.thresholds).toEqual([0.5, 0.6, 0.7]);
    const header = JSON.stringify({ graph: { inputs: [], outputs: [], nodes: [] }, tensors: [], metadata: { calibration: 7 } });
    expect(() => readEim(assembleEim(header, new Uint8Array(0)))).toThrow(ModelFormatError);
  });
});
