// Default-domain opsets. For every op the importer converts or folds: the opset versions at which ONNX
// changed its schema (onnx/onnx docs/Changelog.md, up to MAX_OPSET). A model importing opset v runs each
// op at its newest version <= v; converters ask since(n, version) for the differences they adapt, and
// a version listed here that no converter asks about changed only types or documentation (ORT and the
// ONNX version converter treat it as compatible). The comments say what changed and where it is adapted.
// Opsets 22 to 24 changed the ops here only by types (22: bfloat16 for the float ops; 23: float4e2m1,
// int4/uint4 and float8 for the shape and quantization ops; 24: float8e8m0) except for the attributes
// noted, and Dropout's ratio text (22) and MaxPool/AveragePool's ceil_mode text (22), which say what
// importers for inference already did.
import type { OnnxNode } from './proto.js';

/** The oldest default-domain opset (each op is accepted from its first version on). */
export const MIN_OPSET = 1;
/** The newest default-domain opset whose changes are known here; a model past it is refused per op. */
export const MAX_OPSET = 24;

export const OP_VERSIONS: Readonly<Record<string, readonly number[]>> = {
  // Until 6 the element-wise ops carry consumed_inputs (a legacy in-place hint, ignored).
  Relu: [1, 6, 13, 14],
  Sigmoid: [1, 6, 13],
  Tanh: [1, 6, 13],
  LeakyRelu: [1, 6, 16],
  HardSigmoid: [1, 6, 22],
  HardSwish: [14, 22],
  // min/max: attributes until 11, inputs from 11 (ops-elementwise.ts clip).
  Clip: [1, 6, 11, 12, 13],
  // Until 7: broadcast=1 with `axis` puts B's dims at that axis of A; numpy broadcasting from 7 (binary).
  Add: [1, 6, 7, 13, 14],
  Sub: [1, 6, 7, 13, 14],
  Mul: [1, 6, 7, 13, 14],
  Div: [1, 6, 7, 13, 14],
  // Until 7 a slope of more than one value is per channel (axis 1, Caffe2's PRelu); numpy from 7 (prelu).
  PRelu: [1, 6, 7, 9, 16],
  // Until 13 the input is coerced to 2-D at `axis` (default 1); one axis (default -1) from 13 (softmax).
  Softmax: [1, 11, 13],
  LogSoftmax: [1, 11, 13],
  Identity: [1, 13, 14, 16, 19, 21, 23, 24],
  Conv: [1, 11, 22],
  // storage_order and Indices from 8, ceil_mode and dilations from 10 (ops-nn.ts pool).
  MaxPool: [1, 8, 10, 11, 12, 22],
  // count_include_pad from 7, ceil_mode from 10, dilations from 19. Both at 22: bfloat16, and the spec now says
  // what ORT already did, that with ceil_mode a window starting in the right padding is dropped (window.ts
  // axisGeometry applies it at every version).
  AveragePool: [1, 7, 10, 11, 19, 22],
  GlobalAveragePool: [1, 22],
  GlobalMaxPool: [1, 22],
  // is_test (0: training, batch statistics) until 7, spatial (0: per-activation parameters) until 9,
  // training_mode from 14 (batchNorm).
  BatchNormalization: [1, 6, 7, 9, 14, 15],
  // broadcast (C broadcast or exactly [M, N]) until 7, C optional from 11: numpy from 7 covers both.
  Gemm: [1, 6, 7, 9, 11, 13],
  MatMul: [1, 9, 13],
  // The target shape: an attribute until 5, an input from 5; allowzero from 14.
  Reshape: [1, 5, 13, 14, 19, 21, 23, 24],
  Flatten: [1, 9, 11, 13, 21, 23, 24],
  Transpose: [1, 13, 21, 23, 24],
  // axis optional (default 1) until 4.
  Concat: [1, 4, 11, 13],
  // split: attribute or input 1 in 1, attribute 2 to 12, input from 13; num_outputs from 18.
  Split: [1, 2, 11, 13, 18],
  // The pads: attribute `paddings` in 1, `pads` 2 to 10, inputs from 11; axes input from 18.
  Pad: [1, 2, 11, 13, 18, 19, 21, 23, 24],
  // axes: attribute until 18, input from 18.
  ReduceMean: [1, 11, 13, 18],
  // axes: attribute until 13, input from 13.
  Squeeze: [1, 11, 13, 21, 23, 24],
  Unsqueeze: [1, 11, 13, 21, 23, 24],
  // is_test (0: random dropout) until 7; ratio and training_mode inputs from 12.
  Dropout: [1, 6, 7, 10, 12, 13, 22],
  // axis (per-axis scales) from 13; saturate and output_dtype (Quantize) from 19, block_size from 21;
  // QuantizeLinear's precision and DequantizeLinear's output_dtype from 23 (ops-quant.ts quantAttrs).
  QuantizeLinear: [10, 13, 19, 21, 23, 24],
  DequantizeLinear: [10, 13, 19, 21, 23, 24],
  QLinearConv: [10],
  QLinearMatMul: [10, 21],
  // output_sequence until 7; GRU's linear_before_reset from 3; layout from 14 (ops-rnn.ts).
  RNN: [1, 7, 14, 22],
  LSTM: [1, 7, 14, 22],
  GRU: [1, 3, 7, 14, 22],
  Constant: [1, 9, 11, 12, 13, 19, 21, 23, 24],
  // start and end from 15.
  Shape: [1, 13, 15, 19, 21, 23, 24],
  // `to`: a type name until 6, the type's number from 6; round_mode (for float8e8m0 only) from 24 (fold.ts).
  Cast: [1, 6, 9, 13, 19, 21, 23, 24],
  Gather: [1, 11, 13],
  // starts/ends/axes: attributes until 10, inputs (and steps) from 10.
  Slice: [1, 10, 11, 13],
  ConstantOfShape: [9, 20, 21, 23, 24],
};

/** consumed_inputs, a legacy in-place hint that the ops of opset 1 carried until 6: accepted and ignored. */
export function legacyAttrs(n: OnnxNode): string[] {
  return n.opset < 6 ? ['consumed_inputs'] : [];
}

/**
 * Whether node n (default domain) runs `version` of its op or a later one. `version` must be one of the
 * op's versions in OP_VERSIONS: a converter cannot test a change the table does not record.
 */
export function since(n: OnnxNode, version: number): boolean {
  if (!OP_VERSIONS[n.op]?.includes(version)) throw new Error(`internal: ${n.op} has no version ${version} in OP_VERSIONS`);
  return n.opset >= version;
}

/** The version of n's op that its opset selects; an opset past MAX_OPSET or before the op existed is refused. */
export function opVersion(n: OnnxNode): number | undefined {
  if (n.opset > MAX_OPSET) throw n.unsupported(`opset ${n.opset}; the newest opset known here is ${MAX_OPSET}`);
  const versions = OP_VERSIONS[n.op];
  if (!versions) return undefined;
  if (n.opset < versions[0]) throw n.malformed(`${n.op} does not exist before opset ${versions[0]}; the model imports opset ${n.opset}`);
  return versions.filter((v) => v <= n.opset).at(-1);
}
