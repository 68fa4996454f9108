// The part of the TFLite schema (tensorflow/compiler/mlir/lite/schema/schema.fbs, file identifier
// "TFL3", schema version 3) the importer reads, decoded from the FlatBuffer into plain objects. Field
// ids are the declaration order of the schema (a union takes two ids: its type, then its value).
// Only subgraph 0 (the model) is decoded; buffers are read when asked for, as views into the file.
import { FlatBufferReader, type Table } from './flatbuffer.js';

export const TensorType = {
  FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, STRING: 5, BOOL: 6, INT16: 7, COMPLEX64: 8, INT8: 9,
  FLOAT64: 10, COMPLEX128: 11, UINT64: 12, RESOURCE: 13, VARIANT: 14, UINT32: 15, UINT16: 16, INT4: 17, BFLOAT16: 18,
} as const;

const TYPE_NAMES = Object.fromEntries(Object.entries(TensorType).map(([k, v]) => [v, k]));

export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `type ${t}`;
}

/** BuiltinOperator codes of the ops the importer converts or names in its errors. */
export const Op = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9,
  LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU_N1_TO_1: 20, RELU6: 21, RESHAPE: 22, SOFTMAX: 25, TANH: 28,
  CUSTOM: 32, PAD: 34, GATHER: 36, TRANSPOSE: 39, MEAN: 40, SUB: 41, DIV: 42, SQUEEZE: 43, STRIDED_SLICE: 45, SPLIT: 49,
  LOG_SOFTMAX: 50, PRELU: 54, PADV2: 60, SLICE: 65, EXPAND_DIMS: 70, PACK: 83, UNPACK: 88, RESIZE_NEAREST_NEIGHBOR: 97,
  LEAKY_RELU: 98, SPLIT_V: 102, QUANTIZE: 114, HARD_SWISH: 117,
  BATCH_MATMUL: 126, PLACEHOLDER_FOR_GREATER_OP_CODES: 127, RELU_0_TO_1: 152,
} as const;

/** Names of every BuiltinOperator up to 207 (schema.fbs), for messages. */
const OP_NAMES = ('ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR '
  + 'FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM '
  + 'MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS '
  + 'SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND '
  + 'TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT '
  + 'LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL '
  + 'LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW '
  + 'ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV '
  + 'REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS '
  + 'SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG '
  + 'ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM '
  + 'BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS HASHTABLE '
  + 'HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE '
  + 'BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1 '
  + 'UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR '
  + 'RIGHT_SHIFT').split(' ');

export function opName(code: number): string {
  return OP_NAMES[code] ?? (code >= 162 && code <= 207 ? `STABLEHLO/builtin ${code}` : `builtin ${code}`);
}

/** BuiltinOptions union types (1-based position in the union). */
export const Options = {
  Conv2D: 1, DepthwiseConv2D: 2, Pool2D: 5, FullyConnected: 8, Softmax: 9, Concatenation: 10, Add: 11, Reshape: 17,
  Mul: 21, Pad: 22, Gather: 23, Transpose: 26, Reducer: 27, Sub: 28, Div: 29, Squeeze: 30, StridedSlice: 32, Split: 35,
  LogSoftmax: 36, Dequantize: 38, PadV2: 43, Slice: 48, ExpandDims: 52, Pack: 59, Unpack: 64, ResizeNearestNeighbor: 74,
  LeakyRelu: 75, SplitV: 79, Quantize: 89, HardSwish: 91, BatchMatMul: 101,
} as const;

export const Padding = { SAME: 0, VALID: 1 } as const;

export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

export interface Quant {
  readonly scale: Float32Array;
  readonly zeroPoint: readonly number[];
  readonly dimension: number;
}

export interface TensorInfo {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  /** shape with -1 for unknown dims, when the file gives it. */
  readonly signature?: readonly number[];
  readonly type: number;
  readonly buffer: number;
  /** Present when the tensor carries scales (zero points default to 0). */
  readonly quant?: Quant;
  readonly isVariable: boolean;
  readonly sparse: boolean;
  /** What the importer cannot represent about it (custom quantization), when anything. */
  readonly oddity?: string;
  readonly path: string;
}

export interface OperatorInfo {
  readonly index: number;
  readonly opcode: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly optionsType: number;
  readonly options?: Table;
  readonly hasCustomOptions: boolean;
  readonly path: string;
}

export interface OperatorCode {
  readonly builtin: number;
  readonly custom?: string;
  readonly version: number;
}

