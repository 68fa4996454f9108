import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/graph/ir.js';
import { selectBackend } from '../../src/runtime/select.js';
import { Session } from '../../src/runtime/session.js';
import { localStorageCache, memoryCache, type KeyValueStorage } from '../../src/runtime/decision-cache.js';
import { AbortError } from '../../src/runtime/abort.js';
import { BackendUnavailableError, InputError, UnsupportedOpError } from '../../src/errors.js';
import { randomF32 } from '../helpers/harness.js';
import { webgpuProvider } from '../../src/backends/webgpu/provider.js';
import { quantizeWeights } from '../../src/graph/quantize.js';
import { alive, fakeProvider, tinyClassifier, type FakeProvider, type FakeSpec } from './fake-backends.js';

const graph = tinyClassifier();

async function expectCorrect(session: Session): Promise<void> {
  const ref = await Session.create(graph, { backend: 'js' });
  const x = randomF32(2 * 32, { seed: 5 });
  const [got, want] = await Promise.all([session.run({ x }), ref.run({ x })]);
  expect(got.y.shape).toEqual([2, 3]);
  expect(Array.from(got.y.data)).toEqual(Array.from(want.y.data));
}

/** webgpu@30 slow (busy-waits), wasm@20 fast, js@0 unavailable. */
function slowFastOff(): FakeProvider[] {
  return [
    fakeProvider({ name: 'webgpu', priority: 30, slowMs: 3 }),
    fakeProvider({ name: 'wasm', priority: 20 }),
    fakeProvider({ name: 'js', priority: 0, unavailable: 'switched off for this test' }),
  ];
}

describe('selectBackend: auto', () => {
  it('times every usable candidate and picks the fastest, not the highest priority', async () => {
    const providers = slowFastOff();
    const [slow, fast, off] = providers;
    const { session, selection } = await selectBackend(graph, { providers });
    expect(session.backend).toBe('wasm');
    expect(selection.backend).toBe('wasm');
    expect(selection.mode).toBe('auto');
    expect(selection.cache).toBe('off');
    const [c0, c1, c2] = selection.candidates;
    expect(c0).toMatchObject({ name: 'webgpu', priority: 30, status: 'slower' });
    expect(c1).toMatchObject({ name: 'wasm', priority: 20, status: 'chosen' });
    expect(c2).toEqual({ name: 'js', priority: 0, status: 'unavailable', reason: 'switched off for this test' });
    // 4 steps x 3 ms busy-wait per run on the slow one.
    expect(c0.medianMs!).toBeGreaterThanOrEqual(11);
    expect(c1.medianMs!).toBeLessThan(c0.medianMs!);
    // 1 warm-up + 3 timed runs each; the unavailable one was never created.
    expect(slow.counts.execute).toBe(4);
    expect(fast.counts.execute).toBe(4);
    expect(off.counts.create).toBe(0);
    // The loser was released, the winner kept.
    expect(alive(slow)).toBe(0);
    expect(alive(fast)).toBe(1);
    await expectCorrect(session);
    session.dispose();
    expect(alive(fast)).toBe(0);
  });

  it('falls back past backends that fail at create, prepare, run or probe, and says why', async () => {
    const providers = [
      fakeProvider({ name: 'webgpu', priority: 40, failAt: 'create' }),
      fakeProvider({ name: 'webgpu', priority: 35, failAt: 'probe' }),
      fakeProvider({ name: 'wasm', priority: 30, failAt: 'prepare' }),
      fakeProvider({ name: 'wasm', priority: 20, failAt: 'run' }),
      fakeProvider({ name: 'wasm', priority: 10, dropOps: ['Softmax', 'GlobalAveragePool'] }),
      fakeProvider({ name: 'js', priority: 0, slowMs: 1 }),
    ];
    const { session, selection } = await selectBackend(graph, { providers });
    expect(session.backend).toBe('js');
    expect(selection.candidates.map((c) => [c.name, c.priority, c.status, c.reason])).toEqual([
      ['webgpu', 40, 'failed', 'create failed: device request refused'],
      ['webgpu', 35, 'unavailable', 'its probe threw: probe crashed'],
      ['wasm', 30, 'failed', 'prepare failed: no kernel for Conv on this fake'],
      ['wasm', 20, 'failed', 'trial run failed: kernel exploded'],
      ['wasm', 10, 'unsupported', 'does not implement GlobalAveragePool, Softmax'],
      ['js', 0, 'chosen', undefined],
    ]);
    // Every failed backend was disposed; only the chosen one lives.
    expect(providers.slice(0, 5).map(alive)).toEqual([0, 0, 0, 0, 0]);
    expect(alive(providers[5])).toBe(1);
    await expectCorrect(session);
  });

  it('reports every reason when nothing can run the model', async () => {
    const providers = [
      fakeProvider({ name: 'webgpu', priority: 30, unavailable: 'no WebGPU adapter found' }),
      fakeProvider({ name: 'js', priority: 0, dropOps: ['Conv'] }),
    ];
    const err = await selectBackend(graph, { providers }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/backend auto unavailable/);
    expect(err.message).toMatch(/webgpu@30: unavailable \(no WebGPU adapter found\)/);
    expect(err.message).toMatch(/js@0: unsupported \(does not implement Conv\)/);
    await expect(selectBackend(graph, { providers: [] })).rejects.toThrow(/no backend provider is registered/);
  });

  it('stops starting candidates once the trial budget is spent, but always times one', async () => {
    const providers = [
      fakeProvider({ name: 'webgpu', priority: 30, slowMs: 2 }),
      fakeProvider({ name: 'wasm', priority: 20 }),
      fakeProvider({ name: 'js', priority: 0, unavailable: 'off' }),
    ];
    const { session, selection } = await selectBackend(graph, { providers, trialBudgetMs: 1 });
    expect(session.backend).toBe('webgpu');
    // Over budget after the first timed run: no more runs, and the next candidate is not created.
    expect(providers[0].counts.execute).toBe(2);
    expect(providers[1].counts.create).toBe(0);
    expect(selection.candidates.map((c) => c.status)).toEqual(['chosen', 'skipped', 'unavailable']);
    expect(selection.candidates[1].reason).toBe('the 1 ms trial budget was spent');
  });

  it('rejects a graph no backend could run before trying any backend', async () => {
    const g = tinyClassifier();
    g.nodes[4] = { ...g.nodes[4], op: 'Frobnicate' };
    const p = fakeProvider({ name: 'js', priority: 0 });
    await expect(selectBackend(g, { providers: [p] })).rejects.toBeInstanceOf(UnsupportedOpError);
    expect(p.counts.available).toBe(0);
  });
});

