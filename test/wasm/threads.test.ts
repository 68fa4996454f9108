// The threaded wasm backend (src/backends/wasm/threads.ts): every op case table and the real models give
// bit for bit what the single-threaded SIMD build gives (each output is computed by the same tile whichever
// thread takes it), 200 MobileNetV2 runs on 2 threads, concurrent runs queue, dispose stops the workers, a
// process that loaded a threaded model exits by itself, and a worker that dies makes BackendLostError, after
// which load()'s fallback answers on one thread.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { spawnNodeWorker } from '../../src/backends/wasm/node-files.js';
import { configureThreadHost, type PoolWorker, type Spawn } from '../../src/backends/wasm/threads.js';
import { BackendLostError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import type { Graph } from '../../src/graph/ir.js';
import { load } from '../../src/node.js';
import { Session } from '../../src/runtime/session.js';
import type { Tensor } from '../../src/tensor.js';
import type { BenchRow } from '../../src/cli/bench.js';
import { runCli } from '../helpers/cli.js';
import { loadMnist8Graph } from '../helpers/models.js';
import { runOp, type OpCase } from '../helpers/run-op.js';
import { createThreadedWasmBackend, createWasmBackend } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOBILENET = `${ROOT}models/mobilenetv2-12-int8.eim`;

/** Every `CASES` table of test/ops/<op>.cases.ts. */
async function caseTables(): Promise<[string, readonly OpCase[]][]> {
  const dir = `${ROOT}test/ops/`;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cases.ts')).sort();
  const tables = await Promise.all(files.map(async (f) => [f, ((await import(`${dir}${f}`)) as { CASES?: OpCase[] }).CASES] as const));
  return tables.filter((t): t is [string, OpCase[]] => t[1] !== undefined);
}

function expectSameBits(got: readonly Float32Array[], want: readonly Float32Array[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, k) => {
    const a = new Uint32Array(g.buffer, g.byteOffset, g.length), b = new Uint32Array(want[k].buffer, want[k].byteOffset, want[k].length);
    const i = a.findIndex((v, j) => v !== b[j]);
    expect(i === -1 && a.length === b.length ? 'equal' : `output ${k} differs at ${i}: ${g[i]} vs ${want[k][i]}`, what).toBe('equal');
  });
}

/** Deterministic inputs in [0, 1) for every graph input at `batch` (a sine, so neighbouring values differ). */
function feedsOf(session: Session, batch: number, seed: number): Record<string, Tensor> {
  return Object.fromEntries(session.inputs.map((info) => {
    const shape = info.shape.map((d) => (d === -1 ? batch : d));
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.5 * Math.sin(i * 0.37 + seed);
    return [info.name, { shape, data }];
  }));
}

async function outputs(session: Session, feeds: Record<string, Tensor>): Promise<Float32Array[]> {
  const r = await session.run(feeds);
  return session.graph.outputs.map((v) => r[v.name].data);
}

describe('op case tables: 2 and 3 threads equal one, bit for bit', async () => {
  const tables = await caseTables();
  let single: Backend, two: Backend, three: Backend;
  beforeAll(async () => {
    [single, two, three] = await Promise.all([createWasmBackend('simd'), createThreadedWasmBackend(2, 0), createThreadedWasmBackend(3, 0)]);
  });
  afterAll(() => [single, two, three].forEach((b) => b?.dispose()));
  it.each(tables)('%s', async (_file, cases) => {
    for (const c of cases) {
      let want: Tensor[];
      try {
        want = await runOp(single, c.op, c);
      } catch {
        continue; // a case the backend refuses (tested elsewhere)
      }
      for (const [b, n] of [[two, 2], [three, 3]] as const) {
        expectSameBits((await runOp(b, c.op, c)).map((t) => t.data), want.map((t) => t.data), `${c.op.name} ${c.name} on ${n} threads`);
      }
    }
  });
});

