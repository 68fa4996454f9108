// Run-time fallback with fake backends that lose themselves between runs: in `auto` and for a list the
// next ranked backend takes over and the call is retried there, recorded in the selection and told to
// the app; a single named backend, InputError and a model with nothing left behave as the caller expects.
import { describe, expect, it } from 'vitest';
import { writeEim } from '../../src/format/writer.js';
import { load, type LoadedModel } from '../../src/runtime/load.js';
import { memoryCache } from '../../src/runtime/decision-cache.js';
import type { Fallback, Selection } from '../../src/runtime/select.js';
import { Session } from '../../src/runtime/session.js';
import { BackendLostError, EdgeInferError, InputError } from '../../src/errors.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { SequenceClassifier } from '../../src/vision/sequence-classifier.js';
import type { Graph } from '../../src/graph/ir.js';
import { randomF32 } from '../helpers/harness.js';
import { alive, fakeProvider, tinyClassifier, tinyImageClassifier, TINY_PIXELS, type FakeProvider, type FakeSpec } from './fake-backends.js';

const graph = tinyClassifier();
const LOST = 'device lost (destroyed): fake';

async function reference(g: Graph, x: Float32Array): Promise<number[]> {
  const s = await Session.create(g, { backend: 'js' });
  return Array.from((await s.run({ x })).y.data);
}

/** webgpu@30 fastest, wasm@20, js@0 slowest: `auto` picks webgpu and ranks wasm next. */
function ranked(extra: Partial<Record<'webgpu' | 'wasm' | 'js', Partial<FakeSpec>>> = {}): FakeProvider[] {
  return [
    fakeProvider({ name: 'webgpu', priority: 30, ...extra.webgpu }),
    fakeProvider({ name: 'wasm', priority: 20, slowMs: 1, ...extra.wasm }),
    fakeProvider({ name: 'js', priority: 0, slowMs: 4, ...extra.js }),
  ];
}

async function loadRanked(providers: FakeProvider[], more: Parameters<typeof load>[1] = {}): Promise<{ model: LoadedModel; told: [Fallback, Selection][] }> {
  const told: [Fallback, Selection][] = [];
  const model = await load(graph, { providers, warmStart: false, onFallback: (f, s) => told.push([f, s]), ...more });
  return { model, told };
}

const settle = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => e);

