// Where the runtime's files live (issue #16): a wasm build that cannot be fetched is a 'failed' candidate
// naming its URL, warned about once per URL, and a decision made because of it is never cached; wasmPaths
// (per load) and setAssetPaths (every load) point the wasm providers at the files.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import { writeEim } from '../../src/format/writer.js';
import { memoryCache } from '../../src/runtime/decision-cache.js';
import { load } from '../../src/runtime/load.js';
import { selectBackend } from '../../src/runtime/select.js';
import { setAssetPaths, wasmSourcesFromPaths, withWasmPaths } from '../../src/runtime/assets.js';
import { PROVIDERS } from '../../src/runtime/backends.js';
import { wasmScalarProvider, wasmSimdProvider } from '../../src/backends/wasm/backend.js';
import { fakeProvider, tinyClassifier } from './fake-backends.js';

const graph = tinyClassifier();

describe('decisions a failure produced are not cached', () => {
  it('a wasm provider that fails to create: ends on js, writes nothing; once it works, the next load chooses wasm', async () => {
    const cache = memoryCache();
    const opts = { modelHash: 'eim-0badc0de-99', deviceKey: () => 'test-device', cache };
    const wasm = fakeProvider({ name: 'wasm', priority: 20, failAt: 'create' });
    const js = fakeProvider({ name: 'js', priority: 10, slowMs: 3 });
    const first = await selectBackend(graph, { ...opts, providers: [wasm, js] });
    expect(first.selection.backend).toBe('js');
    expect(first.selection.cache).toBe('miss');
    expect(first.selection.candidates.map((c) => [c.name, c.status])).toEqual([['wasm', 'failed'], ['js', 'chosen']]);
    expect(first.selection.cacheReason).toMatch(/^not written: wasm@20 failed \(create failed: /);
    expect(cache.entries.size).toBe(0);
    first.session.dispose();

    wasm.spec.failAt = undefined;
    const second = await selectBackend(graph, { ...opts, providers: [wasm, js] });
    expect(second.selection).toMatchObject({ backend: 'wasm', mode: 'auto', cache: 'miss', cacheReason: undefined });
    expect([...cache.entries.values()]).toMatchObject([{ backend: 'wasm', priority: 20 }]);
    second.session.dispose();
  });

  it('a failure below the chosen backend does not stop the write', async () => {
    const cache = memoryCache();
    const providers = [fakeProvider({ name: 'wasm', priority: 20 }), fakeProvider({ name: 'js', priority: 10, failAt: 'create' })];
    const r = await selectBackend(graph, { modelHash: 'eim-0badc0de-98', deviceKey: () => 'd', cache, providers });
    expect(r.selection.backend).toBe('wasm');
    expect(r.selection.cacheReason).toBeUndefined();
    expect(cache.entries.size).toBe(1);
    r.session.dispose();
  });
});

describe('wasmPaths', () => {
  it('a prefix names the three builds in it; a map names each; anything else is an InputError', () => {
    expect(wasmSourcesFromPaths('/assets/ei')).toEqual({
      simd: '/assets/ei/edgeinfer-simd.wasm', scalar: '/assets/ei/edgeinfer-scalar.wasm', relaxed: '/assets/ei/edgeinfer-relaxed.wasm',
      simdThreads: '/assets/ei/edgeinfer-simd-threads.wasm', relaxedThreads: '/assets/ei/edgeinfer-relaxed-threads.wasm', worker: '/assets/ei/edgeinfer-worker.js',
    });
    expect(wasmSourcesFromPaths('https://cdn.example/x/').simd).toBe('https://cdn.example/x/edgeinfer-simd.wasm');
    expect(String(wasmSourcesFromPaths(new URL('https://cdn.example/x')).scalar)).toBe('https://cdn.example/x/edgeinfer-scalar.wasm');
    expect(wasmSourcesFromPaths({ simd: '/a.wasm', scalar: '/b.wasm' })).toEqual({ simd: '/a.wasm', scalar: '/b.wasm' });
    for (const bad of [{ simd: '/a.wasm' }, { scalar: '/b.wasm' }, 42, null, {}]) {
      expect(() => wasmSourcesFromPaths(bad as never)).toThrow(InputError);
    }
  });

  it('replaces only the built-in wasm providers', () => {
    expect(withWasmPaths(undefined, undefined)).toBeUndefined();
    const custom = fakeProvider({ name: 'wasm', priority: 5 });
    const out = withWasmPaths([custom, wasmSimdProvider], '/w/')!;
    expect(out[0]).toBe(custom);
    expect(out[1]).not.toBe(wasmSimdProvider);
    expect(out[1]).toMatchObject({ name: 'wasm', priority: 20 });
    const all = withWasmPaths(undefined, '/w/')!;
    expect(all.map((p) => `${p.name}@${p.priority}`)).toEqual(PROVIDERS.map((p) => `${p.name}@${p.priority}`));
    expect(all).not.toContain(wasmSimdProvider);
    expect(all).not.toContain(wasmScalarProvider);
  });

  describe('with the real wasm builds over HTTP', () => {
    let server: Server;
    let good: string;
    let bad: string;
    const eim = writeEim(graph);

    beforeAll(async () => {
      const dir = join(import.meta.dirname, '../../build/wasm');
      server = createServer((req, res) => {
        const name = (req.url ?? '').split('/').pop() ?? '';
        if (!req.url?.startsWith('/files/') || !/^edgeinfer-\w+\.wasm$/.test(name)) {
          res.writeHead(404).end('not found');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/wasm' }).end(readFileSync(join(dir, name)));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      good = `http://127.0.0.1:${port}/files/`;
      bad = `http://127.0.0.1:${port}/missing/`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('files missing: the wasm candidates fail naming the URL, one warning per URL, js answers, nothing is cached; then wasmPaths fixes it', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const cache = memoryCache();
        const opts = { cache, deviceKey: () => 'test-device', warmStart: false };
        const first = await load(eim, { ...opts, wasmPaths: bad });
        // The threaded build (25) needs Web Workers, which the browser entry does not find in Node.
        const [threaded, ...wasm] = first.selection.candidates.filter((c) => c.name === 'wasm');
        expect(threaded).toMatchObject({ priority: 25, status: 'unavailable', reason: 'no Web Workers here' });
        expect(wasm.map((c) => c.status)).toEqual(['failed', 'failed']);
        expect(wasm[0].reason).toContain(`${bad}edgeinfer-simd.wasm`);
        expect(wasm[0].reason).toContain('HTTP 404');
        expect(wasm[1].reason).toContain(`${bad}edgeinfer-scalar.wasm`);
        expect(first.backend).toBe('js');
        expect(first.selection.cacheReason).toMatch(/^not written: wasm@20 failed/);
        expect(cache.entries.size).toBe(0);
        first.dispose();
        const warned = warn.mock.calls.map((c) => String(c[0]));
        expect(warned.some((w) => w.includes(`${bad}edgeinfer-simd.wasm`) && w.includes('wasmPaths'))).toBe(true);
        expect(warned.some((w) => w.includes(`${bad}edgeinfer-scalar.wasm`))).toBe(true);
        const count = warn.mock.calls.length;

        // Once per URL: the same missing files again say nothing new.
        (await load(eim, { ...opts, wasmPaths: bad })).dispose();
        expect(warn.mock.calls.length).toBe(count);

        const fixed = await load(eim, { ...opts, wasmPaths: good });
        const statuses = fixed.selection.candidates.filter((c) => c.name === 'wasm' && c.priority !== 25).map((c) => c.status);
        expect(statuses.every((s) => s === 'chosen' || s === 'slower'), JSON.stringify(fixed.selection.candidates)).toBe(true);
        expect(cache.entries.size).toBe(1);
        fixed.dispose();
        expect(warn.mock.calls.length).toBe(count);
      } finally {
        warn.mockRestore();
      }
    });

    it('setAssetPaths points every later load at the files', async () => {
      setAssetPaths({ wasmPaths: good });
      const model = await load(eim, { backend: 'wasm', cache: false });
      expect(model.backend).toBe('wasm');
      model.dispose();
    });
  });
});
