// Warm start with a fake GPU whose creation waits on a gate the test opens: load() resolves on the CPU
// backend, runs in between are answered there, the GPU takes over between two runs once timed faster,
// and every outcome (slower, failed, disposed first, cached choice, lost later) is recorded.
import { describe, expect, it } from 'vitest';
import { writeEim } from '../../src/format/writer.js';
import { load, type LoadedModel } from '../../src/runtime/load.js';
import { memoryCache } from '../../src/runtime/decision-cache.js';
import { Session } from '../../src/runtime/session.js';
import { randomF32 } from '../helpers/harness.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { alive, fakeProvider, tinyClassifier, tinyImageClassifier, TINY_PIXELS, type FakeProvider, type FakeSpec } from './fake-backends.js';

const graph = tinyClassifier();
const bytes = writeEim(graph);
const x = randomF32(32, { seed: 21 });
const want = (async () => Array.from((await (await Session.create(graph, { backend: 'js' })).run({ x })).y.data))();

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => { open = r; });
  return { promise, open };
}

/** webgpu@30 behind a gate (fast once open unless `gpu` says otherwise), wasm@20 a little slow, js@0 slower. */
function providers(gpu: Partial<FakeSpec> = {}): { all: FakeProvider[]; gpu: FakeProvider; wasm: FakeProvider; js: FakeProvider; open: () => void } {
  const g = gate();
  const all = [
    fakeProvider({ name: 'webgpu', priority: 30, gate: g.promise, ...gpu }),
    fakeProvider({ name: 'wasm', priority: 20, slowMs: 1 }),
    fakeProvider({ name: 'js', priority: 0, slowMs: 4 }),
  ];
  return { all, gpu: all[0], wasm: all[1], js: all[2], open: g.open };
}

async function expectRight(model: LoadedModel): Promise<void> {
  expect(Array.from((await model.run({ x })).y.data)).toEqual(await want);
}

/** Lets pending promise callbacks run (the gate stays shut: nothing can finish the GPU meanwhile). */
const turns = async (n = 20) => { for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0)); };

