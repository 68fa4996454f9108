// TFLite model metadata (tensorflow/tflite-support metadata_schema.fbs, file identifier "M001"): the
// FlatBuffer stored in the model's buffer named "TFLITE_METADATA", and the label file it names, read
// from the zip archive appended to the model. Only what becomes .eim metadata is read: names, the input
// image's colour space and normalisation, and the output's TENSOR_AXIS_LABELS file.
import { ModelFormatError } from '../../errors.js';
import { FlatBufferReader, type Table } from './flatbuffer.js';
import { readEntry, zipEntries } from './zip.js';
import { labelLines } from '../labels.js';

export const METADATA_NAME = 'TFLITE_METADATA';

const AssociatedFileType = { TENSOR_AXIS_LABELS: 2 } as const;
/** ContentProperties union: FeatureProperties 1, ImageProperties 2, BoundingBoxProperties 3. */
const IMAGE_PROPERTIES = 2;
/** ProcessUnitOptions union: NormalizationOptions 1. */
const NORMALIZATION = 1;
export const ColorSpace = { UNKNOWN: 0, RGB: 1, GRAYSCALE: 2 } as const;

export interface AssociatedFile {
  readonly name: string;
  readonly type: number;
  readonly locale?: string;
}

export interface TensorMeta {
  readonly name?: string;
  readonly colorSpace?: number;
  readonly mean?: Float32Array;
  readonly std?: Float32Array;
  readonly files: readonly AssociatedFile[];
}

export interface ModelMeta {
  readonly name?: string;
  readonly description?: string;
  readonly version?: string;
  readonly author?: string;
  readonly license?: string;
  readonly inputs: readonly TensorMeta[];
  readonly outputs: readonly TensorMeta[];
}

function files(t: Table | undefined, id: number): AssociatedFile[] {
  return t?.tables(id, 'associated_files')?.map((f) => {
    const locale = f.string(3, 'locale');
    return { name: f.string(0, 'name') ?? '', type: f.i8(2, 'type'), ...(locale !== undefined ? { locale } : {}) };
  }) ?? [];
}

function tensorMeta(t: Table): TensorMeta {
  const name = t.string(0, 'name');
  let colorSpace: number | undefined;
  const content = t.table(3, 'content');
  if (content) {
    const props = content.union(0, 'content_properties');
    if (props.type === IMAGE_PROPERTIES && props.table) colorSpace = props.table.i8(0, 'color_space');
  }
  let mean: Float32Array | undefined, std: Float32Array | undefined;
  t.tables(4, 'process_units')?.map((u) => {
    const o = u.union(0, 'options');
    if (o.type === NORMALIZATION && o.table && !mean) {
      mean = o.table.floats(0, 'mean');
      std = o.table.floats(1, 'std');
    }
  });
  return {
    ...(name !== undefined ? { name } : {}),
    ...(colorSpace !== undefined ? { colorSpace } : {}),
    ...(mean ? { mean } : {}),
    ...(std ? { std } : {}),
    files: files(t, 6),
  };
}

/** Decodes the metadata FlatBuffer (the TFLITE_METADATA buffer's bytes). */
export function readModelMeta(bytes: Uint8Array): ModelMeta {
  const r = new FlatBufferReader(bytes, 'TFLite metadata');
  const m = r.root('metadata');
  const sub = m.tables(3, 'subgraph_metadata');
  const g = sub && sub.length > 0 ? sub.get(0) : undefined;
  const str = (id: number, name: string): Record<string, string> => {
    const s = m.string(id, name);
    return s !== undefined && s !== '' ? { [name]: s } : {};
  };
  return {
    ...str(0, 'name'), ...str(1, 'description'), ...str(2, 'version'), ...str(4, 'author'), ...str(5, 'license'),
    inputs: g?.tables(2, 'input_tensor_metadata')?.map(tensorMeta) ?? [],
    outputs: g?.tables(3, 'output_tensor_metadata')?.map(tensorMeta) ?? [],
  };
}

/**
 * The class labels of output 0: its first TENSOR_AXIS_LABELS file without a locale (else the first
 * one), read from the zip appended to the model. Undefined when the metadata names none; a named file
 * that the archive lacks is a ModelFormatError.
 */
export function readLabels(model: Uint8Array, meta: ModelMeta): string[] | undefined {
  const candidates = (meta.outputs[0]?.files ?? []).filter((f) => f.type === AssociatedFileType.TENSOR_AXIS_LABELS);
  const file = candidates.find((f) => f.locale === undefined || f.locale === '') ?? candidates[0];
  if (!file) return undefined;
  const entries = zipEntries(model);
  if (!entries) throw new ModelFormatError(`the metadata names label file "${file.name}" but no zip archive of associated files follows the model`, 'metadata.associated_files');
  const entry = entries.find((e) => e.name === file.name);
  if (!entry) throw new ModelFormatError(`label file "${file.name}" is not in the associated files (${entries.map((e) => e.name).join(', ') || 'none'})`, 'metadata.associated_files');
  return labelLines(new TextDecoder('utf-8', { fatal: false }).decode(readEntry(model, entry)));
}

