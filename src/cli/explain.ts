// `edgeinfer explain IMAGE`: where in the photo the model found the evidence for a class (its top class, or
// --class), as a PNG of the photo with the heatmap over it and a colour bar along the bottom (-o), and/or the
// raw map as JSON (--json, on stdout). Labels and the model's name are printed through sanitize.ts.
import type { BackendName } from '../backends/backend.js';
import { replaceFile } from '../node-file.js';
import { DEFAULT_MODEL_PATH, type NodeImageClassifier } from '../vision/node-classifier.js';
import { readImageFile } from '../vision/node-image.js';
import { explain } from '../trust/explain.js';
import { heatmapPng } from '../trust/heatmap-png.js';
import { byteSizeOption, parseArgs, stringOption, UsageError, type OptionSpecs } from './args.js';
import { openModel } from './classify.js';
import { formatDuration } from './format.js';
import type { CliIO } from './io.js';
import { safeJson, sanitize } from './sanitize.js';

const BACKENDS: readonly string[] = ['auto', 'webgpu', 'wasm', 'js'];
const METHODS: readonly string[] = ['auto', 'cam', 'occlusion'];

export const EXPLAIN_HELP = `Usage: edgeinfer explain IMAGE -o HEAT.png [options]

Shows where in a JPEG or PNG image the model found the evidence for a class: the image
with a heatmap over it (blue: little, red: most evidence; a colour bar along the bottom).
'cam' (class activation map) takes one model run and needs a model that ends in global
average pooling + dense (MobileNetV2 does); 'occlusion' works for any model and takes one
run per patch position.

Options:
  -o, --output FILE     write the overlay PNG here
  --json                print the raw map as JSON (width, height, data row by row, ...)
  -m, --model FILE      the .eim model (default: the bundled MobileNetV2, ImageNet)
  -c, --class C         the class to explain: a label or an index (default: the top class)
  --method M            ${METHODS.join('|')} (default auto: cam where the model allows it)
  --patch N             occlusion: the patch side in model input pixels (default 1/8 of it)
  --stride N            occlusion: the step between patches (default half the patch)
  --fill X              occlusion: the model input value under the patch (default 0)
  -b, --backend B       ${BACKENDS.join('|')} (default auto)
  --max-model-size SIZE refuse larger model files (default 1G; K, M, G are 1024-based)
  -h, --help            show this help
`;

const SPECS: OptionSpecs = {
  output: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  model: { type: 'string', short: 'm' },
  class: { type: 'string', short: 'c' },
  method: { type: 'string', choices: METHODS },
  patch: { type: 'string' },
  stride: { type: 'string' },
  fill: { type: 'string' },
  backend: { type: 'string', short: 'b', choices: BACKENDS },
  'max-model-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function numberOption(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`option --${name} must be a number, got "${text}"`, 'explain');
  return n;
}

/** A label of the model (exactly), else a class index. */
function classOf(text: string, classifier: NodeImageClassifier): number {
  const at = classifier.labels?.indexOf(text) ?? -1;
  if (at >= 0) return at;
  const n = Number(text);
  if (/^\d+$/.test(text) && n < classifier.classes) return n;
  throw new UsageError(`--class "${text}" is neither a label of the model nor an index below ${classifier.classes}`, 'explain');
}

export async function explainCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, SPECS, 'explain');
  if (args.options.help) { io.stdout.write(EXPLAIN_HELP); return 0; }
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length ? 'explain takes one image' : 'missing the image to explain', 'explain');
  const output = stringOption(args, 'output'), json = args.options.json === true;
  if (output === undefined && !json) throw new UsageError('nothing to write: give -o FILE.png and/or --json', 'explain');
  const [file] = args.positionals;
  const modelFile = stringOption(args, 'model') ?? DEFAULT_MODEL_PATH;
  const options = {
    method: (stringOption(args, 'method') ?? 'auto') as 'auto',
    patch: numberOption(stringOption(args, 'patch'), 'patch'),
    stride: numberOption(stringOption(args, 'stride'), 'stride'),
    fill: numberOption(stringOption(args, 'fill'), 'fill'),
  };
  const maxModelBytes = byteSizeOption(args, 'max-model-size', 'explain');
  // The image first: a mistyped path should not wait for a model to load.
  const image = await readImageFile(file);
  const classifier = await openModel(modelFile, modelFile === DEFAULT_MODEL_PATH, (stringOption(args, 'backend') ?? 'auto') as BackendName | 'auto', io.env, maxModelBytes);
  try {
    const classText = stringOption(args, 'class');
    const t0 = performance.now();
    const map = await explain(classifier.classifier, image, { ...options, classIndex: classText === undefined ? undefined : classOf(classText, classifier) });
    const ms = performance.now() - t0;
    if (output !== undefined) await replaceFile(output, heatmapPng(map, image), { mode: 0o644 });
    const model = classifier.classifier.session.graph.metadata.name ?? modelFile;
    if (json) {
      io.stdout.write(`${safeJson({
        model, file, backend: classifier.backend, method: map.method, classIndex: map.classIndex, label: map.label, score: map.score,
        width: map.width, height: map.height, region: map.region, data: Array.from(map.data, (v) => Math.round(v * 1e6) / 1e6),
      })}\n`);
    } else {
      const what = `${sanitize(map.label ?? `class ${map.classIndex}`)} (#${map.classIndex}, ${(map.score * 100).toFixed(1)} %)`;
      io.stdout.write(`${sanitize(file)}: ${what} by ${map.method} on ${classifier.backend} in ${formatDuration(ms)}; model ${sanitize(model)}\nwrote ${sanitize(output!)}\n`);
    }
    return 0;
  } finally {
    classifier.dispose();
  }
}
