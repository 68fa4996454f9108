// Builds ONNX models with onnx-proto for the tests (importer cases, one-op oracle runs), and runs whole models
// on onnxruntime-web (wasm, 1 thread) as the oracle.
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export type TensorData = Float32Array | Int32Array | Int8Array | Uint8Array | BigInt64Array;
export type Attr = number | number[] | string | string[] | { float: number } | { floats: number[] } | { tensor: Init };

export interface Init {
  dims: number[];
  data: TensorData;
  /** Store as float_data/int32_data/int64_data instead of raw_data. */
  typed?: boolean;
}

const ELEM: Record<string, number> = { Float32Array: 1, Uint8Array: 2, Int8Array: 3, Int32Array: 6, BigInt64Array: 7 };
const ORT_TYPE: Record<string, ort.Tensor.Type> = { Float32Array: 'float32', Uint8Array: 'uint8', Int8Array: 'int8', Int32Array: 'int32', BigInt64Array: 'int64' };

export function tensorProto(name: string, t: Init): onnxProto.onnx.ITensorProto {
  const ctor = t.data.constructor.name;
  const tp: onnxProto.onnx.ITensorProto = { name, dims: t.dims, dataType: ELEM[ctor] };
  if (!t.typed) {
    tp.rawData = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  } else if (t.data instanceof Float32Array) {
    tp.floatData = [...t.data];
  } else if (t.data instanceof BigInt64Array) {
    tp.int64Data = [...t.data].map(Number);
  } else {
    tp.int32Data = [...t.data];
  }
  return tp;
}

function attribute(name: string, v: Attr): onnxProto.onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, type: A.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    return { name, type: A.INTS, ints: v as number[] };
  }
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: A.FLOATS, floats: v.floats };
  return { name, type: A.TENSOR, t: tensorProto('', v.tensor) };
}

export const i64 = (...v: number[]): BigInt64Array => BigInt64Array.from(v.map(BigInt));

/** A model under construction: inputs, initializers, nodes, outputs. */
export class OnnxModel {
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private count = 0;

  constructor(readonly opset = 13, readonly extraDomains: Record<string, number> = {}) {}

  /** dims: numbers, or a string for a symbolic dim. elemType 1 = float. */
  input(name: string, dims: (number | string)[], elemType = 1): this {
    this.inputs.push({
      name,
      type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
    return this;
  }

  init(name: string, dims: number[], data: TensorData, typed = false): this {
    this.inits.push(tensorProto(name, { dims, data, typed }));
    return this;
  }

  node(op: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}, domain = ''): this {
    this.nodes.push({
      opType: op, domain, name: `${op}_${this.count++}`, input: inputs, output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return this;
  }

  output(name: string, elemType = 1): this {
    this.outputs.push({ name, type: { tensorType: { elemType } } });
    return this;
  }

  proto(): onnxProto.onnx.ModelProto {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'edgeinfer-test',
      opsetImport: [{ domain: '', version: this.opset }, ...Object.entries(this.extraDomains).map(([domain, version]) => ({ domain, version }))],
      graph: { name: 'test', node: this.nodes, input: this.inputs, initializer: this.inits, output: this.outputs },
    });
  }

  encode(): Uint8Array {
    return onnx.ModelProto.encode(this.proto()).finish();
  }
}

export interface Feed {
  dims: number[];
  data: TensorData;
}

/** Runs a whole model on onnxruntime-web; returns each output as float32 with its dims. */
export async function runOrtModel(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(ORT_TYPE[f.data.constructor.name], f.data as Float32Array, f.dims);
    const res = await session.run(ortFeeds);
    const out: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const k of session.outputNames) out[k] = { data: Float32Array.from(res[k].data as ArrayLike<number | bigint>, Number), dims: [...res[k].dims] };
    return out;
  } finally {
    await session.release();
  }
}

/**
 * The quantized classifier head the int8 test models end with: QLinearGlobalAveragePool of `aq` (on the grid
 * as/az, already in the model) onto `pool`, Reshape to [1, C], QLinearMatMul by `w` ([C, 5], per-tensor or
 * per-column int8) onto the grid 0.1 / 100; outputs y (the 5 scores) and a (aq), both dequantized.
 */
export function quantizedHead(m: OnnxModel, C: number, pool: { scale: number; zeroPoint: number },
  w: { data: Int8Array; scales: Float32Array; zeroPoints: Int8Array }): OnnxModel {
  const perColumn = w.scales.length > 1 ? [w.scales.length] : [];
  return m
    .init('gs', [], Float32Array.of(pool.scale)).init('gz', [], Uint8Array.of(pool.zeroPoint))
    .node('QLinearGlobalAveragePool', ['aq', 'as', 'az', 'gs', 'gz'], ['gq'], { channels_last: 0 }, 'com.microsoft')
    .init('shape', [2], i64(1, C))
    .node('Reshape', ['gq', 'shape'], ['fq'])
    .init('fw', [C, 5], w.data).init('fws', perColumn, w.scales).init('fwz', perColumn, w.zeroPoints)
    .init('os', [], Float32Array.of(0.1)).init('oz', [], Uint8Array.of(100))
    .node('QLinearMatMul', ['fq', 'gs', 'gz', 'fw', 'fws', 'fwz', 'os', 'oz'], ['oq'])
    .node('DequantizeLinear', ['oq', 'os', 'oz'], ['y'])
    .node('DequantizeLinear', ['aq', 'as', 'az'], ['a'])
    .output('y').output('a');
}

/**
 * x [1, 2, 3, 3] quantized onto two grids (0.02 / 100 and 0.05 / 30), the two concatenated on channels and
 * read back on the first grid: what a float import re-grids and an int8 import joins as integers.
 */
export function twoGridConcatModel(): Uint8Array {
  return new OnnxModel(13)
    .input('x', [1, 2, 3, 3])
    .init('s1', [], Float32Array.of(0.02)).init('z1', [], Uint8Array.of(100))
    .init('s2', [], Float32Array.of(0.05)).init('z2', [], Uint8Array.of(30))
    .node('QuantizeLinear', ['x', 's1', 'z1'], ['q1'])
    .node('QuantizeLinear', ['x', 's2', 'z2'], ['q2'])
    .node('Concat', ['q1', 'q2'], ['cq'], { axis: 1 })
    .node('DequantizeLinear', ['cq', 's1', 'z1'], ['y'])
    .output('y')
    .encode();
}
