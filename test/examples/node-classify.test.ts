// examples/node-classify/classify.mjs as an edge box runs it, in a child process on the SDK's sources:
// --once over a folder of good, corrupt, WebP and non-image files (each logged, exit code 1, never a stack
// trace); a second run with the same log classifies nothing again; a log torn by a power cut is trimmed to
// its whole lines; watch mode picks up a picture that arrives in pieces (once, complete), logs a bad file
// and lives on, queues files that arrive while it classifies; SIGTERM in the middle of a run leaves a log
// of whole JSON lines and exits 0; a watched folder that disappears ends the script with one line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const SCRIPT = join(ROOT, 'examples/node-classify/classify.mjs');
const SAMPLES = join(ROOT, 'models/samples');
const ENV = { ...process.env, EDGEINFER_SDK: 'src' };
const WEBP = Buffer.from('RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00', 'latin1');

interface LogLine { file: string; top?: { label: string; score: number; index: number }[]; error?: string; code?: string; ms?: number; backend?: string }

const root = mkdtempSync(join(tmpdir(), 'edgeinfer-node-classify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every line of the log as JSON: throws on a line that is not whole. */
function readLog(path: string): LogLine[] {
  const text = readFileSync(path, 'utf8');
  if (text !== '') expect(text.endsWith('\n')).toBe(true);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
}

function folder(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [f, content] of Object.entries(files)) {
    if (typeof content === 'string' && content.startsWith('sample:')) copyFileSync(join(SAMPLES, content.slice(7)), join(dir, f));
    else writeFileSync(join(dir, f), content);
  }
  return dir;
}

function once(args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, '--once', '--backend', 'wasm', ...args], { cwd: ROOT, encoding: 'utf8', env: ENV, timeout: 120_000 });
}

