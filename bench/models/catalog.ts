// The bench models, each in every form a runtime needs, all from one IR graph and so one set of weights:
// .eim for edgeinfer, ONNX for onnxruntime-web, a TF.js graph model for tfjs. Built in memory on demand
// (a few seconds); build.ts writes them to bench/models/out/ for inspection or other harnesses.
import { readFileSync } from 'node:fs';
import { importOnnx } from '../../src/convert/onnx.js';
import { writeEim } from '../../src/format/writer.js';
import type { Graph } from '../../src/graph/ir.js';
import { optimize } from '../../src/graph/optimize.js';
import { resolveNodes } from '../../src/graph/resolve.js';
import { inferShapes } from '../../src/graph/shapes.js';
import { dequantizeMobilenet, INT8_MOBILENET, photoInput } from '../dequantize-mobilenet.js';
import { exportOnnx, type OnnxInputLayout } from './export-onnx.js';
import { exportTfjsGraph } from './export-tfjs.js';
import { transposeData } from './graph-info.js';
import { seededKerasCnn } from './keras-cnn.js';
import { lstmClassifier, simpleRnnClassifier } from './recurrent.js';
import { uniform } from './seeded.js';
import type { TfjsGraphArtifacts } from './tfjs-writer.js';
import { trainedOr } from './trained.js';

export type ModelId = 'cnn' | 'mobilenetv2' | 'rnn' | 'lstm';

export interface BenchModel {
  readonly id: ModelId;
  readonly title: string;
  /** Where the weights come from. */
  readonly weights: string;
  /** Optimized IR graph: NHWC image inputs, no source layout (every runtime is fed its native layout). */
  readonly graph: Graph;
  readonly inputName: string;
  readonly outputName: string;
  readonly eim: Uint8Array;
  readonly onnx: { readonly bytes: Uint8Array; readonly inputs: readonly OnnxInputLayout[] };
  readonly tfjs: TfjsGraphArtifacts;
  /** How the tfjs form was made, for the table. */
  readonly tfjsForm: string;
  readonly batches: readonly number[];
  /** The original int8 ONNX model (MobileNetV2 only), for onnxruntime's own int8 path. */
  readonly int8Onnx?: Uint8Array;
  /** Deterministic input at this batch, in IR layout. */
  input(batch: number): Float32Array;
}

/**
 * The inputs a timed loop cycles through: the model's input first (the one outputs are checked on), then
 * scaled copies, so that no runtime can answer a repeated call from a cache.
 */
export function benchInputs(model: BenchModel, batch: number, count = 4): Float32Array[] {
  const x = model.input(batch);
  return Array.from({ length: count }, (_, k) => (k === 0 ? x : x.map((v) => v * (1 - 0.01 * k))));
}

/** Multiply-adds of one inference at `batch`, summed from our ops' macs(). */
export function macsOf(graph: Graph, batch: number): number {
  const resolved = resolveNodes(graph);
  const shapes = inferShapes(graph, batch, resolved);
  let total = 0;
  for (const { node, op, attrs } of resolved) {
    if (!op.macs) continue;
    const ins = node.inputs.map((n) => (n === '' ? undefined : shapes.get(n)));
    const outs = node.outputs.map((n) => (n === '' ? [] : shapes.get(n)!));
    total += op.macs(ins, outs, attrs);
  }
  return total;
}

function perSample(graph: Graph): number {
  return graph.inputs[0].shape.slice(1).reduce((a, b) => a * b, 1);
}

function assemble(id: ModelId, title: string, weights: string, source: Graph, batches: number[],
  input: (batch: number, n: number) => Float32Array, extra: { onnx?: BenchModel['onnx']; int8Onnx?: Uint8Array } = {}): BenchModel {
  const graph = optimize(source);
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) throw new Error(`${id}: bench models have one input and one output`);
  const recurrent = graph.nodes.some((n) => n.op === 'RNN' || n.op === 'LSTM');
  return {
    id, title, weights, graph, batches,
    inputName: graph.inputs[0].name,
    outputName: graph.outputs[0].name,
    eim: writeEim(graph),
    onnx: extra.onnx ?? exportOnnx(graph),
    tfjs: exportTfjsGraph(graph),
    tfjsForm: recurrent ? 'graph model, unrolled steps' : 'graph model, fused ops',
    ...(extra.int8Onnx ? { int8Onnx: extra.int8Onnx } : {}),
    input: (batch) => input(batch, batch * perSample(graph)),
  };
}

export async function cnnModel(): Promise<BenchModel> {
  const { graph, weights } = await trainedOr('cnn', [-1, 28, 28, 1], seededKerasCnn);
  return assemble('cnn', 'Keras CNN 28x28x1', weights, graph, [1, 32], (b, n) => uniform(n, 0, 1, 4000 + b));
}

/** MobileNetV2 as a float model (the int8 zoo model dequantized); input: the staged cat photo, repeated per batch. */
export function mobilenetModel(): BenchModel {
  const int8Onnx = new Uint8Array(readFileSync(INT8_MOBILENET));
  const floatOnnx = dequantizeMobilenet(int8Onnx);
  const imported = importOnnx(floatOnnx, { name: 'mobilenetv2-12-float' });
  // Fed NHWC like tfjs; onnxruntime gets the NCHW photo its model declares.
  for (const v of imported.inputs) delete v.sourcePerm;
  const cat = transposeData(photoInput('cat'), [1, 3, 224, 224], [0, 2, 3, 1]);
  return assemble('mobilenetv2', 'MobileNetV2 224x224x3 float', 'mobilenetv2-12-int8 weights, dequantized', imported, [1], (b) => {
    const x = new Float32Array(b * cat.length);
    for (let i = 0; i < b; i++) x.set(cat, i * cat.length);
    return x;
  }, { onnx: { bytes: floatOnnx, inputs: [{ name: 'input', perm: [0, 3, 1, 2] }] }, int8Onnx });
}

export async function rnnModel(): Promise<BenchModel> {
  const { graph, weights } = await trainedOr('simplernn', [-1, 28, 28], simpleRnnClassifier);
  return assemble('rnn', 'SimpleRNN(128) 28x28', weights, graph, [1], (b, n) => uniform(n, -1, 1, 5000 + b));
}

export async function lstmModel(): Promise<BenchModel> {
  const { graph, weights } = await trainedOr('lstm', [-1, 28, 28], lstmClassifier);
  return assemble('lstm', 'LSTM(128) 28x28', weights, graph, [1], (b, n) => uniform(n, -1, 1, 6000 + b));
}

export async function benchModels(): Promise<BenchModel[]> {
  return [await cnnModel(), mobilenetModel(), await rnnModel(), await lstmModel()];
}
