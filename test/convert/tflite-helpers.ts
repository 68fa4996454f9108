// Test helpers for the TFLite importer: a small FlatBuffer writer (our own, independent of the reader:
// parents first, each vtable just before its table, children after, so every reference points forward),
// TFLite models and metadata built from plain descriptions, a zip writer for associated files, and the
// Coral reference inputs rebuilt from the photos exactly as the staging made them (checked by sha256).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { crc32 } from '../../src/format/crc32.js';

// ---- FlatBuffer writer ----

export type Scalar = 'bool' | 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'i64' | 'u64';

export type Field =
  | { readonly s: Scalar; readonly v: number }
  | { readonly table: FbTable }
  | { readonly str: string }
  | { readonly vec: Scalar; readonly v: ArrayLike<number> }
  | { readonly tables: readonly FbTable[] }
  | { readonly strs: readonly string[] };

/** A table: fields by id (undefined = absent). */
export type FbTable = readonly (Field | undefined)[];

const SIZE: Record<Scalar, number> = { bool: 1, u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, i64: 8, u64: 8 };

class Out {
  buf = new Uint8Array(1024);
  view = new DataView(this.buf.buffer);
  n = 0;

  reserve(k: number): number {
    while (this.n + k > this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
      this.view = new DataView(b.buffer);
    }
    const at = this.n;
    this.n += k;
    return at;
  }

  align(a: number): void {
    while (this.n % a !== 0) this.reserve(1);
  }

  scalar(at: number, s: Scalar, v: number): void {
    const d = this.view;
    switch (s) {
      case 'bool': case 'u8': d.setUint8(at, v); break;
      case 'i8': d.setInt8(at, v); break;
      case 'u16': d.setUint16(at, v, true); break;
      case 'i16': d.setInt16(at, v, true); break;
      case 'u32': d.setUint32(at, v, true); break;
      case 'i32': d.setInt32(at, v, true); break;
      case 'f32': d.setFloat32(at, v, true); break;
      case 'i64': d.setBigInt64(at, BigInt(v), true); break;
      case 'u64': d.setBigUint64(at, BigInt(v), true); break;
    }
  }

  /** Writes a u32 reference at `at` to `to` (forward). */
  ref(at: number, to: number): void {
    this.view.setUint32(at, to - at, true);
  }
}

function placeString(o: Out, s: string): number {
  const b = new TextEncoder().encode(s);
  o.align(4);
  const at = o.reserve(4 + b.length + 1);
  o.view.setUint32(at, b.length, true);
  o.buf.set(b, at + 4);
  o.buf[at + 4 + b.length] = 0;
  return at;
}

function placeTable(o: Out, t: FbTable): number {
  // Inline layout: soffset, then each present field (scalars at their size, references 4 bytes), aligned.
  const slots: { id: number; off: number; f: Field }[] = [];
  let size = 4;
  t.forEach((f, id) => {
    if (!f) return;
    const w = 's' in f ? SIZE[f.s] : 4;
    size = Math.ceil(size / w) * w;
    slots.push({ id, off: size, f });
    size += w;
  });
  const vtSize = 4 + 2 * t.length;
  o.align(8);
  // vtable, then the table 8-aligned right after it.
  const pad = (8 - ((o.n + vtSize) % 8)) % 8;
  o.reserve(pad);
  const vt = o.reserve(vtSize);
  const at = o.reserve(Math.ceil(size / 4) * 4);
  o.view.setUint16(vt, vtSize, true);
  o.view.setUint16(vt + 2, Math.ceil(size / 4) * 4, true);
  for (const s of slots) o.view.setUint16(vt + 4 + 2 * s.id, s.off, true);
  o.view.setInt32(at, at - vt, true);
  for (const s of slots) if ('s' in s.f) o.scalar(at + s.off, s.f.s, s.f.v);
  for (const s of slots) {
    const f = s.f, p = at + s.off;
    if ('table' in f) o.ref(p, placeTable(o, f.table));
    else if ('str' in f) o.ref(p, placeString(o, f.str));
    else if ('vec' in f) {
      const w = SIZE[f.vec];
      // The count sits 4 bytes before 8-byte elements' alignment.
      if (w === 8) { o.align(8); o.reserve(4); } else o.align(4);
      const v = o.reserve(4 + w * f.v.length);
      o.view.setUint32(v, f.v.length, true);
      for (let i = 0; i < f.v.length; i++) o.scalar(v + 4 + w * i, f.vec, f.v[i]);
      o.ref(p, v);
    } else if ('tables' in f) {
      o.align(4);
      const v = o.reserve(4 + 4 * f.tables.length);
      o.view.setUint32(v, f.tables.length, true);
      f.tables.forEach((c, i) => o.ref(v + 4 + 4 * i, placeTable(o, c)));
      o.ref(p, v);
    } else if ('strs' in f) {
      o.align(4);
      const v = o.reserve(4 + 4 * f.strs.length);
      o.view.setUint32(v, f.strs.length, true);
      f.strs.forEach((c, i) => o.ref(v + 4 + 4 * i, placeString(o, c)));
      o.ref(p, v);
    }
  }
  return at;
}

