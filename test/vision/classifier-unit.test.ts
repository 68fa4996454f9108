// ImageClassifier on a tiny hand-made colour classifier (fast): ranking options, batching, input
// kinds and layouts, every InputError; plus the labels and top-k helpers it is built on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../../src/errors.js';
import { writeEim } from '../../src/format/writer.js';
import type { Graph, ImagePreprocess, ModelMetadata } from '../../src/graph/ir.js';
import { load } from '../../src/runtime/load.js';
import { Session } from '../../src/runtime/session.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { classLabel, labelsFromSynset, resolveClasses } from '../../src/vision/labels.js';
import { type PixelImage } from '../../src/vision/preprocess.js';
import { preprocessImage } from '../../src/vision/preprocess-tensors.js';
import { softmax, topKIndices } from '../../src/vision/topk.js';

const PRE: ImagePreprocess = {
  width: 2, height: 2, channels: 3, colorOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', crop: 'none',
};
const LABELS = ['red', 'green', 'blue', 'dark'];
// logits = mean colour (0..1 per channel) @ W + B: one column per class.
const W = [
  4, 0, 0, -2,
  0, 4, 0, -2,
  0, 0, 4, -2,
];
const B = [0, 0, 0, 1];

/** x NHWC [N,2,2,3] (source layout NCHW, as an ONNX import gives it) → GAP → [N,3] → MatMul + bias → 4 logits. */
function colourGraph(opts: { batch?: number; softmax?: boolean; metadata?: ModelMetadata; inputs?: number } = {}): Graph {
  const nodes: Graph['nodes'] = [
    { name: 'gap', op: 'GlobalAveragePool', inputs: ['x'], outputs: ['pooled'], attrs: {} },
    { name: 'flat', op: 'Reshape', inputs: ['pooled'], outputs: ['features'], attrs: { shape: [0, 3] } },
    { name: 'fc', op: 'MatMul', inputs: ['features', 'w', 'b'], outputs: [opts.softmax ? 'logits' : 'y'], attrs: {} },
  ];
  if (opts.softmax) nodes.push({ name: 'prob', op: 'Softmax', inputs: ['logits'], outputs: ['y'], attrs: { axis: -1 } });
  const inputs = [{ name: 'x', shape: [opts.batch ?? -1, 2, 2, 3], sourcePerm: [0, 3, 1, 2] }];
  if (opts.inputs === 2) inputs.push({ name: 'x2', shape: [-1, 2, 2, 3], sourcePerm: [0, 3, 1, 2] });
  return {
    nodes,
    inputs,
    outputs: [{ name: 'y', shape: [opts.batch ?? -1, 4] }],
    constants: new Map([
      ['w', { shape: [3, 4], dtype: 'f32' as const, data: Float32Array.from(W) }],
      ['b', { shape: [4], dtype: 'f32' as const, data: Float32Array.from(B) }],
    ]),
    metadata: opts.metadata ?? { name: 'colours', labels: LABELS, preprocess: PRE, outputKind: 'logits' },
  };
}

/** A w x h image of one RGB colour. */
function solid(rgb: [number, number, number], w = 2, h = 2, format: 'RGB' | 'RGBA' = 'RGB'): PixelImage {
  const n = format === 'RGB' ? 3 : 4;
  const data = new Uint8Array(w * h * n);
  for (let i = 0; i < w * h; i++) { data.set(rgb, i * n); if (n === 4) data[i * n + 3] = 255; }
  return { width: w, height: h, data, format };
}

/** What the model computes for a solid colour, done by hand. */
function expectedScores(rgb: [number, number, number]): Float32Array {
  const logits = [0, 1, 2, 3].map((k) => rgb.reduce((s, v, c) => s + (v / 255) * W[c * 4 + k], B[k]));
  return softmax(logits);
}

async function create(opts: Parameters<typeof colourGraph>[0] = {}, options: Parameters<typeof ImageClassifier.create>[1] = {}): Promise<ImageClassifier> {
  return ImageClassifier.create(colourGraph(opts), { backend: 'js', ...options });
}