export interface SubGraph {
  readonly name?: string;
  readonly tensors: readonly TensorInfo[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly OperatorInfo[];
}

export interface TfliteModel {
  readonly reader: FlatBufferReader;
  readonly version: number;
  readonly description?: string;
  readonly operatorCodes: readonly OperatorCode[];
  readonly subgraphCount: number;
  readonly subgraph: SubGraph;
  readonly bufferCount: number;
  readonly metadata: readonly { readonly name: string; readonly buffer: number }[];
  /** The bytes of buffer `i` (a view into the file; empty when it has none). */
  buffer(i: number, where: string): Uint8Array;
}

/** Decodes the model table and subgraph 0. */
export function readModel(bytes: Uint8Array): TfliteModel {
  const r: FlatBufferReader = new FlatBufferReader(bytes, 'TFLite model');
  const m = r.root('model');
  const version = m.u32(0, 'version');
  const operatorCodes = (m.tables(1, 'operator_codes')?.map((t): OperatorCode => {
    // deprecated_builtin_code (a byte) serves codes below 127; builtin_code (int32) was added for the rest:
    // the code is the larger of the two (TFLite's GetBuiltinCode).
    const deprecated = t.i8(0, 'deprecated_builtin_code');
    const builtin = Math.max(deprecated, t.i32(3, 'builtin_code'));
    const custom = t.string(1, 'custom_code');
    return { builtin, version: t.i32(2, 'version', 1), ...(custom !== undefined ? { custom } : {}) };
  })) ?? [];
  const subgraphs = m.tables(2, 'subgraphs');
  if (!subgraphs || subgraphs.length === 0) r.fail('the model has no subgraphs', 'model.subgraphs', m.pos);
  const description = m.string(3, 'description');
  const buffers = m.tables(4, 'buffers');
  const metadata = m.tables(6, 'metadata')?.map((t) => ({ name: t.string(0, 'name') ?? '', buffer: t.u32(1, 'buffer') })) ?? [];
  const bufferCount = buffers?.length ?? 0;
  return {
    reader: r,
    version,
    ...(description !== undefined ? { description } : {}),
    operatorCodes,
    subgraphCount: subgraphs.length,
    subgraph: readSubGraph(subgraphs.get(0)),
    bufferCount,
    metadata,
    buffer(i, where) {
      if (!buffers || !Number.isInteger(i) || i < 0 || i >= bufferCount) r.fail(`buffer index ${i} is out of range (${bufferCount} buffers)`, where, m.pos);
      const b = buffers.get(i);
      const data = b.bytes(0, 'data');
      // Models over 2 GB keep buffers outside the FlatBuffer: offset (> 1) and size from the file start.
      const offset = b.u64(1, 'offset'), size = b.u64(2, 'size');
      if (offset > 1) {
        if (data && data.length > 0) r.fail('buffer has both inline data and an external offset', b.path, b.pos);
        r.check(offset, size, b.child('offset'), 'external buffer');
        return bytes.subarray(offset, offset + size);
      }
      return data ?? new Uint8Array(0);
    },
  };
}

function readSubGraph(g: Table): SubGraph {
  const name = g.string(4, 'name');
  return {
    ...(name !== undefined ? { name } : {}),
    tensors: g.tables(0, 'tensors')?.map(readTensor) ?? [],
    inputs: g.ints(1, 'inputs') ?? [],
    outputs: g.ints(2, 'outputs') ?? [],
    operators: g.tables(3, 'operators')?.map(readOperator) ?? [],
  };
}

function readTensor(t: Table, index: number): TensorInfo {
  const shape = t.ints(0, 'shape') ?? [];
  const signature = t.ints(7, 'shape_signature');
  const q = t.table(4, 'quantization');
  let quant: Quant | undefined;
  let oddity: string | undefined;
  if (q) {
    const details = q.union(4, 'details');
    if (details.type !== 0) oddity = `custom quantization (details type ${details.type})`;
    const scale = q.floats(2, 'scale');
    if (scale && scale.length > 0) {
      const zp = q.longs(3, 'zero_point') ?? [];
      quant = { scale, zeroPoint: zp.length > 0 ? zp : new Array<number>(scale.length).fill(0), dimension: q.i32(6, 'quantized_dimension') };
    }
  }
  return {
    index,
    name: t.string(3, 'name') ?? '',
    shape,
    ...(signature ? { signature } : {}),
    type: t.i8(1, 'type'),
    buffer: t.u32(2, 'buffer'),
    ...(quant ? { quant } : {}),
    isVariable: t.bool(5, 'is_variable'),
    sparse: t.has(6),
    ...(oddity ? { oddity } : {}),
    path: t.path,
  };
}

function readOperator(t: Table, index: number): OperatorInfo {
  const options = t.union(3, 'builtin_options');
  return {
    index,
    opcode: t.u32(0, 'opcode_index'),
    inputs: t.ints(1, 'inputs') ?? [],
    outputs: t.ints(2, 'outputs') ?? [],
    optionsType: options.type,
    ...(options.table ? { options: options.table } : {}),
    hasCustomOptions: t.has(5),
    path: t.path,
  };
}

// ---- builtin options (each reader takes the union's table, undefined meaning all defaults) ----

export interface Conv2DOptions { padding: number; strideW: number; strideH: number; activation: number; dilationW: number; dilationH: number }
export function conv2dOptions(t: Table | undefined): Conv2DOptions {
  return {
    padding: t?.i8(0, 'padding') ?? 0, strideW: t?.i32(1, 'stride_w') ?? 0, strideH: t?.i32(2, 'stride_h') ?? 0,
    activation: t?.i8(3, 'fused_activation_function') ?? 0, dilationW: t?.i32(4, 'dilation_w_factor', 1) ?? 1, dilationH: t?.i32(5, 'dilation_h_factor', 1) ?? 1,
  };
}

export interface DepthwiseOptions extends Conv2DOptions { depthMultiplier: number }
export function depthwiseOptions(t: Table | undefined): DepthwiseOptions {
  return {
    padding: t?.i8(0, 'padding') ?? 0, strideW: t?.i32(1, 'stride_w') ?? 0, strideH: t?.i32(2, 'stride_h') ?? 0,
    depthMultiplier: t?.i32(3, 'depth_multiplier') ?? 0, activation: t?.i8(4, 'fused_activation_function') ?? 0,
    dilationW: t?.i32(5, 'dilation_w_factor', 1) ?? 1, dilationH: t?.i32(6, 'dilation_h_factor', 1) ?? 1,
  };
}

export interface Pool2DOptions { padding: number; strideW: number; strideH: number; filterW: number; filterH: number; activation: number }
export function pool2dOptions(t: Table | undefined): Pool2DOptions {
  return {
    padding: t?.i8(0, 'padding') ?? 0, strideW: t?.i32(1, 'stride_w') ?? 0, strideH: t?.i32(2, 'stride_h') ?? 0,
    filterW: t?.i32(3, 'filter_width') ?? 0, filterH: t?.i32(4, 'filter_height') ?? 0, activation: t?.i8(5, 'fused_activation_function') ?? 0,
  };
}

export interface FullyConnectedOptions { activation: number; weightsFormat: number; keepNumDims: boolean }
export function fullyConnectedOptions(t: Table | undefined): FullyConnectedOptions {
  return {
    activation: t?.i8(0, 'fused_activation_function') ?? 0, weightsFormat: t?.i8(1, 'weights_format') ?? 0,
    keepNumDims: t?.bool(2, 'keep_num_dims') ?? false,
  };
}

/** Options whose only field is the fused activation (Add, Sub, Mul, Concatenation's second field aside). */
export function activationOption(t: Table | undefined, id = 0): number {
  return t?.i8(id, 'fused_activation_function') ?? 0;
}

export function softmaxBeta(t: Table | undefined): number {
  // The schema declares no default (0), but converters always write beta; TFLite reads an absent one as 0 too.
  return t?.f32(0, 'beta') ?? 0;
}

export function concatenationOptions(t: Table | undefined): { axis: number; activation: number } {
  return { axis: t?.i32(0, 'axis') ?? 0, activation: t?.i8(1, 'fused_activation_function') ?? 0 };
}

export function reshapeNewShape(t: Table | undefined): number[] | undefined {
  return t?.ints(0, 'new_shape');
}

export function reducerKeepDims(t: Table | undefined): boolean {
  return t?.bool(0, 'keep_dims') ?? false;
}

export function squeezeDims(t: Table | undefined): number[] {
  return t?.ints(0, 'squeeze_dims') ?? [];
}

export function leakyReluAlpha(t: Table | undefined): number {
  return t?.f32(0, 'alpha') ?? 0;
}

export function splitCount(t: Table | undefined): number {
  return t?.i32(0, 'num_splits') ?? 0;
}

export function packOptions(t: Table | undefined): { count: number; axis: number } {
  return { count: t?.i32(0, 'values_count') ?? 0, axis: t?.i32(1, 'axis') ?? 0 };
}

export function unpackOptions(t: Table | undefined): { count: number; axis: number } {
  return { count: t?.i32(0, 'num') ?? 0, axis: t?.i32(1, 'axis') ?? 0 };
}

export function batchMatMulOptions(t: Table | undefined): { adjX: boolean; adjY: boolean } {
  return { adjX: t?.bool(0, 'adj_x') ?? false, adjY: t?.bool(1, 'adj_y') ?? false };
}
