// The cases child.ts runs, each in its own process: `node --import tsx cases.ts NAME [ARGS...]` prints one
// JSON line {case, outcome, result | error, ms, maxRssKiB}. Each returns what the tests assert on (the
// backend before and after, timer ticks, what a server sent); a thrown error is reported with its typed
// fields. Written to run against older trees too, so that their before/after numbers can be compared.
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import jpeg from 'jpeg-js';
import { DEFAULT_MODEL_PATH, load, NodeImageClassifier } from '../../src/node.js';

const FASHION = fileURLToPath(new URL('../../models/fashion/cnn-int8.eim', import.meta.url));
/** Fashion CNN: 784 inputs per item; its wasm arena takes about 109 KB per item (0.104 MiB). */
const ITEM = 28 * 28;

type Case = (args: string[]) => Promise<Record<string, unknown>>;

/** A 10 ms interval's ticks and longest gap while `work` runs. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; ticks: number; maxGapMs: number }> {
  let ticks = 0, maxGapMs = 0, last = performance.now();
  const t0 = last;
  const timer = setInterval(() => {
    const t = performance.now();
    maxGapMs = Math.max(maxGapMs, t - last);
    last = t;
    ticks++;
  }, 10);
  try {
    const value = await work();
    const end = performance.now();
    return { value, ms: Math.round(end - t0), ticks, maxGapMs: Math.round(Math.max(maxGapMs, end - last)) };
  } finally {
    clearInterval(timer);
  }
}

/** A local HTTP server answering every request with `answer`; resolves to its URL and a closer. */
async function serve(answer: (res: ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer((_req, res) => answer(res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/model.eim`, close: () => { server.closeAllConnections(); server.close(); } };
}

/** The Fashion CNN's bytes with a data length that makes the preamble declare 4,026,535,232 bytes. */
function hugePreamble(): Uint8Array {
  const head = new Uint8Array(readFileSync(FASHION));
  new DataView(head.buffer).setUint32(24, 0xf0000000, true);
  return head;
}

/** Writes as fast as the client reads, `total` bytes in all, starting with `head`; returns a count of the bytes written. */
function pump(res: ServerResponse, head: Uint8Array, total: number): () => number {
  const filler = Buffer.alloc(1 << 20, 0x41);
  let sent = 0;
  const more = (): void => {
    while (sent < total) {
      const part = sent === 0 ? Buffer.from(head) : filler.subarray(0, Math.min(filler.length, total - sent));
      sent += part.length;
      if (!res.write(part)) { res.once('drain', more); return; }
    }
    res.end();
  };
  more();
  return () => sent;
}

function errorOf(e: unknown): Record<string, unknown> | undefined {
  return e instanceof Error ? { name: e.name, code: (e as { code?: string }).code, message: e.message } : undefined;
}

/** What `p` rejects with; undefined when it resolves. */
const failureOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

const CASES: Record<string, Case> = {
  /** auto picks a backend; a batch whose arena needs more than wasm's 4 GiB; then a batch of one. */
  'oom-batch': async ([batch = '50000']) => {
    const model = await load(FASHION, { cache: false, warmStart: false });
    const name = model.inputs[0].name;
    const before = model.backend;
    const error = await failureOf(model.run({ [name]: new Float32Array(Number(batch) * ITEM) }));
    const afterError = model.backend;
    const next = await model.run({ [name]: new Float32Array(ITEM).fill(0.5) });
    return {
      before, afterError, after: model.backend, fallbacks: model.selection.fallbacks?.length ?? 0, nextOutputs: next[model.outputs[0].name].data.length,
      error: errorOf(error),
    };
  },

  /**
   * Out of memory that the estimate cannot see: the engine refuses memory.grow past `capMiB` (as on a
   * 32-bit device or under a memory cap; simulated by wrapping grow). The first batch fits; the second
   * passes the estimate, but its arena block cannot be had: ResourceError, the model stays on wasm, and the
   * first batch still gives the same outputs (its plan moved back into a block of the old size).
   */
  'oom-grow': async ([first = '1000', second = '3000', capMiB = '256']) => {
    const grow = WebAssembly.Memory.prototype.grow;
    WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, pages: number) {
      if (this.buffer.byteLength + pages * 65536 > Number(capMiB) * 2 ** 20) throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      return grow.call(this, pages);
    };
    const model = await load(FASHION, { cache: false, backend: ['wasm', 'js'] });
    const name = model.inputs[0].name, out = model.outputs[0].name;
    const x = new Float32Array(Number(first) * ITEM).map((_, i) => (i % 97) / 97);
    const before = Array.from((await model.run({ [name]: x }))[out].data.subarray(0, 20));
    const error = await failureOf(model.run({ [name]: new Float32Array(Number(second) * ITEM) }));
    const afterError = model.backend;
    const again = Array.from((await model.run({ [name]: x }))[out].data.subarray(0, 20));
    return {
      afterError, after: model.backend, fallbacks: model.selection.fallbacks?.length ?? 0, sameAsBefore: again.every((v, i) => v === before[i]),
      error: errorOf(error),
    };
  },

  /** `n` classifications of a 224x224 image queued at once on MobileNetV2 (wasm), with a 10 ms interval running. */
  'event-loop': async ([n = '1000']) => {
    const classifier = await NodeImageClassifier.create(DEFAULT_MODEL_PATH, { backend: 'wasm', cache: false });
    const image = { width: 224, height: 224, data: new Uint8Array(224 * 224 * 4).fill(128) };
    await classifier.classify(image);
    const t = await timed(() => Promise.all(Array.from({ length: Number(n) }, () => classifier.classify(image, { topK: 1 }))));
    return { n: Number(n), ms: t.ms, perRunMs: +(t.ms / Number(n)).toFixed(1), ticks: t.ticks, avgIntervalMs: +(t.ms / Math.max(1, t.ticks)).toFixed(1), maxGapMs: t.maxGapMs, classes: t.value.length };
  },

  /** `n` run() calls queued at once on the Fashion CNN (wasm), with a 10 ms interval running. */
  'queued-runs': async ([n = '5000']) => {
    const model = await load(FASHION, { cache: false, backend: 'wasm' });
    const name = model.inputs[0].name;
    const x = new Float32Array(ITEM).fill(0.5);
    await model.run({ [name]: x });
    const t = await timed(() => Promise.all(Array.from({ length: Number(n) }, () => model.run({ [name]: x }))));
    return { n: Number(n), ms: t.ms, perRunUs: Math.round((t.ms / Number(n)) * 1000), ticks: t.ticks, avgIntervalMs: +(t.ms / Math.max(1, t.ticks)).toFixed(1), maxGapMs: t.maxGapMs };
  },

  /** A grey JPEG of `width` x `height` at `path`, for batch-decode. */
  'make-photo': async ([path, width = '4000', height = '3000']) => {
    const w = Number(width), h = Number(height);
    const data = Buffer.alloc(w * h * 4);
    for (let i = 0; i < data.length; i += 4) { data[i] = (i >> 4) & 255; data[i + 1] = 128; data[i + 2] = (i >> 12) & 255; data[i + 3] = 255; }
    writeFileSync(path, jpeg.encode({ width: w, height: h, data }, 80).data);
    return { path };
  },

  /** NodeImageClassifier.classifyBatch of the photo at `path`, `n` times (maxBatch 8, MobileNetV2 on wasm). */
  'batch-decode': async ([path, n = '40']) => {
    const classifier = await NodeImageClassifier.create(DEFAULT_MODEL_PATH, { backend: 'wasm', cache: false, maxBatch: 8 });
    const ranked = await classifier.classifyBatch(Array.from({ length: Number(n) }, () => path), { topK: 1 });
    return { n: ranked.length, same: ranked.every((r) => r[0].index === ranked[0][0].index) };
  },

  /** `n` concurrent NodeImageClassifier.classify(path) calls on the photo at `path` (MobileNetV2 on wasm). */
  'concurrent-classify': async ([path, n = '60']) => {
    const classifier = await NodeImageClassifier.create(DEFAULT_MODEL_PATH, { backend: 'wasm', cache: false });
    const ranked = await Promise.all(Array.from({ length: Number(n) }, () => classifier.classify(path, { topK: 1 })));
    return { n: ranked.length, same: ranked.every((r) => r[0].index === ranked[0][0].index) };
  },

  /** A server that sends the headers and 1,000 bytes of the model, then nothing; load() with stallTimeoutMs. */
  'http-stall-body': async ([stallMs]) => {
    const bytes = readFileSync(FASHION);
    const server = await serve((res) => {
      res.writeHead(200, { 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, 1000));
    });
    try {
      const t0 = performance.now();
      await load(server.url, { cache: false, ...(stallMs ? { stallTimeoutMs: Number(stallMs) } : {}) });
      return { loadedAfterMs: Math.round(performance.now() - t0) };
    } finally {
      server.close();
    }
  },

  /** A server that accepts the request and never answers. */
  'http-stall-headers': async ([stallMs]) => {
    const server = await serve(() => undefined);
    try {
      await load(server.url, { cache: false, ...(stallMs ? { stallTimeoutMs: Number(stallMs) } : {}) });
      return {};
    } finally {
      server.close();
    }
  },

  /**
   * A valid preamble whose data length declares ~4 GB, then the model's bytes and filler as fast as they are read:
   * 4.2 GB in all, without Content-Length. Reports how much the server could send before the load settled.
   */
  'http-huge-preamble': () => loadHugeStream({}),

  /** Content-Length: 5 GB, then the same stream as http-huge-preamble. */
  'http-huge-length': () => loadHugeStream({ 'content-length': String(5e9) }),
};

/** load() of a 4.2 GB stream behind `headers` and a ~4 GB preamble: how much was sent before it settled. */
async function loadHugeStream(headers: Record<string, string>): Promise<Record<string, unknown>> {
  const head = hugePreamble();
  let sent = (): number => 0;
  const server = await serve((res) => {
    res.writeHead(200, headers);
    sent = pump(res, head, 4.2e9);
  });
  try {
    await load(server.url, { cache: false });
    return { sentMiB: Math.round(sent() / 2 ** 20) };
  } catch (e) {
    return { sentMiB: Math.round(sent() / 2 ** 20), error: errorOf(e) };
  } finally {
    server.close();
  }
}

const [name, ...args] = process.argv.slice(2);
const work = CASES[name];
const report = (r: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({ case: name, ...r, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
  process.exit(0);
};
// Only as the child's entry point, never when imported.
if (work && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = performance.now();
  work(args).then(
    (result) => report({ outcome: 'ok', result, ms: Math.round(performance.now() - t0) }),
    (e: unknown) => {
      const x = e as { name?: string; code?: string; message?: string; needed?: number; limit?: number };
      report({ outcome: 'error', error: { name: x?.name, code: x?.code, message: x?.message ?? String(e), needed: x?.needed, limit: x?.limit }, ms: Math.round(performance.now() - t0) });
    },
  );
}
