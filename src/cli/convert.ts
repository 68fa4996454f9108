// `edgeinfer convert`: ONNX, TFLite or TF.js layers model -> optimized, optionally quantized .eim file.
// Stages: read, import, optimize, quantize, write; one summary line on stdout when done. Every file
// named on the command line is read through node-file.ts (regular files, under a size cap). The output
// is written to a fresh temporary file beside it and renamed over it only when complete: a failure
// (disk full, a file-size limit, a kill) never destroys the previous output.
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { importOnnx } from '../convert/onnx.js';
import { importTfjsLayers } from '../convert/tfjs.js';
import { readTfjsLayersDir } from '../convert/tfjs-node.js';
import { importTflite } from '../convert/tflite/import.js';
import { labelLines } from '../convert/labels.js';
import { FILE_LIMITS, MiB, readRegularFile, readTextFile, replaceFile } from '../node-file.js';
import { writeEim } from '../format/writer.js';
import { quantizeWeights } from '../graph/quantize.js';
import { validatePreprocess as validateStoredPreprocess } from '../format/header-metadata.js';
import type { Graph, ImagePreprocess } from '../graph/ir.js';
import { optimize } from '../graph/optimize.js';
import { inferShapes } from '../graph/shapes.js';
import { validateGraph } from '../graph/validate.js';
import { sizeOf } from '../tensor.js';
import { validatePreprocess } from '../vision/preprocess.js';
import { IMAGENET_PREPROCESS } from '../vision/presets.js';
import { byteSizeOption, parseArgs, stringOption, UsageError, type OptionSpecs } from './args.js';
import { formatBytes, formatCount, formatDuration } from './format.js';
import { CliError, type CliIO } from './io.js';
import { Progress } from './progress.js';
import { sanitize } from './sanitize.js';

export const CONVERT_HELP = `Usage: edgeinfer convert IN -o OUT.eim [options]

Converts a model to the .eim format: imports it, optimizes the graph (folds BatchNorm, fuses
bias and activations, drops no-ops), stores the weights in the chosen precision.

IN is an ONNX file (.onnx), a TFLite file (.tflite), a TF.js layers model.json, or a directory
holding model.json and its weight files.

Options:
  -o, --output FILE     the .eim file to write (required)
  --weights f32|f16|int8  weight storage (default f32; int8 = per-output-channel scales)
  --labels FILE         class labels, one per line, stored in the model
  --name NAME           model name stored in the file (default: from the source model)
  --preprocess P        image preprocessing stored in the model, so classifiers need no setup:
                        'imagenet' (RGB, shorter side 256, centre crop 224, ImageNet mean/std)
                        or a JSON file with the ImagePreprocess fields (docs/format.md)
  --max-model-size SIZE refuse larger input models (the weights of a TF.js model together;
                        default 1G; K, M, G are 1024-based)
  -h, --help            show this help
`;