async function expectInputError(p: Promise<unknown> | (() => unknown), message: RegExp, details: { expected?: RegExp; received?: RegExp } = {}): Promise<InputError> {
  let err: unknown;
  try { await (typeof p === 'function' ? p() : p); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(InputError);
  const e = err as InputError;
  expect(e.message).toMatch(message);
  if (details.expected) expect(e.expected).toMatch(details.expected);
  if (details.received) expect(e.received).toMatch(details.received);
  return e;
}

describe('ImageClassifier on a colour model', () => {
  it('ranks classes by softmax probability, with labels', async () => {
    const c = await create();
    expect(c.classes).toBe(4);
    expect(c.backend).toBe('js');
    expect(c.outputKind).toBe('logits');
    const rgb: [number, number, number] = [230, 40, 10];
    const r = await c.classify(solid(rgb), { topK: 4 });
    const want = expectedScores(rgb);
    expect(r.map((x) => x.label)).toEqual(['red', 'green', 'blue', 'dark']);
    r.forEach((x) => expect(x.score).toBeCloseTo(want[x.index], 6));
    expect(r.reduce((s, x) => s + x.score, 0)).toBeCloseTo(1, 6);
    // Channel order survives the NHWC -> source NCHW -> IR round trip: blue and dark images differ.
    expect((await c.classify(solid([0, 0, 250])))[0].label).toBe('blue');
    expect((await c.classify(solid([5, 5, 5])))[0].label).toBe('dark');
    c.dispose();
  });

  it('honours topK (option and default), scoreThreshold, allowlist and denylist', async () => {
    const c = await create({}, { topK: 3 });
    const img = solid([200, 120, 30]);                 // red > green > blue > dark
    const all = await c.classify(img, { topK: 4 });
    expect(all.map((x) => x.label)).toEqual(['red', 'green', 'blue', 'dark']);
    expect((await c.classify(img)).length).toBe(3);   // the classifier's default
    expect((await c.classify(img, { topK: 1 })).map((x) => x.label)).toEqual(['red']);
    expect((await c.classify(img, { topK: 50 })).length).toBe(4);

    const cut = (all[1].score + all[2].score) / 2;
    expect((await c.classify(img, { topK: 4, scoreThreshold: cut })).map((x) => x.label)).toEqual(['red', 'green']);
    expect(await c.classify(img, { scoreThreshold: 1.01 })).toEqual([]);

    expect((await c.classify(img, { allowlist: ['blue', 3] })).map((x) => x.label)).toEqual(['blue', 'dark']);
    expect((await c.classify(img, { denylist: ['red', 1] })).map((x) => x.label)).toEqual(['blue', 'dark']);
    expect((await c.classify(img, { allowlist: ['red', 'green', 'blue'], denylist: ['red'], topK: 1 })).map((x) => x.label)).toEqual(['green']);
    // Scores are the model's, not renormalised over the allowlist.
    const green = (await c.classify(img, { allowlist: ['green'] }))[0];
    expect(green.score).toBe(all[1].score);
    expect(await c.classify(img, { allowlist: [] })).toEqual([]);
    c.dispose();
  });

  it('rejects bad classify options before running the model', async () => {
    const c = await create();
    const img = solid([1, 2, 3]);
    await expectInputError(c.classify(img, { topK: 0 }), /topK must be a positive integer/, { received: /^0$/ });
    await expectInputError(c.classify(img, { topK: 1.5 }), /topK/);
    await expectInputError(c.classify(img, { scoreThreshold: Number.NaN }), /scoreThreshold must be a number/);
    await expectInputError(c.classify(img, { allowlist: ['purple'] }), /allowlist: unknown label "purple"/, { expected: /4 labels/ });
    await expectInputError(c.classify(img, { denylist: [4] }), /denylist: class index out of range/, { expected: /0\.\.3/, received: /^4$/ });
    await expectInputError(c.classify(img, { denylist: [{}] as never }), /labels \(strings\) or class indices/);
    await expectInputError(() => ImageClassifier.create(colourGraph(), { backend: 'js', topK: -1 }), /topK/);
    c.dispose();
  });

  it('rejects images that do not fit, naming expected and received', async () => {
    const c = await create();
    await expectInputError(c.classify({ width: 2, height: 2, data: new Uint8Array(7) }), /pixel data length fits no format/, {
      expected: /16 \(RGBA\), 12 \(RGB\) or 4 \(GRAY\)/, received: /^7$/,
    });
    await expectInputError(c.classify({ width: 2, height: 2, data: new Uint8Array(12), format: 'RGBA' }), /RGBA pixel data has the wrong length/, {
      expected: /16 bytes/, received: /^12$/,
    });
    await expectInputError(c.classify({ width: 0, height: 2, data: new Uint8Array(0) }), /size must be positive/, { received: /0x2/ });
    await expectInputError(c.classify(null as never), /is not an image/, { received: /null/ });
    await expectInputError(c.classify({ pixels: [1, 2] } as never), /is not an image/, { received: /keys pixels/ });
    await expectInputError(c.classify({ shape: [1, 3, 2, 2], data: new Float32Array(12) }), /preprocessed tensor has the wrong shape/, {
      expected: /^\[1,2,2,3\]$/, received: /\[1,3,2,2\] with 12 values/,
    });
    await expectInputError(c.classify({ shape: [1, 2, 2, 3], data: new Float32Array(11) }), /wrong shape/, { received: /11 values/ });
    await expectInputError(c.classifyBatch('x' as never), /invalid images/, { expected: /an array/, received: /string/ });
    c.dispose();
  });

  it('rejects models it cannot classify with, naming expected and received', async () => {
    const js = { backend: 'js' } as const;
    await expectInputError(() => ImageClassifier.create(42 as never, js), /load\(\) cannot read this source/, { received: /number/ });
    await expectInputError(() => ImageClassifier.create(colourGraph({ metadata: { name: 'bare' } }), js), /model "bare" has no image preprocessing metadata/);
    await expectInputError(() => ImageClassifier.create(colourGraph({ inputs: 2 }), js), /has 2 inputs/, { received: /x \[-1,2,2,3\], x2/ });
    await expectInputError(() => ImageClassifier.create(colourGraph(), { ...js, preprocess: { ...PRE, width: 3 } }), /does not take 3x2x3 images/, {
      expected: /^\[-1,2,3,3\]$/, received: /^\[-1,2,2,3\]$/,
    });
    await expectInputError(() => ImageClassifier.create(colourGraph(), { ...js, labels: ['a', 'b'] }), /options\.labels do not match output "y"/, {
      expected: /4 labels/, received: /^2$/,
    });
    const badLabels = colourGraph({ metadata: { preprocess: PRE, labels: ['a'] } });
    await expectInputError(() => ImageClassifier.create(badLabels, js), /the model's labels do not match/);
    await expect(ImageClassifier.create(colourGraph(), { ...js, preprocess: { ...PRE, std: [1, 0, 1] } })).rejects.toBeInstanceOf(ModelFormatError);
  });

  it('classifyBatch equals classify image by image, across runs of maxBatch', async () => {
    const c = await create({}, { maxBatch: 2, topK: 4 });
    const colours: [number, number, number][] = [[250, 0, 0], [0, 250, 0], [0, 0, 250], [10, 10, 10], [120, 130, 0]];
    const images = colours.map((rgb) => solid(rgb));
    const batch = await c.classifyBatch(images);
    expect(batch.length).toBe(5);
    for (const [i, img] of images.entries()) {
      expect(batch[i]).toEqual(await c.classify(img));
      const want = expectedScores(colours[i]);
      batch[i].forEach((x) => expect(x.score).toBeCloseTo(want[x.index], 6));
    }
    expect(await c.classifyBatch([])).toEqual([]);
    // A bad image in a later run is named by its position in the caller's list.
    const bad = [...images.slice(0, 4), { width: 2, height: 2, data: new Uint8Array(5) }];
    const e = await expectInputError(c.classifyBatch(bad), /^image 4: pixel data length fits no format \(expected/, { received: /^5$/ });
    expect(e.message.match(/expected/g)?.length).toBe(1);
    c.dispose();
  });

  it('takes ImageData-like RGBA, larger images, and preprocessed NHWC tensors', async () => {
    const c = await create({}, { topK: 4 });
    const rgb: [number, number, number] = [30, 200, 90];
    const ref = await c.classify(solid(rgb));
    const rgba = solid(rgb, 2, 2, 'RGBA');
    const imageData = { width: 2, height: 2, data: new Uint8ClampedArray(rgba.data), colorSpace: 'srgb' };
    expect(await c.classify(imageData)).toEqual(ref);
    expect(await c.classify(solid(rgb, 7, 5))).toEqual(ref);          // resized to 2x2 first
    const t = preprocessImage(solid(rgb), PRE);
    expect(await c.classify(t)).toEqual(ref);
    expect(await c.classify({ shape: [2, 2, 3], data: t.data })).toEqual(ref);
    c.dispose();
  });

  it('opens .eim bytes, loaded models and Sessions; disposes only the sessions it opened', async () => {
    const rgb: [number, number, number] = [10, 20, 240];
    const fromGraph = await create({}, { topK: 4 });
    expect(fromGraph.selection?.mode).toBe('explicit');
    const ref = await fromGraph.classify(solid(rgb));
    const bytes = writeEim(colourGraph());
    const fromBytes = await ImageClassifier.create(bytes, { topK: 4, backend: 'js' });
    expect(await fromBytes.classify(solid(rgb))).toEqual(ref);
    const fromBuffer = await ImageClassifier.create(bytes.slice().buffer, { topK: 4, backend: ['js'] });
    expect(await fromBuffer.classify(solid(rgb))).toEqual(ref);

    const loaded = await load(bytes, { backend: 'js' });
    const fromLoaded = await ImageClassifier.create(loaded, { topK: 4 });
    expect(fromLoaded.selection).toBe(loaded.selection);
    expect(await fromLoaded.classify(solid(rgb))).toEqual(ref);
    fromLoaded.dispose();
    await expect(loaded.run({ x: new Float32Array(12) })).resolves.toBeDefined();   // still the caller's
    loaded.dispose();

    const session = await Session.create(colourGraph(), { backend: 'js' });
    const fromSession = await ImageClassifier.create(session, { topK: 4 });
    expect(await fromSession.classify(solid(rgb))).toEqual(ref);
    fromSession.dispose();
    await expect(session.run({ x: new Float32Array(12) })).resolves.toBeDefined();   // still usable
    session.dispose();
    fromGraph.dispose();
    await expect(fromGraph.classify(solid(rgb))).rejects.toThrow(/disposed/);
    fromBytes.dispose();
    fromBuffer.dispose();
  });

  it('runs fixed-batch models one image at a time', async () => {
    const c = await create({ batch: 1 }, { topK: 4 });
    const colours: [number, number, number][] = [[250, 0, 0], [0, 250, 0], [0, 0, 250]];
    const r = await c.classifyBatch(colours.map((rgb) => solid(rgb)));
    expect(r.map((x) => x[0].label)).toEqual(['red', 'green', 'blue']);
    c.dispose();
  });

  it('does not apply softmax twice to a model that ends in Softmax', async () => {
    const c = await create({ softmax: true, metadata: { labels: LABELS, preprocess: PRE } }, { topK: 4 });
    expect(c.outputKind).toBe('probabilities');
    const rgb: [number, number, number] = [100, 200, 50];
    const want = expectedScores(rgb);
    (await c.classify(solid(rgb))).forEach((x) => expect(x.score).toBeCloseTo(want[x.index], 6));
    c.dispose();
    // Without metadata or a Softmax node the output counts as logits; the option overrides.
    const forced = await create({ metadata: { preprocess: PRE } }, { outputKind: 'probabilities', topK: 1 });
    expect(forced.outputKind).toBe('probabilities');
    expect((await forced.classify(solid([0, 0, 0])))[0]).toEqual({ index: 3, label: 'class 3', score: 1 });
    forced.dispose();
  });
});

describe('labels', () => {
  const synset = readFileSync(new URL('../fixtures/models/imagenet/synset.txt', import.meta.url), 'utf8');

  it('turns the ImageNet synset into 1000 short names', () => {
    const labels = labelsFromSynset(synset);
    expect(labels.length).toBe(1000);
    expect(labels[0]).toBe('tench');
    expect(labels[281]).toBe('tabby');
    expect(labels[579]).toBe('grand piano');
    expect(labels[776]).toBe('sax');
    // Shared first names keep their full list where the source has one.
    expect(labels[638]).toBe('maillot');
    expect(labels[639]).toBe('maillot, tank suit');
    expect([labels[134], labels[517]]).toEqual(['crane', 'crane']);
  });

  it('rejects lines that are not synset lines', async () => {
    await expectInputError(() => labelsFromSynset('n01440764 tench\ntabby cat\n'), /synset line 2/, { received: /tabby cat/ });
  });

  it('resolves labels and indices; a label names every class carrying it', () => {
    const labels = ['a', 'b', 'a', 'c'];
    expect([...resolveClasses(['a', 3], labels, 4, 'allowlist')].sort()).toEqual([0, 2, 3]);
    expect(classLabel(labels, 1)).toBe('b');
    expect(classLabel(undefined, 7)).toBe('class 7');
    expect(() => resolveClasses(['a'], undefined, 4, 'allowlist')).toThrow(/the model has no labels/);
  });
});

describe('topk', () => {
  it('is stable for huge logits and exact for a known case', () => {
    const p = softmax([1000, 1000, -1000]);
    expect(Array.from(p)).toEqual([0.5, 0.5, 0]);
    const q = softmax([Math.log(1), Math.log(3)]);
    expect(q[0]).toBeCloseTo(0.25, 7);
    expect(Array.from(softmax([Number.NaN, 1])).every(Number.isNaN)).toBe(true);
  });

  it('returns the k best, ties by lower index, NaN last, with a filter', () => {
    const s = [0.1, 0.5, 0.5, Number.NaN, 0.9, 0.2];
    expect(topKIndices(s, 3)).toEqual([4, 1, 2]);
    expect(topKIndices(s, 10)).toEqual([4, 1, 2, 5, 0, 3]);
    expect(topKIndices(s, 2, (i) => i !== 4)).toEqual([1, 2]);
    expect(topKIndices(s, 0)).toEqual([]);
    // Against a full sort on random scores.
    const r = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const sorted = r.map((v, i) => i).sort((a, b) => r[b] - r[a] || a - b);
    expect(topKIndices(r, 7)).toEqual(sorted.slice(0, 7));
  });
});
