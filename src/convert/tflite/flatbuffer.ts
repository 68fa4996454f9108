// FlatBuffers reading (https://flatbuffers.dev/internals/) for the TFLite importer, which needs no
// flatbuffers package. Layout facts used: a buffer starts with a u32 offset to the root table (then,
// optionally, a 4-byte file identifier); a table starts with an i32 `soffset` such that its vtable is at
// `table - soffset`; a vtable is u16 [vtable bytes, table bytes, field offset * n] and a field offset of
// 0 (or a field id past the vtable) means "absent, take the default"; references (tables, vectors,
// strings) are u32 offsets relative to where they are stored; a vector is a u32 count then its
// elements (a vector of tables holds one u32 offset per element); a string is a u32 byte count, the
// UTF-8 bytes and a NUL; a union is two fields, its type (u8, 0 = NONE) at id n and its table at n + 1.
// All little-endian, no alignment assumed (DataView reads).
//
// Every offset and length is checked against the buffer (and a field against its table's inline size)
// before it is used. The reader is typed by the caller's schema, which has no recursive types, so no
// cycle can loop; a nesting depth cap and a work budget (tables opened plus vector elements read) still
// bound what a forged file can cost: references may alias, so N vectors of N elements could otherwise
// make N^2 work out of 8N bytes. Any malformed input is a ModelFormatError naming the field path and the
// byte offset.
import { ModelFormatError } from '../../errors.js';

/** Deepest table nesting accepted; the TFLite schema and its metadata need 7. */
export const MAX_DEPTH = 32;

export interface ReaderLimits {
  /** Tables opened plus vector elements read; default 1,000,000 + 4 per byte of the buffer. */
  readonly maxWork?: number;
  readonly maxDepth?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class FlatBufferReader {
  readonly view: DataView;
  private work = 0;
  private readonly maxWork: number;
  readonly maxDepth: number;

  /** `what` names the buffer in error messages, e.g. "TFLite model". */
  constructor(readonly bytes: Uint8Array, readonly what: string, limits: ReaderLimits = {}) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.maxWork = limits.maxWork ?? 1_000_000 + 4 * bytes.length;
    this.maxDepth = limits.maxDepth ?? MAX_DEPTH;
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(message: string, path: string, at: number): never {
    throw new ModelFormatError(`${this.what}: ${message}`, `${path} (byte ${at})`);
  }

  /** Counts `n` units of work; past the budget the file is refused (aliased references). */
  charge(n: number, path: string, at: number): void {
    this.work += n;
    if (this.work > this.maxWork) this.fail(`more than ${this.maxWork} tables and vector elements read: references alias (a forged file)`, path, at);
  }

  /** Checks that [at, at + size) lies inside the buffer. */
  check(at: number, size: number, path: string, what = 'value'): void {
    if (!Number.isInteger(at) || at < 0 || size < 0 || at + size > this.bytes.length) {
      this.fail(`${what} of ${size} bytes at ${at} runs past the end of the ${this.bytes.length}-byte buffer`, path, at);
    }
  }

  u8(at: number, path: string): number { this.check(at, 1, path); return this.view.getUint8(at); }
  i8(at: number, path: string): number { this.check(at, 1, path); return this.view.getInt8(at); }
  u16(at: number, path: string): number { this.check(at, 2, path); return this.view.getUint16(at, true); }
  i16(at: number, path: string): number { this.check(at, 2, path); return this.view.getInt16(at, true); }
  u32(at: number, path: string): number { this.check(at, 4, path); return this.view.getUint32(at, true); }
  i32(at: number, path: string): number { this.check(at, 4, path); return this.view.getInt32(at, true); }
  f32(at: number, path: string): number { this.check(at, 4, path); return this.view.getFloat32(at, true); }
  f64(at: number, path: string): number { this.check(at, 8, path); return this.view.getFloat64(at, true); }

  /** A 64-bit integer as a number; a value past 2^53 in magnitude is refused rather than rounded. */
  i64(at: number, path: string, signed: boolean): number {
    this.check(at, 8, path);
    const v = signed ? this.view.getBigInt64(at, true) : this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`64-bit value ${v} is too large`, path, at);
    return Number(v);
  }

