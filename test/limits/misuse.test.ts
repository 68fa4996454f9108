// Every public entry checks its arguments and answers a mistake with InputError (expected, received),
// never a TypeError from deep inside (issue #18: run(null), run({ x: null }), a shape that is a string,
// classifyBatch(notAnArray), a signal that is not an AbortSignal...). One table per entry.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { ImagePreprocess } from '../../src/graph/ir.js';
import { load as loadCore, type LoadOptions } from '../../src/runtime/load.js';
import { Session } from '../../src/runtime/session.js';
import { readEim } from '../../src/format/reader.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { SequenceClassifier } from '../../src/vision/sequence-classifier.js';
import { NodeImageClassifier } from '../../src/vision/node-classifier.js';

const CNN = new Uint8Array(readFileSync(new URL('../../models/fashion/cnn-int8.eim', import.meta.url)));
const GRU = new Uint8Array(readFileSync(new URL('../../models/fashion/gru-int8.eim', import.meta.url)));
const GRAY: ImagePreprocess = { width: 28, height: 28, channels: 1, colorOrder: 'GRAY', scale: 1 / 255, mean: [0], std: [1], resize: 'stretch', crop: 'none' };
const js = { backend: 'js', cache: false } as const;

/** Settles `call` (sync or async) and checks the InputError: message, and that expected and received are filled in. */
async function inputError(call: () => unknown, message: RegExp, received?: RegExp): Promise<void> {
  let err: unknown;
  try {
    await call();
  } catch (e) {
    err = e;
  }
  expect(err, String(message)).toBeInstanceOf(InputError);
  const e = err as InputError;
  expect(e.message).toMatch(message);
  expect(e.expected, e.message).toBeTruthy();
  if (received) expect(e.received, e.message).toMatch(received);
}

