// `edgeinfer classify`: JPEG/PNG files (or every image in a directory) → top-k classes per image,
// with the backend and the time each image took; `--json` for scripts. An image that cannot be read
// or decoded is reported and skipped (exit code 1 at the end); the others are still classified. What a
// folder stands for (unsupported formats and symbolic links included) is image-folder.ts's.
// Labels, the model's name and file names are printed through sanitize.ts.
// --jobs N decodes in N worker threads (NodeImageClassifier.classifyFiles, node-pipeline.ts) with sharp where
// it is installed (--decoder to choose); without it, files are decoded one by one on the main thread by the
// built-in JPEG/PNG decoders, as before.
import { stat } from 'node:fs/promises';
import type { BackendName } from '../backends/backend.js';
import { InputError, ModelFormatError } from '../errors.js';
import type { Selection } from '../runtime/select.js';
import type { Classification } from '../vision/classifier.js';
import { DEFAULT_MODEL_PATH, NodeImageClassifier } from '../vision/node-classifier.js';
import { fillMissing, type FillPolicy } from '../vision/fill-missing.js';
import type { PixelImage } from '../vision/preprocess.js';
import { DECODER_CHOICES, readImageFile, resolveDecoder, type DecoderChoice, type DecoderName } from '../vision/node-image.js';
import { MAX_CONCURRENCY, type FileClassification } from '../vision/node-pipeline.js';
import { SHARP_FORMATS } from '../vision/node-sharp.js';
import { modelFileReader } from '../runtime/node-load.js';
import { nodeProviders, wantsWebgpu } from '../runtime/node-webgpu.js';
import { byteSizeOption, parseArgs, stringOption, UsageError, type OptionSpecs } from './args.js';
import { formatDuration } from './format.js';
import { listImageFolder, unsupportedFormat, type FolderEntry } from './image-folder.js';
import { CliError, type CliIO } from './io.js';
import { Progress } from './progress.js';
import { safeJson, sanitize } from './sanitize.js';

const BACKENDS: readonly string[] = ['auto', 'webgpu', 'wasm', 'js'];

export const CLASSIFY_HELP = `Usage: edgeinfer classify IMAGE|DIR... [options]

Classifies JPEG or PNG images and prints the top classes of each with their scores, the
backend, and the time per image. A directory stands for every .jpg, .jpeg and .png file
directly in it, in name order (not its subdirectories). Other image files there (.webp,
.gif, .bmp, .tif, .tiff, .avif, .heic, .heif) get one "unsupported format" line each.
Symbolic links are followed, inside or outside the directory, when they resolve to a
regular file; any other link is reported as skipped. Each file not classified makes the
exit code 1.

With --jobs N, N worker threads read, decode and resize the images while the model runs,
and the decoder is sharp where it is installed (npm install sharp): it shrinks JPEGs on
load and also decodes WebP and AVIF (HEIC where its libvips has an HEVC decoder), which
are then classified instead of reported.

Options:
  -m, --model FILE      the .eim model (default: the bundled MobileNetV2, ImageNet 1000 classes,
                        models/mobilenetv2-12-int8.eim)
  -b, --backend B       ${BACKENDS.join('|')} (default auto: the fastest that runs the model
                        here, measured once per model and device and remembered). WebGPU
                        needs the optional package \`webgpu\` (and a Vulkan driver: see README)
  -k, --top K           classes per image (default 5)
  -j, --jobs N          decode in N worker threads (1-${MAX_CONCURRENCY}) while the model runs; without
                        it, images are decoded one at a time on the main thread (JPEG, PNG)
  --decoder D           with --jobs: ${DECODER_CHOICES.join('|')} (default auto: sharp where installed, else
                        the built-in JPEG/PNG decoders)
  --background B        what the model sees where a PNG is transparent: white, black, R,G,B or
                        #rrggbb (composited), mean (the model's mean colour) or edge (the colour of
                        the nearest opaque pixel). Without it the hidden colours show, as when a
                        training pipeline drops alpha, and a note names the image
  -v, --verbose         also print each image's decoder and decode time, and images per second
  --json                print one JSON document instead of text
  --max-model-size SIZE refuse larger model files (default 1G; K, M, G are 1024-based)
  -h, --help            show this help
`;

