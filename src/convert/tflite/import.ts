// TFLite model bytes (.tflite: LiteRT, MediaPipe, Coral CPU models) -> IR Graph. TFLite is NHWC like
// the IR, so no Transpose appears. The FlatBuffer is read by our own reader (flatbuffer.ts, schema.ts);
// operators are converted by the table in ops.ts, in the file's order (TFLite's execution order).
// Quantized models keep their 8-bit weights and compute in float; a quantized input becomes a float
// input holding the real value (q - zero_point) * scale, and the preprocessing metadata says how pixel
// bytes become that value (for Coral's uint8 models, the bytes fed unchanged: x = (p - 128) / 128).
// The batch is left free when every value keeps it in dimension 0; otherwise the file's batch is kept.
// Failures are ModelFormatError (malformed) or UnsupportedOpError (naming the op and operator index).
import { EdgeInferError, InputError, ModelFormatError, UnsupportedOpError } from '../../errors.js';
import type { Graph, ImagePreprocess, ModelMetadata, ValueInfo } from '../../graph/ir.js';
import { inferShapes } from '../../graph/shapes.js';
import { shapeToString } from '../../tensor.js';
import { Context, gridRange, sizeOf, type Val } from './context.js';
import { ColorSpace, METADATA_NAME, readLabels, readModelMeta, type ModelMeta, type TensorMeta } from './metadata.js';
import { stripIndices } from '../labels.js';
import { CONVERTERS } from './ops.js';
import { NEEDS_IR_OP } from './ops-tensor.js';
import { Op, opName, readModel, TensorType, type TfliteModel } from './schema.js';

export interface TfliteImportOptions {
  /** Model name for metadata and error messages (default: the metadata's name, else "tflite-model"). */
  name?: string;
  /**
   * Class labels, one per output class; they replace labels the file carries. Coral's "<index> <name>"
   * lines are accepted as they are read from its label files: the indices are dropped.
   */
  labels?: readonly string[];
}

const EDGETPU_OP = 'edgetpu-custom-op';

export function importTflite(bytes: Uint8Array, options: TfliteImportOptions = {}): Graph {
  const model = readModel(bytes);
  if (model.version !== 3) throw new ModelFormatError(`TFLite schema version ${model.version} (only 3 is read)`, 'model.version');
  const meta = readMeta(model);
  const name = options.name ?? meta?.name ?? 'tflite-model';
  const sub = model.subgraph;
  if (sub.inputs.length === 0) throw new ModelFormatError('subgraph 0 has no inputs', 'model.subgraphs[0].inputs');
  if (sub.outputs.length === 0) throw new ModelFormatError('subgraph 0 has no outputs', 'model.subgraphs[0].outputs');

  let built = build(model, name, canBeFree(model));
  if (built.cx.dynamic && !keepsBatch(built.graph, built.cx)) built = build(model, name, false);
  const { graph, cx } = built;

  const outputKind = outputKindOf(model);
  const labels = options.labels ? checkLabels(stripIndices(options.labels), graph, 'options.labels')
    : meta ? fileLabels(bytes, meta, graph) : undefined;
  const preprocess = preprocessOf(cx, model, meta?.inputs[0]);
  const producer = model.description ? `${model.description.replace(/\.$/, '')} (TFLite schema ${model.version})` : `TFLite schema ${model.version}`;
  const source = [meta?.author && `author: ${meta.author}`, meta?.license && `license: ${meta.license}`, meta?.version && `version: ${meta.version}`].filter(Boolean).join('; ');
  const metadata: ModelMetadata = {
    name,
    producer,
    ...(source ? { source } : {}),
    ...(meta?.description ? { description: meta.description } : {}),
    ...(labels ? { labels } : {}),
    ...(preprocess ? { preprocess } : {}),
    outputKind,
    importedFrom: { format: 'tflite', version: `schema ${model.version}` },
  };
  return { ...graph, metadata };
}

/** The TFLITE_METADATA buffer, decoded; undefined when the model has none. */
function readMeta(model: TfliteModel): ModelMeta | undefined {
  const entry = model.metadata.find((m) => m.name === METADATA_NAME);
  if (!entry) return undefined;
  const data = model.buffer(entry.buffer, `model.metadata "${METADATA_NAME}".buffer`);
  return data.length > 0 ? readModelMeta(data) : undefined;
}

/** The batch may stay free when every input has its batch (1, or -1 in the signature) in dimension 0. */
function canBeFree(model: TfliteModel): boolean {
  const ts = model.subgraph.tensors;
  return model.subgraph.inputs.every((i) => {
    const t = ts[i];
    return t !== undefined && t.shape.length >= 1 && (t.shape[0] === 1 || t.signature?.[0] === -1);
  });
}

interface Built { graph: Graph; cx: Context }