const SPECS: OptionSpecs = {
  output: { type: 'string', short: 'o' },
  weights: { type: 'string', choices: ['f32', 'f16', 'int8'] },
  labels: { type: 'string' },
  name: { type: 'string' },
  preprocess: { type: 'string' },
  'max-model-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** A preprocessing JSON file holds a dozen fields. */
const MAX_PREPROCESS_BYTES = MiB;

const STAGES = ['read', 'import', 'optimize', 'quantize', 'write'] as const;

type Source =
  | { kind: 'onnx'; bytes: Uint8Array }
  | { kind: 'tflite'; bytes: Uint8Array }
  | { kind: 'tfjs'; modelJson: unknown; weightData: Uint8Array };

export async function convertCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, SPECS, 'convert');
  if (args.options.help) { io.stdout.write(CONVERT_HELP); return 0; }
  if (args.positionals.length !== 1) {
    throw new UsageError(args.positionals.length === 0 ? 'missing input model' : `expected one input model, got ${args.positionals.length}`, 'convert');
  }
  const input = args.positionals[0];
  const output = stringOption(args, 'output');
  if (output === undefined) throw new UsageError('missing -o OUT.eim', 'convert');
  const weights = (stringOption(args, 'weights') ?? 'f32') as 'f32' | 'f16' | 'int8';
  const labelsPath = stringOption(args, 'labels');
  const name = stringOption(args, 'name');
  const preprocessArg = stringOption(args, 'preprocess');
  const maxModelBytes = byteSizeOption(args, 'max-model-size', 'convert') ?? FILE_LIMITS.model;

  const t0 = performance.now();
  const progress = new Progress(io.stderr, 'convert', STAGES);
  try {
    progress.stage('read');
    // Labels first: a typo in their path should not cost a whole conversion.
    const labels = labelsPath === undefined ? undefined : await readLabels(labelsPath);
    const preprocess = preprocessArg === undefined ? undefined : await readPreprocess(preprocessArg);
    const source = await readSource(input, maxModelBytes);
    await refuseOverwritingInput(output, sourceFiles(input, source));
    const inBytes = source.kind === 'tfjs' ? source.weightData.byteLength : source.bytes.byteLength;

    progress.stage('import');
    const defaultName = name ?? modelNameFromPath(input);
    let graph = source.kind === 'onnx' ? importOnnx(source.bytes, { name: defaultName })
      : source.kind === 'tflite' ? importTflite(source.bytes, { name: defaultName })
      : importTfjsLayers(source.modelJson, source.weightData, { name: defaultName });
    const importedOps = graph.nodes.length;

    progress.stage('optimize');
    graph = optimize(graph);

    progress.stage('quantize');
    graph = quantizeWeights(graph, weights);
    if (name !== undefined) graph.metadata.name = name;
    else graph.metadata.name ??= defaultName;
    if (labels) attachLabels(graph, labels, labelsPath!);
    if (preprocess) attachPreprocess(graph, preprocess, preprocessArg!);
    // Never write a file the runtime would reject.
    validateGraph(graph);

    progress.stage('write');
    const bytes = writeEim(graph);
    await writeOutput(output, bytes);
    progress.done();

    const params = countParams(graph);
    const ops = importedOps === graph.nodes.length ? `${graph.nodes.length} ops` : `${importedOps} -> ${graph.nodes.length} ops`;
    io.stdout.write(`wrote ${sanitize(output)} (${sanitize(graph.metadata.name ?? '')}): ${ops}, ${formatCount(params)} params (${weights}), `
      + `${formatBytes(inBytes)} -> ${formatBytes(bytes.byteLength)}, ${formatDuration(performance.now() - t0)}\n`);
    const note = missingMetadataNote(graph);
    if (note) io.stderr.write(`edgeinfer convert: note: ${note}\n`);
    return 0;
  } finally {
    progress.done();
  }
}

async function readSource(input: string, maxBytes: number): Promise<Source> {
  const st = await stat(input);
  if (st.isDirectory()) return readTfjs(input, maxBytes);
  const ext = extname(input).toLowerCase();
  if (ext === '.json') return readTfjsJson(input, maxBytes);
  const bytes = await readRegularFile(input, { maxBytes, raise: 'raise it with --max-model-size' });
  if (ext === '.onnx') return { kind: 'onnx', bytes };
  if (ext === '.tflite') return { kind: 'tflite', bytes };
  // Unknown extension: a TFLite FlatBuffer carries the identifier TFL3 at byte 4; a JSON document starts
  // with '{' (after optional whitespace); ONNX is binary protobuf.
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'TFL3') return { kind: 'tflite', bytes };
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b) return readTfjsJson(input, maxBytes);
  return { kind: 'onnx', bytes };
}

/** readTfjsLayersDir reads DIR/model.json and its shards, so a JSON path must be that file. */
function readTfjsJson(path: string, maxBytes: number): Promise<Source> {
  if (basename(path) !== 'model.json') {
    throw new CliError(`${path}: a TF.js layers model is read as model.json with its weight files; give its directory or model.json`);
  }
  return readTfjs(dirname(path), maxBytes);
}

async function readTfjs(dir: string, maxBytes: number): Promise<Source> {
  try {
    await stat(join(dir, 'model.json'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`${dir} has no model.json (expected a TF.js layers model directory)`);
    }
    throw e;
  }
  const { modelJson, weightData } = await readTfjsLayersDir(dir, { maxBytes });
  return { kind: 'tfjs', modelJson, weightData };
}

async function readLabels(path: string): Promise<string[]> {
  const labels = labelLines(await readTextFile(path, { maxBytes: FILE_LIMITS.text }));
  if (labels.length === 0) throw new CliError(`labels file ${path} has no labels`);
  const blank = labels.findIndex((l) => l.trim() === '');
  if (blank >= 0) throw new CliError(`labels file ${path}: line ${blank + 1} is blank`);
  return labels;
}

/** Checks the label count against the classes of the first output (its last dim at batch 1). */
function attachLabels(graph: Graph, labels: string[], path: string): void {
  const out = graph.outputs[0];
  if (out) {
    const shape = inferShapes(graph, 1).get(out.name);
    if (shape && shape.length > 0) {
      const classes = shape[shape.length - 1];
      if (classes !== labels.length) {
        throw new CliError(`labels file ${path} has ${labels.length} label${labels.length === 1 ? '' : 's'}, but output "${out.name}" has ${classes} classes`);
      }
    }
  }
  graph.metadata.labels = labels;
}