/** A FlatBuffer with `root` as its root table and an optional 4-character file identifier. */
export function flatbuffer(root: FbTable, identifier = ''): Uint8Array {
  const o = new Out();
  o.reserve(8);
  for (let i = 0; i < identifier.length; i++) o.buf[4 + i] = identifier.charCodeAt(i);
  o.ref(0, placeTable(o, root));
  return o.buf.slice(0, o.n);
}

// ---- TFLite models ----

export const T = { F32: 0, F16: 1, I32: 2, U8: 3, I64: 4, I16: 7, I8: 9 } as const;

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type?: number;
  /** Constant data (little-endian bytes of the tensor's type). */
  readonly data?: Uint8Array;
  readonly quant?: { scale: readonly number[]; zeroPoint?: readonly number[]; dim?: number };
  readonly signature?: readonly number[];
}

export interface OpSpec {
  /** Builtin code, or a custom op's name. */
  readonly op: number | string;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** [union type, options table]. */
  readonly options?: readonly [number, FbTable];
}

export interface ModelSpec {
  readonly tensors: readonly TensorSpec[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly ops: readonly OpSpec[];
  readonly description?: string;
  readonly version?: number;
  /** Extra buffers named in Model.metadata (e.g. TFLITE_METADATA). */
  readonly metadata?: readonly { name: string; data: Uint8Array }[];
}

const s = (t: Scalar, v: number): Field => ({ s: t, v });

/** The TFLite FlatBuffer of `m` (schema 3, identifier TFL3). Buffer 0 is the empty sentinel. */
export function tfliteModel(m: ModelSpec): Uint8Array {
  const buffers: FbTable[] = [[]];
  const codes: { key: string; table: FbTable }[] = [];
  const codeIndex = (op: number | string): number => {
    const key = String(op);
    let i = codes.findIndex((c) => c.key === key);
    if (i < 0) {
      i = codes.length;
      codes.push({
        key,
        table: typeof op === 'string'
          ? [s('i8', 32), { str: op }, s('i32', 1), s('i32', 32)]
          : [s('i8', Math.min(op, 127)), undefined, s('i32', 1), s('i32', op)],
      });
    }
    return i;
  };
  const tensors = m.tensors.map((t): FbTable => {
    let buffer = 0;
    if (t.data) {
      buffer = buffers.length;
      buffers.push([{ vec: 'u8', v: t.data }]);
    }
    const q: FbTable | undefined = t.quant && [
      undefined, undefined, { vec: 'f32', v: t.quant.scale }, { vec: 'i64', v: t.quant.zeroPoint ?? t.quant.scale.map(() => 0) },
      undefined, undefined, s('i32', t.quant.dim ?? 0),
    ];
    return [
      { vec: 'i32', v: t.shape }, s('i8', t.type ?? T.F32), s('u32', buffer), { str: t.name }, q && { table: q },
      undefined, undefined, t.signature && { vec: 'i32', v: t.signature },
    ];
  });
  const ops = m.ops.map((op): FbTable => [
    s('u32', codeIndex(op.op)), { vec: 'i32', v: op.inputs }, { vec: 'i32', v: op.outputs },
    op.options && s('u8', op.options[0]), op.options && { table: op.options[1] },
  ]);
  const metadata = (m.metadata ?? []).map((e): FbTable => {
    const b = buffers.length;
    buffers.push([{ vec: 'u8', v: e.data }]);
    return [{ str: e.name }, s('u32', b)];
  });
  const subgraph: FbTable = [{ tables: tensors }, { vec: 'i32', v: m.inputs }, { vec: 'i32', v: m.outputs }, { tables: ops }, { str: 'main' }];
  return flatbuffer([
    s('u32', m.version ?? 3), { tables: codes.map((c) => c.table) }, { tables: [subgraph] }, { str: m.description ?? 'MLIR Converted.' },
    { tables: buffers }, undefined, metadata.length ? { tables: metadata } : undefined,
  ], 'TFL3');
}

// Builtin options tables (field ids from schema.fbs).
export const opts = {
  conv: (o: { padding?: number; sw?: number; sh?: number; act?: number; dw?: number; dh?: number } = {}): [number, FbTable] =>
    [1, [s('i8', o.padding ?? 0), s('i32', o.sw ?? 1), s('i32', o.sh ?? 1), s('i8', o.act ?? 0), s('i32', o.dw ?? 1), s('i32', o.dh ?? 1)]],
  depthwise: (o: { padding?: number; sw?: number; sh?: number; mult?: number; act?: number } = {}): [number, FbTable] =>
    [2, [s('i8', o.padding ?? 0), s('i32', o.sw ?? 1), s('i32', o.sh ?? 1), s('i32', o.mult ?? 1), s('i8', o.act ?? 0)]],
  pool: (o: { padding?: number; sw?: number; sh?: number; fw: number; fh: number; act?: number }): [number, FbTable] =>
    [5, [s('i8', o.padding ?? 0), s('i32', o.sw ?? 1), s('i32', o.sh ?? 1), s('i32', o.fw), s('i32', o.fh), s('i8', o.act ?? 0)]],
  fc: (o: { act?: number; keep?: boolean } = {}): [number, FbTable] => [8, [s('i8', o.act ?? 0), s('i8', 0), s('bool', o.keep ? 1 : 0)]],
  softmax: (beta: number): [number, FbTable] => [9, [s('f32', beta)]],
  concat: (axis: number, act = 0): [number, FbTable] => [10, [s('i32', axis), s('i8', act)]],
  add: (act = 0): [number, FbTable] => [11, [s('i8', act)]],
  reshape: (shape: number[]): [number, FbTable] => [17, [{ vec: 'i32', v: shape }]],
  mul: (act = 0): [number, FbTable] => [21, [s('i8', act)]],
  reducer: (keep: boolean): [number, FbTable] => [27, [s('bool', keep ? 1 : 0)]],
  sub: (act = 0): [number, FbTable] => [28, [s('i8', act)]],
  squeeze: (dims: number[]): [number, FbTable] => [30, [{ vec: 'i32', v: dims }]],
  leakyRelu: (alpha: number): [number, FbTable] => [75, [s('f32', alpha)]],
  transpose: (): [number, FbTable] => [26, []],
  div: (act = 0): [number, FbTable] => [29, [s('i8', act)]],
  split: (n: number): [number, FbTable] => [35, [s('i32', n)]],
  logSoftmax: (): [number, FbTable] => [36, []],
  expandDims: (): [number, FbTable] => [52, []],
  pack: (count: number, axis: number): [number, FbTable] => [59, [s('i32', count), s('i32', axis)]],
  unpack: (num: number, axis: number): [number, FbTable] => [64, [s('i32', num), s('i32', axis)]],
  splitV: (n: number): [number, FbTable] => [79, [s('i32', n)]],
  batchMatMul: (adjX = false, adjY = false): [number, FbTable] => [101, [s('bool', adjX ? 1 : 0), s('bool', adjY ? 1 : 0)]],
  gather: (axis: number): [number, FbTable] => [23, [s('i32', axis)]],
  stridedSlice: (o: { beginMask?: number; endMask?: number; ellipsisMask?: number; newAxisMask?: number; shrinkAxisMask?: number }): [number, FbTable] =>
    [32, [s('i32', o.beginMask ?? 0), s('i32', o.endMask ?? 0), s('i32', o.ellipsisMask ?? 0), s('i32', o.newAxisMask ?? 0), s('i32', o.shrinkAxisMask ?? 0)]],
  slice: (): [number, FbTable] => [48, []],
  resizeNearest: (alignCorners = false, halfPixel = false): [number, FbTable] => [74, [s('bool', alignCorners ? 1 : 0), s('bool', halfPixel ? 1 : 0)]],
};

export const OP = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9, LOGISTIC: 14,
  MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU6: 21, RESHAPE: 22, SOFTMAX: 25, TANH: 28, PAD: 34, MEAN: 40, SUB: 41, SQUEEZE: 43,
  PADV2: 60, TRANSPOSE: 39, LEAKY_RELU: 98, QUANTIZE: 114, HARD_SWISH: 117, CUMSUM: 128, RESIZE_BILINEAR: 23, GATHER: 36,
  DIV: 42, STRIDED_SLICE: 45, SPLIT: 49, LOG_SOFTMAX: 50, PRELU: 54, EXPAND_DIMS: 70, PACK: 83, UNPACK: 88, RESIZE_NEAREST_NEIGHBOR: 97,
  SPLIT_V: 102, BATCH_MATMUL: 126, SLICE: 65,
} as const;

