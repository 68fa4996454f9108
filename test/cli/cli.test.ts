// The CLI end to end, in-process: convert the real fixtures at every weight precision, inspect the
// results (ops, params, MACs), and check every failure is one line with the right exit code.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli, type CliRun as Run } from '../helpers/cli.js';
import type { ModelReport } from '../../src/cli/inspect.js';

const ROOT = join(import.meta.dirname, '../..');
const MNIST_ONNX = join(ROOT, 'test/fixtures/models/mnist-8/mnist-8.onnx');
const TFJS_DIR = join(ROOT, 'test/fixtures/models/tfjs-mnist-cnn');

/** The error contract: exit code, exactly one line on stderr starting "edgeinfer: ", nothing on stdout. */
function expectOneLineError(r: Run, code: number, message: RegExp): void {
  expect(r.code, r.err).toBe(code);
  expect(r.out).toBe('');
  expect(r.err).toMatch(/^edgeinfer: [^\n]+\n$/);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\bat .*:\d+:\d+/);   // no stack frames
}

async function inspectJson(file: string): Promise<ModelReport> {
  const r = await cli(['inspect', file, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as ModelReport;
}

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'edgeinfer-cli-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const MNIST_CONV_MACS = [28 * 28 * 8 * 5 * 5 * 1, 14 * 14 * 16 * 5 * 5 * 8];   // 156,800 and 627,200 (SAME padding)
// Keras Sequential, all convs 'same': 28x28x32 5x5x1, 28x28x32 5x5x32, 14x14x64 3x3x32, 14x14x64 3x3x64.
const TFJS_CONV_MACS = [28 * 28 * 32 * 25, 28 * 28 * 32 * 25 * 32, 14 * 14 * 64 * 9 * 32, 14 * 14 * 64 * 9 * 64];
const TFJS_DENSE_MACS = [7 * 7 * 64 * 256, 256 * 10];

describe('edgeinfer convert + inspect: mnist-8 (ONNX)', () => {
  const sizes: Record<string, number> = {};

  it.each(['f32', 'f16', 'int8'])('converts with --weights %s and inspects the result', async (weights) => {
    const out = join(dir, `mnist-${weights}.eim`);
    const r = await cli(['convert', MNIST_ONNX, '-o', out, '--weights', weights]);
    expect(r.code, r.err).toBe(0);
    // stderr is not a TTY: no progress bar; only the note that mnist-8 carries no image preprocessing.
    expect(r.err).toMatch(/^edgeinfer convert: note: the model has no image preprocessing metadata [^\n]*\n$/);
    expect(r.out).toMatch(new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(mnist-8\\): (\\d+ -> )?\\d+ ops, 5,994 params \\(${weights}\\), 25\\.8 KiB -> [\\d.]+ KiB, \\d+ ms\\n$`));
    sizes[weights] = statSync(out).size;

    const m = await inspectJson(out);
    expect(m.name).toBe('mnist-8');
    expect(m.fileBytes).toBe(sizes[weights]);
    expect(m.totals.params).toBe(5994);
    // The importer frees the batch dimension (-1); the source layout is NCHW.
    expect(m.inputs).toEqual([{ name: 'Input3', shape: [-1, 28, 28, 1], sourcePerm: [0, 3, 1, 2], sourceShape: [-1, 1, 28, 28] }]);
    expect(m.outputs.map((o) => o.shape)).toEqual([[-1, 10]]);
    const convs = m.nodes.filter((n) => n.op === 'Conv');
    expect(convs.map((n) => n.macs)).toEqual(MNIST_CONV_MACS);
    expect(convs.map((n) => n.outputShapes)).toEqual([[[1, 28, 28, 8]], [[1, 14, 14, 16]]]);
    expect(convs.map((n) => n.params)).toEqual([200 + 8, 3200 + 16]);
    expect(m.nodes.some((n) => (n.op === 'MatMul' || n.op === 'Gemm') && n.macs === 256 * 10)).toBe(true);
    expect(m.totals.macs).toBe(m.nodes.reduce((s, n) => s + (n.macs ?? 0), 0));
    expect(m.totals.macs).toBeGreaterThanOrEqual(MNIST_CONV_MACS[0] + MNIST_CONV_MACS[1] + 2560);
    const byDtype = m.totals.weights;
    const stored = { f32: 'f32', f16: 'f16', int8: 'i8' }[weights] as 'f32' | 'f16' | 'i8';
    // Every conv/matmul weight is stored in the requested precision (biases may stay f32).
    expect(byDtype[stored]?.params ?? 0).toBeGreaterThanOrEqual(200 + 3200 + 2560);
    expect(Object.values(byDtype).reduce((s, w) => s + w.params, 0)).toBe(5994);

    const text = await cli(['inspect', out]);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('name:        mnist-8');
    expect(text.out).toMatch(/Input3 {2}\[N,28,28,1\] {2}\(source layout \[N,1,28,28\], perm \[0,3,1,2\]\)/);
    expect(text.out).toMatch(/^\S+\s+Conv\s+\[1,28,28,8\]\s+208\s+156,800$/m);
    expect(text.out).toMatch(/^\S+\s+Conv\s+\[1,14,14,16\]\s+3,216\s+627,200$/m);
    expect(text.out).toMatch(new RegExp(`^total: +${m.nodes.length} nodes, 5,994 params, [\\d,]+ MACs per inference`, 'm'));
    expect(text.out).toContain('labels:      none');
  });

  it('stores smaller weights at lower precision', () => {
    expect(sizes.f16).toBeLessThan(sizes.f32);
    expect(sizes.int8).toBeLessThan(sizes.f16);
  });

  it('stores labels and a name, and rejects a label count that does not match the output', async () => {
    const labels = join(dir, 'digits.txt');
    writeFileSync(labels, 'zero\r\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n\n');
    const out = join(dir, 'mnist-labels.eim');
    const r = await cli(['convert', MNIST_ONNX, `--output=${out}`, '--labels', labels, '--name', 'digits']);
    expect(r.code, r.err).toBe(0);
    const m = await inspectJson(out);
    expect(m.name).toBe('digits');
    expect(m.labels).toEqual(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);
    const text = await cli(['inspect', out]);
    expect(text.out).toContain('labels:      10 ("zero", "one", "two", "three", "four", ...)');

    writeFileSync(labels, 'a\nb\nc\n');
    const bad = await cli(['convert', MNIST_ONNX, '-o', join(dir, 'bad-labels.eim'), '--labels', labels]);
    expectOneLineError(bad, 1, /has 3 labels, but output "Plus214_Output_0" has 10 classes/);
    expect(() => statSync(join(dir, 'bad-labels.eim'))).toThrow();
  });
});

describe('edgeinfer convert + inspect: tfjs-mnist-cnn (TF.js layers)', () => {
  const sizes: Record<string, number> = {};

  it.each([
    ['f32', TFJS_DIR],
    ['f16', join(TFJS_DIR, 'model.json')],
    ['int8', TFJS_DIR],
  ])('converts with --weights %s from %s', async (weights, input) => {
    const out = join(dir, `tfjs-${weights}.eim`);
    const r = await cli(['convert', input, '-o', out, '--weights', weights]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^wrote .* \(tfjs-mnist-cnn\): (\d+ -> )?\d+ ops, 887,530 params \((f32|f16|int8)\), 3\.39 MiB -> [\d.]+ (KiB|MiB), [\d.]+ m?s\n$/);
    sizes[weights] = statSync(out).size;

    const m = await inspectJson(out);
    expect(m.totals.params).toBe(887530);
    expect(m.inputs.map((i) => i.shape)).toEqual([[-1, 28, 28, 1]]);
    expect(m.inputs[0].sourcePerm).toBeUndefined();   // TF.js is NHWC already
    expect(m.outputs.map((o) => o.shape)).toEqual([[-1, 10]]);
    expect(m.nodes.filter((n) => n.op === 'Conv').map((n) => n.macs)).toEqual(TFJS_CONV_MACS);
    const macs = m.nodes.map((n) => n.macs);
    for (const d of TFJS_DENSE_MACS) expect(macs).toContain(d);
    expect(m.nodes.some((n) => n.op === 'Dropout')).toBe(false);
    expect(m.totals.macs).toBeGreaterThanOrEqual([...TFJS_CONV_MACS, ...TFJS_DENSE_MACS].reduce((a, b) => a + b));
  });

  it('shrinks the file about 2x with f16 and about 4x with int8', () => {
    expect(sizes.f16 / sizes.f32).toBeLessThan(0.55);
    expect(sizes.int8 / sizes.f32).toBeLessThan(0.3);
  });
});

describe('edgeinfer errors', () => {
  it('prints help and exits 0 for --help, 2 without a command', async () => {
    for (const argv of [['--help'], ['convert', '--help'], ['inspect', '-h']]) {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Usage: edgeinfer /);
    }
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^Usage: edgeinfer <command>/);
  });

  it('exits 2 with one line for usage mistakes', async () => {
    expectOneLineError(await cli(['convert', MNIST_ONNX, '-o', 'x.eim', '--frobnicate']), 2, /unknown option --frobnicate \(see edgeinfer convert --help\)/);
    expectOneLineError(await cli(['convert', MNIST_ONNX]), 2, /missing -o OUT\.eim/);
    expectOneLineError(await cli(['convert', '-o', 'x.eim']), 2, /missing input model/);
    expectOneLineError(await cli(['convert', MNIST_ONNX, '-o', 'x.eim', '--weights', 'f64']), 2, /--weights must be one of f32\|f16\|int8/);
    expectOneLineError(await cli(['inspect', 'a.eim', 'b.eim']), 2, /expected one model file, got 2/);
    expectOneLineError(await cli(['inspect', '--verbose', 'a.eim']), 2, /unknown option --verbose \(see edgeinfer inspect --help\)/);
    expectOneLineError(await cli(['transmogrify']), 2, /unknown command "transmogrify"/);
  });

  it('exits 1 with one line for a missing file', async () => {
    const missing = join(dir, 'nope.onnx');
    expectOneLineError(await cli(['convert', missing, '-o', join(dir, 'x.eim')]), 1, new RegExp(`${missing}: no such file or directory`));
    expectOneLineError(await cli(['inspect', join(dir, 'nope.eim')]), 1, /nope\.eim: no such file or directory/);
    expectOneLineError(await cli(['convert', MNIST_ONNX, '-o', join(dir, 'x.eim'), '--labels', join(dir, 'nope.txt')]), 1, /nope\.txt: no such file or directory/);
  });

  it('exits 1 with one line for garbage input', async () => {
    const garbage = join(dir, 'garbage.onnx');
    writeFileSync(garbage, Buffer.from('\x08\x96\x01this is not a model at all\xff\xfe\x00\x13'.repeat(8), 'latin1'));
    const r1 = await cli(['convert', garbage, '-o', join(dir, 'g.eim')]);
    expectOneLineError(r1, 1, /edgeinfer: /);
    expect(r1.err).not.toMatch(/internal error/);

    const eim = join(dir, 'garbage.eim');
    writeFileSync(eim, readFileSync(MNIST_ONNX));     // a real file, but not an .eim
    const r2 = await cli(['inspect', eim]);
    expectOneLineError(r2, 1, /edgeinfer: /);
    expect(r2.err).not.toMatch(/internal error/);

    const truncated = join(dir, 'truncated.eim');
    const whole = join(dir, 'whole.eim');
    expect((await cli(['convert', MNIST_ONNX, '-o', whole])).code).toBe(0);
    const good = readFileSync(whole);
    writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
    expectOneLineError(await cli(['inspect', truncated]), 1, /edgeinfer: /);

    const emptyDir = join(dir, 'empty-model-dir');
    mkdirSync(emptyDir);
    expectOneLineError(await cli(['convert', emptyDir, '-o', join(dir, 'e.eim')]), 1, /empty-model-dir has no model\.json/);
    expectOneLineError(await cli(['convert', MNIST_ONNX, '-o', join(dir, 'no/such/dir/x.eim')]), 1, /cannot write .*: its directory does not exist/);
    const otherJson = join(dir, 'weights-manifest.json');
    writeFileSync(otherJson, '{}');
    expectOneLineError(await cli(['convert', otherJson, '-o', join(dir, 'j.eim')]), 1, /give its directory or model\.json/);
    const badJson = join(emptyDir, 'model.json');
    writeFileSync(badJson, '{"modelTopology": ');
    expectOneLineError(await cli(['convert', emptyDir, '-o', join(dir, 'j.eim')]), 1, /model\.json is not valid JSON/);
  });

  it('adds the stack trace only with EDGEINFER_DEBUG=1', async () => {
    const r = await cli(['inspect', join(dir, 'nope.eim')], { EDGEINFER_DEBUG: '1' });
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toMatch(/^edgeinfer: .*nope\.eim: no such file or directory$/);
    expect(r.err.split('\n').length).toBeGreaterThan(2);
  });
});