function build(model: TfliteModel, name: string, dynamic: boolean): Built {
  const cx = new Context(model, name, dynamic);
  const sub = model.subgraph;
  const inputs: ValueInfo[] = sub.inputs.map((i, k) => addInput(cx, i, k));
  sub.operators.forEach((op) => {
    cx.op = op;
    try {
      convert(cx);
    } catch (e) {
      if (e instanceof EdgeInferError) throw e;
      if (e instanceof RangeError || e instanceof TypeError) throw cx.malformed(e.message);
      throw e;
    }
  });
  cx.op = undefined;
  const taken = new Set<string>();
  const outputs = sub.outputs.map((i, k) => addOutput(cx, i, k, taken));
  return { graph: { nodes: cx.nodes, inputs, outputs, constants: cx.constants, metadata: {} }, cx };
}

function addInput(cx: Context, i: number, k: number): ValueInfo {
  const where = `model.subgraphs[0].inputs[${k}]`;
  const t = cx.tensors[i];
  if (!t) throw new ModelFormatError(`input tensor index ${i} is out of range (${cx.tensors.length} tensors)`, where);
  const grid = cx.grid(t);
  const shape = t.shape;
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new ModelFormatError(`input "${t.name}" has shape ${shapeToString(shape)}`, t.path);
  const free = t.signature?.findIndex((d, j) => d === -1 && j > 0) ?? -1;
  if (free > 0) throw new UnsupportedOpError('Input', t.name, cx.modelName, `dimension ${free} of the input is not fixed (only the batch may be free)`);
  const ir = cx.irNames[i];
  cx.registerInput(ir, shape);
  const [lo, hi] = grid ? gridRange(grid) : [-Infinity, Infinity];
  cx.define(i, { kind: 'val', ir, shape, lo, hi, ...(grid ? { grid } : {}) });
  return { name: ir, shape: cx.dynamic ? [-1, ...shape.slice(1)] : [...shape] };
}

function convert(cx: Context): void {
  const op = cx.op!;
  const code = cx.model.operatorCodes[op.opcode];
  if (!code) throw cx.malformed(`opcode index ${op.opcode} is out of range (${cx.model.operatorCodes.length} operator codes)`);
  if (code.builtin === Op.CUSTOM) {
    const custom = code.custom ?? '';
    if (custom === EDGETPU_OP) {
      throw cx.unsupported('an Edge TPU compiled model runs its graph in this custom op on the Edge TPU; convert the CPU .tflite instead (the file without "_edgetpu")', custom);
    }
    throw cx.unsupported('custom op', custom || 'CUSTOM');
  }
  const converter = CONVERTERS.get(code.builtin);
  if (!converter) {
    const name = opName(code.builtin), needs = NEEDS_IR_OP.get(name);
    throw cx.unsupported(needs ? `needs ${needs}, which the runtime does not have yet` : 'no converter for this builtin operator', name);
  }
  if (op.hasCustomOptions) throw cx.malformed('a builtin operator with custom options');
  converter(cx);
}

function addOutput(cx: Context, i: number, k: number, taken: Set<string>): ValueInfo {
  const where = `model.subgraphs[0].outputs[${k}]`;
  const t = cx.tensors[i];
  if (!t) throw new ModelFormatError(`output tensor index ${i} is out of range (${cx.tensors.length} tensors)`, where);
  let v: Val;
  try {
    v = cx.val(i);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelFormatError(`output "${t.name}" is never produced`, where);
    throw e;
  }
  const name = cx.irNames[i];
  // A value that is not this tensor's own node output (an alias through DEQUANTIZE, an input, a constant)
  // or that an earlier output already names gets an Identity, named after the tensor where the name is free.
  let out = v.ir;
  const ownNode = v.ir === name && cx.nodes.some((n) => n.outputs.includes(name));
  if (!ownNode || taken.has(out)) {
    out = cx.shapes.has(name) ? cx.fresh(`${name}__out`) : name;
    cx.emit('Identity', [v.ir], {}, [out]);
  }
  taken.add(out);
  const shape = cx.shapeOf(out);
  return { name: out, shape: cx.dynamic && shape.length > 0 ? [-1, ...shape.slice(1)] : [...shape] };
}

/**
 * Whether the free batch holds: at batch 2 every computed value must be its batch-1 shape with 2 in
 * dimension 0 (twice its rows for the rows of a keep_num_dims FULLY_CONNECTED), and no Softmax may normalise over dimension 0 (a rank-1 input). Otherwise an op mixes
 * the batch with other dims (a Reshape, a Concat or a Mean on dimension 0) and the file's batch stays.
 */
