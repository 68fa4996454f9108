// `edgeinfer calibrate MODEL.eim --data DATA [LABELS] -o OUT.eim`: fits temperature scaling (and with
// --bias, per-class bias terms) on a labelled set, on the model's uncalibrated scores, and writes a copy
// of the model whose metadata carries it (format 1.2); the classifiers apply it from then on. Prints the
// temperature, and the NLL and ECE on the fitting set before and after.
import type { Calibration } from '../graph/ir.js';
import { readEimFile } from '../format/node.js';
import { writeEim } from '../format/writer.js';
import { applyCalibration, fitCalibration, withCalibration } from '../trust/calibrate.js';
import { scoreSet, type Evaluable } from '../trust/evaluate.js';
import { computeMetrics } from '../trust/evaluate-metrics.js';
import { parseArgs, stringOption, UsageError, type OptionSpecs } from './args.js';
import { writeOutput } from './convert.js';
import { DATA_SPECS, numberList, openData } from './eval.js';
import type { CliIO } from './io.js';
import { Progress } from './progress.js';
import { safeJson } from './sanitize.js';
import { formatPercent } from './format.js';

export const CALIBRATE_HELP = `Usage: edgeinfer calibrate MODEL.eim --data DATA [LABELS] -o OUT.eim [options]

Fits temperature scaling on a labelled set (a folder of class folders, a CSV of path,label, or IDX
values and labels files, as for eval) by minimising the negative log-likelihood, and writes a copy
of the model with it in its metadata. The classifiers then apply it to every score (softmax of
logits / temperature); the ranking, hence the accuracy, does not change. The model's own
calibration, if any, is ignored while fitting and replaced.

Options:
  --data DATA           the labelled set (an IDX labels file follows as a second argument)
  -o, --output FILE     the calibrated .eim to write
  --bias                also fit one bias term per class (this can change the ranking)
  --thresholds T        also store per-class least top scores (comma-separated)
  -b, --backend B       auto|webgpu|wasm|js (default auto)
  --range A:B           fit on samples A to B-1 only
  --scale S             as for eval
  --batch N             samples per model run (default 32)
  --json                print the result as JSON
  --max-model-size SIZE refuse larger model files (default 1G)
  -h, --help            show this help
`;

const SPECS: OptionSpecs = {
  ...DATA_SPECS,
  data: { type: 'string' },
  output: { type: 'string', short: 'o' },
  bias: { type: 'boolean' },
  thresholds: { type: 'string' },
  json: { type: 'boolean' },
};

export interface CalibrateResult {
  readonly model: string;
  readonly output: string;
  readonly samples: number;
  readonly calibration: Calibration;
  readonly nll: { readonly before: number; readonly after: number };
  readonly ece: { readonly before: number; readonly after: number };
  readonly accuracy: { readonly before: number; readonly after: number };
}

export async function calibrateCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, SPECS, 'calibrate');
  if (args.options.help) { io.stdout.write(CALIBRATE_HELP); return 0; }
  const [modelFile, labelsFile, ...more] = args.positionals;
  const data = stringOption(args, 'data');
  const output = stringOption(args, 'output');
  if (!modelFile || more.length > 0) throw new UsageError('calibrate takes one model file (and, for IDX data, the labels file after --data)', 'calibrate');
  if (data === undefined) throw new UsageError('missing --data (the labelled set to fit on)', 'calibrate');
  if (output === undefined) throw new UsageError('missing -o/--output (the calibrated model to write)', 'calibrate');
  const thresholdsText = stringOption(args, 'thresholds');
  const thresholds = thresholdsText === undefined ? undefined : numberList(thresholdsText, 'thresholds', 'calibrate');
  const progress = new Progress(io.stderr, 'calibrate', ['load', 'classify', 'fit']);
  const graph = await readEimFile(modelFile);
  progress.stage('load');
  const opened = await openData({ ...args, options: { ...args.options, model: modelFile } }, labelsFile ? [data, labelsFile] : [data], 'calibrate', io, { calibration: false });
  try {
    if (thresholds && thresholds.length !== opened.classifier.classes) {
      throw new UsageError(`option --thresholds needs ${opened.classifier.classes} numbers, got ${thresholds.length}`, 'calibrate');
    }
    progress.stage('classify');
    const classifier = opened.classifier as Evaluable<unknown>;
    const scores = await scoreSet(classifier, opened.set, { onProgress: (done, total) => progress.update(done / total) });
    progress.stage('fit');
    const { classes } = classifier;
    const { labels } = opened.set;
    const fit = fitCalibration(scores, labels, classes, { bias: args.options.bias === true });
    const before = computeMetrics(scores, labels, classes);
    const after = computeMetrics(applyCalibration(scores, classes, fit.calibration), labels, classes);
    await writeOutput(output, writeEim(withCalibration(graph, fit.calibration, thresholds)));
    progress.done();
    const result: CalibrateResult = {
      model: modelFile, output, samples: labels.length, calibration: fit.calibration,
      nll: { before: fit.nllBefore, after: fit.nllAfter }, ece: { before: before.ece, after: after.ece }, accuracy: { before: before.top1, after: after.top1 },
    };
    io.stdout.write(args.options.json ? `${safeJson(result, 2)}\n` : renderResult(result));
    return 0;
  } finally {
    progress.done();
    opened.dispose();
  }
}

function renderResult(r: CalibrateResult): string {
    return [
    `fitted on ${r.samples} samples: temperature ${r.calibration.temperature.toFixed(4)}${r.calibration.bias ? ', per-class bias' : ''}`,
    `NLL       ${r.nll.before.toFixed(4)} -> ${r.nll.after.toFixed(4)}`,
    `ECE       ${formatPercent(r.ece.before)} -> ${formatPercent(r.ece.after)} (on the fitting set)`,
    `accuracy  ${formatPercent(r.accuracy.before)} -> ${formatPercent(r.accuracy.after)}`,
    `wrote ${r.output}`,
  ].join('\n') + '\n';
}