export const ACT = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

export function f32Bytes(v: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(v).buffer);
}

export function i32Bytes(v: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int32Array.from(v).buffer);
}

// ---- metadata and associated files ----

export interface MetaSpec {
  readonly name?: string;
  readonly description?: string;
  readonly author?: string;
  readonly license?: string;
  readonly colorSpace?: number;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly labelFiles?: readonly { name: string; locale?: string }[];
}

/** A TFLITE_METADATA FlatBuffer (metadata_schema.fbs, identifier M001). */
export function metadataBuffer(m: MetaSpec): Uint8Array {
  const input: FbTable = [
    { str: 'image' }, undefined, undefined,
    m.colorSpace !== undefined ? { table: [s('u8', 2), { table: [s('i8', m.colorSpace)] }] } : undefined,
    m.mean ? { tables: [[s('u8', 1), { table: [{ vec: 'f32', v: m.mean }, { vec: 'f32', v: m.std ?? [1] }] }]] } : undefined,
  ];
  const output: FbTable = [
    { str: 'probability' }, undefined, undefined, undefined, undefined, undefined,
    m.labelFiles ? { tables: m.labelFiles.map((f): FbTable => [{ str: f.name }, { str: 'labels' }, s('i8', 2), f.locale ? { str: f.locale } : undefined]) } : undefined,
  ];
  const sub: FbTable = [undefined, undefined, { tables: [input] }, { tables: [output] }];
  const str = (v: string | undefined): Field | undefined => (v === undefined ? undefined : { str: v });
  return flatbuffer([str(m.name), str(m.description), { str: 'v1' }, { tables: [sub] }, str(m.author), str(m.license), undefined, { str: '1.0.0' }], 'M001');
}

