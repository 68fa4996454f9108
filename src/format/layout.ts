// The fixed byte layout of a .eim file (docs/format.md is the spec): the 32-byte preamble, alignment,
// limits, dtype codes and the checksum's coverage. Shared by the reader, the writer and the tests.
import type { StorageDType } from '../graph/ir.js';
import { ModelFormatError } from '../errors.js';
import { crc32Update } from './crc32.js';

/** PNG-style: a non-ASCII first byte, then CR LF, ^Z, LF so text-mode transfers are detected. */
export const MAGIC = Uint8Array.of(0x89, 0x45, 0x49, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a); // \x89 E I M \r \n ^Z \n
export const VERSION_MAJOR = 1;
export const VERSION_MINOR = 3;

export const PREAMBLE_BYTES = 32;
/** Byte offsets of the preamble fields (all little-endian). */
export const FIELD = {
  magic: 0, versionMajor: 8, versionMinor: 10, flags: 12,
  headerLength: 16, dataOffset: 20, dataLength: 24, checksum: 28,
} as const;

/** Every tensor (and the data section itself) starts at a multiple of this, counted from the file start. */
export const TENSOR_ALIGN = 64;

/** Element counts above these are rejected before anything is allocated. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;
/** Per-sample size of a graph input/output (batch dim excluded); 2^26 f32 = 256 MiB. */
export const MAX_VALUE_ELEMENTS = 2 ** 26;
export const MAX_RANK = 8;
/** Nesting depth of attribute objects; activations use 2. */
export const MAX_ATTR_DEPTH = 8;

export const DTYPE_SIZE: Readonly<Record<StorageDType, number>> = { f32: 4, f16: 2, i8: 1, u8: 1 };
export const DTYPES = Object.keys(DTYPE_SIZE) as StorageDType[];

export function isDType(v: unknown): v is StorageDType {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, v);
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export interface Preamble {
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly flags: number;
  readonly headerLength: number;
  readonly dataOffset: number;
  readonly dataLength: number;
  readonly checksum: number;
}

/** The file's checksum: CRC-32 of every byte except the checksum field itself (bytes 28..31). */
export function eimChecksum(bytes: Uint8Array): number {
  return crc32Update(crc32Update(0, bytes, 0, FIELD.checksum), bytes, PREAMBLE_BYTES, bytes.length);
}

function fieldWhere(name: keyof typeof FIELD): string {
  return `byte ${FIELD[name]} (preamble.${name})`;
}

/**
 * Reads and checks the preamble alone: magic, version, flags, and that the lengths it declares are
 * consistent. `fileLength` is null while streaming (only the self-consistency is checked then).
 */
export function readPreamble(bytes: Uint8Array, fileLength: number | null = bytes.length): Preamble {
  if (bytes.length < PREAMBLE_BYTES) {
    throw new ModelFormatError(`file is ${bytes.length} bytes, shorter than the ${PREAMBLE_BYTES}-byte .eim preamble`, `byte ${bytes.length}`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new ModelFormatError('not an .eim file: bad magic bytes', `byte ${i} (preamble.magic)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_BYTES);
  const p: Preamble = {
    versionMajor: dv.getUint16(FIELD.versionMajor, true),
    versionMinor: dv.getUint16(FIELD.versionMinor, true),
    flags: dv.getUint32(FIELD.flags, true),
    headerLength: dv.getUint32(FIELD.headerLength, true),
    dataOffset: dv.getUint32(FIELD.dataOffset, true),
    dataLength: dv.getUint32(FIELD.dataLength, true),
    checksum: dv.getUint32(FIELD.checksum, true),
  };
  if (p.versionMajor !== VERSION_MAJOR) {
    throw new ModelFormatError(`unsupported .eim major version ${p.versionMajor} (this reader reads version ${VERSION_MAJOR}.x)`, fieldWhere('versionMajor'));
  }
  if (p.flags !== 0) {
    throw new ModelFormatError(`unknown flags 0x${p.flags.toString(16)} (version ${VERSION_MAJOR} defines none)`, fieldWhere('flags'));
  }
  if (p.headerLength < 2) throw new ModelFormatError(`header length ${p.headerLength} is too small for a JSON object`, fieldWhere('headerLength'));
  const expectedData = alignUp(PREAMBLE_BYTES + p.headerLength, TENSOR_ALIGN);
  if (p.dataOffset !== expectedData) {
    throw new ModelFormatError(`data offset ${p.dataOffset} must be ${expectedData} (header end rounded up to ${TENSOR_ALIGN})`, fieldWhere('dataOffset'));
  }
  if (fileLength !== null) {
    if (PREAMBLE_BYTES + p.headerLength > fileLength) {
      throw new ModelFormatError(`header length ${p.headerLength} runs past the end of the ${fileLength}-byte file`, fieldWhere('headerLength'));
    }
    const total = p.dataOffset + p.dataLength;
    if (total !== fileLength) {
      throw new ModelFormatError(`file is ${fileLength} bytes but its preamble declares ${total} (data offset ${p.dataOffset} + data length ${p.dataLength})${total > fileLength ? ': truncated' : ''}`,
        fieldWhere('dataLength'));
    }
  }
  return p;
}

/** The total file length the preamble declares, for preallocating while streaming. */
export function declaredFileLength(p: Preamble): number {
  return p.dataOffset + p.dataLength;
}
