// Protobuf wire-format reading (https://protobuf.dev/programming-guides/encoding/) for the ONNX
// importer, which needs no protobuf package. Every read is bounded by the enclosing message's end;
// a length is checked against the bytes left before anything is sliced, and bytes are subarray views,
// never copies. Any malformed input is a ModelFormatError naming the field path and byte offset.
import { ModelFormatError } from '../../errors.js';

export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const SGROUP = 3;
export const EGROUP = 4;
export const I32 = 5;

/** Deepest message (or group) nesting accepted; ONNX models need under 10. */
export const MAX_DEPTH = 64;

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'];
const TWO_32 = 4294967296;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A cursor over one protobuf-encoded buffer. Message decoders loop `while (r.more())`, switch on
 * `r.field()`, then read the field with the method of its declared type, which checks the wire type.
 */
export class WireReader {
  /** Byte offset of the next read. */
  pos = 0;
  /** End of the message being read. */
  private end: number;
  /** The current field's number and wire type, set by field(). */
  private num = 0;
  private wire = 0;
  /** The last varint: low and high 32 bits, both unsigned. */
  private lo = 0;
  private hi = 0;
  /** The end a packed run of varints replaced, put back after it. */
  private restore = 0;
  private readonly view: DataView;
  /** Message path for errors: name and repeated index (-1 when single) per level. */
  private readonly names: string[] = [];
  private readonly indices: number[] = [];

  constructor(readonly buf: Uint8Array, root: string) {
    this.end = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.names.push(root);
    this.indices.push(-1);
  }

  /** Whether the current message has another field. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** Reads the next field's tag and returns its number. An end-group tag outside a group is malformed. */
  field(): number {
    const at = this.pos;
    this.varint();
    if (this.hi !== 0) this.fail('field tag out of range', at);
    const num = this.lo >>> 3;
    const wire = this.lo & 7;
    if (num === 0) this.fail('field number 0', at);
    if (wire > I32) this.fail(`invalid wire type ${wire} for field ${num}`, at);
    if (wire === EGROUP) this.fail(`end-group tag for field ${num} outside a group`, at);
    this.num = num;
    this.wire = wire;
    return num;
  }

  /** Skips the current field, whatever its wire type (groups included, as deep as MAX_DEPTH). */
  skip(): void {
    this.skipValue(this.num, this.wire, this.names.length);
  }

  int32(name: string): number {
    this.expect(VARINT, name);
    this.varint(name);
    return this.lo | 0;
  }

