// `edgeinfer eval DATA`: runs a labelled set (class folders, a CSV of path,label, or IDX values + labels)
// through a model and prints top-1/top-5 accuracy, balanced accuracy, per-class precision/recall/F1, the
// confusion matrix, the expected calibration error and the throughput; `--json` for scripts, `--html FILE`
// for a self-contained report. Image models (input [n, H, W, C]) and sequence models ([n, steps, features]).
import { writeFile } from 'node:fs/promises';
import type { BackendName } from '../backends/backend.js';
import type { ImagePreprocess } from '../graph/ir.js';
import { load } from '../runtime/node-load.js';
import type { LoadedModel } from '../runtime/load.js';
import { nodeProviders, wantsWebgpu } from '../runtime/node-webgpu.js';
import { evaluate, type EvaluateOptions, type Evaluable, type EvaluationReport, type LabelledSet } from '../trust/evaluate.js';
import { imageSet, readLabelledData, sequenceSet, type LabelledData } from '../trust/evaluate-data.js';
import { reportHtml } from '../trust/report-html.js';
import { ImageClassifier, type ClassifierOptions } from '../vision/classifier.js';
import { DEFAULT_MODEL_PATH } from '../vision/node-classifier.js';
import { preprocessImage } from '../vision/preprocess-tensors.js';
import { SequenceClassifier } from '../vision/sequence-classifier.js';
import { byteSizeOption, parseArgs, stringOption, UsageError, type OptionSpecs, type ParsedArgs } from './args.js';
import { formatPercent, formatTable } from './format.js';
import type { CliIO } from './io.js';
import { Progress } from './progress.js';
import { safeJson, sanitize } from './sanitize.js';

const BACKENDS: readonly string[] = ['auto', 'webgpu', 'wasm', 'js'];

export const EVAL_HELP = `Usage: edgeinfer eval DATA [LABELS] [options]

Measures a model on a labelled set: top-1 and top-5 accuracy, balanced accuracy, per-class
precision, recall and F1, the confusion matrix, the expected calibration error (15 bins) and the
throughput. DATA is one of
  a folder of class folders   DIR/<label>/<image>.png|.jpg (a folder is named by the class's label,
                              its index, or the label with '/' written '_')
  a CSV file                  path,label rows; paths relative to the CSV and inside its folder
  IDX values and labels       e.g. t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz (u8 or f32
                              values [n, H, W(, C)] or [n, steps, features]; u8 labels [n]; .gz or not)
Image and sequence models both work; a sequence model takes IDX data.

Options:
  -m, --model FILE      the .eim model (default: the bundled MobileNetV2)
  -b, --backend B       ${BACKENDS.join('|')} (default auto)
  --range A:B           only samples A to B-1 (0-based)
  --priors P            re-weight the scores to deployment priors: 'estimate' (EM on this set's
                        scores, its labels unused) or one number per class, comma-separated
  --train-priors P      the class frequencies the model was trained on (comma-separated, e.g. its
                        training set's counts; default: equal), for --priors
  --thresholds T        per-class least top score (comma-separated); below it: "unknown"
  --no-calibration      ignore the model's calibration
  --scale S             IDX values are multiplied by S for a sequence model, or become the scale of
                        an image model without preprocessing metadata (default 1/255 for u8)
  --batch N             samples per model run (default 32)
  --json                print one JSON document instead of text
  --html FILE           also write a self-contained HTML report (confusion matrix, reliability diagram)
  --max-model-size SIZE refuse larger model files (default 1G)
  -h, --help            show this help
`;

export const DATA_SPECS: OptionSpecs = {
  model: { type: 'string', short: 'm' },
  backend: { type: 'string', short: 'b', choices: BACKENDS },
  range: { type: 'string' },
  scale: { type: 'string' },
  batch: { type: 'string' },
  'max-model-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const SPECS: OptionSpecs = {
  ...DATA_SPECS,
  priors: { type: 'string' },
  'train-priors': { type: 'string' },
  thresholds: { type: 'string' },
  'no-calibration': { type: 'boolean' },
  json: { type: 'boolean' },
  html: { type: 'string' },
};

/** A comma-separated list of numbers, or a UsageError naming the option. */
export function numberList(text: string, option: string, command: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v)) || text.trim() === '') throw new UsageError(`option --${option} must be comma-separated numbers, got "${text}"`, command);
  return values;
}

