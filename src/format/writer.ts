// Graph -> .eim bytes: preamble, JSON header, then every constant 64-byte aligned, then the packed
// quantization arrays. The header is run through the reader's validator before writing, so anything
// writeEim produces, readEim accepts.
import type { Constant, Graph, ModelMetadata, ValueInfo } from '../graph/ir.js';
import { ModelFormatError } from '../errors.js';
import { checkShape, elementCount, fail, integer } from './json-check.js';
import {
  DTYPE_SIZE, FIELD, MAGIC, MAX_TENSOR_ELEMENTS, PREAMBLE_BYTES, TENSOR_ALIGN, VERSION_MAJOR, VERSION_MINOR,
  alignUp, eimChecksum, isDType, type Preamble,
} from './layout.js';
import { validateHeader, type TensorEntry } from './header.js';

const MAX_U32 = 0xffffffff;

// The preamble's writing half (layout.ts reads it): here, so that the runtime, which only reads, does not carry it.
export function writePreamble(out: Uint8Array, p: Omit<Preamble, 'checksum'>): void {
  const dv = new DataView(out.buffer, out.byteOffset, PREAMBLE_BYTES);
  out.set(MAGIC, FIELD.magic);
  dv.setUint16(FIELD.versionMajor, p.versionMajor, true);
  dv.setUint16(FIELD.versionMinor, p.versionMinor, true);
  dv.setUint32(FIELD.flags, p.flags, true);
  dv.setUint32(FIELD.headerLength, p.headerLength, true);
  dv.setUint32(FIELD.dataOffset, p.dataOffset, true);
  dv.setUint32(FIELD.dataLength, p.dataLength, true);
}

/** Recomputes and stores the checksum of a complete file in place. */
export function sealChecksum(bytes: Uint8Array): void {
  new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_BYTES).setUint32(FIELD.checksum, eimChecksum(bytes), true);
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const DATA_CTOR = { f32: Float32Array, f16: Uint16Array, i8: Int8Array, u8: Uint8Array } as const;
const ZERO_POINT_RANGE = { i8: [-128, 127], u8: [0, 255] } as const;

export interface AssembleOptions {
  readonly versionMajor?: number;
  readonly versionMinor?: number;
  readonly flags?: number;
}

/**
 * Wraps raw header bytes (or text) and a data section into a complete file with a valid checksum.
 * writeEim's last step; tests use it to build deliberately malformed files.
 */
export function assembleEim(header: Uint8Array | string, data: Uint8Array, opts: AssembleOptions = {}): Uint8Array {
  const headerBytes = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const dataOffset = alignUp(PREAMBLE_BYTES + headerBytes.length, TENSOR_ALIGN);
  if (dataOffset > MAX_U32 || data.length > MAX_U32) {
    throw new ModelFormatError(`model too large for .eim: header ${headerBytes.length} bytes, data ${data.length} bytes (each must stay under 4 GiB)`, 'graph');
  }
  const out = new Uint8Array(dataOffset + data.length);
  writePreamble(out, {
    versionMajor: opts.versionMajor ?? VERSION_MAJOR, versionMinor: opts.versionMinor ?? VERSION_MINOR, flags: opts.flags ?? 0,
    headerLength: headerBytes.length, dataOffset, dataLength: data.length,
  });
  out.set(headerBytes, PREAMBLE_BYTES);
  out.set(data, dataOffset);
  sealChecksum(out);
  return out;
}

/** Rejects what JSON cannot carry faithfully (NaN, Infinity, typed arrays, Maps...), naming the path. */
function checkJsonable(v: unknown, where: string, depth = 0): void {
  if (depth > 64) fail('value nests too deeply', where);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail('JSON cannot hold a non-finite number (use F32_MAX for an infinite bound)', where, v);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (x === undefined) fail('arrays may not hold undefined', `${where}[${i}]`);
      checkJsonable(x, `${where}[${i}]`, depth + 1);
    });
    return;
  }
  if (typeof v === 'object' && v !== null) {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) fail(`expected a plain object or array, got ${proto?.constructor?.name ?? 'an exotic object'}`, where);
    for (const key of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[key];
      if (x !== undefined) checkJsonable(x, `${where}.${key}`, depth + 1);
    }
    return;
  }
  fail('value cannot be stored in JSON', where, typeof v);
}

function checkConstant(c: Constant, where: string): void {
  if (!isDType(c.dtype)) fail('unknown storage dtype', `${where}.dtype`, c.dtype);
  const ctor = DATA_CTOR[c.dtype];
  if (!(c.data instanceof ctor)) fail(`${c.dtype} data must be a ${ctor.name}`, `${where}.data`, c.data?.constructor?.name);
  const shape = checkShape(c.shape, `${where}.shape`, { maxElements: MAX_TENSOR_ELEMENTS });
  const n = elementCount(shape);
  if (c.data.length !== n) fail(`data has ${c.data.length} values, shape [${shape}] needs ${n}`, `${where}.data`);
  const quantized = c.dtype === 'i8' || c.dtype === 'u8';
  if (!quantized) {
    if (c.quant !== undefined) fail(`${c.dtype} constants carry no quantization`, `${where}.quant`);
    return;
  }
  if (c.quant === undefined) fail(`${c.dtype} constants need quantization parameters`, `${where}.quant`);
  const q = c.quant;
  const axis = integer(q.axis, `${where}.quant.axis`, 0, Math.max(shape.length - 1, 0));
  const axisDim = shape.length === 0 ? 1 : shape[axis];
  if (q.scales.length !== 1 && q.scales.length !== axisDim) fail(`expected 1 or ${axisDim} scales`, `${where}.quant.scales`, q.scales);
  q.scales.forEach((s, i) => { if (!(s > 0) || !Number.isFinite(s)) fail('scales must be finite and > 0', `${where}.quant.scales[${i}]`, s); });
  if (q.zeroPoints === undefined) return;
  if (q.zeroPoints.length !== q.scales.length) fail(`expected ${q.scales.length} zero points (one per scale)`, `${where}.quant.zeroPoints`, q.zeroPoints);
  const [lo, hi] = ZERO_POINT_RANGE[c.dtype as 'i8' | 'u8'];
  q.zeroPoints.forEach((z, i) => integer(z, `${where}.quant.zeroPoints[${i}]`, lo, hi));
}