const SPECS: OptionSpecs = {
  model: { type: 'string', short: 'm' },
  backend: { type: 'string', short: 'b', choices: BACKENDS },
  top: { type: 'string', short: 'k' },
  json: { type: 'boolean' },
  jobs: { type: 'string', short: 'j' },
  decoder: { type: 'string', choices: DECODER_CHOICES },
  verbose: { type: 'boolean', short: 'v' },
  background: { type: 'string' },
  'max-model-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const STAGES = ['load', 'classify'] as const;

/** One image's outcome in --json output: `top` when it was classified, `error` when not. */
export interface ImageReport {
  file: string;
  width?: number;
  height?: number;
  /** The decoder that ran: 'sharp' or 'js' (jpeg-js, our PNG decoder). */
  decoder?: DecoderName;
  /** Reading and decoding the file (JPEG/PNG → pixels); with --jobs in its worker thread. */
  decodeMs?: number;
  /** With --jobs: resizing and normalising into the model's input, in the worker thread. */
  preprocessMs?: number;
  /** Preprocessing and the model run: the time the backend is responsible for. */
  classifyMs?: number;
  top?: Classification[];
  error?: string;
}

export interface ClassifyReport {
  model: string;
  modelFile: string;
  backend: BackendName;
  /** How the backend was chosen: 'explicit' (--backend NAME), 'auto' (timed trial now) or 'cached'. */
  backendChoice: Selection['mode'];
  /** On webgpu: the adapter (adapterDescription) and whether it is a software one (SwiftShader, llvmpipe...). */
  adapter?: { description: string; software: boolean };
  /** Decode worker threads (--jobs); 0 when images were decoded on the main thread. */
  jobs: number;
  /** The decoder chosen for the run (each image also names the one that ran). */
  decoder: DecoderName;
  /** Images classified per second, from the first image read to the last one ranked. */
  imagesPerSecond: number;
  images: ImageReport[];
}

export async function classifyCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, SPECS, 'classify');
  if (args.options.help) { io.stdout.write(CLASSIFY_HELP); return 0; }
  if (args.positionals.length === 0) throw new UsageError('missing images to classify', 'classify');
  const topText = stringOption(args, 'top');
  const top = topText === undefined ? 5 : Number(topText);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`option --top must be a positive integer, got "${topText}"`, 'classify');
  const modelFile = stringOption(args, 'model') ?? DEFAULT_MODEL_PATH;
  const backend = (stringOption(args, 'backend') ?? 'auto') as BackendName | 'auto';
  const json = args.options.json === true;
  const verbose = args.options.verbose === true;
  const jobsText = stringOption(args, 'jobs');
  const jobs = jobsText === undefined ? 0 : Number(jobsText);
  if (jobsText !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= MAX_CONCURRENCY)) {
    throw new UsageError(`option --jobs must be an integer from 1 to ${MAX_CONCURRENCY}, got "${jobsText}"`, 'classify');
  }
  const decoderChoice = stringOption(args, 'decoder') as DecoderChoice | undefined;
  if (decoderChoice !== undefined && !jobs) throw new UsageError('option --decoder needs --jobs N (without it, images are decoded on the main thread by the built-in decoders)', 'classify');
  // Before the model loads: --decoder sharp without sharp installed is refused at once.
  const decoder = jobs ? resolveDecoder(decoderChoice) : 'js';
  const maxModelBytes = byteSizeOption(args, 'max-model-size', 'classify');
  const background = backgroundOption(stringOption(args, 'background'));
  if (background && jobs) throw new UsageError('option --background works without --jobs (the worker threads drop alpha)', 'classify');

  // Listing first: a mistyped path should not wait for a model to load.
  const files = (await Promise.all(args.positionals.map(expand))).flat();
  const progress = new Progress(io.stderr, 'classify', STAGES);
  let classifier: NodeImageClassifier | undefined;
  try {
    progress.stage('load');
    classifier = await openModel(modelFile, modelFile === DEFAULT_MODEL_PATH, backend, io.env, maxModelBytes);
    const adapter = classifier.selection?.adapter;
    const report: ClassifyReport = {
      model: classifier.classifier.session.graph.metadata.name ?? modelFile,
      modelFile,
      backend: classifier.backend,
      backendChoice: classifier.selection?.mode ?? 'explicit',
      ...(adapter ? { adapter } : {}),
      jobs,
      decoder,
      imagesPerSecond: 0,
      images: [],
    };
    progress.stage('classify');
    progress.done();
    if (!json) io.stdout.write(`model ${sanitize(report.model)} (${classifier.classes} classes) on backend ${report.backend}${adapterNote(adapter)}${choiceNote(classifier.selection)}\n`);
    if (!json && verbose) io.stdout.write(jobs ? `decoding in ${jobs} worker thread${jobs === 1 ? '' : 's'} with ${decoder}\n` : 'decoding on the main thread with js\n');
    const show = (r: ImageReport, i: number) => {
      report.images.push(r);
      progress.done();
      if (r.error !== undefined) io.stderr.write(`edgeinfer: ${sanitize(r.error)}\n`);
      else if (!json) io.stdout.write(renderImage(r, verbose));
      progress.update((i + 1) / files.length);
    };
    const t0 = performance.now();
    if (jobs) await classifyInWorkers(classifier, files, { jobs, decoder, top }, show);
    else {
      for (const [i, entry] of files.entries()) {
        const r = entry.refused !== undefined ? { file: entry.file, error: entry.refused } : await classifyFile(classifier, entry.file, top, background);
        if (r.transparent && !background) io.stderr.write(`edgeinfer: note: ${sanitize(entry.file)} has transparent pixels, classified as their hidden colours; --background white|mean|edge|R,G,B chooses what the model sees there\n`);
        delete r.transparent;
        show(r, i);
      }
    }
    const classified = report.images.filter((r) => r.top !== undefined).length;
    report.imagesPerSecond = classified ? Math.round(classified / ((performance.now() - t0) / 1000) * 100) / 100 : 0;
    progress.done();
    if (json) io.stdout.write(`${safeJson(report, 2)}\n`);
    else io.stdout.write(summary(report) + (verbose ? `${report.imagesPerSecond} images/s\n` : ''));
    return report.images.some((r) => r.error !== undefined) ? 1 : 0;
  } finally {
    progress.done();
    classifier?.dispose();
  }
}