/** 'imagenet', or a JSON file checked exactly as the .eim reader checks the stored field. */
async function readPreprocess(arg: string): Promise<ImagePreprocess> {
  if (arg === 'imagenet') return IMAGENET_PREPROCESS;
  let json: unknown;
  try {
    json = JSON.parse(await readTextFile(arg, { maxBytes: MAX_PREPROCESS_BYTES }));
  } catch (e) {
    if (e instanceof SyntaxError) throw new CliError(`preprocess file ${arg} is not JSON: ${e.message}`);
    throw e;
  }
  const pre = validateStoredPreprocess(json, 'preprocess');
  validatePreprocess(pre);
  return pre;
}

/**
 * What an image model lacks for ImageClassifier and `edgeinfer classify` (ONNX and TF.js files never carry
 * preprocessing; TFLite files usually do), naming the flags that supply it; undefined when nothing is
 * missing or the input is no image.
 */
function missingMetadataNote(graph: Graph): string | undefined {
  const input = graph.inputs[0];
  const image = graph.inputs.length === 1 && input.shape.length === 4 && (input.shape[3] === 1 || input.shape[3] === 3);
  if (!image || graph.metadata.preprocess) return undefined;
  const [h, w, c] = input.shape.slice(1);
  const labels = graph.metadata.labels ? '' : '; class labels are missing too (--labels FILE, one per line), so results show class indices';
  return `the model has no image preprocessing metadata (normalisation mean/std, colour order, resize) for its ${w}x${h}x${c} input, `
    + `which ImageClassifier and edgeinfer classify need: convert again with --preprocess imagenet or --preprocess FILE.json `
    + `(the ImagePreprocess fields of docs/format.md)${labels}`;
}

/** The first input must take the images the preprocessing makes: [N, height, width, channels] in the IR. */
function attachPreprocess(graph: Graph, pre: ImagePreprocess, arg: string): void {
  const input = graph.inputs[0];
  const want = [pre.height, pre.width, pre.channels];
  if (!input || input.shape.length !== 4 || input.shape.slice(1).some((d, i) => d !== want[i])) {
    const got = input ? `input "${input.name}" is [${input.shape.join(',')}] (NHWC)` : 'the model has no inputs';
    throw new CliError(`--preprocess ${arg} makes ${pre.width}x${pre.height}x${pre.channels} images, but ${got}`);
  }
  graph.metadata.preprocess = pre;
}

/** The files a source was read from: the model file, or a TF.js model.json and its weight shards. */
function sourceFiles(input: string, source: Source): string[] {
  if (source.kind !== 'tfjs') return [input];
  const dir = basename(input) === 'model.json' ? dirname(input) : input;
  const files = [join(dir, 'model.json')];
  const manifest = (source.modelJson as { weightsManifest?: unknown }).weightsManifest;
  if (Array.isArray(manifest)) {
    for (const group of manifest) {
      const paths = (group as { paths?: unknown }).paths;
      if (Array.isArray(paths)) for (const p of paths) if (typeof p === 'string') files.push(join(dir, p));
    }
  }
  return files;
}

/** Refuses an output that is one of the inputs (same file: by device and inode, so links count too). */
async function refuseOverwritingInput(output: string, inputs: readonly string[]): Promise<void> {
  const out = await stat(output).catch(() => undefined);
  if (!out) return;
  for (const file of inputs) {
    const st = await stat(file).catch(() => undefined);
    if (st && st.dev === out.dev && st.ino === out.ino) {
      throw new CliError(`the output ${output} is the input ${file}; choose another -o path`);
    }
  }
}

function writeError(path: string, e: unknown, existed: boolean): CliError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' ? 'its directory does not exist' : err.code === 'EISDIR' ? 'it is a directory'
    : err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOSPC' ? 'no space left on the device'
    : err.code === 'EFBIG' ? 'the file is larger than this process may write (file-size limit)' : err.message;
  return new CliError(`cannot write ${path}: ${why}${existed ? `; the existing ${path} is unchanged` : ''}`, { cause: e });
}

/**
 * Writes `bytes` to `path` through replaceFile (flushed before the rename), so a failure leaves `path` as it
 * was. A symlink at `path` is followed, as writeFile would.
 */
export async function writeOutput(path: string, bytes: Uint8Array): Promise<void> {
  const target = await realpath(path).catch(() => resolve(path));
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw writeError(path, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), false);
  try {
    await replaceFile(target, bytes, { mode: 0o644, sync: true });
  } catch (e) {
    throw writeError(path, e, existing !== undefined);
  }
}

function modelNameFromPath(input: string): string {
  const base = basename(input.replace(/[\\/]+$/, ''));
  if (base === 'model.json') return basename(join(input, '..'));
  const ext = extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

export function countParams(graph: Graph): number {
  let n = 0;
  for (const c of graph.constants.values()) n += sizeOf(c.shape);
  return n;
}