describe('run-time fallback in auto', () => {
  it('a lost backend hands over to the next ranked one; the call is retried there and the switch recorded', async () => {
    const providers = ranked();
    const [gpu, wasm, js] = providers;
    const { model, told } = await loadRanked(providers);
    expect(model.backend).toBe('webgpu');
    const x = randomF32(2 * 32, { seed: 4 });
    const want = await reference(graph, x);
    expect(Array.from((await model.run({ x })).y.data)).toEqual(want);

    const jsCreated = js.counts.create;
    gpu.spec.lost = LOST;
    const before = model.selection;
    expect(Array.from((await model.run({ x })).y.data)).toEqual(want);
    expect(model.backend).toBe('wasm');
    const sel = model.selection;
    expect(sel).not.toBe(before);
    expect(sel.backend).toBe('wasm');
    expect(sel.candidates.map((c) => [c.name, c.status, c.reason])).toEqual([
      ['webgpu', 'lost', `backend webgpu lost: ${LOST}`],
      ['wasm', 'chosen', 'took over when webgpu was lost'],
      ['js', 'slower', undefined],
    ]);
    // The trial's medians are kept: they are what ranked wasm before js.
    expect(sel.candidates[1].medianMs).toBeLessThan(sel.candidates[2].medianMs!);
    expect(sel.fallbacks).toHaveLength(1);
    const [f] = sel.fallbacks!;
    expect(f).toMatchObject({ from: 'webgpu', to: 'wasm', reason: `backend webgpu lost: ${LOST}` });
    expect(f.atMs).toBeGreaterThan(sel.elapsedMs);
    expect(told).toEqual([[f, sel]]);
    // The lost session was disposed, wasm opened once (no new trial: one warm-up, then the retried call), js untouched.
    expect(alive(gpu)).toBe(0);
    expect(alive(wasm)).toBe(1);
    expect(js.counts.create).toBe(jsCreated);
    expect(Array.from((await model.run({ x })).y.data)).toEqual(want);
    expect(model.selection.fallbacks).toHaveLength(1);
    model.dispose();
    expect(alive(wasm)).toBe(0);
  });

  it('calls queued while the backend is lost all resolve, in order, on the new backend', async () => {
    const providers = ranked();
    const { model, told } = await loadRanked(providers);
    await model.run({ x: randomF32(32, { seed: 1 }) });
    providers[0].spec.lost = LOST;
    const xs = [1, 2, 3, 4, 5].map((seed) => randomF32(seed * 32, { seed }));
    const order: number[] = [];
    const outs = await Promise.all(xs.map((x, i) => model.run({ x }).then((o) => { order.push(i); return o; })));
    for (let i = 0; i < xs.length; i++) expect(Array.from(outs[i].y.data)).toEqual(await reference(graph, xs[i]));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(told).toHaveLength(1);
    expect(model.backend).toBe('wasm');
    // The first queued call met the loss (and was retried); the others went straight to wasm.
    expect(providers[0].counts.execute).toBe(4 + 1 + 1);
  });

  it('skips a successor that fails its warm-up, recording why, and keeps going down the ranking', async () => {
    const providers = ranked();
    const { model } = await loadRanked(providers);
    providers[0].spec.lost = LOST;
    providers[1].spec.lost = 'wasm trap: unreachable';
    const x = randomF32(32, { seed: 2 });
    expect(Array.from((await model.run({ x })).y.data)).toEqual(await reference(graph, x));
    expect(model.backend).toBe('js');
    expect(model.selection.candidates.map((c) => [c.name, c.status, c.reason])).toEqual([
      ['webgpu', 'lost', `backend webgpu lost: ${LOST}`],
      ['wasm', 'failed', 'first run failed: backend wasm lost: wasm trap: unreachable'],
      ['js', 'chosen', 'took over when webgpu was lost'],
    ]);
    expect(model.selection.fallbacks!.map((f) => [f.from, f.to])).toEqual([['webgpu', 'js']]);
    expect(providers.map(alive)).toEqual([0, 0, 1]);

    // js lost too: nothing is left, so the calls queued meanwhile reject with the loss (none hangs), and so does every later one, at once.
    providers[2].spec.lost = 'out of memory';
    const [err, ...queued] = await Promise.all([1, 2, 3].map(() => settle(model.run({ x }))));
    expect(err).toBeInstanceOf(BackendLostError);
    expect((err as BackendLostError).message).toBe('backend js lost: out of memory');
    expect(queued).toEqual([err, err]);
    expect(model.selection.candidates.map((c) => c.status)).toEqual(['lost', 'failed', 'lost']);
    expect(await settle(model.run({ x }))).toBe(err);
    expect(providers.map(alive)).toEqual([0, 0, 0]);
  });

  it('after a cached choice (no trial), ranks the other providers by priority, a deferring GPU last', async () => {
    const bytes = writeEim(graph);
    const cache = memoryCache();
    const opts = { cache, deviceKey: () => 'test-device', warmStart: false } as const;
    const first = ranked({ webgpu: { slowMs: 3 }, wasm: { slowMs: 0 } });
    expect((await load(bytes, { ...opts, providers: first })).backend).toBe('wasm');

    const again = ranked({ webgpu: { slowMs: 3 }, wasm: { slowMs: 0 } });
    let asked = 0;
    again[0].deferReason = async () => { asked++; return 'software adapter (swiftshader): the CPU backends are faster'; };
    const model = await load(bytes, { ...opts, providers: again });
    expect(model.selection).toMatchObject({ mode: 'cached', cache: 'hit' });
    again[1].spec.lost = 'wasm trap: memory access out of bounds';
    const x = randomF32(32, { seed: 3 });
    expect(Array.from((await model.run({ x })).y.data)).toEqual(await reference(graph, x));
    // js, though of lower priority, goes before the GPU that asks to be tried last; the GPU was never opened.
    expect(model.backend).toBe('js');
    expect(asked).toBe(1);
    expect(again[0].counts.create).toBe(0);
    expect(model.selection.candidates.map((c) => [c.name, c.status])).toEqual([['wasm', 'lost'], ['js', 'chosen']]);
    // The cache still says wasm: a loss is usually transient (GPU reset, tab in the background), and the next
    // load revalidates the choice with a warm-up run before trusting it.
    expect([...cache.entries.values()].map((d) => d.backend)).toEqual(['wasm']);
    const next = await load(bytes, { ...opts, providers: again });
    expect(next.selection).toMatchObject({ mode: 'auto', cache: 'stale', backend: 'js' });
    expect(next.selection.cacheReason).toMatch(/^cached backend wasm@20 first run failed: backend wasm lost/);
    // js was chosen because wasm, ranked above it, failed: that choice is not written, so once wasm works again
    // the next load finds it (select.ts never caches a decision a failure produced).
    expect(next.selection.cacheReason).toContain('not written: wasm@20 failed');
    expect([...cache.entries.values()].map((d) => d.backend)).toEqual(['wasm']);
  });

  it('the backend that takes over is opened in the precision the model was loaded with', async () => {
    const providers = ranked();
    const [gpu, wasm] = providers;
    const { model } = await loadRanked(providers, { precision: 'f16' });
    expect(model.precision).toBe('f16');
    gpu.spec.lost = LOST;
    await model.run({ x: randomF32(32, { seed: 6 }) });
    expect(model.backend).toBe('wasm');
    expect(model.precision).toBe('f32');
    expect(wasm.createOptions.at(-1)).toEqual({ precision: 'f16' });
    model.dispose();
  });
});

