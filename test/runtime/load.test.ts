import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { writeEim } from '../../src/format/writer.js';
import { eimModelHash, load as loadCore, LoadedModel } from '../../src/runtime/load.js';
import { DEFAULT_CACHE_PATH, jsonFileCache, load as loadNode, nodeDeviceKey, readModelFile } from '../../src/runtime/node-load.js';
import { memoryCache } from '../../src/runtime/decision-cache.js';
import { AbortError } from '../../src/runtime/abort.js';
import { Session } from '../../src/runtime/session.js';
import { InputError, ModelFormatError } from '../../src/errors.js';
import { randomF32 } from '../helpers/harness.js';
import { fakeProvider, tinyClassifier, type FakeProvider } from './fake-backends.js';

const graph = tinyClassifier();
const bytes = writeEim(graph);
const x = randomF32(32, { seed: 3 });
const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-load-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllGlobals());

let expectedY: Float32Array | undefined;
async function expectWorks(m: LoadedModel): Promise<void> {
  if (!expectedY) expectedY = (await (await Session.create(graph, { backend: 'js' })).run({ x })).y.data;
  expect(m.metadata.labels).toEqual(['a', 'b', 'c']);
  expect(m.inputs).toEqual([{ name: 'x', shape: [-1, 4, 4, 2], dtype: 'float32' }]);
  expect(Array.from((await m.run({ x })).y.data)).toEqual(Array.from(expectedY));
}

/** One js provider, so tests do not depend on which backends this build registers. */
function jsOnly(): FakeProvider[] {
  return [fakeProvider({ name: 'js', priority: 0 })];
}

interface StreamPlan {
  chunk: number;
  /** Stops producing (the pull never settles) after this many chunks. */
  stallAfter?: number;
  contentLength?: boolean;
  status?: number;
}

/** A fetch stub serving `body` as a chunked stream; like real fetch it errors the body when the signal fires. */
function fakeFetch(body: Uint8Array, plan: StreamPlan) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const state = { cancelled: false };
  const fetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(url), init });
    let sent = 0;
    let chunks = 0;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        init?.signal?.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
      },
      pull(c) {
        if (plan.stallAfter !== undefined && chunks >= plan.stallAfter) return new Promise<void>(() => undefined);
        c.enqueue(body.slice(sent, sent + plan.chunk));
        sent += plan.chunk;
        chunks++;
        if (sent >= body.length) c.close();
      },
      cancel() {
        state.cancelled = true;
      },
    }, { highWaterMark: 0 });
    const headers: Record<string, string> = plan.contentLength === false ? {} : { 'content-length': String(body.length) };
    return new Response(stream, { status: plan.status ?? 200, headers });
  };
  return { fetch, calls, state };
}