function keepsBatch(graph: Graph, cx: Context): boolean {
  let s2: Map<string, readonly number[]>;
  try {
    s2 = inferShapes(graph, 2);
  } catch (e) {
    if (e instanceof EdgeInferError) return false;
    throw e;
  }
  for (const [name, s1] of cx.shapes) {
    if (graph.constants.has(name)) continue;
    const b = s2.get(name);
    const rows = cx.rowsOfBatch.has(name);
    if (!b || s1.length === 0 || (rows ? b[0] !== 2 * s1[0] : s1[0] !== 1 || b[0] !== 2)) return false;
    if (b.length !== s1.length || b.some((d, i) => i > 0 && d !== s1[i])) return false;
  }
  return !graph.nodes.some((n) => n.op === 'Softmax' && cx.shapeOf(n.inputs[0]).length < 2);
}

/** 'probabilities' when output 0 comes from SOFTMAX or LOGISTIC, through reshapes and (de)quantization. */
function outputKindOf(model: TfliteModel): 'logits' | 'probabilities' {
  const sub = model.subgraph;
  const producer = new Map<number, number>();
  sub.operators.forEach((op, k) => op.outputs.forEach((o) => producer.set(o, k)));
  let t = sub.outputs[0];
  for (let hops = 0; hops < sub.operators.length; hops++) {
    const k = producer.get(t);
    if (k === undefined) break;
    const op = sub.operators[k];
    const code = model.operatorCodes[op.opcode]?.builtin;
    if (code === Op.SOFTMAX || code === Op.LOGISTIC) return 'probabilities';
    if (code !== Op.RESHAPE && code !== Op.SQUEEZE && code !== Op.DEQUANTIZE && code !== Op.QUANTIZE) break;
    t = op.inputs[0];
  }
  return 'logits';
}

function classes(graph: Graph): number {
  const out = graph.outputs[0];
  return out ? sizeOf(out.shape.slice(1)) : 0;
}

function checkLabels(labels: string[], graph: Graph, what: string): string[] {
  const n = classes(graph);
  if (labels.length !== n) {
    throw new InputError(`${what} do not match output "${graph.outputs[0]?.name}"`, { expected: `${n} labels`, received: `${labels.length}` });
  }
  return labels;
}

function fileLabels(bytes: Uint8Array, meta: ModelMeta, graph: Graph): string[] | undefined {
  const labels = readLabels(bytes, meta);
  if (!labels) return undefined;
  const n = classes(graph);
  if (labels.length !== n) throw new ModelFormatError(`the label file has ${labels.length} labels, output "${graph.outputs[0]?.name}" has ${n} classes`, 'metadata.associated_files');
  return labels;
}

/**
 * How pixels (0..255) become the first input, as ImagePreprocess: x = (p * scale - mean) / std, the
 * whole image resized to the input size (no crop). A uint8 input takes the pixel bytes as they are
 * (TFLite's task library and Coral do; any metadata normalisation describes the float model), so
 * x = (p - zero_point) * scale. A float input uses the metadata's mean and std; an int8 input too, or
 * else takes p - 128 as its integer. Undefined when the input is no image or a float input has no
 * normalisation in its metadata (the caller must supply it).
 */
function preprocessOf(cx: Context, model: TfliteModel, meta: TensorMeta | undefined): ImagePreprocess | undefined {
  const i = model.subgraph.inputs[0];
  const t = cx.tensors[i];
  if (!t || t.shape.length !== 4) return undefined;
  const [, height, width, channels] = t.shape;
  if (channels !== 1 && channels !== 3) return undefined;
  if (meta?.colorSpace === ColorSpace.GRAYSCALE && channels !== 1) return undefined;
  const grid = cx.grid(t);
  const per = (v: number): number[] => new Array<number>(channels).fill(v);
  const norm = (): { scale: number; mean: number[]; std: number[] } | undefined => {
    const { mean, std } = meta ?? {};
    if (!mean || !std || mean.length === 0 || std.length === 0) return undefined;
    const pick = (a: Float32Array): number[] | undefined => (a.length === channels ? [...a] : a.length === 1 ? per(a[0]) : undefined);
    const m = pick(mean), s = pick(std);
    if (!m || !s || s.some((x) => !(x > 0) || !Number.isFinite(x)) || m.some((x) => !Number.isFinite(x))) return undefined;
    return { scale: 1, mean: m, std: s };
  };
  let affine: { scale: number; mean: number[]; std: number[] } | undefined;
  if (grid && t.type === TensorType.UINT8) affine = { scale: grid.scale, mean: per(grid.zeroPoint * grid.scale), std: per(1) };
  else if (grid && t.type === TensorType.INT8) affine = norm() ?? { scale: grid.scale, mean: per((128 + grid.zeroPoint) * grid.scale), std: per(1) };
  else if (!grid) affine = norm();
  if (!affine) return undefined;
  return {
    width, height, channels: channels as 1 | 3, colorOrder: channels === 1 ? 'GRAY' : 'RGB',
    ...affine, resize: 'stretch', crop: 'none',
  };
}