const FASHION = readdirSync(`${ROOT}models/fashion`).filter((f) => f.endsWith('.eim')).sort();
const MODELS: [string, () => Graph, number[]][] = [
  ['mnist-8', loadMnist8Graph, [1, 5]],
  ...FASHION.map((f): [string, () => Graph, number[]] => [`fashion/${f}`, () => readEim(readFileSync(`${ROOT}models/fashion/${f}`)), [1, 32]]),
  ['mobilenetv2-12-int8', () => readEim(readFileSync(MOBILENET)), [1, 2]],
];

describe('real models: 2 threads equal one, bit for bit', () => {
  let single: Backend, split: Backend, measured: Backend;
  beforeAll(async () => {
    // Every op split (the least work 0), and the provider's threshold.
    [single, split, measured] = await Promise.all([createWasmBackend('simd'), createThreadedWasmBackend(2, 0), createThreadedWasmBackend(2, undefined)]);
  });
  afterAll(() => [single, split, measured].forEach((b) => b?.dispose()));
  it.each(MODELS)('%s', async (_name, graph, batches) => {
    const g = graph();
    const sessions = await Promise.all([single, split, measured].map((backend) => Session.create(g, { backend })));
    for (const batch of batches) {
      const feeds = feedsOf(sessions[0], batch, batch);
      const want = await outputs(sessions[0], feeds);
      expectSameBits(await outputs(sessions[1], feeds), want, `batch ${batch}, every op split`);
      expectSameBits(await outputs(sessions[2], feeds), want, `batch ${batch}`);
    }
  });
});

