// Hostile input, as an attacker or a careless user would give it (issue #18): images that declare more
// than they hold or need more memory than they look, special files where files are expected, planted
// decision-cache files, escape sequences in model strings. The cases that could take memory or hang run
// one per child process (cases.ts via run.ts) with a 256 MiB V8 heap, a watchdog on resident memory and a
// time limit; each must end in a result or our typed error, under its stated peak RSS, by itself (no
// hang, the process exits), writing nothing but the file it owns. The rest run in-process.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTfjsLayersDir } from '../../src/convert/tfjs-node.js';
import { InputError, ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import { writeEim } from '../../src/format/writer.js';
import { readRegularFile } from '../../src/node-file.js';
import { defaultCacheDir, load } from '../../src/runtime/node-load.js';
import { safeJson, sanitize } from '../../src/cli/sanitize.js';
import { decodeImage, readImageFile } from '../../src/vision/node-image.js';
import { runCli } from '../helpers/cli.js';
import { png, pngChunk } from './gen.js';
import { tinyGraph } from './models.js';
import { prepareInputs, runCase, type CaseResult } from './run.js';

/** Peak RSS of a child that only starts (node + tsx + the case file): what every budget includes. */
let baselineMiB = 0;
let inputs = '';
const reports: string[] = [];
const scratch: string[] = [];

beforeAll(async () => {
  inputs = await prepareInputs();
  scratch.push(inputs);
  const noop = await runCase('noop');
  scratch.push(noop.dir);
  baselineMiB = noop.maxRssMiB;
}, 120_000);

afterAll(() => {
  // The measured table, for the closing note.
  console.log(`hostile cases (baseline child ${baselineMiB} MiB):\n${reports.join('\n')}`);
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

interface Case {
  /** Peak resident memory allowed, MiB, the ~80-110 MiB of an idle child included. */
  budgetMiB: number;
  /** The error: class name and message, or undefined when the case must succeed. */
  error?: [name: string, message: RegExp];
  /** More checks on the result or the child's output. */
  check?: (r: CaseResult) => void;
  /** Files the case may leave in its scratch folder (its XDG_CACHE_HOME and TMPDIR are there). */
  files?: string[];
  /** The longest the case itself may take, ms. */
  maxMs?: number;
  env?: Record<string, string>;
}

const IMAGE_CASES: Record<string, Case> = {
  // Before: decoded, "ok", 1,032 MiB, 4.3 s (pngjs handed back 400 MB of zeros).
  'png-declares-10000x10000-one-row': { budgetMiB: 160, error: ['InputError', /^cannot decode PNG image: truncated: its image data ends after 1 of 10000 rows$/] },
  // Before: 911 MiB, 9.2 s. Now the inflated data (288 MB) and the pixels (144 MB) only.
  'png-16bit-6000x6000': {
    budgetMiB: 640, maxMs: 5000,
    check: (r) => expect(r.result).toMatchObject({ width: 6000, height: 6000, format: 'RGBA', bytes: 144_000_000 }),
  },
  'png-interlaced-3000x2000': { budgetMiB: 220, check: (r) => expect(r.result).toMatchObject({ width: 3000, height: 2000, bytes: 24_000_000 }) },
  'png-truncated-photo': { budgetMiB: 160, error: ['InputError', /^cannot decode PNG image: truncated: the file ends inside its "IDAT" chunk \(\d+ of \d+ bytes\)$/] },
  // Before: "ok" (a half-blank picture) or a random pngjs error, depending on stale memory.
  'png-idat-cut-photo': { budgetMiB: 160, error: ['InputError', /^cannot decode PNG image: truncated: its image data ends after 136 of 227 rows$/] },
  // Before: 1,512 MiB and 7 s, then jpeg-js's "unexpected marker: ffd9".
  'jpeg-declares-10000x10000-tiny': { budgetMiB: 160, maxMs: 1000, error: ['InputError', /^cannot decode JPEG image: truncated: scan 1 holds 800 bytes, but its 2343750 blocks need at least 585938$/] },
  'jpeg-declares-3000x3000-tiny': { budgetMiB: 160, maxMs: 1000, error: ['InputError', /^cannot decode JPEG image: truncated: scan 1 holds 800 bytes/] },
  // Before: 1,369 MiB and 13 s, then "maxMemoryUsageInMB limit exceeded by at least 20MB".
  'jpeg-progressive-9000x9000': {
    budgetMiB: 160, maxMs: 1000,
    error: ['InputError', /^JPEG image would take about 1\.63 GiB of memory to decode, over the limit of 1 GiB \(maxDecodeBytes\) \(expected at most 1073741824 bytes, received 9000x9000, about \d+ bytes\)$/],
  },
  'jpeg-baseline-4000x3000': { budgetMiB: 420, check: (r) => expect(r.result).toMatchObject({ width: 4000, height: 3000, format: 'RGB' }) },
  'jpeg-truncated-photo': { budgetMiB: 160, error: ['InputError', /^cannot decode JPEG image: truncated: the file ends inside scan 1/] },
  // Before: decoded, the limit silently off.
  'maxpixels-nan': { budgetMiB: 160, error: ['InputError', /^image: maxPixels must be a positive integer \(expected an integer from 1 to 2\^53 - 1, received NaN\)$/] },
};

const NOT_REGULAR = /it is a character device, not a regular file/;

const FILE_CASES: Record<string, Case> = {
  // Before, each of these: read /dev/zero until the 4 GiB watchdog killed it (11-20 s).
  'load-dev-zero': { budgetMiB: 200, maxMs: 2000, error: ['ModelFormatError', /^cannot read model file: it is a character device, not a regular file \(at \/dev\/zero\)$/] },
  'image-dev-zero': { budgetMiB: 200, maxMs: 2000, error: ['InputError', /^cannot read image file \/dev\/zero: it is a character device, not a regular file$/] },
  'eim-dev-zero': { budgetMiB: 200, maxMs: 2000, error: ['ModelFormatError', NOT_REGULAR] },
  'cli-inspect-dev-zero': { budgetMiB: 200, maxMs: 3000, error: ['CliExit', /^edgeinfer: cannot read model file: it is a character device, not a regular file \(at \/dev\/zero\)$/] },
  'cli-classify-dev-zero': { budgetMiB: 320, maxMs: 10_000, error: ['CliExit', /^edgeinfer: cannot read image file \/dev\/zero: it is a character device, not a regular file$/] },
  'tfjs-shard-dev-zero': {
    budgetMiB: 200, maxMs: 2000, files: ['tfjs/group1-shard1of1.bin', 'tfjs/model.json'],
    error: ['ModelFormatError', /^shard path "group1-shard1of1\.bin" leaves the model directory \(it resolves to \/dev\/zero\) \(at weightsManifest\[0\]\.paths\[0\]\)$/],
  },
  // Before: read the linked file outside the folder.
  'tfjs-shard-symlink-outside': { budgetMiB: 200, files: ['secret.bin', 'tfjs/model.json', 'tfjs/w.bin'], error: ['ModelFormatError', /leaves the model directory \(it resolves to .*secret\.bin\)/] },
  // Before: every FIFO load left a libuv thread blocked in open(); the process could not exit (killed at 60 s).
  'load-fifo-4x-then-file': {
    budgetMiB: 200, maxMs: 5000, files: ['model.eim', 'tiny.eim'],
    check: (r) => {
      const { fifoLoads, then } = r.result as { fifoLoads: string[]; then: string };
      expect(fifoLoads).toHaveLength(4);
      for (const l of fifoLoads) expect(l).toMatch(/^ModelFormatError: cannot read model file: it is a FIFO \(named pipe\), not a regular file \(at .*model\.eim\) \(\d+ ms\)$/);
      expect(then).toBe('loaded');
    },
  },
  'cli-fifo-model-and-image': {
    budgetMiB: 200, maxMs: 5000, files: ['pipe', 'tiny.eim'],
    check: (r) => expect(r.result).toEqual({
      inspect: expect.stringMatching(/^edgeinfer: cannot read model file: it is a FIFO \(named pipe\), not a regular file \(at .*pipe\)$/),
      classify: expect.stringMatching(/^edgeinfer: cannot read image file .*pipe: it is a FIFO \(named pipe\), not a regular file$/),
    }),
  },
};

const CACHE_FILE = 'cache/edgeinfer/backend-decisions.json';

/** The planted file was not trusted, warned about once, replaced by our own 0600 file in a 0700 folder, then used. */
function cacheCase(why: RegExp, extra: Partial<Case> = {}): Case {
  return {
    budgetMiB: 200, maxMs: 8000, files: [CACHE_FILE],
    ...extra,
    check: (r) => {
      if (typeof r.result === 'string' && r.result.startsWith('skipped')) return;
      const res = r.result as { first: { cache: string; loadMs: number }; file: object; dirMode: string; second: { mode: string } };
      expect(res.first.cache).toBe('miss');
      expect(res.first.loadMs).toBeLessThan(3000);
      expect(res.file).toEqual({ regular: true, mode: '600', ours: true });
      expect(res.dirMode).toBe('700');
      expect(res.second.mode).toBe('cached');
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('edgeinfer: ignoring the backend decision cache'));
      expect(warnings, r.stderr).toHaveLength(1);
      expect(warnings[0]).toMatch(why);
      expect(warnings[0]).toMatch(/; it is replaced on the next write$/);
      extra.check?.(r);
    },
  };
}

const CACHE_CASES: Record<string, Case> = {
  // Before: every load() hung (killed at 60 s), an AbortSignal did not help.
  'cache-fifo': cacheCase(/it is a FIFO \(named pipe\), not a regular file/),
  'cache-symlink': cacheCase(/it is a symbolic link/, {
    files: [CACHE_FILE, 'victim.txt'],
    check: (r) => expect((r.result as { victim: string }).victim).toBe('precious\n'),
  }),
  // Before: read and parsed at every load (a 600 MB one took 1.7 GB).
  'cache-junk-5mb': cacheCase(/it is 5 MiB, over the limit of 1 MiB/),
  'cache-wrong-json': cacheCase(/its entries are not a JSON object/),
  // Before: the planted decision pinned the victim to js (cache 'hit').
  'cache-other-owner': cacheCase(/it belongs to another user \(uid 65534\)/),
  // Before: the load waited for the file system as long as it stalled.
  'cache-stalled-fs': {
    // The write given up on finishes once the thread is free: the file is there by the time the child exits.
    budgetMiB: 200, maxMs: 8000, files: [CACHE_FILE, 'stall'], env: { UV_THREADPOOL_SIZE: '1' },
    check: (r) => {
      const res = r.result as { backend: string; cache: string; cacheReason: string; loadMs: number };
      expect(res).toMatchObject({ backend: 'js', cache: 'miss', cacheReason: 'the cache refused the write' });
      expect(res.loadMs).toBeGreaterThan(3500); // the read, then the write, each given up after 2 s
      expect(res.loadMs).toBeLessThan(6000);
      expect(r.stderr).toMatch(/^edgeinfer: ignoring the backend decision cache .*: reading the decision cache took over 2000 ms; loading goes on without it$/m);
    },
  },
};

function runTable(title: string, cases: Record<string, Case>, withInput: boolean): void {
  describe(title, () => {
    for (const [name, c] of Object.entries(cases)) {
      it(name, async () => {
        const r = await runCase(name, { heapMiB: 256, rssMiB: Math.max(1024, 2 * c.budgetMiB), timeoutMs: 30_000, env: c.env, ...(withInput ? { input: join(inputs, `${name}.input`) } : {}) });
        scratch.push(r.dir);
        const outcome = r.killed ? `killed (${r.killed})` : r.outcome === 'ok' ? `ok ${JSON.stringify(r.result).slice(0, 80)}` : `${r.error?.name}: ${r.error?.message.slice(0, 90)}`;
        reports.push(`  ${name.padEnd(34)} ${String(r.maxRssMiB).padStart(5)} MiB  ${String(r.ms ?? r.wallMs).padStart(6)} ms  ${outcome}`);
        expect(r.killed, `${name} was killed: ${r.stderr}`).toBeUndefined();
        expect(r.exitCode, r.stderr).toBe(0); // it ended by itself: nothing left holding the process
        expect(r.maxRssMiB, `${name} peak RSS`).toBeLessThanOrEqual(c.budgetMiB);
        if (c.error) {
          expect(r.outcome, JSON.stringify(r.result)).toBe('error');
          expect(r.error?.name).toBe(c.error[0]);
          expect(r.error?.message).toMatch(c.error[1]);
        } else {
          expect(r.outcome, r.error?.message).toBe('ok');
        }
        if (c.maxMs !== undefined) expect(r.ms).toBeLessThanOrEqual(c.maxMs);
        c.check?.(r);
        expect(r.files).toEqual(c.files ?? []);
      }, 60_000);
    }
  });
}

runTable('hostile images, one child process each', IMAGE_CASES, true);
runTable('special files where files are expected, one child process each', FILE_CASES, false);
runTable('planted decision-cache files, one child process each', CACHE_CASES, false);

describe('numeric limits', () => {
  const small = png({ width: 4, height: 4 });

  it('refuses NaN, negative, fractional, infinite or non-number limits', () => {
    for (const bad of [NaN, -1, 0, 1.5, Infinity, '100' as unknown as number]) {
      expect(() => decodeImage(small, { maxPixels: bad }), String(bad)).toThrow(InputError);
      expect(() => decodeImage(small, { maxDecodeBytes: bad }), String(bad)).toThrow(/maxDecodeBytes must be a positive integer/);
    }
    expect(decodeImage(small, { maxPixels: 16, maxDecodeBytes: 1000 }).width).toBe(4);
    expect(() => decodeImage(small, { maxPixels: 15 })).toThrow(/too large/);
    expect(() => decodeImage(small, { maxDecodeBytes: 100 })).toThrow(/PNG image would take about 116 bytes of memory to decode, over the limit of 100 bytes/);
  });

  it('counts the upright copy an EXIF orientation needs', () => {
    // 2x2 RGBA with an eXIf chunk saying "rotate": inflated data 2 x 9 bytes, pixels 16, the turned copy 16 more.
    const tiff = Uint8Array.of(0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0);
    const turned = png({ width: 2, height: 2, colorType: 6 }, { extra: [pngChunk('eXIf', tiff)] });
    expect(() => decodeImage(turned, { maxDecodeBytes: 2 * 9 + 16 })).toThrow(/about 50 bytes/);
    expect(decodeImage(turned, { maxDecodeBytes: 2 * 9 + 16, applyOrientation: false }).orientation).toBe(6);
    expect(decodeImage(turned, { maxDecodeBytes: 2 * 9 + 32 }).orientation).toBe(6);
  });
});

describe('files that are not regular files, and size caps', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'edgeinfer-hostile-files-')); scratch.push(dir); });

  it('names what a path is: directory (EISDIR), FIFO, socket, character device', async () => {
    await expect(readRegularFile(dir, { maxBytes: 10 })).rejects.toMatchObject({ code: 'EISDIR', reason: 'not-regular', message: 'it is a directory, not a regular file' });
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(readRegularFile(fifo, { maxBytes: 10 })).rejects.toMatchObject({ reason: 'not-regular', message: 'it is a FIFO (named pipe), not a regular file' });
    const sock = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      await expect(readRegularFile(sock, { maxBytes: 10 })).rejects.toMatchObject({ reason: 'not-regular', message: 'it is a socket, not a regular file' });
    } finally {
      server.close();
    }
    await expect(readRegularFile('/dev/null', { maxBytes: 10 })).rejects.toMatchObject({ message: 'it is a character device, not a regular file' });
    await expect(readImageFile(fifo)).rejects.toThrow(/^cannot read image file .*fifo: it is a FIFO \(named pipe\), not a regular file$/);
  });

  it('refuses files over the cap before reading them, with the way to raise it', async () => {
    const file = join(dir, 'tiny.eim');
    writeFileSync(file, writeEim(tinyGraph()));
    const err = await load(file, { backend: 'js', cache: false, maxModelBytes: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect(err.message).toMatch(/^cannot read model file: it is \d+ bytes, over the limit of 100 bytes \(raise maxModelBytes to load it\) \(at .*tiny\.eim\)$/);
    await expect(load(file, { backend: 'js', cache: false, maxModelBytes: NaN })).rejects.toThrow(/invalid options\.maxModelBytes \(expected an integer >= 1, received NaN\)/);
    // Checked before the Node defaults read the options: null is an InputError, not a TypeError.
    await expect(load(file, null as never)).rejects.toThrow(/invalid options \(expected an object, received null\)/);
    (await load(file, { backend: 'js', cache: false, maxModelBytes: 1 << 20 })).dispose();

    const cli = await runCli(['inspect', file, '--max-model-size', '512']);
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/^edgeinfer: cannot read model file: it is \d+ bytes, over the limit of 512 bytes \(raise the model size limit to read it\)/);
    expect((await runCli(['inspect', file, '--max-model-size', '1M'])).code).toBe(0);
    const bad = await runCli(['classify', file, '--max-model-size', '1.5G']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/option --max-model-size must be a size in bytes, or with K, M or G/);

    const img = join(dir, 'img.png');
    writeFileSync(img, png({ width: 64, height: 64 }));
    await expect(readImageFile(img, { maxFileBytes: 10 })).rejects.toThrow(/^cannot read image file .*img\.png: it is [\d.]+ (KiB|bytes), over the limit of 10 bytes \(maxFileBytes\)$/);
  });

  it('checks the TF.js weights total against the cap before reading any shard', async () => {
    const model = join(dir, 'tfjs');
    mkdirSync(model);
    writeFileSync(join(model, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: [] }] }));
    writeFileSync(join(model, 'a.bin'), new Uint8Array(600));
    writeFileSync(join(model, 'b.bin'), new Uint8Array(600));
    await expect(readTfjsLayersDir(model, { maxBytes: 1000 })).rejects.toThrow(/cannot read weight shard "b\.bin": it is 600 bytes, over the limit of 400 bytes/);
    expect((await readTfjsLayersDir(model, { maxBytes: 1200 })).weightData.length).toBe(1200);
    // A link that stays inside the folder is fine.
    symlinkSync(join(model, 'a.bin'), join(model, 'c.bin'));
    writeFileSync(join(model, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['c.bin'], weights: [] }] }));
    expect((await readTfjsLayersDir(model)).weightData.length).toBe(600);
  });
});