/** A zip archive (stored or deflated entries) to append to a model; offsets are from the archive's start. */
export function zipArchive(files: readonly { name: string; data: Uint8Array; deflate?: boolean }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = new TextEncoder().encode(f.name);
    const body = f.deflate ? new Uint8Array(deflateRawSync(f.data)) : f.data;
    const crc = crc32(f.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true); lv.setUint16(4, 20, true); lv.setUint16(8, f.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true); lv.setUint32(18, body.length, true); lv.setUint32(22, f.data.length, true); lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const c = new Uint8Array(46 + name.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(4, 20, true); cv.setUint16(6, 20, true); cv.setUint16(10, f.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true); cv.setUint32(20, body.length, true); cv.setUint32(24, f.data.length, true); cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    c.set(name, 46);
    parts.push(local, body);
    central.push(c);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, files.length, true); ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true); ev.setUint32(16, offset, true);
  return concat([...parts, ...central, end]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

// ---- Coral reference inputs ----

export const CORAL_DIR = new URL('../fixtures/models/tflite-coral/', import.meta.url);
export const IMAGENET_PHOTOS = new URL('../fixtures/models/imagenet/photos/', import.meta.url);

export interface Rgb { width: number; height: number; data: Uint8Array }

/** 24-bit uncompressed BMP (bottom-up or top-down rows padded to 4 bytes, BGR) to RGB. */
export function decodeBmp(b: Uint8Array): Rgb {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b[0] !== 0x42 || b[1] !== 0x4d) throw new Error('not a BMP');
  const data0 = v.getUint32(10, true), width = v.getInt32(18, true), h = v.getInt32(22, true);
  if (v.getUint16(28, true) !== 24 || v.getUint32(30, true) !== 0) throw new Error('only 24-bit uncompressed BMPs');
  const height = Math.abs(h), stride = Math.ceil((width * 3) / 4) * 4;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = data0 + (h > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = b[row + 3 * x + 2];
      data[o + 1] = b[row + 3 * x + 1];
      data[o + 2] = b[row + 3 * x];
    }
  }
  return { width, height, data };
}

/** JPEG through jpeg-js (the staging's decoder, default options), alpha dropped. */
export function decodeJpegRgb(b: Uint8Array): Rgb {
  const img = jpeg.decode(b, { useTArray: true, formatAsRGBA: true });
  const data = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) data.set(img.data.subarray(4 * i, 4 * i + 3), 3 * i);
  return { width: img.width, height: img.height, data };
}

/**
 * Pillow's NEAREST resize as SOURCE.md describes it: output column x reads source column
 * trunc(x0 + x * step) where the position starts at step / 2 and is advanced by step = W_in / W_out
 * in double (accumulated, as Pillow does); the same for rows.
 */