async function until(what: string, fn: () => boolean, child: ChildProcess, stderr: () => string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (child.exitCode !== null) throw new Error(`${what}: the script exited (${child.exitCode}): ${stderr()}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s; stderr: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(args: string[]) {
  const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => err, exited };
}

describe('examples/node-classify --once', () => {
  it('logs every file of a folder, good or bad, and exits 1 without a stack trace', () => {
    const dir = folder('once', {
      'cat.jpg': 'sample:cat.jpg', 'pizza.jpg': 'sample:pizza.jpg', 'broken.jpg': Buffer.from('\xff\xd8\xff\xe0 not really', 'latin1'),
      'photo.webp': WEBP, 'notes.txt': 'hello', '.hidden.jpg': 'sample:cat.jpg', 'half.jpg.part': 'sample:piano.jpg',
    });
    mkdirSync(join(dir, 'a-subfolder'));
    const log = join(root, 'once.jsonl');
    const r = once(['--log', log, dir]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/\bat .*:\d+:\d+/);
    expect(r.stderr).toMatch(/done: 2 classified, 3 not/);
    const lines = readLog(log);
    expect(lines.map((l) => [l.file.slice(dir.length + 1), l.top?.[0].label ?? l.code])).toEqual([
      ['broken.jpg', 'INPUT'], ['cat.jpg', 'tabby'], ['notes.txt', 'INPUT'], ['photo.webp', 'INPUT'], ['pizza.jpg', 'pizza'],
    ]);
    expect(lines[3].error).toMatch(/looks like WebP/);
    expect(lines[1].top).toHaveLength(3);
    expect(lines[1].backend).toBe('wasm');
    expect(lines[1].ms).toBeGreaterThan(0);

    // The same log again: nothing is classified twice; a changed file is.
    const again = once(['--log', log, dir]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/done: 0 classified, 0 not/);
    copyFileSync(join(SAMPLES, 'piano.jpg'), join(dir, 'cat.jpg'));
    const changed = once(['--log', log, dir]);
    expect(changed.status, changed.stderr).toBe(0);
    expect(readLog(log).slice(5).map((l) => l.top?.[0].label)).toEqual(['grand piano']);
  });

  it('trims a log torn by a power cut back to its whole lines, then appends', () => {
    const dir = folder('torn', { 'dog.jpg': 'sample:dog_retriever.jpg' });
    const log = join(root, 'torn.jsonl');
    writeFileSync(log, '{"file":"earlier.jpg","top":[]}\n{"file":"cut-sho');
    const r = once(['--log', log, dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ended in a torn line: dropped its last 16 bytes/);
    expect(readLog(log).map((l) => l.file)).toEqual(['earlier.jpg', join(dir, 'dog.jpg')]);
  });

  it('a missing folder or a bad option is one line and a non-zero exit', () => {
    const r = once([join(root, 'no-such-folder')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^node-classify: cannot read ".*no-such-folder": ENOENT\n$/);
    const t = once(['--top', 'x', root]);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/^node-classify: --top must be an integer >= 1, got "x"/);
  });
});

describe('examples/node-classify watching a folder', () => {
  it('classifies new files once complete, logs bad ones and lives on, queues arrivals; SIGTERM exits 0', async () => {
    const dir = folder('watch', { 'already.jpg': 'sample:elephant.jpg' });
    const log = join(root, 'watch.jsonl');
    const { child, stderr, exited } = start(['--backend', 'wasm', '--settle', '100', '--rescan', '1000', '--log', log, dir]);
    const lines = () => (existsSync(log) ? readLog(log) : []);
    await until('the file already there', () => lines().length === 1, child, stderr);
    expect(lines()[0].top?.[0].label).toBe('tusker');

    // A picture arriving in pieces: logged once, classified whole.
    const cat = readFileSync(join(SAMPLES, 'cat.jpg'));
    writeFileSync(join(dir, 'cat.jpg'), cat.subarray(0, 4000));
    for (let at = 4000; at < cat.length; at += 4000) {
      await new Promise((r) => setTimeout(r, 40));
      appendFileSync(join(dir, 'cat.jpg'), cat.subarray(at, at + 4000));
    }
    await until('the new picture', () => lines().length === 2, child, stderr);
    expect(lines()[1]).toMatchObject({ file: join(dir, 'cat.jpg'), top: [{ label: 'tabby' }, {}, {}] });

    // A bad file, then three pictures at once (queued behind each other): all logged, the process alive.
    writeFileSync(join(dir, 'garbage.png'), 'not a png');
    for (const s of ['pizza.jpg', 'piano.jpg', 'saxophone.jpg']) copyFileSync(join(SAMPLES, s), join(dir, s));
    await until('four more lines', () => lines().length === 6, child, stderr);
    const byFile = new Map(lines().map((l) => [l.file.slice(dir.length + 1), l]));
    expect(byFile.get('garbage.png')).toMatchObject({ code: 'INPUT' });
    expect(byFile.get('pizza.jpg')?.top?.[0].label).toBe('pizza');
    expect(byFile.get('piano.jpg')?.top?.[0].label).toBe('grand piano');
    expect(byFile.get('saxophone.jpg')?.top?.[0].label).toBe('sax');
    expect(child.exitCode).toBeNull();

    // Nothing is logged twice over the next rescan.
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines()).toHaveLength(6);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr()).toMatch(/SIGTERM: 5 classified, 1 not/);
    expect(stderr()).not.toMatch(/\bat .*:\d+:\d+/);
  }, 90_000);

  it('a watched folder that disappears: one line, exit 1, no stack trace', async () => {
    const dir = folder('vanishing', {});
    const { child, stderr, exited } = start(['--backend', 'wasm', '--rescan', '200', dir]);
    await until('watching', () => /watching/.test(stderr()), child, stderr);
    rmSync(dir, { recursive: true });
    expect(await exited).toBe(1);
    expect(stderr()).toMatch(/cannot watch ".*vanishing" any more: ENOENT\n/);
    expect(stderr()).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it('SIGTERM in the middle of a run leaves whole JSON lines and exits 0', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`img-${String(i).padStart(2, '0')}.jpg`] = `sample:${['cat.jpg', 'pizza.jpg', 'piano.jpg', 'elephant.jpg'][i % 4]}`;
    const dir = folder('sigterm', files);
    const log = join(root, 'sigterm.jsonl');
    // js: the slowest backend, so the run is surely still going when the signal comes.
    const { child, stderr, exited } = start(['--once', '--backend', 'js', '--log', log, dir]);
    await until('the first lines', () => existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 2, child, stderr);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = readLog(log);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThan(40);
    for (const l of lines) expect(l.top?.[0].label, l.file).toMatch(/^(tabby|pizza|grand piano|tusker)$/);
    const m = /SIGTERM: (\d+) classified, 0 not \(their reasons are in the log\), (\d+) queued file\(s\) left for the next run/.exec(stderr());
    expect(m, stderr()).not.toBeNull();
    expect(Number(m![1])).toBe(lines.length);
    expect(Number(m![1]) + Number(m![2])).toBe(40);
  }, 120_000);
});
