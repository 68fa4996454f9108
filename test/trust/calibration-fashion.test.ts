// Temperature scaling on Fashion-MNIST, the workflow of `edgeinfer calibrate`: fit on test images 0–4,999
// (the model's uncalibrated scores), store it in a copy of the .eim, open that copy as a classifier, which
// applies it, and measure on images 5,000–9,999. The ranking cannot change, so the accuracy and the confusion
// matrix stay as they were; the ECE falls. Figures for every model are printed; the SimpleRNN (the most
// over-confident: ECE 3.6 %) must at least halve its ECE, the CNN (1.3 % already) must lower it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEimFile } from '../../src/format/node.js';
import { writeEim } from '../../src/format/writer.js';
import { fitCalibration, withCalibration } from '../../src/trust/calibrate.js';
import { CASES, CLASSES, formatTable, modelFiles, pct, testSet } from '../e2e/fashion-helpers.js';
import { evaluateFashion } from './eval-helpers.js';

const FIT = [0, 5000] as const, MEASURE = [5000, 10000] as const;
const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-calibrate-'));
const rows: string[][] = [];

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(formatTable(`Temperature scaling fitted on Fashion-MNIST test images ${FIT[0]}-${FIT[1] - 1}, measured on ${MEASURE[0]}-${MEASURE[1] - 1} (wasm)`,
    ['model', 'temperature', 'ECE before', 'ECE after', 'after/before', 'NLL before', 'NLL after', 'accuracy before', 'accuracy after'], rows));
});

/** The ECE ratio each model must reach (undefined: printed only; a model near calibration already has little to gain). */
const TARGET: Record<string, number | undefined> = { simplernn: 0.5, cnn: 1 };

describe('edgeinfer calibrate on Fashion-MNIST: fit on 0-4,999, measure on 5,000-9,999', () => {
  for (const c of CASES) {
    it(`${c.name}: accuracy unchanged, ECE ${TARGET[c.name] === 0.5 ? 'at least halved' : TARGET[c.name] ? 'lower' : 'reported'}`, async () => {
      const files = modelFiles(c.name);
      const image = c.shape.length === 3;
      const raw = await evaluateFashion(files.f32, image, FIT[0], FIT[1]);
      const fit = fitCalibration(raw.scores, testSet().labels.subarray(FIT[0], FIT[1]), CLASSES);
      const calibratedFile = join(dir, `${c.name}-calibrated.eim`);
      writeFileSync(calibratedFile, writeEim(withCalibration(await readEimFile(files.f32), fit.calibration)));
      const before = (await evaluateFashion(files.f32, image, ...MEASURE)).report;
      const after = (await evaluateFashion(calibratedFile, image, ...MEASURE)).report;
      rows.push([c.name, fit.calibration.temperature.toFixed(3), pct(before.ece), pct(after.ece), (after.ece / before.ece).toFixed(2),
        before.nll.toFixed(4), after.nll.toFixed(4), pct(before.top1), pct(after.top1)]);
      expect(after.calibration).toEqual(fit.calibration);
      expect(before.calibration).toBeUndefined();
      expect(after.top1).toBe(before.top1);
      expect(after.confusion).toEqual(before.confusion);
      const target = TARGET[c.name];
      if (target !== undefined) expect(after.ece).toBeLessThan(before.ece * target);
    }, 120_000);
  }
});
