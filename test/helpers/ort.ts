// onnxruntime-web (wasm, 1 thread) as the outside oracle for one op: a one-node ONNX model built
// with the shared builder, run once.
import { OnnxModel, runOrtModel, type Attr, type TensorData } from './onnx-builder.js';

export type OrtAttr = Attr;

export interface OrtTensorIn {
  dims: number[];
  data: TensorData;
  /** Store as an initializer (constant) instead of a graph input. */
  constant?: boolean;
}

const ELEM: Record<string, number> = { Float32Array: 1, Uint8Array: 2, Int8Array: 3, Int32Array: 6, BigInt64Array: 7 };

/**
 * Runs `opType` once on onnxruntime-web. `inputs` may contain undefined for absent optional inputs.
 * Returns each output's data (as Float32Array) and dims.
 */
export async function runOrtNode(opType: string, inputs: (OrtTensorIn | undefined)[], attrs: Record<string, OrtAttr>, nOutputs = 1,
  opts: { opset?: number; domain?: string } = {}): Promise<{ data: Float32Array; dims: number[] }[]> {
  const model = new OnnxModel(opts.opset ?? 13, opts.domain ? { [opts.domain]: 1 } : {});
  const inNames = inputs.map((t, i) => (t ? `in${i}` : ''));
  const outNames = Array.from({ length: nOutputs }, (_, i) => `out${i}`);
  const feeds: Record<string, { dims: number[]; data: TensorData }> = {};
  inputs.forEach((t, i) => {
    if (!t) return;
    if (t.constant) {
      model.init(inNames[i], t.dims, t.data);
    } else {
      model.input(inNames[i], t.dims, ELEM[t.data.constructor.name]);
      feeds[inNames[i]] = { dims: t.dims, data: t.data };
    }
  });
  // Trailing absent inputs are dropped; inner ones stay as ''.
  while (inNames.length && inNames[inNames.length - 1] === '') inNames.pop();
  model.node(opType, inNames, outNames, attrs, opts.domain ?? '');
  for (const name of outNames) model.output(name);
  const result = await runOrtModel(model.encode(), feeds);
  return outNames.map((n) => result[n]);
}