  /** The 4-byte file identifier after the root offset, or '' when the buffer is too short. */
  identifier(): string {
    if (this.bytes.length < 8) return '';
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  /** The root table. */
  root(path: string): Table {
    if (this.bytes.length < 8) this.fail(`${this.bytes.length} bytes are too few for a FlatBuffer`, path, 0);
    return this.table(this.u32(0, path), path, 0);
  }

  /** Follows the u32 reference stored at `at`. */
  deref(at: number, path: string): number {
    const off = this.u32(at, path);
    const to = at + off;
    if (off === 0 || to >= this.bytes.length) this.fail(`reference ${off} from byte ${at} points outside the buffer`, path, at);
    return to;
  }

  /** The table at `pos`, its vtable checked. */
  table(pos: number, path: string, depth: number): Table {
    if (depth > this.maxDepth) this.fail(`tables nested deeper than ${this.maxDepth}`, path, pos);
    this.charge(1, path, pos);
    const soff = this.i32(pos, path);
    const vt = pos - soff;
    if (vt < 0 || vt + 4 > this.bytes.length) this.fail(`vtable at ${vt} is outside the buffer`, path, pos);
    const vtSize = this.view.getUint16(vt, true);
    const tableSize = this.view.getUint16(vt + 2, true);
    if (vtSize < 4 || vtSize % 2 !== 0 || vt + vtSize > this.bytes.length) this.fail(`vtable at ${vt} has a bad size ${vtSize}`, path, vt);
    if (tableSize < 4 || pos + tableSize > this.bytes.length) this.fail(`table of ${tableSize} bytes runs past the end of the buffer`, path, pos);
    return new Table(this, pos, path, depth, vt, vtSize, tableSize);
  }
}

/** A vector's element count and the position of its first element. */
interface VectorRef {
  readonly start: number;
  readonly length: number;
  /** The path of the vector, for errors. */
  readonly path: string;
}

/** One table, read through its vtable; accessors take the field id and its name (for error paths). */
export class Table {
  constructor(readonly r: FlatBufferReader, readonly pos: number, readonly path: string, readonly depth: number,
    private readonly vt: number, private readonly vtSize: number, private readonly size: number) {}

  /** Where field `id` (of `width` inline bytes) is stored, or -1 when absent. */
  private field(id: number, width: number, name: string): number {
    const entry = 4 + 2 * id;
    if (entry + 2 > this.vtSize) return -1;
    const off = this.r.view.getUint16(this.vt + entry, true);
    if (off === 0) return -1;
    if (off < 4 || off + width > this.size) this.r.fail(`field ${name} at table offset ${off} lies outside its ${this.size}-byte table`, this.child(name), this.pos);
    return this.pos + off;
  }

  child(name: string): string {
    return `${this.path}.${name}`;
  }

  has(id: number): boolean {
    const entry = 4 + 2 * id;
    return entry + 2 <= this.vtSize && this.r.view.getUint16(this.vt + entry, true) !== 0;
  }

  bool(id: number, name: string, def = false): boolean {
    const at = this.field(id, 1, name);
    return at < 0 ? def : this.r.u8(at, this.child(name)) !== 0;
  }

  u8(id: number, name: string, def = 0): number {
    const at = this.field(id, 1, name);
    return at < 0 ? def : this.r.u8(at, this.child(name));
  }

  i8(id: number, name: string, def = 0): number {
    const at = this.field(id, 1, name);
    return at < 0 ? def : this.r.i8(at, this.child(name));
  }

  u16(id: number, name: string, def = 0): number {
    const at = this.field(id, 2, name);
    return at < 0 ? def : this.r.u16(at, this.child(name));
  }

  i32(id: number, name: string, def = 0): number {
    const at = this.field(id, 4, name);
    return at < 0 ? def : this.r.i32(at, this.child(name));
  }

  u32(id: number, name: string, def = 0): number {
    const at = this.field(id, 4, name);
    return at < 0 ? def : this.r.u32(at, this.child(name));
  }

  i64(id: number, name: string, def = 0): number {
    const at = this.field(id, 8, name);
    return at < 0 ? def : this.r.i64(at, this.child(name), true);
  }

  u64(id: number, name: string, def = 0): number {
    const at = this.field(id, 8, name);
    return at < 0 ? def : this.r.i64(at, this.child(name), false);
  }

  f32(id: number, name: string, def = 0): number {
    const at = this.field(id, 4, name);
    return at < 0 ? def : this.r.f32(at, this.child(name));
  }

  /** A string field (UTF-8, NUL-terminated), or undefined when absent. */
  string(id: number, name: string): string | undefined {
    const at = this.field(id, 4, name);
    if (at < 0) return undefined;
    const path = this.child(name);
    const s = this.r.deref(at, path);
    const n = this.r.u32(s, path);
    this.r.check(s + 4, n + 1, path, 'string');
    if (this.r.bytes[s + 4 + n] !== 0) this.r.fail('string is not NUL-terminated', path, s + 4 + n);
    try {
      return utf8.decode(this.r.bytes.subarray(s + 4, s + 4 + n));
    } catch {
      return this.r.fail('string is not valid UTF-8', path, s + 4);
    }
  }

  /** A sub-table, or undefined when absent. */
  table(id: number, name: string): Table | undefined {
    const at = this.field(id, 4, name);
    if (at < 0) return undefined;
    const path = this.child(name);
    return this.r.table(this.r.deref(at, path), path, this.depth + 1);
  }

  private vector(id: number, name: string, elemSize: number): VectorRef | undefined {
    const at = this.field(id, 4, name);
    if (at < 0) return undefined;
    const path = this.child(name);
    const v = this.r.deref(at, path);
    const length = this.r.u32(v, path);
    this.r.check(v + 4, length * elemSize, path, `vector of ${length} elements`);
    return { start: v + 4, length, path };
  }