export function resizeNearest(img: Rgb, w: number, h: number): Uint8Array {
  if (img.width === w && img.height === h) return img.data.slice();
  const taps = (n: number, out: number): Int32Array => {
    const step = n / out, t = new Int32Array(out);
    let pos = step * 0.5;
    for (let i = 0; i < out; i++) { t[i] = Math.min(Math.trunc(pos), n - 1); pos += step; }
    return t;
  };
  const xs = taps(img.width, w), ys = taps(img.height, h);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out.set(img.data.subarray((ys[y] * img.width + xs[x]) * 3, (ys[y] * img.width + xs[x]) * 3 + 3), (y * w + x) * 3);
  }
  return out;
}

/** The decoded photo of a reference entry ('beer_bottle.jpg' from the ImageNet photos, or a Coral photo). */
export function readPhoto(photo: string): Rgb {
  const url = photo.endsWith('.bmp') || photo === 'owl.jpg' ? new URL(`photos/${photo}`, CORAL_DIR) : new URL(photo, IMAGENET_PHOTOS);
  const b = new Uint8Array(readFileSync(url));
  return photo.endsWith('.bmp') ? decodeBmp(b) : decodeJpegRgb(b);
}

let sums: Map<string, string> | undefined;

/** The uint8 input tensor LiteRT was given for `photo` on `model`, rebuilt and checked against its sha256. */
export function referenceInput(model: string, photo: string, w: number, h: number): Uint8Array {
  sums ??= new Map(readFileSync(new URL('inputs.sha256', CORAL_DIR), 'utf8').trim().split('\n').map((l) => {
    const [hash, file] = l.split(/\s+/);
    return [file, hash];
  }));
  const x = resizeNearest(readPhoto(photo), w, h);
  const want = sums.get(`${model}/${photo}.input.u8`);
  const got = createHash('sha256').update(x).digest('hex');
  if (got !== want) throw new Error(`rebuilt input ${model}/${photo} has sha256 ${got}, the reference ${want}`);
  return x;
}

export function referenceOutput(model: string, photo: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`reference/${model}/${photo}.output.u8`, CORAL_DIR)));
}

// ---- building models tensor by tensor ----

/** A TFLite model built step by step: tensors are added and get their index back. */
export class ModelBuilder {
  readonly tensors: TensorSpec[] = [];
  readonly ops: OpSpec[] = [];
  readonly inputs: number[] = [];
  readonly outputs: number[] = [];
  metadata?: { name: string; data: Uint8Array }[];

  tensor(spec: TensorSpec): number {
    this.tensors.push(spec);
    return this.tensors.length - 1;
  }

  input(name: string, shape: readonly number[], extra: Partial<TensorSpec> = {}): number {
    const i = this.tensor({ name, shape, ...extra });
    this.inputs.push(i);
    return i;
  }

  /** A float32 constant. */
  f32(name: string, shape: readonly number[], values: ArrayLike<number>): number {
    return this.tensor({ name, shape, data: f32Bytes(values) });
  }

  /** An int32 constant (shapes, axes, paddings). */
  i32(name: string, shape: readonly number[], values: ArrayLike<number>): number {
    return this.tensor({ name, shape, type: T.I32, data: i32Bytes(values) });
  }

  /** Adds an operator writing a new tensor `name` of `shape` (float unless `extra` says otherwise); returns its index. */
  op(op: number | string, inputs: readonly number[], name: string, shape: readonly number[], options?: readonly [number, FbTable], extra: Partial<TensorSpec> = {}): number {
    const out = this.tensor({ name, shape, ...extra });
    this.ops.push({ op, inputs, outputs: [out], ...(options ? { options } : {}) });
    return out;
  }

  /** An operator with several outputs, each a new float tensor (name, shape); returns their indices. */
  opMulti(op: number, inputs: readonly number[], outs: readonly (readonly [string, readonly number[]])[], options?: readonly [number, FbTable]): number[] {
    const outputs = outs.map(([name, shape]) => this.tensor({ name, shape }));
    this.ops.push({ op, inputs, outputs, ...(options ? { options } : {}) });
    return outputs;
  }

  output(i: number): this {
    this.outputs.push(i);
    return this;
  }

  bytes(extra: Partial<ModelSpec> = {}): Uint8Array {
    return tfliteModel({ tensors: this.tensors, inputs: this.inputs, outputs: this.outputs, ops: this.ops, ...(this.metadata ? { metadata: this.metadata } : {}), ...extra });
  }
}
