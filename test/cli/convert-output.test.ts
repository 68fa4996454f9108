// `edgeinfer convert` never destroys a file (#15): the output is written to a temporary file beside it
// and renamed when complete; an output that is the input is refused; a write that fails (here a
// file-size limit set with `ulimit -f` on a child process) leaves the previous output as it was and no
// temporary file behind.
import { spawnSync } from 'node:child_process';
import { copyFileSync, linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { runCli as cli } from '../helpers/cli.js';
import { ModelBuilder } from '../convert/tflite-helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const MNIST_ONNX = join(ROOT, 'test/fixtures/models/mnist-8/mnist-8.onnx');
const BIN = join(ROOT, 'bin/edgeinfer.js');

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'edgeinfer-out-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const temps = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));

describe('edgeinfer convert output', () => {
  it('replaces an existing output whole and leaves no temporary file', async () => {
    const out = join(dir, 'replace.eim');
    expect((await cli(['convert', MNIST_ONNX, '-o', out, '--name', 'first'])).code).toBe(0);
    const first = readFileSync(out);
    const r = await cli(['convert', MNIST_ONNX, '-o', out, '--name', 'second', '--weights', 'f16']);
    expect(r.code, r.err).toBe(0);
    const second = readFileSync(out);
    expect(second.length).toBeLessThan(first.length);
    expect(second.includes(Buffer.from('second'))).toBe(true);
    expect(temps(dir)).toEqual([]);
  });

  it('refuses to write over its input, by path, hard link or symlink', async () => {
    const model = join(dir, 'model.onnx');
    copyFileSync(MNIST_ONNX, model);
    const before = readFileSync(model);
    linkSync(model, join(dir, 'hard.onnx'));
    symlinkSync(model, join(dir, 'soft.onnx'));
    for (const out of [model, join(dir, 'hard.onnx'), join(dir, 'soft.onnx'), join(dir, '.', 'model.onnx')]) {
      const r = await cli(['convert', model, '-o', out]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/the output .* is the input .*model\.onnx; choose another -o path/);
    }
    expect(readFileSync(model).equals(before)).toBe(true);
    expect(temps(dir)).toEqual([]);
  });

  it('keeps the previous output when the write fails on a file-size limit', () => {
    const out = join(dir, 'limited.eim');
    expect(spawnSync(process.execPath, [BIN, 'convert', MNIST_ONNX, '-o', out, '--name', 'kept'], { cwd: ROOT, encoding: 'utf8' }).status).toBe(0);
    const before = readFileSync(out);
    // 8 blocks of 512 bytes: far less than the model (about 26 KB); node ignores SIGXFSZ, so write() fails with EFBIG.
    const r = spawnSync('bash', ['-c', 'ulimit -f 8; exec "$0" "$@"', process.execPath, BIN, 'convert', MNIST_ONNX, '-o', out, '--name', 'lost'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*limited\.eim: the file is larger than this process may write \(file-size limit\); the existing .* is unchanged/);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(statSync(out).size).toBe(before.length);
    expect(temps(dir)).toEqual([]);
  }, 90_000);

  it('writes through a symlink to its target, keeping the link', async () => {
    const target = join(dir, 'target.eim'), link = join(dir, 'link.eim');
    expect((await cli(['convert', MNIST_ONNX, '-o', target])).code).toBe(0);
    symlinkSync(target, link);
    expect((await cli(['convert', MNIST_ONNX, '-o', link, '--name', 'via-link'])).code).toBe(0);
    expect(readFileSync(target).includes(Buffer.from('via-link'))).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

describe('models without preprocessing metadata', () => {
  it('a TFLite image model without metadata: convert names what is missing and the flags; inspect too', async () => {
    const m = new ModelBuilder();
    const x = m.input('x', [1, 8, 6, 3]);
    m.output(m.op(19 /* RELU */, [x], 'y', [1, 8, 6, 3]));
    const path = join(dir, 'bare.tflite'), out = join(dir, 'bare.eim');
    writeFileSync(path, m.bytes());
    const r = await cli(['convert', path, '-o', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^edgeinfer convert: note: the model has no image preprocessing metadata .* for its 6x8x3 input, .*--preprocess imagenet or --preprocess FILE\.json.*class labels are missing too \(--labels FILE/);
    expect(r.err).not.toMatch(/options\.preprocess/);
    const text = await cli(['inspect', out]);
    expect(text.out).toMatch(/^labels: +none \(edgeinfer convert --labels FILE stores them\)$/m);
    expect(text.out).toMatch(/^preprocess: +none \(.*edgeinfer convert --preprocess imagenet\|FILE\.json stores it\)$/m);

    const pre = join(dir, 'pre.json');
    writeFileSync(pre, JSON.stringify({ width: 6, height: 8, channels: 3, colorOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', crop: 'none' }));
    const labels = join(dir, 'labels.txt');
    writeFileSync(labels, 'a\nb\nc\n');
    const ok = await cli(['convert', path, '-o', out, '--preprocess', pre, '--labels', labels]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toBe('');
  });

  it('an ONNX image model: the same note from convert, and classify names both ways to supply it', async () => {
    const out = join(dir, 'mnist.eim');
    const r = await cli(['convert', MNIST_ONNX, '-o', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^edgeinfer convert: note: the model has no image preprocessing metadata .* for its 28x28x1 input, .*--preprocess imagenet or --preprocess FILE\.json/);
    const png = join(dir, 'digit.png');
    writeFileSync(png, PNG.sync.write(Object.assign(new PNG({ width: 28, height: 28 }), { data: Buffer.alloc(28 * 28 * 4, 255) })));
    const c = await cli(['classify', png, '-m', out, '-b', 'js']);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/has no image preprocessing metadata: pass options\.preprocess \(e\.g\. IMAGENET_PREPROCESS\), or store it with edgeinfer convert --preprocess imagenet\|FILE\.json/);
  });
});
