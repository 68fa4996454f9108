// A model trained on imbalanced classes (test/fixtures/fashion-imbalanced: SimpleRNNs that saw 5 % of the
// Pullovers and Shirts) meets the balanced Fashion-MNIST test set. Without help it rarely predicts the rare
// classes; class weights in training (examples/train --class-weights) and prior correction at run time
// (the classifier's `priors` option: equal deployment priors over the training set's class counts) both
// raise their recall, and prior correction raises accuracy and balanced accuracy together.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../../src/trust/evaluate.js';
import { priorWeights } from '../../src/trust/priors.js';
import { CLASSES, formatTable, LABELS, pct, ROOT } from '../e2e/fashion-helpers.js';
import { evaluateFashion } from './eval-helpers.js';

const DIR = join(ROOT, 'test/fixtures/fashion-imbalanced');
const counts = (JSON.parse(readFileSync(join(DIR, 'simplernn-plain.training.json'), 'utf8')) as { settings: { classCounts: number[] } }).settings.classCounts;
const RARE = [2, 6];

describe('a SimpleRNN trained with 5 % of the Pullovers and Shirts, on the balanced test set (wasm)', () => {
  it('class weights and prior correction both raise the rare classes\' recall; prior correction raises accuracy and balanced accuracy', async () => {
    expect(counts[2]).toBe(120);
    const plain = (await evaluateFashion(join(DIR, 'simplernn-plain.eim'), false)).report;
    const weighted = (await evaluateFashion(join(DIR, 'simplernn-weighted.eim'), false)).report;
    const priors = priorWeights(new Array<number>(CLASSES).fill(1), counts);
    const corrected = (await evaluateFashion(join(DIR, 'simplernn-plain.eim'), false, 0, 10_000, { priors })).report;
    const row = (name: string, r: EvaluationReport): string[] => [name, pct(r.top1), pct(r.balancedAccuracy), pct(r.ece), ...r.perClass.map((c) => pct(c.recall))];
    console.log(formatTable('Imbalanced training (Pullover and Shirt at 5 %), Fashion-MNIST test set', ['model', 'accuracy', 'balanced', 'ECE', ...LABELS.map((l) => l.split('/')[0])],
      [row('plain', plain), row('class weights', weighted), row('plain + priors', corrected)]));
    for (const k of RARE) {
      expect(weighted.perClass[k].recall, `${LABELS[k]}: class weights`).toBeGreaterThan(plain.perClass[k].recall + 0.1);
      expect(corrected.perClass[k].recall, `${LABELS[k]}: prior correction`).toBeGreaterThan(plain.perClass[k].recall + 0.1);
    }
    expect(corrected.top1).toBeGreaterThan(plain.top1 + 0.005);
    expect(corrected.balancedAccuracy).toBeGreaterThan(plain.balancedAccuracy + 0.005);
    expect(corrected.ece).toBeLessThan(plain.ece);
  }, 180_000);
});