  /** A vector of tables, or undefined when absent. */
  tables(id: number, name: string): TableVector | undefined {
    const v = this.vector(id, name, 4);
    return v && new TableVector(this.r, v.start, v.length, v.path, this.depth + 1);
  }

  /** A vector of `size`-byte structs, or undefined when absent. */
  structs(id: number, name: string, size: number): StructVector | undefined {
    const v = this.vector(id, name, size);
    if (!v) return undefined;
    this.r.charge(v.length, v.path, v.start);
    return new StructVector(this.r, v.start, v.length, size, v.path);
  }

  /** A [ubyte] vector as a view into the buffer (not a copy), or undefined when absent. */
  bytes(id: number, name: string): Uint8Array | undefined {
    const v = this.vector(id, name, 1);
    if (!v) return undefined;
    this.r.charge(1, v.path, v.start);
    return this.r.bytes.subarray(v.start, v.start + v.length);
  }

  /** A vector of 32-bit integers (signed by default), copied; undefined when absent. */
  ints(id: number, name: string, signed = true): number[] | undefined {
    const v = this.vector(id, name, 4);
    if (!v) return undefined;
    this.r.charge(v.length, v.path, v.start);
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = signed ? this.r.view.getInt32(v.start + 4 * i, true) : this.r.view.getUint32(v.start + 4 * i, true);
    return out;
  }

  /** A vector of 64-bit signed integers as numbers (each within 2^53), copied; undefined when absent. */
  longs(id: number, name: string): number[] | undefined {
    const v = this.vector(id, name, 8);
    if (!v) return undefined;
    this.r.charge(v.length, v.path, v.start);
    return Array.from({ length: v.length }, (_, i) => this.r.i64(v.start + 8 * i, `${v.path}[${i}]`, true));
  }

  /** A vector of f32, copied; undefined when absent. */
  floats(id: number, name: string): Float32Array | undefined {
    const v = this.vector(id, name, 4);
    if (!v) return undefined;
    this.r.charge(v.length, v.path, v.start);
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.r.view.getFloat32(v.start + 4 * i, true);
    return out;
  }

  /** A vector of strings, copied; undefined when absent. */
  strings(id: number, name: string): string[] | undefined {
    const t = this.vector(id, name, 4);
    if (!t) return undefined;
    this.r.charge(t.length, t.path, t.start);
    return Array.from({ length: t.length }, (_, i) => {
      const path = `${t.path}[${i}]`;
      const s = this.r.deref(t.start + 4 * i, path);
      const n = this.r.u32(s, path);
      this.r.check(s + 4, n + 1, path, 'string');
      try {
        return utf8.decode(this.r.bytes.subarray(s + 4, s + 4 + n));
      } catch {
        return this.r.fail('string is not valid UTF-8', path, s + 4);
      }
    });
  }

  /**
   * A union stored as fields `typeId` (u8 type, 0 = NONE) and `typeId + 1` (the table). A type without
   * its table, or a table without a type, is malformed.
   */
  union(typeId: number, name: string): { type: number; table?: Table } {
    const type = this.u8(typeId, `${name}_type`);
    const has = this.has(typeId + 1);
    if (type === 0) {
      if (has) this.r.fail(`union ${name} has a value but type NONE`, this.child(name), this.pos);
      return { type };
    }
    if (!has) this.r.fail(`union ${name} of type ${type} has no value`, this.child(name), this.pos);
    return { type, table: this.table(typeId + 1, name) };
  }
}

export class TableVector {
  constructor(private readonly r: FlatBufferReader, private readonly start: number, readonly length: number,
    readonly path: string, private readonly depth: number) {}

  get(i: number): Table {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`index ${i} of a ${this.length}-table vector`);
    const path = `${this.path}[${i}]`;
    return this.r.table(this.r.deref(this.start + 4 * i, path), path, this.depth);
  }

  map<T>(f: (t: Table, i: number) => T): T[] {
    return Array.from({ length: this.length }, (_, i) => f(this.get(i), i));
  }
}

export class StructVector {
  constructor(private readonly r: FlatBufferReader, private readonly start: number, readonly length: number,
    private readonly size: number, readonly path: string) {}

  /** Reads a scalar of struct `i` at byte `offset` within the struct (checked against the struct size). */
  private at(i: number, offset: number, width: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`index ${i} of a ${this.length}-struct vector`);
    if (offset < 0 || offset + width > this.size) throw new RangeError(`offset ${offset} in a ${this.size}-byte struct`);
    return this.start + i * this.size + offset;
  }

  u8(i: number, offset: number): number { return this.r.view.getUint8(this.at(i, offset, 1)); }
  i32(i: number, offset: number): number { return this.r.view.getInt32(this.at(i, offset, 4), true); }
  u32(i: number, offset: number): number { return this.r.view.getUint32(this.at(i, offset, 4), true); }
  f32(i: number, offset: number): number { return this.r.view.getFloat32(this.at(i, offset, 4), true); }
}