describe('warm start, no cached decision', () => {
  it('resolves on the CPU backend, answers there while the GPU prepares, then switches and records the timings', async () => {
    const p = providers();
    const cache = memoryCache();
    const model = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    let settled = false;
    void model.ready.then(() => { settled = true; });
    const sel = model.selection;
    expect(model.backend).toBe('wasm');
    expect(sel).toMatchObject({ mode: 'auto', cache: 'miss', backend: 'wasm' });
    expect(sel.candidates.map((c) => [c.name, c.status])).toEqual([['webgpu', 'pending'], ['wasm', 'chosen'], ['js', 'slower']]);
    expect(sel.warmStart).toEqual({ target: 'webgpu', state: 'preparing', firstReadyMs: expect.any(Number) });
    expect(sel.warmStart!.firstReadyMs).toBeGreaterThanOrEqual(sel.elapsedMs);
    // Nothing is cached yet: a CPU decision written now would keep the GPU out of every later load.
    expect(cache.entries.size).toBe(0);

    // Runs in between go to wasm; the GPU has not even been created.
    const wasmRuns = p.wasm.counts.execute;
    for (let i = 0; i < 3; i++) await expectRight(model);
    await turns();
    expect(p.wasm.counts.execute).toBe(wasmRuns + 3);
    expect(p.gpu.counts.create).toBe(0);
    expect(settled).toBe(false);

    p.open();
    const final = await model.ready;
    expect(final).toBe(model.selection);
    expect(model.backend).toBe('webgpu');
    expect(final.backend).toBe('webgpu');
    expect(final.candidates.map((c) => [c.name, c.status, c.reason])).toEqual([
      ['webgpu', 'chosen', undefined],
      ['wasm', 'slower', 'answered until webgpu was ready'],
      ['js', 'slower', undefined],
    ]);
    const [g, w] = final.candidates;
    expect(g.medianMs).toBeLessThan(w.medianMs!);
    const ws = final.warmStart!;
    expect(ws.state).toBe('switched');
    expect(ws.targetReadyMs).toBeGreaterThanOrEqual(ws.firstReadyMs);
    expect(ws.switchedAtMs).toBeGreaterThanOrEqual(ws.targetReadyMs!);
    // The CPU session was released at the switch; the GPU session is the one left.
    expect([alive(p.gpu), alive(p.wasm), alive(p.js)]).toEqual([1, 0, 0]);
    const gpuRuns = p.gpu.counts.execute;
    await expectRight(model);
    expect(p.gpu.counts.execute).toBe(gpuRuns + 1);
    // The final choice is remembered now.
    expect([...cache.entries.values()]).toMatchObject([{ backend: 'webgpu', priority: 30, medianMs: g.medianMs }]);
    model.dispose();
    expect(alive(p.gpu)).toBe(0);
  });

  it('switches between two runs: queued runs keep their order and never overlap', async () => {
    const p = providers();
    const model = await load(graph, { providers: p.all });
    const log: string[] = [];
    const logged = (i: number) => model.use(async (s) => {
      log.push(`${i} ${s.backend} start`);
      const out = await s.run({ x });
      log.push(`${i} ${s.backend} end`);
      return Array.from(out.y.data);
    });
    const early = [0, 1, 2].map(logged);
    p.open();
    // As a video loop would: one run after another while the GPU is prepared and timed.
    let done = false;
    void model.ready.then(() => { done = true; });
    const looped: Promise<number[]>[] = [];
    for (let i = 3; !done; i++) { looped.push(logged(i)); await looped.at(-1); }
    const n = 3 + looped.length;
    const late = [n, n + 1].map(logged);
    for (const out of await Promise.all([...early, ...looped, ...late])) expect(out).toEqual(await want);
    const pairs = log.map((l) => l.split(' '));
    // Each run starts after the previous one ended, in the order they were asked for.
    expect(pairs.map(([i, , what]) => `${i} ${what}`)).toEqual(Array.from({ length: n + 2 }, (_, i) => [`${i} start`, `${i} end`]).flat());
    const backends = pairs.filter((_, k) => k % 2 === 0).map(([, b]) => b);
    // Every run before the switch on wasm, every run after it on webgpu.
    const firstGpu = backends.indexOf('webgpu');
    expect(firstGpu).toBeGreaterThan(2);
    expect(backends).toEqual([...Array(firstGpu).fill('wasm'), ...Array(n + 2 - firstGpu).fill('webgpu')]);
    expect(model.selection.warmStart!.state).toBe('switched');
  });

  it('keeps the CPU backend when the GPU is timed slower, and remembers that', async () => {
    const p = providers({ slowMs: 5 });
    const cache = memoryCache();
    const model = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    p.open();
    const final = await model.ready;
    expect(model.backend).toBe('wasm');
    expect(final.backend).toBe('wasm');
    expect(final.candidates.map((c) => [c.name, c.status])).toEqual([['webgpu', 'slower'], ['wasm', 'chosen'], ['js', 'slower']]);
    expect(final.warmStart).toMatchObject({ state: 'slower' });
    expect(final.candidates[0].medianMs).toBeGreaterThan(final.candidates[1].medianMs!);
    expect(final.warmStart!.switchedAtMs).toBeUndefined();
    expect(alive(p.gpu)).toBe(0);
    expect([...cache.entries.values()]).toMatchObject([{ backend: 'wasm', priority: 20 }]);
    await expectRight(model);
  });

  it('records a GPU that fails to prepare, and the CPU backend answers on', async () => {
    for (const failAt of ['create', 'prepare'] as const) {
      const p = providers({ failAt });
      const model = await load(graph, { providers: p.all });
      p.open();
      const final = await model.ready;
      const reason = failAt === 'create' ? 'create failed: device request refused' : 'prepare failed: no kernel for Conv on this fake';
      expect(final.candidates[0]).toMatchObject({ name: 'webgpu', status: 'failed', reason: expect.stringContaining(reason) });
      expect(final.warmStart).toMatchObject({ state: 'failed' });
      expect(model.backend).toBe('wasm');
      expect(alive(p.gpu)).toBe(0);
      await expectRight(model);
    }
  });

  it('a CPU choice that a failure produced is not written once the GPU is timed: wasm failed, js answered, the GPU was slower', async () => {
    const p = providers({ slowMs: 20 });
    const all = [p.gpu, fakeProvider({ name: 'wasm', priority: 20, failAt: 'create' }), p.js];
    const cache = memoryCache();
    const model = await load(bytes, { providers: all, cache, deviceKey: () => 'dev' });
    expect(model.backend).toBe('js');
    p.open();
    const final = await model.ready;
    expect(final.warmStart).toMatchObject({ state: 'slower' });
    expect(final.cacheReason).toMatch(/^not written: wasm@20 failed \(create failed: /);
    expect(cache.entries.size).toBe(0);
    model.dispose();
  });

  it('a GPU that fails in the background leaves nothing written', async () => {
    const p = providers({ failAt: 'prepare' });
    const cache = memoryCache();
    const model = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    p.open();
    const final = await model.ready;
    expect(final.warmStart).toMatchObject({ state: 'failed' });
    expect(final.cacheReason).toMatch(/^not written: webgpu@30 failed/);
    expect(cache.entries.size).toBe(0);
    model.dispose();
  });

  it('dispose while the GPU prepares: the GPU session is released, nothing switches, nothing is cached', async () => {
    const p = providers();
    const cache = memoryCache();
    const model = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    await expectRight(model);
    model.dispose();
    p.open();
    const final = await model.ready;
    expect(final.warmStart!.state).toBe('cancelled');
    expect(final.backend).toBe('wasm');
    expect([alive(p.gpu), alive(p.wasm), alive(p.js)]).toEqual([0, 0, 0]);
    expect(p.gpu.counts.execute).toBe(0);
    expect(cache.entries.size).toBe(0);
    await expect(model.run({ x })).rejects.toThrow(/disposed/);
  });

  it('dispose after the GPU was timed but before its turn in the queue: released, no late switch', async () => {
    const p = providers();
    // The decision write comes between the GPU's trial and its switch: holding it holds the GPU right there.
    const write = gate();
    const cache = { get: () => undefined, set: () => write.promise };
    const model = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    p.open();
    await new Promise<void>((resolve) => { const poll = () => (p.gpu.counts.execute >= 4 ? resolve() : setTimeout(poll, 1)); poll(); });
    // A run that holds the queue until the test lets it go: the switch will queue behind it.
    const hold = gate();
    const busy = model.use(async (s) => { await hold.promise; return s.backend; });
    write.open();
    await turns();
    expect(model.selection.candidates[0].status).toBe('pending');
    expect(model.selection.warmStart).toMatchObject({ state: 'preparing', targetReadyMs: expect.any(Number) });
    expect(alive(p.gpu)).toBe(1);
    model.dispose();
    hold.open();
    expect(await busy).toBe('wasm');
    const final = await model.ready;
    expect(final.warmStart!.state).toBe('cancelled');
    expect(model.session.backend).toBe('wasm');
    expect([alive(p.gpu), alive(p.wasm)]).toEqual([0, 0]);
  });

  it('the GPU\'s timed runs take turns with the app\'s runs (its warm-up does not)', async () => {
    const p = providers();
    const model = await load(graph, { providers: p.all });
    const hold = gate();
    const busy = model.use(async () => { await hold.promise; });
    p.open();
    // Created and warmed up meanwhile, but no timed run starts while the app's run holds the queue.
    await new Promise<void>((resolve) => { const poll = () => (p.gpu.counts.execute >= 1 ? resolve() : setTimeout(poll, 1)); poll(); });
    await turns();
    expect(p.gpu.counts.execute).toBe(1);
    hold.open();
    await busy;
    expect((await model.ready).warmStart!.state).toBe('switched');
    expect(p.gpu.counts.execute).toBe(4);
  });
});

describe('warm start: when it does not apply', () => {
  it('warmStart: false waits for the GPU trial, as before', async () => {
    const p = providers();
    let resolved = false;
    const pending = load(graph, { providers: p.all, warmStart: false }).then((m) => { resolved = true; return m; });
    await turns();
    expect(resolved).toBe(false);
    p.open();
    const model = await pending;
    expect(model.backend).toBe('webgpu');
    expect(model.selection.warmStart).toBeUndefined();
    expect(await model.ready).toBe(model.selection);
  });

  it('no CPU backend works: the GPU is timed before load() resolves', async () => {
    const g = gate();
    const all = [fakeProvider({ name: 'webgpu', priority: 30, gate: g.promise }), fakeProvider({ name: 'wasm', priority: 20, failAt: 'prepare' }),
      fakeProvider({ name: 'js', priority: 0, unavailable: 'off' })];
    const pending = load(graph, { providers: all });
    g.open();
    const model = await pending;
    expect(model.backend).toBe('webgpu');
    expect(model.selection.candidates.map((c) => c.status)).toEqual(['chosen', 'failed', 'unavailable']);
    expect(model.selection.warmStart).toBeUndefined();
  });

  it('an explicit backend or list never warm-starts', async () => {
    const p = providers();
    p.open();
    for (const backend of ['webgpu', ['wasm', 'webgpu']] as const) {
      const model = await load(graph, { providers: p.all, backend });
      expect(model.selection.warmStart).toBeUndefined();
      expect(model.backend).toBe(typeof backend === 'string' ? 'webgpu' : 'wasm');
    }
  });
});

describe('warm start on a cached GPU decision', () => {
  /** Leaves `cache` holding webgpu, as a first load whose GPU won would. */
  async function seeded(): Promise<ReturnType<typeof memoryCache>> {
    const cache = memoryCache();
    const p = providers();
    p.open();
    const first = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    await first.ready;
    first.dispose();
    expect([...cache.entries.values()].map((d) => d.backend)).toEqual(['webgpu']);
    return cache;
  }

  it('opens the first CPU backend without a trial, then switches to the cached GPU', async () => {
    const cache = await seeded();
    const p = providers();
    const model = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    const sel = model.selection;
    expect(sel).toMatchObject({ mode: 'cached', cache: 'hit', backend: 'wasm' });
    expect(sel.candidates.map((c) => [c.name, c.status])).toEqual([['webgpu', 'pending'], ['wasm', 'chosen']]);
    expect(sel.candidates[0].reason).toMatch(/^cached decision of /);
    // wasm had its one warm-up run, js was not even probed.
    expect(p.wasm.counts.execute).toBe(1);
    expect(p.js.counts.available).toBe(0);
    await expectRight(model);
    p.open();
    const final = await model.ready;
    expect(model.backend).toBe('webgpu');
    expect(final.candidates.map((c) => [c.name, c.status])).toEqual([['webgpu', 'chosen'], ['wasm', 'slower']]);
    expect(final.candidates[0].reason).toBe(sel.candidates[0].reason);
    expect(final.warmStart).toMatchObject({ state: 'switched' });
    await expectRight(model);
  });

  it('a cached GPU that now fails to prepare leaves the CPU backend in place; the failure is not written, so the next load tries the GPU again', async () => {
    const cache = await seeded();
    const p = providers({ failAt: 'prepare' });
    const model = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    p.open();
    const final = await model.ready;
    expect(final.warmStart).toMatchObject({ state: 'failed' });
    expect(final.candidates[0]).toMatchObject({ name: 'webgpu', status: 'failed' });
    expect(model.backend).toBe('wasm');
    expect(final.cacheReason).toMatch(/^not written: webgpu@30 failed \(prepare failed: /);
    expect([...cache.entries.values()].map((d) => d.backend)).toEqual(['webgpu']);
    await expectRight(model);
  });

  it('a cached GPU that is unavailable now is not waited for: the usual stale path, no warm start', async () => {
    const cache = await seeded();
    const p = providers({ unavailable: 'no adapter' });
    const model = await load(bytes, { providers: p.all, cache, deviceKey: () => 'dev' });
    expect(model.selection).toMatchObject({ mode: 'auto', cache: 'stale', backend: 'wasm' });
    expect(model.selection.warmStart).toBeUndefined();
  });
});

describe('warm start meets a lost backend', () => {
  it('the GPU that took over is lost later: the CPU backend it replaced takes over again', async () => {
    const p = providers();
    const fallbacks: string[] = [];
    const model = await load(graph, { providers: p.all, onFallback: (f) => fallbacks.push(`${f.from}->${f.to}`) });
    p.open();
    await model.ready;
    expect(model.backend).toBe('webgpu');
    p.gpu.spec.lost = 'device lost (unknown): the GPU process crashed';
    await expectRight(model);
    expect(model.backend).toBe('wasm');
    expect(fallbacks).toEqual(['webgpu->wasm']);
    expect(model.selection.candidates.map((c) => c.status)).toEqual(['lost', 'chosen', 'slower']);
    expect(model.selection.warmStart!.state).toBe('switched');
  });

  it('the CPU backend is lost while the GPU prepares: the next CPU backend answers, then the GPU takes over', async () => {
    const p = providers();
    const model = await load(graph, { providers: p.all });
    p.wasm.spec.lost = 'wasm trap: unreachable';
    await expectRight(model);
    expect(model.backend).toBe('js');
    // The pending GPU is not a fallback candidate: it is already on its way.
    expect(p.gpu.counts.create).toBe(0);
    p.open();
    const final = await model.ready;
    expect(model.backend).toBe('webgpu');
    expect(final.candidates.map((c) => [c.name, c.status])).toEqual([['webgpu', 'chosen'], ['wasm', 'lost'], ['js', 'slower']]);
    expect(final.fallbacks!.map((f) => [f.from, f.to])).toEqual([['wasm', 'js']]);
    expect([alive(p.gpu), alive(p.wasm), alive(p.js)]).toEqual([1, 0, 0]);
    await expectRight(model);
  });
});

describe('warm start through a classifier', () => {
  it('ImageClassifier.ready settles with the switch, and backend follows it', async () => {
    const p = providers();
    const classifier = await ImageClassifier.create(writeEim(tinyImageClassifier()), { providers: p.all, cache: false });
    expect(classifier.backend).toBe('wasm');
    const first = await classifier.classify(TINY_PIXELS, { topK: 3 });
    let settled = false;
    const ready = classifier.ready.then((s) => { settled = true; return s; });
    await turns();
    expect(settled).toBe(false);
    p.open();
    const final = await ready;
    expect(final?.backend).toBe('webgpu');
    expect(classifier.backend).toBe('webgpu');
    expect(await classifier.classify(TINY_PIXELS, { topK: 3 })).toEqual(first);
    classifier.dispose();
    expect([alive(p.gpu), alive(p.wasm), alive(p.js)]).toEqual([0, 0, 0]);
  });
});
