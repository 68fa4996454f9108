// .eim bytes -> Graph. Everything is checked before use: preamble, checksum, header JSON, every tensor
// region and quantization array; any defect is a ModelFormatError. Aligned tensor data comes back as
// typed-array views into the caller's buffer (no copy); misaligned data is copied.
import type { Constant, Graph, Quantization } from '../graph/ir.js';
import { ModelFormatError } from '../errors.js';
import { DTYPE_SIZE, FIELD, PREAMBLE_BYTES, eimChecksum, readPreamble, type Preamble } from './layout.js';
import { validateHeader, type Region, type TensorEntry } from './header.js';
import { readBody } from './stream.js';

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function parseHeaderJson(bytes: Uint8Array, p: Preamble): unknown {
  const raw = bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + p.headerLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch (e) {
    throw new ModelFormatError('header is not valid UTF-8', `byte ${PREAMBLE_BYTES} (header)`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, `byte ${PREAMBLE_BYTES} (header)`, { cause: e });
  }
}

// Views need the absolute byte offset to be a multiple of the element size; the file is little-endian.
function f32At(bytes: Uint8Array, start: number, count: number): Float32Array {
  const abs = bytes.byteOffset + start;
  if (LITTLE_ENDIAN && abs % 4 === 0) return new Float32Array(bytes.buffer, abs, count);
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + 4 * count));
  } else {
    const dv = new DataView(bytes.buffer, abs, 4 * count);
    for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
  }
  return out;
}

function u16At(bytes: Uint8Array, start: number, count: number): Uint16Array {
  const abs = bytes.byteOffset + start;
  if (LITTLE_ENDIAN && abs % 2 === 0) return new Uint16Array(bytes.buffer, abs, count);
  const out = new Uint16Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + 2 * count));
  } else {
    const dv = new DataView(bytes.buffer, abs, 2 * count);
    for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, true);
  }
  return out;
}

function quantization(bytes: Uint8Array, dataOffset: number, t: TensorEntry, where: string): Quantization {
  const q = t.quant!;
  const at = (r: Region): number => dataOffset + r.offset;
  const scales = f32At(bytes, at(q.scales), q.scales.length / 4);
  for (let i = 0; i < scales.length; i++) {
    const s = scales[i];
    if (!(s > 0) || !Number.isFinite(s)) {
      throw new ModelFormatError(`scale ${s} must be finite and > 0 (file byte ${at(q.scales) + 4 * i})`, `${where}.quant.scales[${i}]`);
    }
  }
  if (!q.zeroPoints) return { axis: q.axis, scales };
  const zp = bytes.subarray(at(q.zeroPoints), at(q.zeroPoints) + q.zeroPoints.length);
  const zeroPoints = Int32Array.from(t.dtype === 'i8' ? new Int8Array(zp.buffer, zp.byteOffset, zp.length) : zp);
  return { axis: q.axis, scales, zeroPoints };
}

function constant(bytes: Uint8Array, dataOffset: number, t: TensorEntry, where: string): Constant {
  const start = dataOffset + t.offset;
  const count = t.length / DTYPE_SIZE[t.dtype];
  switch (t.dtype) {
    case 'f32': return { shape: t.shape, dtype: 'f32', data: f32At(bytes, start, count) };
    case 'f16': return { shape: t.shape, dtype: 'f16', data: u16At(bytes, start, count) };
    case 'i8': return { shape: t.shape, dtype: 'i8', data: new Int8Array(bytes.buffer, bytes.byteOffset + start, count), quant: quantization(bytes, dataOffset, t, where) };
    case 'u8': return { shape: t.shape, dtype: 'u8', data: new Uint8Array(bytes.buffer, bytes.byteOffset + start, count), quant: quantization(bytes, dataOffset, t, where) };
  }
}

/**
 * Parses a .eim file. Constants view `bytes` where alignment allows: keep the buffer alive and
 * unmodified while the graph is in use (pass a copy to detach).
 */
export function readEim(input: Uint8Array | ArrayBuffer): Graph {
  let bytes: Uint8Array;
  // A plain Uint8Array over the same memory: subclasses such as Node's Buffer would leak into the graph.
  if (input instanceof Uint8Array) bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else throw new ModelFormatError(`expected a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`, 'input');

  const p = readPreamble(bytes);
  const sum = eimChecksum(bytes);
  if (sum !== p.checksum) {
    throw new ModelFormatError(`checksum mismatch: file says ${hex(p.checksum)}, contents give ${hex(sum)} (corrupted or truncated download)`,
      `byte ${FIELD.checksum} (preamble.checksum)`);
  }
  for (let i = PREAMBLE_BYTES + p.headerLength; i < p.dataOffset; i++) {
    if (bytes[i] !== 0) throw new ModelFormatError('padding between header and data must be zero', `byte ${i}`);
  }
  const header = validateHeader(parseHeaderJson(bytes, p), p.dataLength, p.dataOffset);
  const constants = new Map<string, Constant>();
  header.tensors.forEach((t, i) => constants.set(t.name, constant(bytes, p.dataOffset, t, `header.tensors[${i}]`)));
  return { nodes: header.graph.nodes, inputs: header.graph.inputs, outputs: header.graph.outputs, constants, metadata: header.metadata };
}

/**
 * Downloads a .eim body (fetch Response) into one buffer, reporting progress, then parses it.
 * `total` is the Content-Length (or the size the file's preamble declares), undefined when unknown.
 */
export async function readEimStream(response: Response, onProgress?: (loaded: number, total: number | undefined) => void): Promise<Graph> {
  return readEim(await readBody(response, onProgress));
}
