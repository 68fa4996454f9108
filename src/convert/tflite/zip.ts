// The zip archive TFLite's metadata writer appends to a model (its "associated files": label files,
// vocabularies). A minimal reader (APPNOTE.TXT 6.3: end of central directory record, central directory
// headers, local headers): stored and deflated entries, no ZIP64, no encryption, one disk. The archive
// may follow other bytes (the model), so every offset is shifted by where the central directory really
// is against where the record says it is. Every offset and length is checked against the file before
// use; an entry inflates to exactly its declared size (capped) and its CRC-32 is checked.
import { inflateRawSync } from 'node:zlib';
import { ModelFormatError } from '../../errors.js';
import { crc32 } from '../../format/crc32.js';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

/** Largest associated file read: label files and vocabularies are kilobytes. */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  /** Offset of the local header in the file (shift applied). */
  readonly local: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function fail(message: string, at: number): never {
  throw new ModelFormatError(`associated files (zip): ${message}`, `byte ${at}`);
}

/** The entries of the zip archive at the end of `bytes`, or undefined when there is none. */
export function zipEntries(bytes: Uint8Array): ZipEntry[] | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  // The record sits in the last 22 + 65535 (comment) bytes; the last consistent candidate wins.
  for (let at = n - EOCD_SIZE; at >= Math.max(0, n - EOCD_SIZE - 0xffff); at--) {
    if (v.getUint32(at, true) !== EOCD) continue;
    const commentLength = v.getUint16(at + 20, true);
    if (at + EOCD_SIZE + commentLength !== n) continue;
    const count = v.getUint16(at + 10, true), cdSize = v.getUint32(at + 12, true), cdOffset = v.getUint32(at + 16, true);
    if (v.getUint16(at + 4, true) !== 0 || v.getUint16(at + 6, true) !== 0 || v.getUint16(at + 8, true) !== count) {
      fail('a multi-disk archive', at);
    }
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) fail('a ZIP64 archive', at);
    const cd = at - cdSize;
    const shift = cd - cdOffset;
    if (cd < 0 || shift < 0) continue;
    return readCentral(bytes, v, cd, at, count, shift);
  }
  return undefined;
}

function readCentral(bytes: Uint8Array, v: DataView, cd: number, end: number, count: number, shift: number): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = cd;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_SIZE > end || v.getUint32(p, true) !== CENTRAL) fail(`central directory entry ${i} is missing`, p);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    const compressedSize = v.getUint32(p + 20, true), size = v.getUint32(p + 24, true);
    const nameLength = v.getUint16(p + 28, true), extraLength = v.getUint16(p + 30, true), commentLength = v.getUint16(p + 32, true);
    const local = v.getUint32(p + 42, true) + shift;
    const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > end) fail(`central directory entry ${i} runs past the directory`, p);
    const name = utf8.decode(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength));
    if (flags & 1) fail(`entry "${name}" is encrypted`, p);
    if (local + LOCAL_SIZE > cd) fail(`entry "${name}": local header at ${local} is outside the archive`, p);
    entries.push({ name, method, compressedSize, size, crc, local });
    p = next;
  }
  return entries;
}

/** The contents of one entry: stored or deflated, exactly its declared size, CRC checked. */
export function readEntry(bytes: Uint8Array, e: ZipEntry): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (e.local + LOCAL_SIZE > bytes.length || v.getUint32(e.local, true) !== LOCAL) fail(`entry "${e.name}" has no local header`, e.local);
  const start = e.local + LOCAL_SIZE + v.getUint16(e.local + 26, true) + v.getUint16(e.local + 28, true);
  if (start + e.compressedSize > bytes.length) fail(`entry "${e.name}" runs past the end of the file`, e.local);
  if (e.size > MAX_ENTRY_BYTES) fail(`entry "${e.name}" is ${e.size} bytes, over the ${MAX_ENTRY_BYTES}-byte limit`, e.local);
  const raw = bytes.subarray(start, start + e.compressedSize);
  let data: Uint8Array;
  if (e.method === 0) {
    if (e.compressedSize !== e.size) fail(`stored entry "${e.name}" has sizes ${e.compressedSize} and ${e.size}`, e.local);
    data = raw;
  } else if (e.method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
    } catch (err) {
      throw new ModelFormatError(`associated files (zip): entry "${e.name}" does not inflate: ${(err as Error).message}`, `byte ${start}`, { cause: err });
    }
    if (data.length !== e.size) fail(`entry "${e.name}" inflates to ${data.length} bytes, not ${e.size}`, start);
  } else {
    fail(`entry "${e.name}" uses compression method ${e.method} (only stored and deflate)`, e.local);
  }
  if (crc32(data) !== e.crc) fail(`entry "${e.name}" fails its CRC-32 check`, start);
  return data;
}
