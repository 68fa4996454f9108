// onnxruntime-web (wasm, 1 thread) as the outside oracle: build a one-node ONNX model and run it.
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export type OrtAttr = number | number[] | string | string[] | { float: number } | { floats: number[] };

export interface OrtTensorIn {
  dims: number[];
  data: Float32Array | Int32Array | Int8Array | Uint8Array | BigInt64Array;
  /** Store as an initializer (constant) instead of a graph input. */
  constant?: boolean;
}

const ELEM: Record<string, number> = { Float32Array: 1, Uint8Array: 2, Int8Array: 3, Int32Array: 6, BigInt64Array: 7 };
const ORT_TYPE: Record<string, ort.Tensor.Type> = { Float32Array: 'float32', Uint8Array: 'uint8', Int8Array: 'int8', Int32Array: 'int32', BigInt64Array: 'int64' };

function attribute(name: string, v: OrtAttr): onnxProto.onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, type: A.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    return { name, type: A.INTS, ints: v as number[] };
  }
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  return { name, type: A.FLOATS, floats: v.floats };
}

/**
 * Runs `opType` once on onnxruntime-web. `inputs` may contain undefined for absent optional inputs.
 * Returns each output's data (as Float32Array) and dims.
 */
export async function runOrtNode(opType: string, inputs: (OrtTensorIn | undefined)[], attrs: Record<string, OrtAttr>, nOutputs = 1,
  opts: { opset?: number; domain?: string } = {}): Promise<{ data: Float32Array; dims: number[] }[]> {
  const inNames = inputs.map((t, i) => (t ? `in${i}` : ''));
  const outNames = Array.from({ length: nOutputs }, (_, i) => `out${i}`);
  const graphInputs: onnxProto.onnx.IValueInfoProto[] = [];
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  const feeds: Record<string, ort.Tensor> = {};
  inputs.forEach((t, i) => {
    if (!t) return;
    const ctor = t.data.constructor.name;
    if (t.constant) {
      const tp: onnxProto.onnx.ITensorProto = { name: inNames[i], dims: t.dims, dataType: ELEM[ctor] };
      tp.rawData = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      initializers.push(tp);
    } else {
      graphInputs.push({ name: inNames[i], type: { tensorType: { elemType: ELEM[ctor], shape: { dim: t.dims.map((d) => ({ dimValue: d })) } } } });
      feeds[inNames[i]] = new ort.Tensor(ORT_TYPE[ctor], t.data as Float32Array, t.dims);
    }
  });
  // Trailing absent inputs are dropped; inner ones stay as ''.
  while (inNames.length && inNames[inNames.length - 1] === '') inNames.pop();
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: opts.opset ?? 13 }, ...(opts.domain ? [{ domain: opts.domain, version: 1 }] : [])],
    graph: {
      name: 'single',
      node: [{ opType, domain: opts.domain ?? '', input: inNames, output: outNames, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) }],
      input: graphInputs,
      initializer: initializers,
      output: outNames.map((name) => ({ name, type: { tensorType: { elemType: 1 } } })),
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const result = await session.run(feeds);
    return outNames.map((n) => ({ data: Float32Array.from(result[n].data as Float32Array), dims: [...result[n].dims] }));
  } finally {
    await session.release();
  }
}