  /** A signed int64 as a number: exact up to 2^53, rounded to the nearest double past it (as Long.toNumber). */
  int64(name: string): number {
    this.expect(VARINT, name);
    this.varint(name);
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  uint64(name: string): number {
    this.expect(VARINT, name);
    this.varint(name);
    return this.hi * TWO_32 + this.lo;
  }

  float(name: string): number {
    this.expect(I32, name);
    const at = this.take(4, name);
    return this.view.getFloat32(at, true);
  }

  double(name: string): number {
    this.expect(I64, name);
    const at = this.take(8, name);
    return this.view.getFloat64(at, true);
  }

  /** A bytes field as a view into the buffer. */
  bytes(name: string): Uint8Array {
    this.expect(LEN, name);
    const n = this.length(name);
    const at = this.take(n, name);
    return this.buf.subarray(at, at + n);
  }

  string(name: string): string {
    return decodeUtf8(this.bytes(name));
  }

  /** One element of a repeated int32: a single varint, or a packed run of them. */
  int32s(name: string, out: number[]): void {
    if (this.packed(VARINT, name)) {
      const end = this.enterPacked(name);
      while (this.pos < end) { this.varint(name); out.push(this.lo | 0); }
      this.end = this.restore;
    } else out.push(this.int32(name));
  }

  int64s(name: string, out: number[]): void {
    if (this.packed(VARINT, name)) {
      const end = this.enterPacked(name);
      while (this.pos < end) { this.varint(name); out.push((this.hi | 0) * TWO_32 + this.lo); }
      this.end = this.restore;
    } else out.push(this.int64(name));
  }

  uint64s(name: string, out: number[]): void {
    if (this.packed(VARINT, name)) {
      const end = this.enterPacked(name);
      while (this.pos < end) { this.varint(name); out.push(this.hi * TWO_32 + this.lo); }
      this.end = this.restore;
    } else out.push(this.uint64(name));
  }

  floats(name: string, out: number[]): void {
    if (this.packed(I32, name)) {
      const at = this.packedFixed(4, name);
      for (let p = at; p < this.pos; p += 4) out.push(this.view.getFloat32(p, true));
    } else out.push(this.float(name));
  }

  doubles(name: string, out: number[]): void {
    if (this.packed(I64, name)) {
      const at = this.packedFixed(8, name);
      for (let p = at; p < this.pos; p += 8) out.push(this.view.getFloat64(p, true));
    } else out.push(this.double(name));
  }

  /**
   * An embedded message, decoded by `decode` within its own bounds; `index` is its place in a
   * repeated field (for error paths), -1 when single.
   */
  message<T>(name: string, index: number, decode: (r: WireReader) => T): T {
    this.expect(LEN, name);
    if (this.names.length >= MAX_DEPTH) this.fail(`messages nested deeper than ${MAX_DEPTH}`, this.pos, name);
    const n = this.length(name);
    const outer = this.end;
    const at = this.take(n, name);
    this.pos = at;
    this.end = at + n;
    this.names.push(name);
    this.indices.push(index);
    const value = decode(this);
    // decode() reads while more(), so it stops exactly at the end unless it returned early.
    if (this.pos !== this.end) this.fail('message not read to its end', this.pos);
    this.names.pop();
    this.indices.pop();
    this.end = outer;
    return value;
  }

  /** A ModelFormatError at `at` (default: the current position), naming the path and `name` under it. */
  fail(message: string, at = this.pos, name?: string): never {
    throw new ModelFormatError(message, `${this.path(name)}, byte ${at}`);
  }

  /** The dotted path of the message being read, plus `name` when given: model.graph.node[3].attribute[0]. */
  path(name?: string): string {
    let s = '';
    for (let i = 0; i < this.names.length; i++) {
      s += (i ? '.' : '') + this.names[i] + (this.indices[i] >= 0 ? `[${this.indices[i]}]` : '');
    }
    return name ? `${s}.${name}` : s;
  }

  /** Whether a repeated scalar field comes packed (length-delimited) rather than as one `wire` value. */
  private packed(wire: number, name: string): boolean {
    if (this.wire === LEN) return true;
    this.expect(wire, name);
    return false;
  }

  /** Bounds reads to a packed run of varints; the caller puts `end` back from `restore`. */
  private enterPacked(name: string): number {
    const n = this.length(name);
    const at = this.take(n, name);
    this.pos = at;
    this.restore = this.end;
    this.end = at + n;
    return this.end;
  }

  /** Consumes a packed run of fixed-width values; returns its first byte (the run ends at pos). */
  private packedFixed(width: number, name: string): number {
    const n = this.length(name);
    if (n % width !== 0) this.fail(`packed ${name} of ${n} bytes is not a whole number of ${width}-byte values`, this.pos, name);
    return this.take(n, name);
  }

  private expect(wire: number, name: string): void {
    if (this.wire !== wire) {
      this.fail(`field ${this.num} has wire type ${WIRE_NAMES[this.wire]}, expected ${WIRE_NAMES[wire]}`, this.pos, name);
    }
  }

  /** A length prefix, checked against the bytes left in the current message. */
  private length(name: string): number {
    const at = this.pos;
    this.varint(name);
    const left = this.end - this.pos;
    if (this.hi !== 0 || this.lo > left) this.fail(`length ${this.hi * TWO_32 + this.lo} runs past the end (${left} bytes left)`, at, name);
    return this.lo;
  }

  /** Advances past n bytes (n already known to fit, or checked here); returns where they start. */
  private take(n: number, name: string): number {
    const at = this.pos;
    if (n > this.end - at) this.fail(`needs ${n} bytes, ${this.end - at} left`, at, name);
    this.pos = at + n;
    return at;
  }

  /** Reads a varint of at most 10 bytes into lo/hi; bits past 64 are dropped, as protobuf decoders do. */
  private varint(name?: string): void {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    let lo = 0;
    let byte: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) this.fail('truncated varint', this.pos, name);
      byte = b[p++];
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        this.pos = p;
        return;
      }
    }
    if (p >= end) this.fail('truncated varint', this.pos, name);
    byte = b[p++];
    lo |= (byte & 0x0f) << 28;
    let hi = (byte & 0x7f) >> 4;
    if (byte >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) this.fail('varint longer than 10 bytes', this.pos, name);
        if (p >= end) this.fail('truncated varint', this.pos, name);
        byte = b[p++];
        hi |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.pos = p;
  }

  private skipValue(num: number, wire: number, depth: number): void {
    switch (wire) {
      case VARINT: this.varint(); return;
      case I64: this.take(8, `field ${num}`); return;
      case I32: this.take(4, `field ${num}`); return;
      case LEN: this.take(this.length(`field ${num}`), `field ${num}`); return;
      case SGROUP: {
        if (depth >= MAX_DEPTH) this.fail(`groups nested deeper than ${MAX_DEPTH}`);
        for (;;) {
          const at = this.pos;
          if (at >= this.end) this.fail(`group ${num} has no end-group tag`, at);
          this.varint();
          if (this.hi !== 0) this.fail('field tag out of range', at);
          const inner = this.lo >>> 3, w = this.lo & 7;
          if (inner === 0) this.fail('field number 0', at);
          if (w > I32) this.fail(`invalid wire type ${w} for field ${inner}`, at);
          if (w === EGROUP) {
            if (inner !== num) this.fail(`end-group tag for field ${inner} closes group ${num}`, at);
            return;
          }
          this.skipValue(inner, w, depth + 1);
        }
      }
      default: this.fail(`invalid wire type ${wire} for field ${num}`);
    }
  }
}

/** UTF-8 to a string; invalid sequences become U+FFFD. ASCII (names, op types) skips TextDecoder's call cost. */
export function decodeUtf8(b: Uint8Array): string {
  const n = b.length;
  if (n > 64) return utf8.decode(b);
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c >= 0x80) return utf8.decode(b);
    s += String.fromCharCode(c);
  }
  return s;
}