describe('misuse: typed errors at every public entry', () => {
  it('LoadedModel.run and Session.run', async () => {
    const model = await loadCore(CNN, js);
    const session = await Session.create(readEim(CNN), { backend: 'js' });
    const x = model.inputs[0].name;
    for (const run of [model.run.bind(model), session.run.bind(session)]) {
      const call = run as (...args: unknown[]) => Promise<unknown>;
      await inputError(() => call(null), /invalid feeds/, /^null$/);
      await inputError(() => call(), /invalid feeds/, /^undefined$/);
      await inputError(() => call(42), /invalid feeds/, /^42$/);
      await inputError(() => call({}), /missing input/);
      await inputError(() => call({ [x]: null }), new RegExp(`invalid input "${x}"`), /^null$/);
      await inputError(() => call({ [x]: [0.5] }), /invalid input/, /^Array$/);
      await inputError(() => call({ [x]: { shape: '1,28,28,1', data: new Float32Array(784) } }), /invalid input/, /keys shape, data/);
      await inputError(() => call({ [x]: { shape: [1, 28, 28, 1], data: [1] } }), /invalid input/);
      await inputError(() => call({ [x]: { shape: [1, 28, 28, Number.NaN], data: new Float32Array(784) } }), /wrong size/);
      await inputError(() => call({ [x]: new Float32Array(783) }), /wrong size/, /783 values/);
      await inputError(() => call({ [x]: new Float32Array(784) }, null), /invalid options/, /^null$/);
      await inputError(() => call({ [x]: new Float32Array(784) }, { layout: 'NCHW' }), /invalid layout/, /^string$/);
    }
    // The model still answers afterwards.
    expect((await model.run({ [x]: new Float32Array(784) }))[model.outputs[0].name].data.length).toBe(10);
    model.dispose();
    session.dispose();
  });

  it('load() options', async () => {
    const wrong: [LoadOptions, RegExp, RegExp?][] = [
      [{ signal: {} as AbortSignal }, /invalid options\.signal/, /keys \(none\)/],
      [{ signal: 'stop' as unknown as AbortSignal }, /invalid options\.signal/, /^string$/],
      [{ onProgress: 5 as never }, /invalid options\.onProgress/, /^5$/],
      [{ onFallback: {} as never }, /invalid options\.onFallback/, /object/],
      [{ fetch: 'fetch' as never }, /invalid options\.fetch/, /string/],
      [{ trialBudgetMs: Number.NaN }, /invalid options\.trialBudgetMs/, /^NaN$/],
      [{ trialBudgetMs: Number.POSITIVE_INFINITY }, /trialBudgetMs/, /^Infinity$/],
      [{ trialRuns: 0 }, /invalid options\.trialRuns/, /^0$/],
      [{ trialRuns: 1.5 }, /trialRuns/, /^1\.5$/],
      [{ maxModelBytes: -1 }, /invalid options\.maxModelBytes/, /^-1$/],
      [{ maxModelBytes: 2 ** 60 }, /maxModelBytes/],
      [{ stallTimeoutMs: 0 }, /invalid options\.stallTimeoutMs/, /^0$/],
      [{ stallTimeoutMs: '30s' as never }, /stallTimeoutMs/, /^string$/],
      [{ maxQueue: -1 }, /invalid options\.maxQueue/, /^-1$/],
      [{ maxQueue: 2.5 }, /maxQueue/],
    ];
    for (const [options, message, received] of wrong) await inputError(() => loadCore(CNN, { ...js, ...options } as LoadOptions), message, received);
    await inputError(() => loadCore(CNN, null as never), /invalid options/, /^null$/);
    // Defaults and valid values pass.
    const ok = await loadCore(CNN, { ...js, signal: new AbortController().signal, maxQueue: 0, stallTimeoutMs: 5, maxModelBytes: CNN.length, trialRuns: 1 });
    ok.dispose();
    // null for a signal or a callback is none, as fetch() takes it; a null number is a mistake.
    (await loadCore(CNN, { ...js, signal: null as never, onProgress: null as never })).dispose();
    await inputError(() => loadCore(CNN, { ...js, maxQueue: null as never }), /invalid options\.maxQueue/, /^null$/);
  });

  it('ImageClassifier: create, classify, classifyBatch', async () => {
    const c = await ImageClassifier.create(CNN, { ...js, preprocess: GRAY });
    const image = { width: 28, height: 28, data: new Uint8Array(28 * 28 * 4) };
    await inputError(() => ImageClassifier.create(CNN, null as never), /invalid options/, /^null$/);
    await inputError(() => ImageClassifier.create(CNN, { ...js, preprocess: GRAY, topK: 0 }), /invalid topK/, /^0$/);
    await inputError(() => ImageClassifier.create(CNN, { ...js, preprocess: GRAY, maxBatch: Number.NaN }), /invalid maxBatch/, /^NaN$/);
    await inputError(() => ImageClassifier.create(CNN, { ...js, preprocess: GRAY, signal: {} as AbortSignal }), /options\.signal/);
    await inputError(() => c.classify(null as never), /image 0 is not an image/, /^null$/);
    await inputError(() => (c.classify as (...a: unknown[]) => unknown)(), /image 0 is not an image/, /^undefined$/);
    await inputError(() => c.classify(image, null as never), /invalid options/, /^null$/);
    await inputError(() => c.classify({ shape: '1,28,28,1' as never, data: new Float32Array(784) }), /wrong shape/, /\[string\]/);
    await inputError(() => c.classifyBatch('x' as never), /invalid images/, /^string$/);
    await inputError(() => (c.classifyBatch as (...a: unknown[]) => unknown)(), /invalid images/, /^undefined$/);
    await inputError(() => c.classifyBatch({ length: 1, 0: image } as never), /invalid images/, /keys 0, length/);
    await inputError(() => c.classifyBatch([image], 7 as never), /invalid options/, /^7$/);
    await inputError(() => c.scoresBatch(null as never), /invalid images/, /^null$/);
    expect((await c.classify(image, { topK: 2 })).length).toBe(2);
    c.dispose();
  });

  it('SequenceClassifier', async () => {
    const c = await SequenceClassifier.create(GRU, js);
    await inputError(() => SequenceClassifier.create(GRU, null as never), /invalid options/);
    await inputError(() => SequenceClassifier.create(GRU, { ...js, maxBatch: 0 }), /invalid maxBatch/);
    await inputError(() => c.classify(null as never), /sequence 0 is not a sequence/, /^object$/);
    await inputError(() => c.classify(new Float32Array(784), null as never), /invalid options/);
    await inputError(() => c.classifyBatch(new Float32Array(784) as never), /invalid sequences/, /Float32Array/);
    await inputError(() => c.classifyBatch(undefined as never), /invalid sequences/);
    expect((await c.classify(new Float32Array(784))).length).toBe(5);
    c.dispose();
  });

  it('NodeImageClassifier', async () => {
    const c = await NodeImageClassifier.create(CNN, { ...js, preprocess: GRAY });
    await inputError(() => NodeImageClassifier.create(CNN, null as never), /invalid options/);
    await inputError(() => NodeImageClassifier.create(CNN, { ...js, preprocess: GRAY, decode: null as never }), /invalid options\.decode/);
    await inputError(() => c.classifyBatch('a.jpg' as never), /invalid images/, /^string$/);
    await inputError(() => c.classifyBatch(null as never), /invalid images/, /^null$/);
    // Options are checked before any image is decoded: the missing file is never opened.
    await inputError(() => c.classifyBatch(['/no/such/file.jpg'], { topK: -1 }), /topK/);
    await inputError(() => c.classify(42 as never), /image 0 is not an image/, /^number$/);
    c.dispose();
  });
});