describe('run-time fallback: what does not fall back', () => {
  it('a single named backend: the loss reaches the caller, every time, and nothing else is opened', async () => {
    const providers = ranked();
    const { model, told } = await loadRanked(providers, { backend: 'webgpu' });
    providers[0].spec.lost = LOST;
    const x = randomF32(32, { seed: 5 });
    for (let k = 0; k < 2; k++) {
      const err = await settle(model.run({ x }));
      expect(err).toBeInstanceOf(BackendLostError);
      expect((err as BackendLostError).backend).toBe('webgpu');
    }
    expect(told).toEqual([]);
    expect(model.selection.fallbacks).toBeUndefined();
    expect(providers[1].counts.available + providers[2].counts.available).toBe(0);
  });

  it('a list falls back in the caller\'s order, within the list only', async () => {
    const providers = ranked();
    const { model, told } = await loadRanked(providers, { backend: ['webgpu', 'js'] });
    providers[0].spec.lost = LOST;
    const x = randomF32(32, { seed: 6 });
    expect(Array.from((await model.run({ x })).y.data)).toEqual(await reference(graph, x));
    expect(model.backend).toBe('js');
    expect(model.selection.mode).toBe('explicit');
    expect(told.map(([f]) => [f.from, f.to])).toEqual([['webgpu', 'js']]);
    expect(providers[1].counts.available).toBe(0);
    // The end of the list: the loss reaches the caller.
    providers[2].spec.lost = 'gone';
    expect(await settle(model.run({ x }))).toBeInstanceOf(BackendLostError);
  });

  it('the caller\'s own mistakes (InputError) and a disposed model never fall back', async () => {
    const providers = ranked();
    const { model, told } = await loadRanked(providers);
    await expect(model.run({ x: new Float32Array(7) })).rejects.toBeInstanceOf(InputError);
    await expect(model.run({})).rejects.toBeInstanceOf(InputError);
    expect(model.backend).toBe('webgpu');
    const sel = model.selection;
    const created = providers[1].counts.create;
    model.dispose();
    providers[0].spec.lost = LOST;
    const err = await settle(model.run({ x: randomF32(32, { seed: 7 }) }));
    expect(err).toBeInstanceOf(EdgeInferError);
    expect((err as EdgeInferError).code).toBe('DISPOSED');
    expect(model.selection).toBe(sel);
    expect(told).toEqual([]);
    expect(providers[1].counts.create).toBe(created);
  });

  it('an onFallback that throws does not fail the run', async () => {
    const providers = ranked();
    const model = await load(graph, { providers, warmStart: false, onFallback: () => { throw new Error('app bug'); } });
    providers[0].spec.lost = LOST;
    await expect(model.run({ x: randomF32(32, { seed: 8 }) })).resolves.toBeDefined();
    expect(model.backend, JSON.stringify(model.selection.candidates)).toBe('wasm');
  });
});

describe('classifiers follow the switch', () => {
  const imageGraph = tinyImageClassifier;
  const pixels = TINY_PIXELS;

  it('an ImageClassifier over a LoadedModel, or over the model it opened itself, classifies on after a loss', async () => {
    for (const own of [false, true]) {
      const providers = ranked();
      const options = { providers, warmStart: false, topK: 3 } as const;
      const model = own ? undefined : await load(imageGraph(), options);
      const c = await ImageClassifier.create(model ?? imageGraph(), options);
      const before = await c.classify(pixels);
      expect(c.backend).toBe('webgpu');
      providers[0].spec.lost = LOST;
      expect(await c.classify(pixels)).toEqual(before);
      expect(c.backend).toBe('wasm');
      expect(c.session.backend).toBe('wasm');
      expect(c.selection?.fallbacks?.map((f) => [f.from, f.to])).toEqual([['webgpu', 'wasm']]);
      if (model) expect(c.selection).toBe(model.selection);
      c.dispose();
      expect(alive(providers[1])).toBe(own ? 0 : 1);
      model?.dispose();
    }
  });

  it('a SequenceClassifier over a LoadedModel classifies on after a loss', async () => {
    const seqGraph: Graph = {
      nodes: [
        { name: 'flat', op: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: 1 } },
        { name: 'fc', op: 'Gemm', inputs: ['f', 'w', 'b'], outputs: ['y'], attrs: {} },
      ],
      inputs: [{ name: 'x', shape: [-1, 3, 2] }],
      outputs: [{ name: 'y', shape: [-1, 2] }],
      constants: new Map([
        ['w', { shape: [6, 2], dtype: 'f32', data: randomF32(12, { seed: 13, min: -1, max: 1 }) }],
        ['b', { shape: [2], dtype: 'f32', data: Float32Array.of(0.5, -0.5) }],
      ]),
      metadata: { name: 'tiny-seq', labels: ['up', 'down'] },
    };
    const providers = ranked();
    const model = await load(seqGraph, { providers, warmStart: false });
    const c = await SequenceClassifier.create(model);
    const seq = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]];
    const before = await c.classify(seq);
    providers[0].spec.lost = LOST;
    expect(await c.classify(seq)).toEqual(before);
    expect(c.backend).toBe('wasm');
    expect(c.selection).toBe(model.selection);
    expect(c.selection?.fallbacks).toHaveLength(1);
  });
});
