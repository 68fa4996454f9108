// The graph IR: what importers produce, passes rewrite, the .eim format stores and backends run.
// Layout: 4-D image tensors are NHWC; Conv weights are OHWI ([out, kh, kw, in/group]).
// Dimension 0 of a graph input may be -1: the batch, fixed when a session is prepared.
import type { Shape } from '../tensor.js';
import type { Attrs } from '../ops/attrs.js';

export type { AttrValue, Attrs } from '../ops/attrs.js';

export interface Node {
  /** Unique within the graph; used in error messages. */
  name: string;
  /** An op name from src/ops/registry.ts. */
  op: string;
  /** Value names; '' marks an absent optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

/** How a weight is stored: dequantized to f32 by whoever needs float values. */
export type StorageDType = 'f32' | 'f16' | 'i8' | 'u8';

/**
 * value = (q - zeroPoint) * scale. Per-tensor when scales.length === 1, else per-slice along `axis`
 * (for Conv weights, axis 0 = output channel).
 */
export interface Quantization {
  readonly axis: number;
  readonly scales: Float32Array;
  readonly zeroPoints?: Int32Array;
}

export interface Constant {
  readonly shape: Shape;
  readonly dtype: StorageDType;
  /** f32: Float32Array; f16: Uint16Array of IEEE half bits; i8: Int8Array; u8: Uint8Array. */
  readonly data: Float32Array | Uint16Array | Int8Array | Uint8Array;
  /** Present exactly when dtype is i8 or u8. */
  readonly quant?: Quantization;
}

export interface ValueInfo {
  name: string;
  /** IR shape (NHWC for images); dim 0 may be -1 (batch). */
  shape: number[];
  /**
   * Present when the source model's layout differs: the tensor the user passes or receives is
   * transpose(IR tensor, sourcePerm), e.g. [0, 3, 1, 2] for an ONNX NCHW image input.
   */
  sourcePerm?: number[];
}

/** How raw pixels (0..255) become the model's input: x = (pixel * scale - mean[c]) / std[c]. */
export interface ImagePreprocess {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly colorOrder: 'RGB' | 'BGR' | 'GRAY';
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** 'shorter-side': scale the shorter side to resizeTo, then crop; 'stretch': resize to width x height. */
  readonly resize: 'shorter-side' | 'stretch';
  readonly resizeTo?: number;
  readonly crop: 'center' | 'none';
}

/** The source model an importer read (edgeinfer inspect shows it). */
export interface ImportedFrom {
  /** 'onnx', 'tflite' or 'tfjs'; a reader accepts any string, since a newer writer may add formats. */
  format: 'onnx' | 'tflite' | 'tfjs' | (string & {});
  /** ONNX: the opset of the default domain. */
  opset?: number;
  /** The format's own version: "IR 8" (ONNX), "schema 3" (TFLite), "layers-model, <converter>" (TF.js). */
  version?: string;
}

export interface ModelMetadata {
  name?: string;
  /** The tool that made the source model, e.g. "onnx.quantize 0.1.0", "keras 2.1.4". */
  producer?: string;
  /** Where the weights came from (repository, file, license note). */
  source?: string;
  description?: string;
  labels?: string[];
  preprocess?: ImagePreprocess;
  /** What the first output holds, so classifiers know whether to apply softmax. */
  outputKind?: 'logits' | 'probabilities';
  /** Set by the importers; absent in files written before it existed (still valid). */
  importedFrom?: ImportedFrom;
  /** Fitted by `edgeinfer calibrate` (format 1.2); the classifiers apply it to every score. */
  calibration?: Calibration;
  /** Per-class least score of a top class; below it a classifier answers "unknown" (format 1.2). */
  thresholds?: number[];
  /** Missing time steps of a sequence model (format 1.3; the TF.js importer writes it for a Keras Masking layer). */
  mask?: SequenceMask;
}

/**
 * Keras `Masking` as the runtime does it: a frame whose every feature equals `value` is skipped (the state
 * is left as it was), so the classifier moves the other frames to the front and feeds their count to `input`,
 * the graph input of sequence lengths that every recurrent node after the mask reads as sequence_lens.
 */
export interface SequenceMask {
  /** Name of the graph input [batch] of lengths. */
  input: string;
  /** The mask value (Keras mask_value, compared in f32). */
  value: number;
}

/** Temperature scaling, with optional per-class terms: probabilities = softmax(logits / temperature + bias). */
export interface Calibration {
  /** > 0; above 1 softens over-confident scores. */
  temperature: number;
  /** One term per class, added after the division. */
  bias?: number[];
}

export interface Graph {
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  constants: Map<string, Constant>;
  metadata: ModelMetadata;
}