function valueJson(v: ValueInfo): object {
  return v.sourcePerm ? { name: v.name, shape: v.shape, sourcePerm: v.sourcePerm } : { name: v.name, shape: v.shape };
}

/** Known keys only, in a fixed order, so equal graphs give equal bytes. */
function metadataJson(m: ModelMetadata): object {
  const { name, producer, source, description, labels, preprocess, outputKind, importedFrom, calibration, thresholds, mask } = m;
  const from = importedFrom && { format: importedFrom.format, opset: importedFrom.opset, version: importedFrom.version };
  const cal = calibration && { temperature: calibration.temperature, bias: calibration.bias };
  return { name, producer, source, description, labels, preprocess, outputKind, importedFrom: from, calibration: cal, thresholds,
    mask: mask && { input: mask.input, value: mask.value } };
}

function bytesOf(a: Float32Array | Uint16Array | Int8Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function copyLittleEndian(out: Uint8Array, at: number, a: Float32Array | Uint16Array | Int8Array | Uint8Array): void {
  if (LITTLE_ENDIAN || a.BYTES_PER_ELEMENT === 1) {
    out.set(bytesOf(a), at);
    return;
  }
  const dv = new DataView(out.buffer, out.byteOffset + at, a.byteLength);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(4 * i, a[i], true);
    else dv.setUint16(2 * i, a[i], true);
  }
}

export function writeEim(graph: Graph): Uint8Array {
  const tensors: TensorEntry[] = [];
  const sources: Constant[] = [];
  let cursor = 0;
  for (const [name, c] of graph.constants) {
    const where = `graph.constants[${JSON.stringify(name)}]`;
    if (c === null || typeof c !== 'object') fail('expected a constant', where, c);
    checkConstant(c, where);
    const offset = alignUp(cursor, TENSOR_ALIGN);
    const length = c.data.byteLength;
    cursor = offset + length;
    tensors.push({ name, dtype: c.dtype, shape: [...c.shape], offset, length });
    sources.push(c);
  }
  // Quantization arrays are small: packed after all tensors, scales 4-aligned, zero points 1 byte each.
  tensors.forEach((t, i) => {
    const q = sources[i].quant;
    if (!q) return;
    const scales = { offset: alignUp(cursor, 4), length: 4 * q.scales.length };
    cursor = scales.offset + scales.length;
    if (!q.zeroPoints) {
      tensors[i] = { ...t, quant: { axis: q.axis, scales } };
      return;
    }
    const zeroPoints = { offset: cursor, length: q.zeroPoints.length };
    cursor += zeroPoints.length;
    tensors[i] = { ...t, quant: { axis: q.axis, scales, zeroPoints } };
  });
  const dataLength = cursor;

  const header = {
    graph: {
      inputs: graph.inputs.map(valueJson),
      outputs: graph.outputs.map(valueJson),
      nodes: graph.nodes.map((n) => ({ name: n.name, op: n.op, inputs: n.inputs, outputs: n.outputs, attrs: n.attrs })),
    },
    tensors,
    metadata: metadataJson(graph.metadata ?? {}),
  };
  checkJsonable(header.graph.inputs, 'graph.inputs');
  checkJsonable(header.graph.outputs, 'graph.outputs');
  checkJsonable(header.graph.nodes, 'graph.nodes');
  checkJsonable(header.metadata, 'graph.metadata');
  const text = JSON.stringify(header);
  const headerBytes = new TextEncoder().encode(text);
  validateHeader(JSON.parse(text), dataLength, alignUp(PREAMBLE_BYTES + headerBytes.length, TENSOR_ALIGN));

  const data = new Uint8Array(dataLength);
  tensors.forEach((t, i) => {
    const c = sources[i];
    copyLittleEndian(data, t.offset, c.data);
    if (!t.quant || !c.quant) return;
    copyLittleEndian(data, t.quant.scales.offset, Float32Array.from(c.quant.scales));
    if (t.quant.zeroPoints && c.quant.zeroPoints) {
      const zp = c.dtype === 'i8' ? Int8Array.from(c.quant.zeroPoints) : Uint8Array.from(c.quant.zeroPoints);
      data.set(bytesOf(zp), t.quant.zeroPoints.offset);
    }
  });
  return assembleEim(headerBytes, data, { versionMinor: minorFor(graph.metadata ?? {}) });
}

/**
 * The oldest minor version that holds the file's metadata (at least 1.1, the version before 1.2): a file
 * without the newer fields stays byte for byte what earlier writers wrote, e.g. the committed models.
 */
function minorFor(m: ModelMetadata): number {
  return m.mask ? 3 : m.calibration || m.thresholds ? 2 : 1;
}
