// `edgeinfer eval` and `edgeinfer calibrate` in-process on the Fashion-MNIST test set (IDX, the same images
// as PNG files in class folders and listed in a CSV): the figures equal TF.js's predictions, the three
// layouts give the same ones, --html writes the report, calibrate writes a model the classifiers then
// calibrate with, --priors estimate re-weights, the progress bar is drawn on a terminal only, and usage
// mistakes exit with 2.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CalibrateResult } from '../../src/cli/calibrate.js';
import { readEimFile } from '../../src/format/node.js';
import { computeMetrics } from '../../src/trust/evaluate-metrics.js';
import type { EvaluationReport } from '../../src/trust/evaluate.js';
import { runCli as cli } from '../helpers/cli.js';
import { CLASSES, FIXTURES, LABELS, MODELS_DIR, testImagePicture, testSet, tfjsTop1 } from '../e2e/fashion-helpers.js';

const IDX = [join(FIXTURES, 't10k-images-idx3-ubyte.gz'), join(FIXTURES, 't10k-labels-idx1-ubyte.gz')];
const CNN = join(MODELS_DIR, 'cnn.eim'), RNN = join(MODELS_DIR, 'simplernn.eim');
const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-eval-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function evalJson(args: string[]): Promise<EvaluationReport> {
  const r = await cli(['eval', ...args, '--json', '-b', 'wasm']);
  expect(r.code, r.err).toBe(0);
  expect(r.err).toBe('');
  return JSON.parse(r.out) as EvaluationReport;
}