describe('load: sources', () => {
  it('loads from ArrayBuffer, Uint8Array (at any offset), Blob, File, Response and Graph alike', async () => {
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const sources: [string, unknown][] = [
      ['ArrayBuffer', bytes.slice().buffer],
      ['Uint8Array', bytes],
      ['offset Uint8Array', shifted.subarray(3)],
      ['Blob', new Blob([bytes.slice()])],
      ['File', new File([bytes.slice()], 'tiny.eim')],
      ['Response', new Response(bytes.slice())],
    ];
    for (const [what, source] of sources) {
      const events: [number, number | undefined][] = [];
      const m = await loadCore(source as ArrayBuffer, { providers: jsOnly(), onProgress: (l, t) => events.push([l, t]) });
      expect(m.modelHash, what).toBe(eimModelHash(bytes));
      expect(events.at(-1), what).toEqual([bytes.length, bytes.length]);
      await expectWorks(m);
      m.dispose();
    }
    const g = await loadCore(graph, { providers: jsOnly(), cache: memoryCache() });
    expect(g.modelHash).toBeUndefined();
    expect(g.selection.cache).toBe('off');
    await expectWorks(g);
  });

  it('streams a URL with progress events from the Content-Length', async () => {
    const { fetch, calls } = fakeFetch(bytes, { chunk: 100 });
    const events: [number, number | undefined][] = [];
    const m = await loadCore('https://models.example/tiny.eim', { providers: jsOnly(), fetch, onProgress: (l, t) => events.push([l, t]), requestInit: { credentials: 'omit' } });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('https://models.example/tiny.eim');
    expect(calls[0].init?.credentials).toBe('omit');
    const n = bytes.length;
    expect(events.length).toBe(Math.ceil(n / 100));
    expect(events.map(([l]) => l)).toEqual(events.map((_, i) => Math.min(n, (i + 1) * 100)));
    expect(events.every(([, t]) => t === n)).toBe(true);
    await expectWorks(m);
  });

  it('learns the total from the file itself when there is no Content-Length, and uses globalThis.fetch by default', async () => {
    const { fetch } = fakeFetch(bytes, { chunk: 16, contentLength: false });
    vi.stubGlobal('fetch', fetch);
    const events: (number | undefined)[] = [];
    const m = await loadCore(new URL('https://models.example/tiny.eim'), { providers: jsOnly(), onProgress: (_, t) => events.push(t) });
    // Unknown until the 32-byte preamble has arrived, then the size it declares.
    expect(events[0]).toBeUndefined();
    expect(events.slice(1).every((t) => t === bytes.length)).toBe(true);
    await expectWorks(m);
  });

  it('reports request failures and corrupted files as ModelFormatError', async () => {
    const notFound = fakeFetch(bytes, { chunk: 100, status: 404 });
    await expect(loadCore('https://models.example/missing.eim', { providers: jsOnly(), fetch: notFound.fetch })).rejects.toThrow(/HTTP 404/);
    const offline = async () => { throw new TypeError('fetch failed'); };
    const err = await loadCore('https://models.example/tiny.eim', { providers: jsOnly(), fetch: offline }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toBe('model request failed: fetch failed (at https://models.example/tiny.eim)');
    const bad = bytes.slice();
    bad[bad.length - 1] ^= 0xff;
    await expect(loadCore(bad, { providers: jsOnly() })).rejects.toThrow(/checksum mismatch/);
    await expect(loadCore(new Uint8Array(10), { providers: jsOnly() })).rejects.toBeInstanceOf(ModelFormatError);
  });

  it('rejects sources of the wrong kind with InputError', async () => {
    const wrong: unknown[] = [42, null, undefined, {}, { nodes: [] }, '', '   ', 'models/tiny.eim', 'ftp://host/tiny.eim', 'file:///tmp/tiny.eim', Symbol('x')];
    for (const source of wrong) {
      const err = await loadCore(source as string, { providers: jsOnly() }).catch((e) => e);
      expect(err, String(typeof source === 'symbol' ? 'symbol' : source)).toBeInstanceOf(InputError);
    }
    await expect(loadCore({} as string)).rejects.toThrow(/load\(\) cannot read this source.*received object with keys \(none\)/);
    await expect(loadCore('models/tiny.eim')).rejects.toThrow(/file paths can only be loaded through the Node entry/);
  });

  it('with no cache option in Node the browser entry caches nothing, and js is chosen by default providers', async () => {
    const m = await loadCore(bytes, { backend: 'js' });
    expect(m.backend).toBe('js');
    const a = await loadCore(bytes);
    expect(a.selection.cache).toBe('off');
    expect(a.selection.candidates.find((c) => c.status === 'chosen')).toBeDefined();
  });
});

describe('load: abort', () => {
  it('rejects at once, fetching nothing, when the signal has already fired', async () => {
    const f = fakeFetch(bytes, { chunk: 100 });
    const err = await loadCore('https://models.example/tiny.eim', { fetch: f.fetch, signal: AbortSignal.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ code: 'ABORTED', stage: 'start' });
    expect(f.calls).toHaveLength(0);
  });

  it('aborts a download in progress and cancels the stream', async () => {
    const ctl = new AbortController();
    const f = fakeFetch(bytes, { chunk: 64 });
    const providers = jsOnly();
    const events: number[] = [];
    const ignoresSignal = (url: string | URL) => f.fetch(url);
    const err = await loadCore('https://models.example/tiny.eim', {
      providers, fetch: ignoresSignal, signal: ctl.signal,
      onProgress: (loaded) => { events.push(loaded); if (loaded >= 128) ctl.abort(new Error('user left the page')); },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.stage).toBe('download');
    expect(err.cause).toEqual(new Error('user left the page'));
    expect(events).toEqual([64, 128]);
    expect(providers[0].counts.available).toBe(0);
    // The next chunk meets the fired signal and the body stream is cancelled, not left running.
    await vi.waitFor(() => expect(f.state.cancelled).toBe(true));
  });

  it('aborts a stalled download even when fetch ignores the signal', async () => {
    const ctl = new AbortController();
    const f = fakeFetch(bytes, { chunk: 64, stallAfter: 1 });
    const stubborn = (url: string | URL) => f.fetch(url); // drops the signal
    const pending = loadCore('https://models.example/tiny.eim', { providers: jsOnly(), fetch: stubborn, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED', stage: 'download' });
  });

  it('aborts between stages: after the download, before any backend is tried', async () => {
    const ctl = new AbortController();
    const providers = jsOnly();
    const err = await loadCore(bytes, { providers, signal: ctl.signal, onProgress: () => ctl.abort() }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ABORTED', stage: 'parse' });
    expect(providers[0].counts.available).toBe(0);
  });

  it('aborts during selection and leaves no backend alive', async () => {
    const ctl = new AbortController();
    const p = fakeProvider({ name: 'js', priority: 0 });
    const probe = p.available;
    const providers = [{ ...p, available: async () => { const r = await probe(); ctl.abort(); return r; } }];
    await expect(loadCore(bytes, { providers, signal: ctl.signal })).rejects.toMatchObject({ code: 'ABORTED', stage: 'creation of backend js' });
    expect(p.counts.create).toBe(0);
  });
});

describe('load: Node entry', () => {
  const file = join(dir, 'tiny.eim');
  writeFileSync(file, bytes);

  it('loads a file path and a file: URL, reporting progress', async () => {
    for (const source of [file, pathToFileURL(file), pathToFileURL(file).href]) {
      const events: [number, number | undefined][] = [];
      const m = await loadNode(source, { providers: jsOnly(), cache: false, onProgress: (l, t) => events.push([l, t]) });
      expect(events).toEqual([[bytes.length, bytes.length]]);
      expect(m.modelHash).toBe(eimModelHash(bytes));
      await expectWorks(m);
    }
  });

  it('names the path when the file cannot be read', async () => {
    const missing = join(dir, 'nope.eim');
    const err = await loadNode(missing, { providers: jsOnly(), cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toMatch(/cannot read model file \(ENOENT\)/);
    expect(err.where).toBe(missing);
    await expect(readModelFile(dir)).rejects.toThrow(/EISDIR/);
  });

  it('still fetches http URLs', async () => {
    const f = fakeFetch(bytes, { chunk: 100 });
    const m = await loadNode('https://models.example/tiny.eim', { providers: jsOnly(), cache: false, fetch: f.fetch });
    expect(f.calls).toHaveLength(1);
    await expectWorks(m);
  });

  it('aborts a file read', async () => {
    await expect(loadNode(file, { providers: jsOnly(), cache: false, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    const ctl = new AbortController();
    // A reader that ignores the signal: the race still ends the load at once.
    const slowRead = (p: string | URL) => new Promise<Uint8Array>((res) => setTimeout(() => res(readFileSync(p)), 200));
    const pending = loadNode(file, { providers: jsOnly(), cache: false, signal: ctl.signal, readFile: slowRead });
    ctl.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED', stage: 'file read' });
  });

  it('remembers decisions in a JSON file and reuses them, keyed by this machine', async () => {
    const cachePath = join(dir, 'sub', 'decisions.json');
    const cache = jsonFileCache(cachePath);
    const first = [fakeProvider({ name: 'webgpu', priority: 30, slowMs: 2 }), fakeProvider({ name: 'wasm', priority: 20 })];
    const a = await loadNode(file, { providers: first, cache });
    expect(a.selection).toMatchObject({ mode: 'auto', cache: 'miss', backend: 'wasm' });
    // The fake GPU is timed in the background (warm start); the decision is written once it has been.
    expect((await a.ready).warmStart).toMatchObject({ target: 'webgpu', state: 'slower' });
    const doc = JSON.parse(readFileSync(cachePath, 'utf8'));
    const keys = Object.keys(doc.entries);
    expect(keys).toEqual([`${eimModelHash(bytes)}|${nodeDeviceKey()}|webgpu@30,wasm@20`]);
    expect(nodeDeviceKey()).toMatch(new RegExp(`^node-${process.version.replace(/\./g, '\\.')}-`));

    const second = [fakeProvider({ name: 'webgpu', priority: 30, slowMs: 2 }), fakeProvider({ name: 'wasm', priority: 20 })];
    const b = await loadNode(file, { providers: second, cache: jsonFileCache(cachePath) });
    expect(b.selection).toMatchObject({ mode: 'cached', cache: 'hit', backend: 'wasm' });
    expect(second[0].counts.create).toBe(0);
    expect(second[1].counts.execute).toBe(1);
    await expectWorks(b);

    writeFileSync(cachePath, '{"format":1,"entries":');
    const c = await loadNode(file, { providers: [fakeProvider({ name: 'wasm', priority: 20 })], cache });
    expect(c.selection.cache).toBe('miss');
    expect(Object.keys(JSON.parse(readFileSync(cachePath, 'utf8')).entries)).toHaveLength(1);
  });

  it('defaults to the JSON file in the per-user cache folder', async () => {
    const m = await loadNode(bytes, { providers: jsOnly() });
    expect(['miss', 'hit', 'stale']).toContain(m.selection.cache);
    const doc = JSON.parse(readFileSync(DEFAULT_CACHE_PATH, 'utf8'));
    expect(doc.entries[`${eimModelHash(bytes)}|${nodeDeviceKey()}|js@0`]).toMatchObject({ backend: 'js', priority: 0 });
  });

  it('keeps concurrent writes of one process', async () => {
    const cachePath = join(dir, 'concurrent.json');
    const cache = jsonFileCache(cachePath);
    const d = { format: 1, backend: 'js', priority: 0, savedAt: 1 } as const;
    await Promise.all(['k1', 'k2', 'k3'].map((k, i) => cache.set(k, { ...d, savedAt: i })));
    expect(Object.keys(JSON.parse(readFileSync(cachePath, 'utf8')).entries).sort()).toEqual(['k1', 'k2', 'k3']);
    expect(await cache.get('k2')).toEqual({ ...d, savedAt: 1 });
    expect(await cache.get('k9')).toBeUndefined();
  });
});

describe('the built-in providers, public for `providers`', () => {
  it('forces the wasm build without SIMD, and names it in the selection', async () => {
    const { load, wasmScalarProvider, wasmSimdProvider } = await import('../../src/node.js');
    const graph = tinyClassifier();
    const scalar = await load(graph, { backend: 'wasm', providers: [wasmScalarProvider], cache: false });
    const simd = await load(graph, { backend: 'wasm', providers: [wasmSimdProvider], cache: false });
    expect(scalar.selection.candidates).toEqual([{ name: 'wasm', priority: 15, status: 'chosen' }]);
    expect(simd.selection.candidates).toEqual([{ name: 'wasm', priority: 20, status: 'chosen' }]);
    const x = new Float32Array(32).map((_, i) => Math.sin(i));
    const [a, b] = [(await scalar.run({ x })).y.data, (await simd.run({ x })).y.data];
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    scalar.dispose();
    simd.dispose();
  });
});
