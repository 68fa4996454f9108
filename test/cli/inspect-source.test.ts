// `edgeinfer inspect` shows the format, opset and version a model was converted from (#15): every
// importer records metadata.importedFrom, the .eim stores it, and a file without it (written before
// the field existed) stays valid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelReport } from '../../src/cli/inspect.js';
import { ModelFormatError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import { writeEim } from '../../src/format/writer.js';
import { validateMetadata } from '../../src/format/header-metadata.js';
import { importOnnx } from '../../src/convert/onnx.js';
import { runCli as cli } from '../helpers/cli.js';
import { OnnxModel } from '../helpers/onnx-builder.js';
import { CORAL_DIR } from '../convert/tflite-helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const MNIST_ONNX = join(ROOT, 'test/fixtures/models/mnist-8/mnist-8.onnx');
const MNIST_TFJS = join(ROOT, 'test/fixtures/models/tfjs-mnist-cnn');
const CORAL_V1 = fileURLToPath(new URL('mobilenet_v1_0.25_128_quant.tflite', CORAL_DIR));

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'edgeinfer-inspect-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('edgeinfer inspect: the source format', () => {
  it.each([
    ['ONNX', MNIST_ONNX, 'onnx', /^converted: {3}from ONNX opset 8 \(IR 3\)$/m, { format: 'onnx', opset: 8, version: 'IR 3' }],
    ['TFLite', CORAL_V1, 'tflite', /^converted: {3}from TFLite \(schema 3\)$/m, { format: 'tflite', version: 'schema 3' }],
    ['TF.js', MNIST_TFJS, 'tfjs', /^converted: {3}from TF\.js layers( \(layers-model.*\))?$/m, { format: 'tfjs' }],
  ])('%s', async (_, input, tag, line, expected) => {
    const out = join(dir, `${tag}.eim`);
    const c = await cli(['convert', input, '-o', out]);
    expect(c.code, c.err).toBe(0);
    const text = await cli(['inspect', out]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(line);
    const json = await cli(['inspect', out, '--json']);
    const report = JSON.parse(json.out) as ModelReport;
    expect(report.importedFrom).toMatchObject(expected);
  }, 60_000);

  it('a file without importedFrom (older writers) reads and inspects without the line', () => {
    const g = importOnnx(new OnnxModel(13).input('x', [1, 4]).node('Relu', ['x'], ['y']).output('y').encode());
    expect(g.metadata.importedFrom).toEqual({ format: 'onnx', opset: 13, version: 'IR 8' });
    const old = { ...g, metadata: { ...g.metadata, importedFrom: undefined } };
    const back = readEim(writeEim(old));
    expect(back.metadata.importedFrom).toBeUndefined();
    expect(readEim(writeEim(g)).metadata.importedFrom).toEqual({ format: 'onnx', opset: 13, version: 'IR 8' });
  });

  it('validates the stored field and ignores keys it does not know', () => {
    expect(validateMetadata({ importedFrom: { format: 'pytorch', future: 1 } }, 'm').importedFrom).toEqual({ format: 'pytorch' });
    expect(() => validateMetadata({ importedFrom: { opset: 13 } }, 'm')).toThrow(ModelFormatError);
    expect(() => validateMetadata({ importedFrom: { format: '' } }, 'm')).toThrow(ModelFormatError);
    expect(() => validateMetadata({ importedFrom: { format: 'onnx', opset: 1.5 } }, 'm')).toThrow(/importedFrom\.opset/);
    expect(() => validateMetadata({ importedFrom: 'onnx' }, 'm')).toThrow(ModelFormatError);
  });
});
