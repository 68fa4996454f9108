// The JSON header of a .eim file: its schema as types, and validateHeader(), which checks every field's
// type, every tensor's dtype/shape/length and that all data regions are in bounds, aligned and disjoint.
import type { ModelMetadata, Node, StorageDType, ValueInfo } from '../graph/ir.js';
import { ModelFormatError } from '../errors.js';
import { array, checkShape, elementCount, fail, has, integer, object, string, oneOf } from './json-check.js';
import { DTYPES, DTYPE_SIZE, MAX_TENSOR_ELEMENTS, TENSOR_ALIGN } from './layout.js';
import { validateGraphSection } from './header-graph.js';
import { validateMetadata } from './header-metadata.js';

/** A byte range of the data section; `offset` counts from the data section's start. */
export interface Region {
  readonly offset: number;
  readonly length: number;
}

export interface QuantEntry {
  readonly axis: number;
  /** f32 little-endian, one per slice along axis (or one for the whole tensor). */
  readonly scales: Region;
  /** Same element type as the tensor (i8 or u8), same count as scales. */
  readonly zeroPoints?: Region;
}

export interface TensorEntry extends Region {
  readonly name: string;
  readonly dtype: StorageDType;
  readonly shape: number[];
  readonly quant?: QuantEntry;
}

export interface EimHeader {
  readonly graph: { inputs: ValueInfo[]; outputs: ValueInfo[]; nodes: Node[] };
  readonly tensors: TensorEntry[];
  readonly metadata: ModelMetadata;
}

const MAX_OFFSET = 2 ** 32;

function region(v: unknown, where: string, align: number, dataLength: number, dataOffset: number): Region {
  const r = object(v, where);
  const offset = integer(r.offset, `${where}.offset`, 0, MAX_OFFSET);
  const length = integer(r.length, `${where}.length`, 0, MAX_OFFSET);
  if (offset % align !== 0) {
    fail(`offset ${offset} (file byte ${dataOffset + offset}) is not a multiple of ${align}`, `${where}.offset`);
  }
  if (offset + length > dataLength) {
    fail(`bytes [${offset}, ${offset + length}) run past the ${dataLength}-byte data section (file byte ${dataOffset + offset})`, `${where}.offset`);
  }
  return { offset, length };
}

function tensorEntry(v: unknown, where: string, dataLength: number, dataOffset: number): TensorEntry {
  const t = object(v, where);
  const name = string(t.name, `${where}.name`, { nonEmpty: true });
  const dtype = oneOf(t.dtype, DTYPES, `${where}.dtype`);
  const shape = checkShape(t.shape, `${where}.shape`, { maxElements: MAX_TENSOR_ELEMENTS });
  const { offset, length } = region(t, where, TENSOR_ALIGN, dataLength, dataOffset);
  const want = elementCount(shape) * DTYPE_SIZE[dtype];
  if (length !== want) fail(`length ${length} does not match ${dtype} shape [${shape}] (${want} bytes)`, `${where}.length`);
  const quantized = dtype === 'i8' || dtype === 'u8';
  if (!quantized) {
    if (has(t, 'quant')) fail(`${dtype} tensors carry no quantization`, `${where}.quant`);
    return { name, dtype, shape, offset, length };
  }
  if (!has(t, 'quant')) fail(`${dtype} tensor needs quantization parameters`, `${where}.quant`);
  const q = object(t.quant, `${where}.quant`);
  const axis = integer(q.axis, `${where}.quant.axis`, 0, Math.max(shape.length - 1, 0));
  const scales = region(q.scales, `${where}.quant.scales`, 4, dataLength, dataOffset);
  const count = scales.length / 4;
  const axisDim = shape.length === 0 ? 1 : shape[axis];
  if (!Number.isInteger(count) || (count !== 1 && count !== axisDim) || count === 0) {
    fail(`${scales.length / 4} scales: expected 1 (per tensor) or ${axisDim} (shape[${axis}])`, `${where}.quant.scales.length`);
  }
  if (!has(q, 'zeroPoints')) return { name, dtype, shape, offset, length, quant: { axis, scales } };
  const zeroPoints = region(q.zeroPoints, `${where}.quant.zeroPoints`, 1, dataLength, dataOffset);
  if (zeroPoints.length !== count) fail(`${zeroPoints.length} zero points for ${count} scales`, `${where}.quant.zeroPoints.length`);
  return { name, dtype, shape, offset, length, quant: { axis, scales, zeroPoints } };
}

/** Fails when two non-empty regions share a byte. */
function checkDisjoint(regions: { r: Region; where: string }[], dataOffset: number): void {
  const live = regions.filter((x) => x.r.length > 0).sort((a, b) => a.r.offset - b.r.offset);
  for (let i = 1; i < live.length; i++) {
    const prev = live[i - 1], cur = live[i];
    if (prev.r.offset + prev.r.length > cur.r.offset) {
      throw new ModelFormatError(`data overlaps ${prev.where} (bytes ${dataOffset + prev.r.offset}..${dataOffset + prev.r.offset + prev.r.length} of the file)`, cur.where);
    }
  }
}

/** Validates a parsed header against a data section of `dataLength` bytes starting at file byte `dataOffset`. */
export function validateHeader(json: unknown, dataLength: number, dataOffset: number): EimHeader {
  const h = object(json, 'header');
  const tensorsJson = array(h.tensors, 'header.tensors');
  const tensors: TensorEntry[] = [];
  const names = new Set<string>();
  const regions: { r: Region; where: string }[] = [];
  tensorsJson.forEach((v, i) => {
    const where = `header.tensors[${i}]`;
    const t = tensorEntry(v, where, dataLength, dataOffset);
    if (names.has(t.name)) fail(`duplicate tensor name ${JSON.stringify(t.name)}`, `${where}.name`);
    names.add(t.name);
    regions.push({ r: t, where });
    if (t.quant) {
      regions.push({ r: t.quant.scales, where: `${where}.quant.scales` });
      if (t.quant.zeroPoints) regions.push({ r: t.quant.zeroPoints, where: `${where}.quant.zeroPoints` });
    }
    tensors.push(t);
  });
  checkDisjoint(regions, dataOffset);
  const graph = validateGraphSection(h.graph, names);
  const metadata = has(h, 'metadata') ? validateMetadata(h.metadata, 'header.metadata') : {};
  return { graph, tensors, metadata };
}
