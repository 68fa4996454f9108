// One hostile case per process: `node --import tsx test/hostile/cases.ts CASE DIR` runs CASE with DIR
// as its scratch folder (its $XDG_CACHE_HOME is DIR/cache and $TMPDIR DIR/tmp, set by the parent) and
// prints one JSON line `{"case", "outcome": "ok" | "error", "error"?: {name, code, message}, "result"?,
// "ms"}` and, at exit, one line `{"maxRssKiB"}`. The parent (run.ts) caps its memory and time.
// `cases.ts prepare DIR` writes the image cases' input files (DIR/<case>.input) once, unmeasured; an
// image case reads the file named by $HOSTILE_INPUT.
import { execFileSync } from 'node:child_process';
import { chownSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tinyGraph } from './models.js';
import { concat, jpeg, png, pngChunk, pngImageData, PNG_SIGNATURE, type PngSpec } from './gen.js';

const [name, dir] = process.argv.slice(2);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE_JPEG = join(ROOT, 'models/samples/cat.jpg');

process.on('exit', () => {
  process.stdout.write(`${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`);
});

async function tinyEim(): Promise<Uint8Array> {
  const { writeEim } = await import('../../src/format/writer.js');
  return writeEim(tinyGraph());
}

async function nodeLoad(source: string | Uint8Array, options: Record<string, unknown> = {}) {
  const { load } = await import('../../src/runtime/node-load.js');
  return load(source, { backend: 'js', cache: false, ...options });
}