describe('edgeinfer eval', () => {
  it('IDX: the CNN\'s figures on the first 2,000 test images are TF.js\'s; --html writes the report', async () => {
    const html = join(dir, 'report.html');
    const report = await evalJson([...IDX, '-m', CNN, '--range', '0:2000', '--html', html]);
    const top1 = tfjsTop1('cnn');
    const tfjs = new Float32Array(2000 * CLASSES);
    for (let i = 0; i < 2000; i++) tfjs[i * CLASSES + top1[i]] = 1;
    const theirs = computeMetrics(tfjs, testSet().labels.subarray(0, 2000), CLASSES, { labels: LABELS });
    expect(report.samples).toBe(2000);
    expect(report.top1).toBe(theirs.top1);
    expect(report.confusion).toEqual(theirs.confusion);
    expect(report.perClass).toEqual(theirs.perClass);
    expect(report.bins).toHaveLength(15);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg class="confusion"');
    expect(page).toContain('<svg class="reliability"');
    const text = await cli(['eval', ...IDX, '-m', CNN, '--range', '0:200', '-b', 'wasm']);
    expect(text.out).toMatch(/top-1 accuracy\s+\d+\.\d\d %/);
    expect(text.out).toContain('Ankle boot');
  }, 120_000);

  it('class folders and a CSV of the same images as PNG files give the IDX figures', async () => {
    const n = 60;
    const csv: string[] = ['path,label'];
    for (let i = 0; i < n; i++) {
      const label = LABELS[testSet().labels[i]];
      const sub = join(dir, 'folders', label.replace('/', '_'));
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `${String(i).padStart(3, '0')}.png`), testImagePicture(i, { invert: false }));
      csv.push(`folders/${label.replace('/', '_')}/${String(i).padStart(3, '0')}.png,"${label}"`);
    }
    writeFileSync(join(dir, 'set.csv'), csv.join('\n'));
    const idx = await evalJson([...IDX, '-m', CNN, '--range', `0:${n}`]);
    for (const data of [join(dir, 'folders'), join(dir, 'set.csv')]) {
      const r = await evalJson([data, '-m', CNN]);
      expect(r.samples, data).toBe(n);
      expect(r.top1, data).toBe(idx.top1);
      expect(r.confusion, data).toEqual(idx.confusion);
    }
  }, 120_000);

  it('--priors estimate re-weights a sequence model\'s scores by EM; --priors with numbers too', async () => {
    const r = await evalJson([...IDX, '-m', RNN, '--range', '0:1000', '--priors', 'estimate']);
    expect(r.priorCorrection?.estimated).toBe(true);
    expect(r.priorCorrection?.priors.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const given = await evalJson([...IDX, '-m', RNN, '--range', '0:1000', '--priors', '1,1,1,1,1,1,1,1,1,1']);
    expect(given.priorCorrection).toEqual({ priors: new Array(10).fill(0.1), estimated: false });
    // A model trained with class 9 twice as frequent, deployed on equal classes: class 9's scores halve.
    const shifted = await evalJson([...IDX, '-m', RNN, '--range', '0:1000', '--priors', '1,1,1,1,1,1,1,1,1,1', '--train-priors', '1,1,1,1,1,1,1,1,1,2']);
    expect(shifted.perClass[9].recall).toBeLessThanOrEqual(given.perClass[9].recall);
    expect(shifted.confusion.reduce((a, row) => a + row[9], 0)).toBeLessThan(given.confusion.reduce((a, row) => a + row[9], 0));
  }, 120_000);

  it('draws a progress bar on a terminal only', async () => {
    let err = '';
    const code = await main(['eval', ...IDX, '-m', CNN, '--range', '0:500', '-b', 'wasm', '--batch', '50', '--json'], {
      stdout: { write: () => true }, stderr: { write: (s: string) => { err += s; return true; }, isTTY: true, columns: 80 }, env: {},
    });
    expect(code).toBe(0);
    expect(err).toMatch(/\r\x1b\[Keval \[#*-*\]/);
  }, 60_000);

  it('usage mistakes exit with 2, unreadable data with 1, each one line', async () => {
    for (const args of [['eval'], ['eval', ...IDX, '--range', '5:2'], ['eval', ...IDX, '--priors', 'a,b'], ['eval', 'a', 'b', 'c'], ['eval', ...IDX, '--batch', '0'], ['eval', ...IDX, '--train-priors', '1,2']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^edgeinfer: [^\n]+\n$/);
    }
    const missing = await cli(['eval', join(dir, 'nothing.csv'), '-m', CNN, '-b', 'wasm']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^edgeinfer: [^\n]+\n$/);
  }, 60_000);
});

describe('edgeinfer calibrate', () => {
  it('fits a temperature on images 0-1,999 and writes it into a copy of the model, which eval then applies', async () => {
    const out = join(dir, 'simplernn-calibrated.eim');
    const r = await cli(['calibrate', RNN, '--data', ...IDX, '--range', '0:2000', '-o', out, '-b', 'wasm', '--json']);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out) as CalibrateResult;
    expect(result.calibration.temperature).toBeGreaterThan(1);
    expect(result.nll.after).toBeLessThan(result.nll.before);
    expect(result.ece.after).toBeLessThan(result.ece.before);
    expect(result.accuracy.after).toBe(result.accuracy.before);
    expect((await readEimFile(out)).metadata.calibration).toEqual(result.calibration);
    const measured = await evalJson([...IDX, '-m', out, '--range', '2000:4000']);
    const raw = await evalJson([...IDX, '-m', out, '--range', '2000:4000', '--no-calibration']);
    expect(measured.calibration).toEqual(result.calibration);
    expect(raw.calibration).toBeUndefined();
    expect(measured.top1).toBe(raw.top1);
    expect(measured.ece).toBeLessThan(raw.ece);
    const bias = await cli(['calibrate', RNN, '--data', ...IDX, '--range', '0:500', '-o', join(dir, 'b.eim'), '-b', 'wasm', '--bias', '--thresholds', '0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5']);
    expect(bias.code, bias.err).toBe(0);
    const meta = (await readEimFile(join(dir, 'b.eim'))).metadata;
    expect(meta.calibration?.bias).toHaveLength(10);
    expect(meta.thresholds).toEqual(new Array(10).fill(0.5));
  }, 120_000);

  it('needs --data and -o', async () => {
    expect((await cli(['calibrate', RNN, '-o', join(dir, 'x.eim')])).code).toBe(2);
    expect((await cli(['calibrate', RNN, '--data', ...IDX])).code).toBe(2);
  });
});
