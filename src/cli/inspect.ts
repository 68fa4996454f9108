// `edgeinfer inspect`: what an .eim file holds — metadata, inputs/outputs, one row per node with
// its output shape, parameters and multiply-adds at batch 1, and totals; `--json` for scripts. Every
// string from the file (names, ops, labels) is printed through sanitize.ts.
import { stat } from 'node:fs/promises';
import { readEimFile } from '../format/node.js';
import type { Graph, ImagePreprocess, ImportedFrom, StorageDType, ValueInfo } from '../graph/ir.js';
import { resolveNodes } from '../graph/resolve.js';
import { inferShapes } from '../graph/shapes.js';
import { nodeMacs } from '../graph/cost.js';
import { sizeOf, type Shape } from '../tensor.js';
import { byteSizeOption, parseArgs, UsageError, type OptionSpecs } from './args.js';
import { ellipsize, formatBytes, formatCount, formatMacs, formatShape, formatTable } from './format.js';
import type { CliIO } from './io.js';
import { safeJson, sanitize } from './sanitize.js';

export const INSPECT_HELP = `Usage: edgeinfer inspect FILE.eim [--json]

Prints what a model file holds: name, the source format and opset it was converted from,
producer and source, inputs and outputs, one row per
node (output shape, parameters, multiply-adds at batch 1), totals, labels and preprocessing.

Options:
  --json                  print one JSON document instead of tables
  --max-model-size SIZE   refuse larger model files (default 1G; K, M, G are 1024-based)
  -h, --help              show this help
`;

const SPECS: OptionSpecs = {
  json: { type: 'boolean' },
  'max-model-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export interface NodeReport {
  name: string;
  op: string;
  /** Output shapes at batch 1, one per (present) output. */
  outputShapes: number[][];
  params: number;
  /** undefined for ops that do no arithmetic worth counting (reshapes, concats...). */
  macs: number | undefined;
}

export interface ValueReport {
  name: string;
  /** IR shape (NHWC for images); -1 = batch. */
  shape: number[];
  sourcePerm?: number[];
  /** The shape as the user passes or receives it (the source model's layout). */
  sourceShape: number[];
}

export interface ModelReport {
  file: string;
  fileBytes: number;
  name?: string;
  producer?: string;
  source?: string;
  description?: string;
  outputKind?: 'logits' | 'probabilities';
  /** The format (onnx, tflite, tfjs), opset and version the model was converted from; absent in older files. */
  importedFrom?: ImportedFrom;
  inputs: ValueReport[];
  outputs: ValueReport[];
  nodes: NodeReport[];
  totals: {
    nodes: number;
    params: number;
    macs: number;
    /** Per storage dtype: how many constants and how many bytes of weight data. */
    weights: { [dtype in StorageDType]?: { tensors: number; params: number; bytes: number } };
  };
  labels?: string[];
  preprocess?: ImagePreprocess;
}

export async function inspectCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, SPECS, 'inspect');
  if (args.options.help) { io.stdout.write(INSPECT_HELP); return 0; }
  if (args.positionals.length !== 1) {
    throw new UsageError(args.positionals.length === 0 ? 'missing model file' : `expected one model file, got ${args.positionals.length}`, 'inspect');
  }
  const file = args.positionals[0];
  const maxBytes = byteSizeOption(args, 'max-model-size', 'inspect');
  const fileBytes = (await stat(file)).size;
  const graph = await readEimFile(file, { maxBytes });
  const report = describeModel(graph, file, fileBytes);
  io.stdout.write(args.options.json ? `${safeJson(report, 2)}\n` : renderReport(report));
  return 0;
}

export function describeModel(graph: Graph, file: string, fileBytes: number): ModelReport {
  const resolved = resolveNodes(graph);
  const shapes = inferShapes(graph, 1, resolved);

  const macs = nodeMacs(graph, 1, resolved, shapes);
  const nodes: NodeReport[] = resolved.map(({ node }, k) => {
    let params = 0;
    for (const i of node.inputs) {
      const c = i === '' ? undefined : graph.constants.get(i);
      if (c) params += sizeOf(c.shape);
    }
    return {
      name: node.name,
      op: node.op,
      outputShapes: node.outputs.filter((o) => o !== '').map((o) => [...(shapes.get(o) ?? [])]),
      params,
      macs: macs[k],
    };
  });

  const weights: ModelReport['totals']['weights'] = {};
  let params = 0;
  for (const c of graph.constants.values()) {
    const n = sizeOf(c.shape);
    params += n;
    const w = (weights[c.dtype] ??= { tensors: 0, params: 0, bytes: 0 });
    w.tensors++;
    w.params += n;
    w.bytes += c.data.byteLength;
  }
  const m = graph.metadata;
  return {
    file,
    fileBytes,
    name: m.name,
    producer: m.producer,
    source: m.source,
    description: m.description,
    outputKind: m.outputKind,
    ...(m.importedFrom ? { importedFrom: m.importedFrom } : {}),
    inputs: graph.inputs.map(valueReport),
    outputs: graph.outputs.map((v) => valueReport({ ...v, shape: outputShape(v, shapes) })),
    nodes,
    totals: {
      nodes: nodes.length,
      params,
      macs: nodes.reduce((s, n) => s + (n.macs ?? 0), 0),
      weights,
    },
    labels: m.labels,
    preprocess: m.preprocess,
  };
}