/** A photo as PNG: the sample JPEG decoded, written as RGB PNG rows with every filter type. */
async function photoPng(): Promise<Uint8Array> {
  const { decodeImage } = await import('../../src/vision/node-image.js');
  const img = decodeImage(readFileSync(SAMPLE_JPEG));
  return png({ width: img.width, height: img.height, colorType: 2, sample: (x, y, c) => img.data[(y * img.width + x) * 3 + c], filter: (r) => r });
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** The key load() used, taken from the cache file it wrote. */
function onlyKey(path: string): string {
  return Object.keys(JSON.parse(readFileSync(path, 'utf8')).entries)[0];
}

/** 16-bit RGBA, 36 MP of smooth gradient: a 2 MB file that decodes to 288 MB of samples. */
const PNG16: PngSpec = {
  width: 6000, height: 6000, depth: 16, colorType: 6,
  row: (y, out) => { for (let i = 0; i < out.length; i += 2) { out[i] = (y >> 5) & 255; out[i + 1] = (i >> 6) & 255; } },
};
const PNG_INTERLACED: PngSpec = { width: 3000, height: 2000, colorType: 6, interlace: true, sample: (x, y, c) => (x + y * 3 + c * 50) & 255 };

/** Input files of the image cases, made by `prepare` in a process of its own so their making is not measured. */
const PREPARED: Record<string, () => Uint8Array | Promise<Uint8Array>> = {
  'png-declares-10000x10000-one-row': () => png({ width: 10000, height: 10000, rows: 1 }, { level: 9 }),
  'png-16bit-6000x6000': () => png(PNG16, { level: 9 }),
  'png-interlaced-3000x2000': () => png(PNG_INTERLACED, { level: 9 }),
  'png-truncated-photo': async () => { const b = await photoPng(); return b.subarray(0, Math.floor(b.length * 0.6)); },
  'png-idat-cut-photo': async () => {
    // The file is whole (IEND, CRCs) but its image data stops at 60 %: what a broken writer leaves.
    const { decodeImage } = await import('../../src/vision/node-image.js');
    const { deflateSync } = await import('node:zlib');
    const img = decodeImage(readFileSync(SAMPLE_JPEG));
    const spec = { width: img.width, height: img.height, colorType: 2 as const, sample: (x: number, y: number, c: number) => img.data[(y * img.width + x) * 3 + c] };
    const raw = pngImageData(spec);
    const ihdr = png(spec).subarray(8, 33);
    return concat([PNG_SIGNATURE, ihdr, pngChunk('IDAT', new Uint8Array(deflateSync(raw.subarray(0, Math.floor(raw.length * 0.6))))), pngChunk('IEND', new Uint8Array(0))]);
  },
  'jpeg-declares-10000x10000-tiny': () => jpeg({ width: 10000, height: 10000, scanBytes: 800 }),
  'jpeg-declares-3000x3000-tiny': () => jpeg({ width: 3000, height: 3000, scanBytes: 800 }),
  'jpeg-progressive-9000x9000': () => jpeg({ width: 9000, height: 9000, progressive: true }),
  'jpeg-baseline-4000x3000': () => jpeg({ width: 4000, height: 3000 }),
  'jpeg-truncated-photo': () => { const b = readFileSync(SAMPLE_JPEG); return b.subarray(0, Math.floor(b.length * 0.6)); },
  'maxpixels-nan': () => png({ width: 2000, height: 2000 }),
};

/** Reads the prepared file and decodes it; `decodeMs` is the decode alone. */
async function decodePrepared(options = {}): Promise<unknown> {
  const { decodeImage } = await import('../../src/vision/node-image.js');
  const bytes = readFileSync(process.env.HOSTILE_INPUT!);
  const t0 = performance.now();
  const img = decodeImage(bytes, options);
  const decodeMs = Math.round(performance.now() - t0);
  let sum = 0;
  for (let i = 0; i < img.data.length; i += 4099) sum += img.data[i];
  return { fileBytes: bytes.length, width: img.width, height: img.height, format: img.format, bytes: img.data.length, sample: sum, decodeMs };
}

const CASES: Record<string, () => Promise<unknown>> = {
  noop: async () => 'nothing',
  // Images (files from PREPARED)
  ...Object.fromEntries(Object.keys(PREPARED).map((k) => [k, () => decodePrepared(k === 'maxpixels-nan' ? { maxPixels: NaN } : {})])),
  // Special files
  'load-dev-zero': () => nodeLoad('/dev/zero'),
  'image-dev-zero': async () => { const { readImageFile } = await import('../../src/vision/node-image.js'); return readImageFile('/dev/zero'); },
  'eim-dev-zero': async () => { const { readEimFile } = await import('../../src/format/node.js'); return readEimFile('/dev/zero'); },
  'cli-classify-dev-zero': async () => cli(['classify', '/dev/zero', '-b', 'wasm']),
  'cli-inspect-dev-zero': async () => cli(['inspect', '/dev/zero']),
  'tfjs-shard-dev-zero': async () => {
    const model = join(dir, 'tfjs');
    mkdirSync(model);
    writeFileSync(join(model, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }] }));
    symlinkSync('/dev/zero', join(model, 'group1-shard1of1.bin'));
    const { readTfjsLayersDir } = await import('../../src/convert/tfjs-node.js');
    const r = await readTfjsLayersDir(model);
    return { weightBytes: r.weightData.byteLength };
  },
  'tfjs-shard-symlink-outside': async () => {
    const model = join(dir, 'tfjs');
    mkdirSync(model);
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(16));
    writeFileSync(join(model, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w.bin'], weights: [] }] }));
    symlinkSync(join(dir, 'secret.bin'), join(model, 'w.bin'));
    const { readTfjsLayersDir } = await import('../../src/convert/tfjs-node.js');
    const r = await readTfjsLayersDir(model);
    return { weightBytes: r.weightData.byteLength };
  },
  'load-fifo-4x-then-file': async () => {
    const { load } = await import('../../src/runtime/node-load.js');
    const fifo = join(dir, 'model.eim');
    mkfifo(fifo);
    const fifoLoads: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const e = await load(fifo, { backend: 'js', cache: false, signal: AbortSignal.timeout(300) }).then(() => 'loaded', (err: Error) => `${err.name}: ${err.message}`);
      fifoLoads.push(`${e} (${Math.round(performance.now() - t0)} ms)`);
    }
    const file = join(dir, 'tiny.eim');
    writeFileSync(file, await tinyEim());
    const m = await Promise.race([load(file, { backend: 'js', cache: false }), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ordinary load still pending after 5 s')), 5000).unref())]);
    m.dispose();
    return { fifoLoads, then: 'loaded' };
  },
  'cli-fifo-model-and-image': async () => {
    const fifo = join(dir, 'pipe');
    mkfifo(fifo);
    const inspect = await cli(['inspect', fifo]).catch((e: Error) => e.message);
    const model = join(dir, 'tiny.eim');
    writeFileSync(model, await tinyEim());
    const classify = await cli(['classify', fifo, '-m', model, '-b', 'js']).catch((e: Error) => e.message);
    return { inspect, classify };
  },
  // The decision cache: the default file, planted before the load
  'cache-fifo': () => plantedCache(() => mkfifo(cachePath())),
  'cache-symlink': () => plantedCache(() => {
    writeFileSync(join(dir, 'victim.txt'), 'precious\n');
    symlinkSync(join(dir, 'victim.txt'), cachePath());
  }),
  'cache-junk-5mb': () => plantedCache(() => writeFileSync(cachePath(), new Uint8Array(5 << 20).fill(0x7b))),
  'cache-wrong-json': () => plantedCache(() => writeFileSync(cachePath(), '{"format":1,"entries":[1,2,3]}')),
  'cache-other-owner': async () => {
    if (process.getuid?.() !== 0) return 'skipped: only root can give a file to another user';
    // The decision of a first load, rewritten to pin js and given to nobody (uid 65534).
    const bytes = await tinyEim();
    const a = await nodeLoad(bytes, { backend: 'auto', cache: undefined });
    await a.ready;
    const key = onlyKey(cachePath());
    return plantedCache(() => {
      writeFileSync(cachePath(), JSON.stringify({ format: 1, entries: { [key]: { format: 1, backend: 'js', priority: 0, savedAt: Date.now() } } }));
      chownSync(cachePath(), 65534, 65534);
    }, a.backend);
  },
  // A stalled file system: the only libuv thread (UV_THREADPOOL_SIZE=1, set by the parent) is stuck in
  // a blocking open() of a FIFO, so every cache read and write waits behind it. The load must go on
  // without the cache after the cache's timeout (2 s each way), then the FIFO is opened for writing
  // from outside, which frees the thread so the process can exit by itself.
  'cache-stalled-fs': async () => {
    // Everything is imported first: module loading reads files on that thread too.
    const { open } = await import('node:fs');
    const { jsProvider } = await import('../../src/backends/js/backend.js');
    const { load } = await import('../../src/runtime/node-load.js');
    const bytes = await tinyEim();
    const fifo = join(dir, 'stall');
    mkfifo(fifo);
    open(fifo, 'r', () => undefined);
    const t0 = performance.now();
    const m = await load(bytes, { backend: 'auto', providers: [jsProvider] });
    const loadMs = Math.round(performance.now() - t0);
    execFileSync('sh', ['-c', `: > "${fifo}"`]);
    return { backend: m.backend, cache: m.selection.cache, cacheReason: m.selection.cacheReason, loadMs };
  },
};

function cachePath(): string {
  return join(process.env.XDG_CACHE_HOME!, 'edgeinfer', 'backend-decisions.json');
}

/**
 * Plants something at the default cache path, then loads twice with the default cache: the first load
 * must not trust it (and replaces it with its decision), the second reuses that decision.
 */
async function plantedCache(plant: () => void, firstBackend?: string): Promise<unknown> {
  const { DEFAULT_CACHE_PATH } = await import('../../src/runtime/node-load.js');
  if (DEFAULT_CACHE_PATH !== cachePath()) throw new Error(`DEFAULT_CACHE_PATH is ${DEFAULT_CACHE_PATH}, not under XDG_CACHE_HOME`);
  mkdirSync(join(cachePath(), '..'), { recursive: true, mode: 0o700 });
  plant();
  const bytes = await tinyEim();
  const t0 = performance.now();
  const a = await nodeLoad(bytes, { backend: 'auto', cache: undefined, signal: AbortSignal.timeout(10_000) });
  const loadMs = Math.round(performance.now() - t0);
  await a.ready;
  const st = lstatSync(cachePath());
  const b = await nodeLoad(bytes, { backend: 'auto', cache: undefined });
  const dirMode = (statSync(join(cachePath(), '..')).mode & 0o777).toString(8);
  return {
    ...(firstBackend ? { before: firstBackend } : {}),
    first: { backend: a.backend, cache: a.selection.cache, loadMs },
    file: { regular: st.isFile(), mode: (st.mode & 0o777).toString(8), ours: st.uid === process.getuid?.() },
    dirMode,
    second: { backend: b.backend, mode: b.selection.mode },
    victim: (() => { try { return readFileSync(join(dir, 'victim.txt'), 'utf8'); } catch { return undefined; } })(),
  };
}

async function cli(argv: string[]) {
  const { main } = await import('../../src/cli/main.js');
  let out = '', err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => { out += s; return true; } },
    stderr: { write: (s: string) => { err += s; return true; }, isTTY: false },
    env: { ...process.env },
  });
  if (code !== 0) throw Object.assign(new Error(err.trim()), { name: 'CliExit', code: `exit ${code}` });
  return { code, out };
}