describe('the decision cache', () => {
  it('lives in the per-user cache folder', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' }, 'linux')).toBe('/x/cache/edgeinfer');
    // A relative XDG_CACHE_HOME is invalid (XDG spec): ~/.cache.
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel' }, 'linux')).toMatch(/\/\.cache\/edgeinfer$/);
    expect(defaultCacheDir({}, 'darwin')).toMatch(/\/\.cache\/edgeinfer$/);
    expect(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32')).toMatch(/AppData.Local.edgeinfer$/);
  });

  it('never holds a load: a cache whose read never answers gives way to the load\'s AbortSignal', async () => {
    const stuck = { get: () => new Promise<undefined>(() => {}), set: () => {} };
    const t0 = performance.now();
    const err = await load(writeEim(tinyGraph()), { backend: 'auto', cache: stuck, signal: AbortSignal.timeout(200) }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ABORTED' });
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('terminal injection: model strings are printed escaped', () => {
  const ESC = '\x1b[2J\x1b[H\x1b]0;pwned\x07';
  const C1 = '\x9b31m', BIDI = '\u202egnp.exe';
  const raw = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgeinfer-hostile-tty-'));
    scratch.push(dir);
    const g = tinyGraph([`a${ESC}`, `b${C1}`, `c${BIDI}`], `conv${ESC}`);
    g.metadata.name = `tiny${ESC}`;
    g.metadata.description = `line one\nline two${BIDI}`;
    writeFileSync(join(dir, 'names.eim'), writeEim(g));
    const op = tinyGraph();
    op.nodes[1] = { ...op.nodes[1], op: `Evil${ESC}` };
    writeFileSync(join(dir, 'op.eim'), writeEim(op));
    writeFileSync(join(dir, 'img.png'), png({ width: 4, height: 4 }));
  });

  it('escapes C0, C1 and bidi controls, newlines and tabs too', () => {
    expect(sanitize(`a${ESC}`)).toBe('a\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07');
    expect(sanitize(`x\n\ty${C1}${BIDI}`)).toBe('x\\x0a\\x09y\\x9b31m\\u202egnp.exe');
    expect(sanitize('plain ünïcödé 名前')).toBe('plain ünïcödé 名前');
    const value = { s: `${ESC}${C1}${BIDI}\u2028` };
    const text = safeJson(value, 2);
    expect(text).not.toMatch(raw);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('inspect: node names, the model name, labels, description; --json too', async () => {
    const r = await runCli(['inspect', join(dir, 'names.eim')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(raw);
    expect(r.out).toContain('name:        tiny\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07');
    expect(r.out).toMatch(/^conv\\x1b\[2J/m);
    expect(r.out).toContain('line one\\x0aline two\\u202egnp.exe');
    const j = await runCli(['inspect', join(dir, 'names.eim'), '--json']);
    expect(j.out).not.toMatch(raw);
    expect(JSON.parse(j.out).labels).toEqual([`a${ESC}`, `b${C1}`, `c${BIDI}`]);
  });

  it('an op name with escape sequences in an error line', async () => {
    const r = await runCli(['inspect', join(dir, 'op.eim')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^edgeinfer: unsupported op Evil\\x1b\[2J\\x1b\[H\\x1b\]0;pwned\\x07 at node "gap"/);
    expect(r.err.slice(0, -1)).not.toMatch(raw);
  });

  it('API errors: the message is escaped, the fields keep the raw names', async () => {
    const e = await load(join(dir, 'op.eim'), { backend: 'js' }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedOpError);
    const err = e as UnsupportedOpError;
    expect(err.message).not.toMatch(raw);
    expect(err.message).toContain('unsupported op Evil\\x1b[2J');
    expect(err.op).toBe(`Evil${ESC}`);
    const bad = new InputError(`feed "x${ESC}"`, { expected: `[1]${C1}`, received: BIDI });
    expect(bad.message).not.toMatch(raw);
    expect(bad.expected).toBe(`[1]${C1}`);
  });

  it('classify: labels, the model name, a file name', async () => {
    const r = await runCli(['classify', join(dir, 'img.png'), '-m', join(dir, 'names.eim'), '-b', 'js']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.replace(/\n/g, '')).not.toMatch(raw);
    expect(r.out).toContain('model tiny\\x1b[2J');
    expect(r.out).toMatch(/^ {2}a\\x1b\[2J/m);
    const missing = await runCli(['classify', join(dir, `x${ESC}.png`), '-m', join(dir, 'names.eim'), '-b', 'js']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/x\\x1b\[2J\\x1b\[H\\x1b\]0;pwned\\x07\.png: no such file or directory/);
    expect(missing.err.slice(0, -1)).not.toMatch(raw);
    const json = await runCli(['classify', join(dir, 'img.png'), '-m', join(dir, 'names.eim'), '-b', 'js', '--json']);
    expect(json.out).not.toMatch(raw);
    expect(JSON.parse(json.out).model).toBe(`tiny${ESC}`);
  });

  it('convert: --name', async () => {
    const onnx = join(import.meta.dirname, '../fixtures/models/mnist-8/mnist-8.onnx');
    const r = await runCli(['convert', onnx, '-o', join(dir, 'm.eim'), '--name', `m${ESC}`]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ \(m\\x1b\[2J\\x1b\[H\\x1b\]0;pwned\\x07\): /);
    expect(r.out.slice(0, -1)).not.toMatch(raw);
  });
});