const SOFTWARE = 'software adapter (swiftshader): the CPU backends are faster';

/** A fake provider that asks `auto` to try it last (as webgpuProvider does on a software adapter), counting the asks. */
function deferring(spec: FakeSpec, reason: string | (() => Promise<string | undefined>) = SOFTWARE): FakeProvider & { asked: () => number } {
  const p = fakeProvider(spec);
  let asked = 0;
  return Object.assign(p, {
    deferReason: async () => { asked++; return typeof reason === 'string' ? reason : reason(); },
    asked: () => asked,
  });
}

/**
 * navigator.gpu as far as the provider's probes go: one adapter with `info` and limits every kernel fits;
 * requestDevice is counted (and refused), so a test can tell the adapter was never opened.
 */
function fakeGpu(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }): GPU & { devices: number } {
  const limits = {
    maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupSizeY: 256,
    maxComputeWorkgroupStorageSize: 16384, maxStorageBuffersPerShaderStage: 8,
  };
  const gpu = {
    devices: 0,
    requestAdapter: async () => ({
      info: { vendor: '', architecture: '', device: '', description: '', ...info },
      limits,
      requestDevice: async () => { gpu.devices++; throw new Error('a fake adapter has no device'); },
    }),
  };
  return gpu as unknown as GPU & { devices: number };
}