/** Why this backend, when it was not named: the trial times of the candidates, or the cached decision. */
export function choiceNote(selection: Selection | undefined): string {
  if (!selection || selection.mode === 'explicit') return '';
  if (selection.mode === 'cached') return ' (auto: remembered choice)';
  const timed = selection.candidates.filter((c) => c.medianMs !== undefined).map((c) => `${c.name} ${formatDuration(c.medianMs!)}`);
  return ` (auto${timed.length > 1 ? `: ${timed.join(', ')} per run` : ''})`;
}

function adapterNote(adapter: ClassifyReport['adapter']): string {
  return adapter ? ` [${sanitize(adapter.description)}${adapter.software ? ', software adapter' : ''}]` : '';
}

/** WebGPU, where the backend may be it, from the `webgpu` package (node-webgpu.ts; EDGEINFER_NO_NODE_WEBGPU=1 in `env` hides it). */
export async function openModel(file: string, isDefault: boolean, backend: BackendName | 'auto', env: CliIO['env'], maxModelBytes: number | undefined): Promise<NodeImageClassifier> {
  try {
    return await NodeImageClassifier.create(file, {
      backend,
      providers: wantsWebgpu(backend) ? nodeProviders(env) : undefined,
      readFile: maxModelBytes === undefined ? undefined : modelFileReader(maxModelBytes),
    });
  } catch (e) {
    if (isDefault && e instanceof ModelFormatError && /ENOENT/.test(e.message)) {
      throw new CliError(`the default model ${file} is missing: rebuild it with \`npx tsx scripts/make-default-model.ts\` or pass --model FILE`, { cause: e });
    }
    throw e;
  }
}

/** A file stays itself (its type is checked when decoding); a directory becomes its image files. */
async function expand(path: string): Promise<FolderEntry[]> {
  const st = await stat(path);
  if (!st.isDirectory()) return [{ file: path }];
  const entries = await listImageFolder(path);
  if (entries.length === 0) throw new CliError(`${path} has no image files (.jpg, .jpeg or .png)`);
  return entries;
}

/** --background: a colour ('white', 'black', 'R,G,B', '#rrggbb') or a fill policy ('mean', 'edge'). */
function backgroundOption(text: string | undefined): FillPolicy | undefined {
  if (text === undefined) return undefined;
  const named: Record<string, FillPolicy> = { white: [255, 255, 255], black: [0, 0, 0], mean: 'mean', edge: 'edge' };
  if (named[text]) return named[text];
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text);
  const rgb = hex ? hex.slice(1).map((h) => parseInt(h, 16)) : text.split(',').map((v) => (/^\s*\d{1,3}\s*$/.test(v) ? Number(v) : NaN));
  if (rgb.length !== 3 || !rgb.every((v) => v <= 255)) {
    throw new UsageError(`option --background must be white, black, mean, edge, R,G,B (0-255) or #rrggbb, got "${text}"`, 'classify');
  }
  return rgb as [number, number, number];
}