function positiveNumber(args: ParsedArgs, name: string, command: string, integer: boolean): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const v = /^\s*1\s*\/\s*(\d+(\.\d+)?)\s*$/.test(text) ? 1 / Number(text.split('/')[1]) : Number(text);
  if (!(v > 0 && v < Infinity) || (integer && !Number.isSafeInteger(v))) throw new UsageError(`option --${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`, command);
  return v;
}

/** A model opened as the classifier its input calls for, with the labelled set it reads. */
export interface OpenedData {
  readonly classifier: (ImageClassifier | SequenceClassifier) & Evaluable<unknown>;
  readonly set: LabelledSet<unknown>;
  readonly modelName: string;
  readonly samples: number;
  /** Releases the classifier and the model. */
  dispose(): void;
}

/**
 * What eval and calibrate share: the model (file, backend, size limit, batch), the set (paths, --range,
 * --scale), opened as an ImageClassifier (rank-4 input) or a SequenceClassifier (rank 3).
 */
export async function openData(args: ParsedArgs, paths: readonly string[], command: string, io: CliIO, extra: ClassifierOptions = {}): Promise<OpenedData> {
  const modelFile = stringOption(args, 'model') ?? DEFAULT_MODEL_PATH;
  const backend = (stringOption(args, 'backend') ?? 'auto') as BackendName | 'auto';
  const scale = positiveNumber(args, 'scale', command, false);
  const maxBatch = positiveNumber(args, 'batch', command, true) ?? 32;
  const range = stringOption(args, 'range');
  const m = range === undefined ? undefined : /^(\d+):(\d+)$/.exec(range);
  if (range !== undefined && (!m || Number(m[1]) >= Number(m[2]))) throw new UsageError(`option --range must be A:B with A < B, got "${range}"`, command);
  const maxModelBytes = byteSizeOption(args, 'max-model-size', command);
  const model: LoadedModel = await load(modelFile, {
    backend, maxModelBytes, providers: wantsWebgpu(backend) ? nodeProviders(io.env) : undefined,
  });
  try {
    const { graph } = model;
    const input = graph.inputs[0];
    const names = { classes: model.outputs[0]?.shape.slice(1).reduce((a, b) => a * b, 1) ?? 0, labels: graph.metadata.labels };
    const full = await readLabelledData(paths, names);
    const data = m ? sliceData(full, Number(m[1]), Number(m[2]), command) : full;
    const options = { ...extra, maxBatch };
    const name = graph.metadata.name ?? modelFile;
    if (input?.shape.length === 3) {
      const classifier = await SequenceClassifier.create(model, options);
      const set = sequenceSet(data, scale ?? (data.kind === 'arrays' && data.values instanceof Float32Array ? 1 : 1 / 255));
      return { classifier, set, modelName: name, samples: data.labels.length, dispose: () => { classifier.dispose(); model.dispose(); } };
    }
    const preprocess = graph.metadata.preprocess ? undefined : defaultPreprocess(input?.shape ?? [], scale);
    const classifier = await ImageClassifier.create(model, { ...options, ...(preprocess ? { preprocess } : {}) });
    // Decoded photos become the model's input tensor at once: a chunk holds tensors, not megapixel images.
    const set = imageSet(data, (image) => preprocessImage(image, classifier.preprocess));
    return { classifier, set, modelName: name, samples: data.labels.length, dispose: () => { classifier.dispose(); model.dispose(); } };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** For a model without preprocessing metadata (e.g. one imported from TF.js): pixels × scale, no resize. */
function defaultPreprocess(shape: readonly number[], scale = 1 / 255): ImagePreprocess | undefined {
  const [, height, width, channels] = shape;
  if (shape.length !== 4 || (channels !== 1 && channels !== 3)) return undefined;
  return {
    width, height, channels, colorOrder: channels === 1 ? 'GRAY' : 'RGB', scale,
    mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1), resize: 'stretch', crop: 'none',
  };
}

function sliceData(data: LabelledData, start: number, end: number, command: string): LabelledData {
  const n = data.labels.length;
  if (end > n) throw new UsageError(`option --range ${start}:${end} goes past the set's ${n} samples`, command);
  const labels = data.labels.subarray(start, end);
  if (data.kind === 'files') return { ...data, files: data.files.slice(start, end), labels };
  const size = data.shape.reduce((a, d) => a * d, 1);
  return { ...data, values: data.values.subarray(start * size, end * size), labels };
}


/** The text report: summary lines, the per-class table and the confusion matrix. */
export function renderReport(report: EvaluationReport, modelName: string): string {
  const lines = [
    `model ${sanitize(modelName)} on ${report.backend}: ${report.samples} samples, ${report.samplesPerSecond.toFixed(1)} per second`,
    `top-1 accuracy     ${formatPercent(report.top1)}`,
    `top-5 accuracy     ${formatPercent(report.top5)}`,
    `balanced accuracy  ${formatPercent(report.balancedAccuracy)}`,
    `macro F1           ${formatPercent(report.macroF1)}`,
    `ECE (${report.bins.length} bins)      ${formatPercent(report.ece)}   NLL ${report.nll.toFixed(4)}`,
  ];
  if (report.calibration) lines.push(`calibration        temperature ${report.calibration.temperature.toFixed(4)}${report.calibration.bias ? ' + per-class bias' : ''}`);
  if (report.priorCorrection) lines.push(`priors (${report.priorCorrection.estimated ? 'estimated' : 'given'})   ${report.priorCorrection.priors.map((p) => p.toFixed(3)).join(' ')}`);
  if (report.unknown) lines.push(`unknown            ${report.unknown.count} (${formatPercent(1 - report.unknown.coverage)}); accuracy on the rest ${formatPercent(report.unknown.accuracy)}`);
  const labels = report.labels.map((l) => sanitize(l));
  const perClass = formatTable(['#', 'label', 'support', 'precision', 'recall', 'F1'],
    report.perClass.map((c) => [String(c.index), labels[c.index], String(c.support), formatPercent(c.precision), formatPercent(c.recall), formatPercent(c.f1)]),
    ['right', 'left', 'right', 'right', 'right', 'right']);
  let out = `${lines.join('\n')}\n\n${perClass}`;
  if (report.classes <= 30) {
    const confusion = formatTable(['true \\ predicted', ...report.labels.map((_, i) => String(i))],
      report.confusion.map((row, t) => [`${t} ${labels[t]}`.slice(0, 24), ...row.map(String)]), ['left', ...report.labels.map(() => 'right' as const)]);
    out += `\n${confusion}`;
  }
  return out;
}

export async function evalCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, SPECS, 'eval');
  if (args.options.help) { io.stdout.write(EVAL_HELP); return 0; }
  if (args.positionals.length === 0 || args.positionals.length > 2) throw new UsageError('eval takes a folder, a CSV file, or IDX values and labels files', 'eval');
  const priorsText = stringOption(args, 'priors');
  const priors = priorsText === undefined ? undefined : priorsText === 'estimate' ? 'estimate' as const : numberList(priorsText, 'priors', 'eval');
  const trainText = stringOption(args, 'train-priors');
  const trainPriors = trainText === undefined ? undefined : numberList(trainText, 'train-priors', 'eval');
  if (trainPriors && !priors) throw new UsageError('option --train-priors goes with --priors', 'eval');
  const thresholdsText = stringOption(args, 'thresholds');
  const thresholds = thresholdsText === undefined ? undefined : numberList(thresholdsText, 'thresholds', 'eval');
  const html = stringOption(args, 'html');
  const progress = new Progress(io.stderr, 'eval', ['load', 'classify']);
  let opened: OpenedData | undefined;
  try {
    progress.stage('load');
    opened = await openData(args, args.positionals, 'eval', io, args.options['no-calibration'] ? { calibration: false } : {});
    progress.stage('classify');
    const options: EvaluateOptions = { priors, trainPriors, thresholds, onProgress: (done, total) => progress.update(done / total) };
    const { report } = await evaluate(opened.classifier as Evaluable<unknown>, opened.set, options);
    progress.done();
    if (html !== undefined) await writeFile(html, reportHtml(report, `${opened.modelName}: ${args.positionals.join(' ')}`));
    io.stdout.write(args.options.json ? `${safeJson({ model: opened.modelName, data: args.positionals, ...report }, 2)}\n` : renderReport(report, opened.modelName));
    return 0;
  } finally {
    progress.done();
    opened?.dispose();
  }
}