describe('selectBackend: auto with a software GPU', () => {
  it('records a deferring provider as skipped with its reason and never creates it, even when it would be fastest', async () => {
    const gpu = deferring({ name: 'webgpu', priority: 30 });
    const wasm = fakeProvider({ name: 'wasm', priority: 20, slowMs: 1 });
    const js = fakeProvider({ name: 'js', priority: 0, slowMs: 2 });
    const { session, selection } = await selectBackend(graph, { providers: [gpu, wasm, js] });
    expect(session.backend).toBe('wasm');
    expect(selection.candidates.map((c) => [c.name, c.status, c.reason])).toEqual([
      ['webgpu', 'skipped', SOFTWARE],
      ['wasm', 'chosen', undefined],
      ['js', 'slower', undefined],
    ]);
    expect(selection.candidates[0].medianMs).toBeUndefined();
    expect(gpu.asked()).toBe(1);
    expect(gpu.counts.create).toBe(0);
    expect(alive(wasm)).toBe(1);
    expect(alive(js)).toBe(0);
    await expectCorrect(session);
  });

  it('tries a deferred provider last when no other backend works', async () => {
    const gpu = deferring({ name: 'webgpu', priority: 30 });
    const providers = [
      gpu,
      fakeProvider({ name: 'wasm', priority: 20, failAt: 'run' }),
      fakeProvider({ name: 'js', priority: 0, unavailable: 'off' }),
    ];
    const { session, selection } = await selectBackend(graph, { providers });
    expect(session.backend).toBe('webgpu');
    expect(selection.candidates.map((c) => [c.name, c.status, c.reason])).toEqual([
      ['webgpu', 'chosen', `${SOFTWARE}; tried as no other backend worked`],
      ['wasm', 'failed', 'trial run failed: kernel exploded'],
      ['js', 'unavailable', 'off'],
    ]);
    expect(selection.candidates[0].medianMs).toBeGreaterThan(0);
    await expectCorrect(session);

    // And when it fails too, the error names every reason, its own included.
    const broken = [deferring({ name: 'webgpu', priority: 30, failAt: 'create' }), fakeProvider({ name: 'js', priority: 0, unavailable: 'off' })];
    await expect(selectBackend(graph, { providers: broken })).rejects.toThrow(/webgpu@30: failed \(create failed: device request refused\); js@0: unavailable \(off\)/);
  });

  it('uses a deferring provider when it is named explicitly, without asking it to defer', async () => {
    const gpu = deferring({ name: 'webgpu', priority: 30 });
    const { session, selection } = await selectBackend(graph, { providers: [gpu, fakeProvider({ name: 'wasm', priority: 20 })], backend: 'webgpu' });
    expect(session.backend).toBe('webgpu');
    expect(selection.candidates).toEqual([{ name: 'webgpu', priority: 30, status: 'chosen' }]);
    expect(gpu.asked()).toBe(0);
  });

  it('trials a provider normally when its hint is empty or throws', async () => {
    for (const hint of [async () => undefined, async () => '', async () => { throw new Error('info unavailable'); }]) {
      const gpu = deferring({ name: 'webgpu', priority: 30 }, hint);
      const { session, selection } = await selectBackend(graph, { providers: [gpu, fakeProvider({ name: 'wasm', priority: 20, slowMs: 2 })] });
      expect(selection.candidates.map((c) => [c.name, c.status])).toEqual([['webgpu', 'chosen'], ['wasm', 'slower']]);
      expect(gpu.asked()).toBe(1);
      session.dispose();
    }
  });

  it('caches the CPU choice made while the software GPU was skipped', async () => {
    const cache = memoryCache();
    const opts = { modelHash: 'eim-0badc0de-1234', deviceKey: () => 'test-device', cache };
    const first = await selectBackend(graph, { ...opts, providers: [deferring({ name: 'webgpu', priority: 30 }), fakeProvider({ name: 'wasm', priority: 20 })] });
    expect(first.selection).toMatchObject({ cache: 'miss', backend: 'wasm' });
    expect([...cache.entries.values()]).toMatchObject([{ backend: 'wasm', priority: 20 }]);
    const gpu = deferring({ name: 'webgpu', priority: 30 });
    const again = await selectBackend(graph, { ...opts, providers: [gpu, fakeProvider({ name: 'wasm', priority: 20 })] });
    expect(again.selection).toMatchObject({ mode: 'cached', cache: 'hit', backend: 'wasm' });
    expect(gpu.asked() + gpu.counts.available).toBe(0);
  });
});