/** Output ValueInfo shapes may carry stale or placeholder dims; the inferred one (batch shown as -1) is the truth. */
function outputShape(v: ValueInfo, shapes: Map<string, Shape>): number[] {
  const s = shapes.get(v.name);
  if (!s) return [...v.shape];
  return s.map((d, i) => (i === 0 && v.shape[0] === -1 ? -1 : d));
}

function valueReport(v: ValueInfo): ValueReport {
  const r: ValueReport = { name: v.name, shape: [...v.shape], sourceShape: [...v.shape] };
  if (v.sourcePerm) {
    r.sourcePerm = [...v.sourcePerm];
    r.sourceShape = v.sourcePerm.map((p) => v.shape[p]);
  }
  return r;
}

function renderValue(v: ValueReport): string {
  const layout = v.sourcePerm ? `  (source layout ${formatShape(v.sourceShape)}, perm [${v.sourcePerm.join(',')}])` : '';
  return `  ${sanitize(v.name)}  ${formatShape(v.shape)}${layout}\n`;
}

function renderPreprocess(p: ImagePreprocess): string {
  const resize = p.resize === 'shorter-side' ? `shorter side to ${p.resizeTo ?? '?'}` : 'stretch';
  return `${p.width}x${p.height}x${p.channels} ${sanitize(String(p.colorOrder))}, resize ${sanitize(resize)}, crop ${sanitize(String(p.crop))}, `
    + `x = (pixel * ${p.scale} - mean) / std, mean [${p.mean.join(', ')}], std [${p.std.join(', ')}]`;
}

const FORMAT_NAMES: Record<string, string> = { onnx: 'ONNX', tflite: 'TFLite', tfjs: 'TF.js layers' };

/** "from ONNX opset 13 (IR 8)", "from TFLite (schema 3)". */
function renderImportedFrom(f: ImportedFrom): string {
  const name = FORMAT_NAMES[f.format] ?? f.format;
  return `from ${name}${f.opset !== undefined ? ` opset ${f.opset}` : ''}${f.version ? ` (${f.version})` : ''}`;
}

export function renderReport(r: ModelReport): string {
  let s = `${sanitize(r.file)} (${formatBytes(r.fileBytes)})\n`;
  const meta: [string, string | undefined][] = [
    ['name', r.name], ['converted', r.importedFrom && renderImportedFrom(r.importedFrom)], ['producer', r.producer], ['source', r.source], ['description', r.description], ['output', r.outputKind],
  ];
  for (const [k, v] of meta) if (v !== undefined) s += `${`${k}:`.padEnd(13)}${sanitize(v)}\n`;
  s += '\ninputs:\n' + r.inputs.map(renderValue).join('');
  s += 'outputs:\n' + r.outputs.map(renderValue).join('');

  const rows = r.nodes.map((n) => [
    ellipsize(sanitize(n.name), 40),
    ellipsize(sanitize(n.op), 40),
    n.outputShapes.map(formatShape).join(' '),
    n.params > 0 ? formatCount(n.params) : '',
    n.macs !== undefined ? formatCount(n.macs) : '',
  ]);
  s += '\n' + formatTable(['node', 'op', 'output (batch 1)', 'params', 'MACs'], rows, ['left', 'left', 'left', 'right', 'right']);

  const t = r.totals;
  s += `\ntotal:       ${t.nodes} nodes, ${formatCount(t.params)} params, ${formatCount(t.macs)} MACs per inference (${formatMacs(t.macs)})\n`;
  for (const [dtype, w] of Object.entries(t.weights)) {
    s += `  ${dtype.padEnd(4)} ${formatCount(w.params)} params in ${w.tensors} tensors, ${formatBytes(w.bytes)}\n`;
  }
  if (r.labels) {
    const shown = r.labels.slice(0, 5).map((l) => safeJson(l)).join(', ');
    s += `labels:      ${r.labels.length} (${shown}${r.labels.length > 5 ? ', ...' : ''})\n`;
  } else {
    s += 'labels:      none (edgeinfer convert --labels FILE stores them)\n';
  }
  s += `preprocess:  ${r.preprocess ? renderPreprocess(r.preprocess)
    : 'none (ImageClassifier and edgeinfer classify need it: edgeinfer convert --preprocess imagenet|FILE.json stores it)'}\n`;
  return s;
}
