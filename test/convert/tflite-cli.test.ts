// `edgeinfer convert model.tflite -o model.eim`, in-process: Coral's MobileNet v1 converts with its
// preprocessing and probabilities, runs to LiteRT's top-1, takes --labels; a .tflite under another name
// is recognised by its identifier; an Edge TPU model fails with one line naming the op and operator.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEimFile } from '../../src/format/node.js';
import { Session } from '../../src/runtime/session.js';
import { runCli } from '../helpers/cli.js';
import { CORAL_DIR, ModelBuilder, referenceInput, referenceOutput, T } from './tflite-helpers.js';

const MODEL = 'mobilenet_v1_0.25_128_quant';
const TFLITE = fileURLToPath(new URL(`${MODEL}.tflite`, CORAL_DIR));
const LABELS = fileURLToPath(new URL('imagenet_labels.txt', CORAL_DIR));

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'edgeinfer-tflite-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('edgeinfer convert on .tflite', () => {
  it('converts Coral MobileNet v1 to a .eim that runs to LiteRT\'s top-1', async () => {
    const out = join(dir, 'v1.eim');
    const r = await runCli(['convert', TFLITE, '-o', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote .*v1\.eim \(mobilenet_v1_0\.25_128_quant\): 31 ops, 467,593 params \(f32\), 485\.5 KiB -> 493\.3 KiB/);
    const g = await readEimFile(out);
    expect(g.inputs[0].shape).toEqual([-1, 128, 128, 3]);
    expect(g.metadata).toMatchObject({ name: MODEL, outputKind: 'probabilities', preprocess: { width: 128, scale: 1 / 128, mean: [1, 1, 1], resize: 'stretch', crop: 'none' } });
    const s = await Session.create(g, { backend: 'js' });
    const x = Float32Array.from(referenceInput(MODEL, 'cat.bmp', 128, 128), (q) => (q - 128) / 128);
    const y = (await s.run({ [g.inputs[0].name]: x }))[g.outputs[0].name].data;
    const ref = referenceOutput(MODEL, 'cat.bmp');
    expect(y.indexOf(Math.max(...y))).toBe(ref.indexOf(Math.max(...ref)));
    s.dispose();
  });

  it('takes --labels and --weights f16 (8-bit weights stay 8-bit)', async () => {
    const out = join(dir, 'v1-labels.eim');
    const r = await runCli(['convert', TFLITE, '-o', out, '--labels', LABELS, '--weights', 'f16']);
    expect(r.code).toBe(0);
    const g = await readEimFile(out);
    expect(g.metadata.labels).toHaveLength(1001);
    // Coral's "<index>  <label>" lines are stored without their index.
    expect(g.metadata.labels!.slice(0, 2)).toEqual(['background', 'tench, Tinca tinca']);
    expect([...new Set([...g.constants.values()].map((c) => c.dtype))].sort()).toEqual(['f32', 'u8']);
  });

  it('recognises a TFLite file by its identifier whatever its extension', async () => {
    const renamed = join(dir, 'model.bin');
    copyFileSync(TFLITE, renamed);
    const r = await runCli(['convert', renamed, '-o', join(dir, 'renamed.eim')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\(model\): 31 ops/);
  });

  it('an Edge TPU model fails naming edgetpu-custom-op and the operator', async () => {
    const m = new ModelBuilder();
    const x = m.input('x', [1, 8, 8, 3], { type: T.U8, quant: { scale: [1 / 128], zeroPoint: [128] } });
    m.output(m.op('edgetpu-custom-op', [x], 'y', [1, 10], undefined, { type: T.U8, quant: { scale: [1 / 256], zeroPoint: [0] } }));
    const path = join(dir, 'model_edgetpu.tflite');
    writeFileSync(path, m.bytes());
    const r = await runCli(['convert', path, '-o', join(dir, 'edgetpu.eim')]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unsupported op edgetpu-custom-op .*operator 0/);
  });
});