/** Whether an RGBA image has a pixel that is not opaque: its alpha bytes only, stopping at the first. */
function hasTransparency(image: PixelImage): boolean {
  if (image.format !== 'RGBA') return false;
  for (let i = 3; i < image.data.length; i += 4) if (image.data[i] < 255) return true;
  return false;
}

async function classifyFile(classifier: NodeImageClassifier, file: string, top: number, background: FillPolicy | undefined): Promise<ImageReport & { transparent?: boolean }> {
  const t0 = performance.now();
  let image: PixelImage;
  try {
    image = await readImageFile(file);
  } catch (e) {
    if (e instanceof InputError) return { file, error: unsupportedFormat(e, file).message };
    throw e;
  }
  const transparent = hasTransparency(image);
  if (transparent && background) image = fillMissing(image, { fill: background, preprocess: classifier.classifier.preprocess });
  const t1 = performance.now();
  const result = await classifier.classifier.classify(image, { topK: top });
  const t2 = performance.now();
  return { file, width: image.width, height: image.height, decoder: 'js', decodeMs: round(t1 - t0), classifyMs: round(t2 - t1), top: result, ...(transparent ? { transparent } : {}) };
}

/**
 * --jobs: the files through classifyFiles; each report is shown in input order as soon as the files before it
 * are done (refused folder entries take their place without a worker).
 */
async function classifyInWorkers(classifier: NodeImageClassifier, files: readonly FolderEntry[], run: { jobs: number; decoder: DecoderName; top: number }, show: (r: ImageReport, i: number) => void): Promise<void> {
  const slots: (ImageReport | undefined)[] = files.map((e) => (e.refused !== undefined ? { file: e.file, error: e.refused } : undefined));
  const indexOf = files.flatMap((e, i) => (e.refused === undefined ? [i] : []));
  let shown = 0;
  const flush = () => {
    while (shown < files.length && slots[shown]) { show(slots[shown]!, shown); shown++; }
  };
  flush();
  await classifier.classifyFiles(indexOf.map((i) => files[i].file), {
    concurrency: run.jobs, decoder: run.decoder, topK: run.top,
    onProgress: ({ index, result }) => { slots[indexOf[index]] = fileReport(result); flush(); },
  });
  flush();
}

function fileReport(r: FileClassification): ImageReport {
  const { file, width, height, decoder, decodeMs, preprocessMs, classifyMs, top } = r;
  if (r.error) return { file, error: (r.error instanceof InputError ? unsupported(r.error, file) : r.error).message };
  return { file, width, height, decoder, decodeMs, preprocessMs, classifyMs, top };
}

/** unsupportedFormat's one clear line, also for what sharp does not decode. */
function unsupported(e: InputError, file: string): InputError {
  if (e.expected !== SHARP_FORMATS || e.received === undefined || !/^[A-Z][A-Za-z/]+$/.test(e.received)) return unsupportedFormat(e, file);
  return new InputError(`${file}: unsupported format ${e.received} (edgeinfer decodes ${SHARP_FORMATS.replace(' or ', ' and ')} with sharp; convert it to one of them)`, {}, { cause: e });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function formatScore(score: number): string {
  if (score >= 0.001 || score === 0) return `${(score * 100).toFixed(1)} %`;
  return '<0.1 %';
}

const MAX_LABEL = 40;

function renderImage(r: ImageReport, verbose: boolean): string {
  const decoded = verbose ? `  (${r.decoder} decode ${formatDuration(r.decodeMs!)}${r.preprocessMs === undefined ? '' : `, preprocess ${formatDuration(r.preprocessMs)}`})` : '';
  const lines = [`${sanitize(r.file)}  ${r.width}x${r.height}  ${formatDuration(r.classifyMs!)}${decoded}`];
  const labels = r.top!.map((c) => sanitize(c.label)).map((l) => (l.length > MAX_LABEL ? `${l.slice(0, MAX_LABEL - 1)}…` : l));
  const width = Math.max(0, ...labels.map((l) => l.length));
  r.top!.forEach((c, i) => lines.push(`  ${labels[i].padEnd(width)}  ${formatScore(c.score).padStart(7)}  #${c.index}`));
  return `${lines.join('\n')}\n`;
}

function summary(report: ClassifyReport): string {
  const done = report.images.filter((r) => r.classifyMs !== undefined);
  const failed = report.images.length - done.length;
  const per = done.length ? done.reduce((s, r) => s + r.classifyMs!, 0) / done.length : 0;
  const failures = failed ? `, ${failed} not classified (each named on stderr)` : '';
  return `${done.length} image${done.length === 1 ? '' : 's'} classified on ${report.backend}${done.length ? `, ${formatDuration(per)} per image` : ''}${failures}\n`;
}