describe('MobileNetV2 under load', () => {
  it('1,000 runs on 2 threads, two inputs alternating, each equal to the 1-thread output', async () => {
    const g = readEim(readFileSync(MOBILENET));
    const one = await Session.create(g, { backend: await createWasmBackend('simd') });
    const two = await Session.create(g, { backend: await createThreadedWasmBackend(2, undefined) });
    try {
      const feeds = [feedsOf(one, 1, 1), feedsOf(one, 1, 2)];
      const want = await Promise.all(feeds.map((f) => outputs(one, f)));
      expect(want[0][0]).not.toEqual(want[1][0]);
      for (let i = 0; i < 1000; i++) expectSameBits(await outputs(two, feeds[i % 2]), want[i % 2], `run ${i}`);
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('concurrent run() calls queue: 12 at once, each answers its own input', async () => {
    const g = readEim(readFileSync(MOBILENET));
    const one = await Session.create(g, { backend: await createWasmBackend('simd') });
    const two = await Session.create(g, { backend: await createThreadedWasmBackend(2, undefined) });
    try {
      const feeds = Array.from({ length: 12 }, (_, i) => feedsOf(one, 1 + (i % 2), i));
      const want: Float32Array[][] = [];
      for (const f of feeds) want.push(await outputs(one, f));
      const got = await Promise.all(feeds.map((f) => outputs(two, f)));
      got.forEach((o, i) => expectSameBits(o, want[i], `call ${i}`));
    } finally {
      one.dispose();
      two.dispose();
    }
  });
});

/** A spawn that records each worker and when it stopped. */
function watched(): { spawn: Spawn; workers: { worker: PoolWorker; stopped?: string }[] } {
  const workers: { worker: PoolWorker; stopped?: string }[] = [];
  const spawn: Spawn = (url, onMessage, onLost) => {
    const entry: { worker: PoolWorker; stopped?: string } = { worker: undefined as unknown as PoolWorker };
    entry.worker = spawnNodeWorker(url, onMessage, (why) => {
      entry.stopped ??= why;
      onLost(why);
    });
    workers.push(entry);
    return entry.worker;
  };
  return { spawn, workers };
}

const until = async (cond: () => boolean, ms = 5000) => {
  for (const t = Date.now(); !cond() && Date.now() - t < ms;) await new Promise((r) => setTimeout(r, 10));
};

describe('lifecycle', () => {
  afterAll(() => configureThreadHost({ spawn: spawnNodeWorker, cores: () => 2 }));

  it('dispose() terminates every worker', async () => {
    const w = watched();
    const backend = await createThreadedWasmBackend(3, undefined, 'simd', w.spawn);
    expect(w.workers).toHaveLength(2);
    expect(backend.threads).toBe(3);
    backend.dispose();
    await until(() => w.workers.every((x) => x.stopped));
    expect(w.workers.map((x) => x.stopped)).toEqual(['exited with code 1', 'exited with code 1']);
  });

  it('a worker that dies makes BackendLostError, and the backend stays lost', async () => {
    const w = watched();
    const g = readEim(readFileSync(MOBILENET));
    const session = await Session.create(g, { backend: await createThreadedWasmBackend(2, undefined, 'simd', w.spawn) });
    try {
      const feeds = feedsOf(session, 1, 0);
      await outputs(session, feeds);
      await w.workers[0].worker.terminate();
      await until(() => w.workers[0].stopped !== undefined);
      await expect(outputs(session, feeds)).rejects.toThrow(BackendLostError);
      await expect(outputs(session, feeds)).rejects.toThrow(/a worker thread stopped: exited with code 1/);
    } finally {
      session.dispose();
    }
  });

  it('load(): threads: 2 on wasm, a killed worker, then the single-threaded build takes over', async () => {
    const w = watched();
    const model = await load(readFileSync(MOBILENET), { backend: 'wasm', threads: 2, cache: false });
    // The Node entry configured its own host at load; watch the next pool's workers instead.
    model.dispose();
    configureThreadHost({ spawn: w.spawn, cores: () => 2 });
    // A list: a single named backend's loss is the caller's to handle (no fallback).
    const m = await load(readFileSync(MOBILENET), { backend: ['wasm', 'js'], threads: 2, cache: false });
    try {
      expect(m.selection.candidates.find((c) => c.status === 'chosen')?.priority).toBe(25);
      expect(w.workers).toHaveLength(1);
      const input = { shape: [1, 3, 224, 224], data: new Float32Array(3 * 224 * 224).fill(0.5) };
      const before = await m.run({ [m.inputs[0].name]: input });
      await w.workers[0].worker.terminate();
      await until(() => w.workers[0].stopped !== undefined);
      const after = await m.run({ [m.inputs[0].name]: input });
      expect(m.selection.fallbacks?.[0]).toMatchObject({ from: 'wasm', to: 'wasm', reason: expect.stringMatching(/worker thread stopped/) });
      expect(m.selection.candidates.find((c) => c.status === 'chosen')?.priority).toBe(20);
      const name = m.outputs[0].name;
      expectSameBits([after[name].data], [before[name].data], 'after the fallback');
    } finally {
      m.dispose();
    }
  });

  it('a process that loaded a threaded model and never disposed it exits by itself', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', `${ROOT}test/wasm/threads-exit.child.ts`, MOBILENET], {
      encoding: 'utf8', timeout: 60_000, cwd: ROOT,
    });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toMatch(/^wasm@25 top=\d+$/);
    expect(child.status).toBe(0);
  });
});

describe('edgeinfer bench --threads', () => {
  const rows = async (threads: string) => {
    const r = await runCli(['bench', '-m', `${ROOT}models/fashion/cnn.eim`, '--batch', '8', '--runs', '3', '--threads', threads, '--json']);
    expect(r.code, r.err).toBe(0);
    return (JSON.parse(r.out) as { rows: BenchRow[] }).rows.filter((row) => row.backend.startsWith('wasm'));
  };

  it('times the threaded build on N threads and reports the count in each row', async () => {
    const two = await rows('2');
    expect(two.map((r) => [r.backend, r.threads, r.status])).toEqual([['wasm simd 2 threads', 2, 'ok'], ['wasm simd', 1, 'ok'], ['wasm scalar', 1, 'ok']]);
    const one = await rows('1');
    expect(one[0]).toMatchObject({ backend: 'wasm', status: 'unavailable', reason: 'threads: 1' });
    expect((await runCli(['bench', '--threads', '0'])).code).toBe(2);
  });
});