describe('webgpuProvider on software adapters', () => {
  it('defers on SwiftShader, a fallback adapter or a known CPU rasterizer, not on a hardware GPU', async () => {
    const reason = (info: Parameters<typeof fakeGpu>[0]) => webgpuProvider(fakeGpu(info)).deferReason!();
    // What Chromium and Node's Dawn report here (test/browser/chromium.ts).
    expect(await reason({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true })).toBe(SOFTWARE);
    expect(await reason({ isFallbackAdapter: true })).toBe('software adapter (fallback adapter): the CPU backends are faster');
    expect(await reason({ isFallbackAdapter: true, architecture: 'gen-12lp' })).toBe('software adapter (gen-12lp): the CPU backends are faster');
    expect(await reason({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe('software adapter (llvmpipe): the CPU backends are faster');
    expect(await reason({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' })).toBe('software adapter (basic render driver): the CPU backends are faster');
    expect(await reason({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' })).toBeUndefined();
    expect(await reason({ vendor: 'intel', architecture: 'gen-12lp', isFallbackAdapter: false })).toBeUndefined();
    // No WebGPU: nothing to defer (available() already says why).
    expect(await webgpuProvider(undefined).deferReason!()).toBeUndefined();
  });

  it('is skipped by auto on SwiftShader without opening a device; wasm is chosen', async () => {
    const gpu = fakeGpu({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true });
    const { session, selection } = await selectBackend(graph, { providers: [webgpuProvider(gpu), fakeProvider({ name: 'wasm', priority: 20 })] });
    expect(session.backend).toBe('wasm');
    expect(selection.candidates[0]).toEqual({ name: 'webgpu', priority: 30, status: 'skipped', reason: SOFTWARE });
    expect(gpu.devices).toBe(0);
    session.dispose();
  });
});

describe('selectBackend: explicit', () => {
  it('uses the named backend without a trial, even when slower', async () => {
    const providers = slowFastOff();
    const { session, selection } = await selectBackend(graph, { providers, backend: 'webgpu' });
    expect(session.backend).toBe('webgpu');
    expect(selection.mode).toBe('explicit');
    expect(selection.candidates).toEqual([{ name: 'webgpu', priority: 30, status: 'chosen' }]);
    // One warm-up run, no timed runs; other providers untouched.
    expect(providers[0].counts.execute).toBe(1);
    expect(providers[1].counts.available + providers[1].counts.create).toBe(0);
    await expectCorrect(session);
  });

  it('takes a preference list in the caller order, recording why earlier ones were passed over', async () => {
    const providers = [
      fakeProvider({ name: 'webgpu', priority: 30, failAt: 'run' }),
      fakeProvider({ name: 'wasm', priority: 20, unavailable: 'no SIMD' }),
      fakeProvider({ name: 'js', priority: 0 }),
    ];
    const { session, selection } = await selectBackend(graph, { providers, backend: ['webgpu', 'wasm', 'js'] });
    expect(session.backend).toBe('js');
    expect(selection.candidates).toEqual([
      { name: 'webgpu', priority: 30, status: 'failed', reason: 'first run failed: kernel exploded' },
      { name: 'wasm', priority: 20, status: 'unavailable', reason: 'no SIMD' },
      { name: 'js', priority: 0, status: 'chosen' },
    ]);
    expect(alive(providers[0])).toBe(0);
    // The order is the caller's, not the priority: js first wins at once.
    const again = await selectBackend(graph, { providers, backend: ['js', 'webgpu'] });
    expect(again.selection.candidates.map((c) => c.name)).toEqual(['js']);
  });

  it('tries every provider of a name (e.g. wasm SIMD then scalar) before giving up', async () => {
    const providers = [
      fakeProvider({ name: 'wasm', priority: 20, unavailable: 'no SIMD' }),
      fakeProvider({ name: 'wasm', priority: 15 }),
    ];
    const { selection } = await selectBackend(graph, { providers, backend: 'wasm' });
    expect(selection.candidates.map((c) => [c.priority, c.status])).toEqual([[20, 'unavailable'], [15, 'chosen']]);
  });

  it('rejects names that do not exist or cannot run, and malformed preferences', async () => {
    const providers = slowFastOff();
    await expect(selectBackend(graph, { providers, backend: 'js' })).rejects.toThrow(/backend js unavailable: .*js@0: unavailable \(switched off for this test\)/);
    // @ts-expect-error: not a backend name
    await expect(selectBackend(graph, { providers, backend: 'quantum' })).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(selectBackend(graph, { providers: [fakeProvider({ name: 'js', priority: 0 })], backend: 'webgpu' }))
      .rejects.toThrow(/webgpu: unavailable \(not built into this version of edgeinfer\)/);
    await expect(selectBackend(graph, { providers, backend: [] })).rejects.toBeInstanceOf(InputError);
    // @ts-expect-error: not a preference
    await expect(selectBackend(graph, { providers, backend: 3 })).rejects.toBeInstanceOf(InputError);
    // @ts-expect-error: 'auto' is not allowed inside a list
    await expect(selectBackend(graph, { providers, backend: ['auto'] })).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});

describe('selectBackend: decision cache', () => {
  const base = { modelHash: 'eim-0badc0de-1234', deviceKey: () => 'test-device' };

  it('writes the decision, then reuses it without a trial', async () => {
    const cache = memoryCache();
    const first = slowFastOff();
    const a = await selectBackend(graph, { ...base, providers: first, cache });
    expect(a.selection.cache).toBe('miss');
    expect(cache.entries.size).toBe(1);
    const [[key, decision]] = [...cache.entries];
    expect(key).toBe('eim-0badc0de-1234|test-device|webgpu@30,wasm@20,js@0');
    expect(decision).toMatchObject({ format: 1, backend: 'wasm', priority: 20, medianMs: a.selection.candidates[1].medianMs });

    const second = slowFastOff();
    const b = await selectBackend(graph, { ...base, providers: second, cache });
    expect(b.session.backend).toBe('wasm');
    expect(b.selection).toMatchObject({ mode: 'cached', cache: 'hit', backend: 'wasm' });
    expect(b.selection.candidates).toHaveLength(1);
    expect(b.selection.candidates[0]).toMatchObject({ name: 'wasm', status: 'chosen', medianMs: decision.medianMs });
    // No trial: the slow one was not even probed, the cached one ran its single warm-up.
    expect(second[0].counts.available + second[0].counts.create).toBe(0);
    expect(second[1].counts.execute).toBe(1);
    await expectCorrect(b.session);
  });

  it('keys decisions by model, device and provider set', async () => {
    const cache = memoryCache();
    await selectBackend(graph, { ...base, providers: slowFastOff(), cache });
    const other = [
      { ...base, modelHash: 'eim-00000001-99' },
      { ...base, deviceKey: async () => 'another-device' },
    ];
    for (const opts of other) {
      const r = await selectBackend(graph, { ...opts, providers: slowFastOff(), cache });
      expect(r.selection.cache).toBe('miss');
    }
    // A provider describing its hardware (a GPU adapter) changes the key too.
    const described = slowFastOff();
    described[0] = fakeProvider({ name: 'webgpu', priority: 30, slowMs: 3, info: 'nvidia h100' });
    const r = await selectBackend(graph, { ...base, providers: described, cache });
    expect(r.selection.cache).toBe('miss');
    expect([...cache.entries.keys()]).toContain('eim-0badc0de-1234|test-device|webgpu@30(nvidia h100),wasm@20,js@0');
    expect(cache.entries.size).toBe(4);
  });

  it('selects anew when the cached backend is unavailable or broken now, and records why', async () => {
    const cache = memoryCache();
    await selectBackend(graph, { ...base, providers: slowFastOff(), cache });
    const gone = slowFastOff();
    gone[1] = fakeProvider({ name: 'wasm', priority: 20, unavailable: 'wasm disabled by policy' });
    const r = await selectBackend(graph, { ...base, providers: gone, cache });
    expect(r.selection).toMatchObject({ mode: 'auto', cache: 'stale', backend: 'webgpu' });
    expect(r.selection.cacheReason).toBe('cached backend wasm@20 unavailable: wasm disabled by policy');
    expect(gone[0].counts.execute).toBe(4);
    // The new choice replaced the old one (same key: the provider set is unchanged).
    expect([...cache.entries.values()].map((d) => d.backend)).toEqual(['webgpu']);

    const broken = slowFastOff();
    broken[0] = fakeProvider({ name: 'webgpu', priority: 30, failAt: 'run' });
    broken[1] = fakeProvider({ name: 'wasm', priority: 20 });
    const s = await selectBackend(graph, { ...base, providers: broken, cache });
    expect(s.selection).toMatchObject({ cache: 'stale', backend: 'wasm' });
    // wasm won because webgpu, ranked above it, failed: that choice is not written (the old entry stays).
    expect(s.selection.cacheReason).toBe('cached backend webgpu@30 first run failed: kernel exploded; not written: webgpu@30 failed (trial run failed: kernel exploded)');
    expect([...cache.entries.values()].map((d) => d.backend)).toEqual(['webgpu']);
    expect(alive(broken[0])).toBe(0);
  });

  it('treats corrupted entries and failing stores as misses, never as errors', async () => {
    const garbage = { get: () => ({ format: 1, backend: 'tpu', priority: 1, savedAt: 0 }) as never, set: () => { throw new Error('quota exceeded'); } };
    const r = await selectBackend(graph, { ...base, providers: slowFastOff(), cache: garbage });
    expect(r.selection).toMatchObject({ cache: 'miss', backend: 'wasm', cacheReason: 'the cache refused the write' });
    const throwing = { get: async () => { throw new Error('storage gone'); }, set: async () => undefined };
    expect((await selectBackend(graph, { ...base, providers: slowFastOff(), cache: throwing })).selection.cache).toBe('miss');
  });

  it('does not cache explicit choices or models without a hash', async () => {
    const cache = memoryCache();
    const e = await selectBackend(graph, { ...base, providers: slowFastOff(), cache, backend: 'webgpu' });
    expect(e.selection.cache).toBe('off');
    const n = await selectBackend(graph, { providers: slowFastOff(), cache });
    expect(n.selection).toMatchObject({ cache: 'off', cacheReason: 'no model hash to key the decision' });
    expect(cache.entries.size).toBe(0);
  });

  it('stores decisions in a Storage-like object (localStorage) and survives bad contents', async () => {
    const items = new Map<string, string>();
    const storage: KeyValueStorage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => { items.set(k, v); } };
    const cache = localStorageCache(storage);
    await selectBackend(graph, { ...base, providers: slowFastOff(), cache });
    const [[k, v]] = [...items];
    expect(k.startsWith('edgeinfer.backend:eim-0badc0de-1234|')).toBe(true);
    expect(JSON.parse(v)).toMatchObject({ backend: 'wasm', priority: 20 });
    expect((await selectBackend(graph, { ...base, providers: slowFastOff(), cache })).selection.cache).toBe('hit');
    items.set(k, '{not json');
    expect((await selectBackend(graph, { ...base, providers: slowFastOff(), cache })).selection.cache).toBe('miss');
    expect(JSON.parse(items.get(k)!)).toMatchObject({ backend: 'wasm' });
  });
});

describe('selectBackend: abort', () => {
  it('stops between trial runs with AbortError and releases every backend', async () => {
    const ctl = new AbortController();
    const providers = slowFastOff();
    // Abort from inside the second candidate's warm-up: the trial notices before its next run.
    const wasm = fakeProvider({ name: 'wasm', priority: 20 });
    const create = wasm.create;
    providers[1] = { ...wasm, create: async () => { const b = await create(); const ex = b.execute.bind(b); b.execute = (s, o) => { ctl.abort(); return ex(s, o); }; return b; } } as typeof wasm;
    const err = await selectBackend(graph, { providers, signal: ctl.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ code: 'ABORTED', name: 'AbortError', stage: 'trial of backend wasm' });
    expect(alive(providers[0] as FakeProvider)).toBe(0);
    expect(alive(wasm)).toBe(0);
    expect(wasm.counts.execute).toBe(1);
  });

  it('does nothing when the signal has already fired', async () => {
    const p = fakeProvider({ name: 'js', priority: 0 });
    await expect(selectBackend(graph, { providers: [p], signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(p.counts.available).toBe(0);
  });
});

describe('selectBackend: trial inputs', () => {
  // An RNN whose sequence lengths are a graph input: the warm-up and trial runs must feed valid lengths
  // (integers in 0..T), not the random values other inputs get, or no backend could open the model.
  const T = 5, I = 3, H = 4;
  const rnn: Graph = {
    nodes: [{ name: 'rnn', op: 'RNN', inputs: ['X', 'W', 'R', '', 'lens'], outputs: ['Y', 'Y_h'], attrs: { hiddenSize: H, direction: 'forward' } }],
    inputs: [{ name: 'X', shape: [-1, T, I] }, { name: 'lens', shape: [-1] }],
    outputs: [{ name: 'Y', shape: [-1, T, 1, H] }, { name: 'Y_h', shape: [-1, 1, H] }],
    constants: new Map([
      ['W', { shape: [1, H, I], dtype: 'f32', data: randomF32(H * I, { seed: 1 }) }],
      ['R', { shape: [1, H, H], dtype: 'f32', data: randomF32(H * H, { seed: 2 }) }],
    ]),
    metadata: { name: 'rnn-with-lengths' },
  };

  it.each(['js', 'auto'] as const)('opens a model with a sequence_lens input (backend %s)', async (backend) => {
    const { session } = await selectBackend(rnn, { backend });
    const out = await session.run({ X: randomF32(2 * T * I, { seed: 3 }), lens: new Float32Array([T, 2]) });
    expect(out.Y_h.shape).toEqual([2, 1, H]);
    session.dispose();
  });
});

describe('selectBackend: GPU precision', () => {
  const f16Model = quantizeWeights(graph, 'f16');

  it('asks every provider for f32 by default and for f16 when the model stores its weights as f16', async () => {
    for (const [g, want] of [[graph, 'f32'], [f16Model, 'f16']] as const) {
      const providers = slowFastOff();
      const { session } = await selectBackend(g, { providers, trialRuns: 1 });
      for (const p of providers.slice(0, 2)) expect(p.createOptions, p.name).toEqual([{ precision: want }]);
      session.dispose();
    }
  });

  it('lets the caller override the model either way, in auto and when a backend is named', async () => {
    const cases = [
      { g: graph, precision: 'f16' as const, backend: 'auto' as const },
      { g: f16Model, precision: 'f32' as const, backend: 'auto' as const },
      { g: graph, precision: 'f16' as const, backend: 'webgpu' as const },
    ];
    for (const { g, precision, backend } of cases) {
      const gpu = fakeProvider({ name: 'webgpu', priority: 30 });
      const { session } = await selectBackend(g, { providers: [gpu], backend, precision });
      expect(gpu.createOptions).toEqual([{ precision }]);
      expect(session.precision).toBe(precision);
      session.dispose();
    }
  });

  it('reports f32 for a CPU session even when f16 was asked for', async () => {
    const { session } = await selectBackend(f16Model, { providers: [fakeProvider({ name: 'wasm', priority: 20 })] });
    expect(session.precision).toBe('f32');
    session.dispose();
  });

  it('rejects an unknown precision before touching any backend', async () => {
    const providers = slowFastOff();
    await expect(selectBackend(graph, { providers, precision: 'f8' as never })).rejects.toThrow(InputError);
    await expect(selectBackend(graph, { providers, precision: 'f8' as never })).rejects.toThrow(/unknown GPU precision.*f8/s);
    expect(providers.every((p) => p.counts.available === 0)).toBe(true);
  });

  it('keys cached decisions by precision: an f32 decision is not reused for f16, and f32 keys keep their form', async () => {
    const cache = memoryCache();
    const base = { modelHash: 'eim-0badc0de-1234', deviceKey: () => 'test-device', cache, trialRuns: 1 };
    await selectBackend(graph, { ...base, providers: slowFastOff() });
    const f16 = await selectBackend(graph, { ...base, providers: slowFastOff(), precision: 'f16' });
    expect(f16.selection.cache).toBe('miss');
    expect([...cache.entries.keys()].sort()).toEqual([
      'eim-0badc0de-1234|f16|test-device|webgpu@30,wasm@20,js@0',
      'eim-0badc0de-1234|test-device|webgpu@30,wasm@20,js@0',
    ]);
    const again = await selectBackend(graph, { ...base, providers: slowFastOff(), precision: 'f16' });
    expect(again.selection.cache).toBe('hit');
  });
});
