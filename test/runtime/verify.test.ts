// Answers are checked before a backend is trusted: auto compares every candidate's trial output with the
// first CPU backend's, a named backend with verify: true against a more trusted one; a backend that
// disagrees (zeros, NaN, wrong values at full speed; f16 saturation) is passed over as 'failed' with the
// measured difference, and its decision is never cached.
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../src/errors.js';
import { disagreement } from '../../src/runtime/verify.js';
import { selectBackend } from '../../src/runtime/select.js';
import { load } from '../../src/runtime/load.js';
import { memoryCache } from '../../src/runtime/decision-cache.js';
import { alive, fakeProvider, tinyClassifier } from './fake-backends.js';

const graph = tinyClassifier();
const cpu = () => [fakeProvider({ name: 'wasm', priority: 20 }), fakeProvider({ name: 'js', priority: 0, slowMs: 1 })];

describe('disagreement', () => {
  const ref = { name: 'js' as const, outputs: [Float32Array.from([1, -2, 30])] };
  it('accepts rounding, rejects wrong values, NaN and other sizes, with the measured difference', () => {
    expect(disagreement([Float32Array.from([1, -2, 30.00002])], ref, 'f32')).toBeUndefined();
    expect(disagreement([Float32Array.from([1.05, -2, 30])], ref, 'f16')).toBeUndefined();
    expect(disagreement([Float32Array.from([1, -2, 31])], ref, 'f32')).toMatch(/max \|diff\| 1\.00.*f32 allows 0\.001/);
    expect(disagreement([Float32Array.from([1, NaN, 30])], ref, 'f16')).toMatch(/output 0\[1\] is NaN where js gives -2/);
    expect(disagreement([Float32Array.from([1, -2])], ref, 'f32')).toMatch(/has 2 values, js's 3/);
  });
});

describe('auto checks every candidate against the first CPU backend it times', () => {
  it.each(['zeros', 'nan', 'doubled'] as const)('a GPU that answers %s at full speed is failed, the CPU backend chosen', async (wrong) => {
    const gpu = fakeProvider({ name: 'webgpu', priority: 30, wrong });
    const [wasm, js] = cpu();
    const { session, selection } = await selectBackend(graph, { providers: [gpu, wasm, js] });
    expect(session.backend).toBe('wasm');
    const g = selection.candidates.find((c) => c.name === 'webgpu')!;
    expect(g.status).toBe('failed');
    expect(g.reason).toMatch(wrong === 'nan' ? /is NaN where wasm gives/ : /disagrees with wasm's: max \|diff\|/);
    expect(alive(gpu)).toBe(0);
    session.dispose();
  });

  it('a right GPU is timed as before and may win', async () => {
    const gpu = fakeProvider({ name: 'webgpu', priority: 30 });
    const [wasm, js] = cpu();
    wasm.spec.slowMs = 2;
    const { session, selection } = await selectBackend(graph, { providers: [gpu, wasm, js] });
    expect(session.backend).toBe('webgpu');
    expect(selection.candidates.every((c) => c.status !== 'failed')).toBe(true);
    session.dispose();
  });

  it('a wrong warm-start GPU never takes over, and the CPU decision is the one cached', async () => {
    const gpu = fakeProvider({ name: 'webgpu', priority: 30, wrong: 'doubled' });
    const [wasm, js] = cpu();
    const cache = memoryCache();
    const model = await load(graph, { providers: [gpu, wasm, js], cache });
    const final = await model.ready;
    expect(model.backend).toBe('wasm');
    expect(final.warmStart?.state).toBe('failed');
    expect(final.candidates.find((c) => c.name === 'webgpu')).toMatchObject({ status: 'failed' });
    model.dispose();
  });
});

describe('verify: true checks a named backend', () => {
  it('a wrong backend named alone is refused with the difference; in a list the next one takes over', async () => {
    const providers = () => [fakeProvider({ name: 'webgpu', priority: 30, wrong: 'doubled' }), ...cpu()];
    const err = await load(graph, { backend: 'webgpu', verify: true, providers: providers(), cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/webgpu@30: failed \(its output 0 disagrees with wasm's/);
    const model = await load(graph, { backend: ['webgpu', 'wasm'], verify: true, providers: providers(), cache: false });
    expect(model.backend).toBe('wasm');
    model.dispose();
    // Without verify, what was asked for is what runs.
    const trusting = await load(graph, { backend: 'webgpu', providers: providers(), cache: false });
    expect(trusting.backend).toBe('webgpu');
    trusting.dispose();
  });

  it('wasm is checked against js', async () => {
    const providers = [fakeProvider({ name: 'wasm', priority: 20, wrong: 'zeros' }), fakeProvider({ name: 'js', priority: 0 })];
    await expect(load(graph, { backend: 'wasm', verify: true, providers, cache: false })).rejects.toThrow(/disagrees with js's/);
  });
});