const run = name === 'prepare'
  ? async () => { for (const [k, make] of Object.entries(PREPARED)) writeFileSync(join(dir, `${k}.input`), await make()); return 'prepared'; }
  : CASES[name];
if (!run) {
  process.stdout.write(`${JSON.stringify({ case: name, outcome: 'error', error: { name: 'UnknownCase', message: `no case ${name}` } })}\n`);
  process.exitCode = 2;
} else {
  const t0 = performance.now();
  try {
    const result = await run();
    process.stdout.write(`${JSON.stringify({ case: name, outcome: 'ok', result: summarise(result), ms: Math.round(performance.now() - t0) })}\n`);
  } catch (e) {
    const err = e as Error & { code?: unknown };
    process.stdout.write(`${JSON.stringify({ case: name, outcome: 'error', error: { name: err?.name, code: err?.code, message: String(err?.message ?? e).slice(0, 400) }, ms: Math.round(performance.now() - t0) })}\n`);
  }
}

function summarise(r: unknown): unknown {
  if (r && typeof r === 'object' && 'data' in r && 'width' in r) {
    const img = r as { width: number; height: number; data: Uint8Array };
    return { width: img.width, height: img.height, bytes: img.data.length };
  }
  if (r && typeof r === 'object' && 'backend' in r && 'dispose' in r) return { backend: (r as { backend: string }).backend };
  return r;
}
