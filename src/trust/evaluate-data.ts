// Node only: the labelled sets `edgeinfer eval` and `edgeinfer calibrate` read. Three layouts:
// - a folder with one subfolder per class (its name: the class's label, its index, or the label with '/'
//   written '_'), holding .png/.jpg/.jpeg files;
// - a CSV file of `path,label` rows (an optional `path,label` header; RFC 4180 quotes), paths relative to
//   the CSV's folder and required to stay inside it, symbolic links included;
// - IDX files (MNIST's format, optionally gzip'd): images/values [n, ...] of u8 or f32, and labels [n] of u8.
// Every size a file declares is checked against a limit before memory is taken for it.
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import { FileRefusedError, formatSize, GiB, MiB, openRegularFile, readTextFile } from '../node-file.js';
import type { Tensor } from '../tensor.js';
import type { ClassifierInput } from '../vision/classifier.js';
import { readImageFile } from '../vision/node-image.js';
import type { PixelImage } from '../vision/preprocess.js';
import type { LabelledSet } from './evaluate.js';

export const DATA_LIMITS = {
  /** Samples in one set. */
  samples: 10_000_000,
  /** A CSV file. */
  csvBytes: 64 * MiB,
  /** An IDX file, after decompression. */
  idxBytes: 2 * GiB,
} as const;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const IDX_TYPES: { readonly [code: number]: { readonly name: string; readonly bytes: number } } = { 0x08: { name: 'u8', bytes: 1 }, 0x0d: { name: 'f32', bytes: 4 } };
const MAX_IDX_RANK = 4;

/** Image files with their classes (model class indices). */
export interface LabelledFiles {
  readonly kind: 'files';
  readonly files: readonly string[];
  readonly labels: Int32Array;
}

/** IDX values: `count` items of `shape` each (u8 or f32), with their classes. */
export interface LabelledArrays {
  readonly kind: 'arrays';
  readonly shape: readonly number[];
  readonly values: Uint8Array | Float32Array;
  readonly labels: Int32Array;
}

export type LabelledData = LabelledFiles | LabelledArrays;

/** How labels in the data name the model's classes. */
export interface ClassNames {
  readonly classes: number;
  readonly labels?: readonly string[];
}

/** A label from a folder name or a CSV cell → class index: the label itself, '/' written '_', or the index. */
export function classIndex(text: string, names: ClassNames, where: string): number {
  const { labels, classes } = names;
  let i = labels ? labels.indexOf(text) : -1;
  if (i < 0 && labels) i = labels.findIndex((l) => l.replaceAll('/', '_') === text);
  if (i < 0 && /^\d{1,9}$/.test(text) && Number(text) < classes) i = Number(text);
  if (i < 0) {
    throw new InputError(`${where}: "${text.slice(0, 60)}" is not a class of the model`, {
      expected: labels ? `one of its ${classes} labels (or 0..${classes - 1})` : `0..${classes - 1}`, received: JSON.stringify(text.slice(0, 60)),
    });
  }
  return i;
}

function tooMany(where: string): InputError {
  return new InputError(`${where} holds more than ${DATA_LIMITS.samples} samples`, { expected: `at most ${DATA_LIMITS.samples}` });
}

/** `root/<class>/<image>`: subfolders in name order, images in name order within each. */
export async function readClassFolders(root: string, names: ClassNames): Promise<LabelledFiles> {
  const files: string[] = [];
  const labels: number[] = [];
  const dirs = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const dir of dirs) {
    const index = classIndex(dir, names, join(root, dir));
    const images = (await readdir(join(root, dir), { withFileTypes: true }))
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())).map((e) => e.name).sort();
    if (files.length + images.length > DATA_LIMITS.samples) throw tooMany(root);
    for (const name of images) { files.push(join(root, dir, name)); labels.push(index); }
  }
  if (files.length === 0) throw new InputError(`${root} has no class folders with .png/.jpg images`, { expected: 'root/<class>/<image>.png' });
  return { kind: 'files', files, labels: Int32Array.from(labels) };
}

/** The two fields of a CSV line (RFC 4180: quoted fields may hold commas and "" for a quote). */
function csvFields(line: string, where: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new InputError(`${where}: unterminated quote`, { expected: 'path,label', received: JSON.stringify(line.slice(0, 80)) });
        value += line.slice(i, q);
        if (line[q + 1] === '"') { value += '"'; i = q + 2; } else { i = q + 1; break; }
      }
      fields.push(value);
      if (i < line.length && line[i] !== ',') throw new InputError(`${where}: text after a quoted field`, { received: JSON.stringify(line.slice(0, 80)) });
      i++;
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      fields.push(line.slice(i, end).trim());
      i = end + 1;
    }
  }
  return fields;
}

/** Whether `path` is `dir` or below it. */
function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** A CSV of `path,label` rows; each path must name a file inside the CSV's folder, after resolving links. */
export async function readCsv(csvPath: string, names: ClassNames): Promise<LabelledFiles> {
  let text: string;
  try {
    text = await readTextFile(csvPath, { maxBytes: DATA_LIMITS.csvBytes, raise: 'the CSV size limit' });
  } catch (e) {
    if (e instanceof FileRefusedError) throw new InputError(`cannot read ${csvPath}: ${e.message}`, {}, { cause: e });
    throw e;
  }
  const dir = dirname(resolve(csvPath));
  const realDir = await realpath(dir);
  const files: string[] = [];
  const labels: number[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [n, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const where = `${basename(csvPath)} line ${n + 1}`;
    const fields = csvFields(line, where);
    if (fields.length !== 2) throw new InputError(`${where} is not "path,label"`, { expected: '2 fields', received: `${fields.length}` });
    const [path, label] = fields;
    if (files.length === 0 && path.toLowerCase() === 'path' && label.toLowerCase() === 'label') continue;
    if (files.length >= DATA_LIMITS.samples) throw tooMany(csvPath);
    if (path === '' || isAbsolute(path) || !inside(dir, resolve(dir, path))) {
      throw new InputError(`${where}: the path must stay inside the CSV's folder`, { expected: 'a relative path below the CSV', received: JSON.stringify(path.slice(0, 80)) });
    }
    const index = classIndex(label, names, where);
    let real: string;
    try {
      real = await realpath(resolve(dir, path));
    } catch (e) {
      throw new InputError(`${where}: ${path.slice(0, 80)} cannot be found`, { received: (e as NodeJS.ErrnoException).code ?? String(e) }, { cause: e });
    }
    if (!inside(realDir, real)) {
      throw new InputError(`${where}: the path leads outside the CSV's folder through a link`, { expected: 'a file below the CSV', received: JSON.stringify(path.slice(0, 80)) });
    }
    files.push(real);
    labels.push(index);
  }
  if (files.length === 0) throw new InputError(`${csvPath} lists no samples`, { expected: 'path,label rows' });
  return { kind: 'files', files, labels: Int32Array.from(labels) };
}

interface IdxHeader { readonly type: number; readonly dims: number[]; readonly headerBytes: number; readonly dataBytes: number }

/** Parses and checks an IDX header: magic 0 0 type rank, then rank big-endian u32 dimensions. */
function idxHeader(bytes: Uint8Array, path: string): IdxHeader | undefined {
  if (bytes.length < 4) return undefined;
  const [z0, z1, type, rank] = bytes;
  if (z0 !== 0 || z1 !== 0 || !IDX_TYPES[type] || rank < 1 || rank > MAX_IDX_RANK) {
    throw new InputError(`${path} is not an IDX file of u8 or f32 values`, {
      expected: `magic 00 00 08|0d, rank 1..${MAX_IDX_RANK}`, received: Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' '),
    });
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, d) => a * d, 1);
  const dataBytes = count * IDX_TYPES[type].bytes;
  if (dims[0] > DATA_LIMITS.samples || !(headerBytes + dataBytes <= DATA_LIMITS.idxBytes)) {
    throw new InputError(`${path}: dims [${dims}] of ${IDX_TYPES[type].name} are too large`, {
      expected: `at most ${DATA_LIMITS.samples} items and ${formatSize(DATA_LIMITS.idxBytes)}`, received: formatSize(headerBytes + dataBytes),
    });
  }
  return { type, dims, headerBytes, dataBytes };
}

function idxTooShort(path: string, got: number, header?: IdxHeader): InputError {
  return new InputError(`${path}: the IDX data has the wrong length`, {
    expected: header ? `${header.headerBytes + header.dataBytes} bytes for dims [${header.dims}]` : 'a complete header', received: `${got} bytes`,
  });
}

/** Decompresses a gzip'd IDX file into one buffer sized from its checked header, never past it. */
async function gunzipIdx(compressed: Uint8Array, path: string): Promise<Uint8Array> {
  const gunzip = createGunzip();
  gunzip.end(compressed);
  let head = new Uint8Array(0);
  let out: Uint8Array | undefined;
  let header: IdxHeader | undefined;
  let at = 0;
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    let piece: Uint8Array = chunk;
    if (!out) {
      const joined = new Uint8Array(head.length + piece.length);
      joined.set(head);
      joined.set(piece, head.length);
      header = idxHeader(joined, path);
      if (!header) { head = joined.slice(0, 64); if (joined.length > 64) throw idxTooShort(path, joined.length); continue; }
      out = new Uint8Array(header.headerBytes + header.dataBytes);
      piece = joined;
    }
    if (at + piece.length > out.length) { gunzip.destroy(); throw idxTooShort(path, at + piece.length, header); }
    out.set(piece, at);
    at += piece.length;
  }
  if (!out || at !== out.length) throw idxTooShort(path, out ? at : head.length, header);
  return out;
}

/** One IDX file (optionally .gz): its dims and values, u8 as they are, f32 converted from big-endian. */
export async function readIdx(path: string): Promise<{ dims: number[]; values: Uint8Array | Float32Array }> {
  let bytes: Uint8Array;
  try {
    const file = await openRegularFile(path, { maxBytes: DATA_LIMITS.idxBytes, raise: 'the IDX size limit' });
    try { bytes = await file.read(); } finally { await file.close(); }
  } catch (e) {
    if (e instanceof FileRefusedError) throw new InputError(`cannot read ${path}: ${e.message}`, {}, { cause: e });
    throw e;
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipIdx(bytes, path);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${path} is not valid gzip data: ${(e as Error).message}`, {}, { cause: e });
    }
  }
  const header = idxHeader(bytes, path);
  if (!header || bytes.length !== header.headerBytes + header.dataBytes) throw idxTooShort(path, bytes.length, header);
  const data = bytes.subarray(header.headerBytes);
  if (header.type === 0x08) return { dims: header.dims, values: data };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { dims: header.dims, values: Float32Array.from({ length: data.length / 4 }, (_, i) => view.getFloat32(4 * i, false)) };
}

/** An IDX pair: values [n, ...] and u8 labels [n], each label a class of the model. */
export async function readIdxPair(valuesPath: string, labelsPath: string, names: ClassNames): Promise<LabelledArrays> {
  const values = await readIdx(valuesPath);
  const labels = await readIdx(labelsPath);
  if (labels.dims.length !== 1 || !(labels.values instanceof Uint8Array) || labels.dims[0] !== values.dims[0]) {
    throw new InputError(`${labelsPath} does not label ${valuesPath}`, { expected: `u8 labels [${values.dims[0]}]`, received: `dims [${labels.dims}]` });
  }
  if (values.dims.length < 2) throw new InputError(`${valuesPath} holds no items`, { expected: 'dims [n, ...]', received: `[${values.dims}]` });
  const classOf = Int32Array.from(labels.values, (v, i) => {
    if (v >= names.classes) throw new InputError(`${labelsPath}: label ${v} of item ${i} is not a class of the model`, { expected: `0..${names.classes - 1}`, received: String(v) });
    return v;
  });
  return { kind: 'arrays', shape: values.dims.slice(1), values: values.values, labels: classOf };
}

/** Reads a set given as a folder, a CSV file, or IDX values + labels files. */
export async function readLabelledData(paths: readonly string[], names: ClassNames): Promise<LabelledData> {
  if (paths.length === 2) return readIdxPair(paths[0], paths[1], names);
  if (paths.length !== 1) throw new InputError('a labelled set is a folder, a CSV file, or two IDX files', { expected: '1 or 2 paths', received: `${paths.length}` });
  const [path] = paths;
  const st = await stat(path);
  if (st.isDirectory()) return readClassFolders(path, names);
  if (extname(path).toLowerCase() === '.csv') return readCsv(path, names);
  throw new InputError(`${path}: a labelled set is a folder of class folders, a .csv file, or IDX values and labels files`, { received: 'one file that is not .csv' });
}

/**
 * Image inputs of a set: files decoded one at a time as read, each passed through `prepare` (e.g. into the
 * model's preprocessed tensor, so that a chunk holds small tensors rather than decoded photos); IDX u8 items
 * [H, W] or [H, W, C] as pixels, f32 ones as tensors.
 */
export function imageSet(data: LabelledData, prepare: (image: PixelImage) => ClassifierInput = (image) => image): LabelledSet<ClassifierInput> {
  if (data.kind === 'files') {
    return {
      labels: data.labels,
      read: async (start, count) => {
        const out: ClassifierInput[] = [];
        for (const file of data.files.slice(start, start + count)) out.push(prepare(await readImageFile(file)));
        return out;
      },
    };
  }
  const [height, width, channels = 1] = data.shape;
  if (data.shape.length < 2 || data.shape.length > 3 || (channels !== 1 && channels !== 3 && channels !== 4)) {
    throw new InputError('IDX images must be [n, height, width] or [n, height, width, 1|3|4]', { received: `[n, ${data.shape}]` });
  }
  const size = height * width * channels;
  const format = channels === 1 ? 'GRAY' : channels === 3 ? 'RGB' : 'RGBA';
  return {
    labels: data.labels,
    read: (start, count) => Array.from({ length: count }, (_, i): ClassifierInput => {
      const values = data.values.subarray((start + i) * size, (start + i + 1) * size);
      return values instanceof Uint8Array
        ? ({ width, height, format, data: values } satisfies PixelImage)
        : ({ shape: [height, width, channels], data: values } satisfies Tensor);
    }),
  };
}

/** Sequence inputs of an IDX set: items [steps, features], each value times `scale`. */
export function sequenceSet(data: LabelledData, scale: number): LabelledSet<Float32Array> {
  if (data.kind !== 'arrays') throw new InputError('a sequence model takes IDX data', { expected: 'IDX values [n, steps, features] and labels', received: 'image files' });
  const size = data.shape.reduce((a, d) => a * d, 1);
  return {
    labels: data.labels,
    read: (start, count) => Array.from({ length: count }, (_, i) => Float32Array.from(data.values.subarray((start + i) * size, (start + i + 1) * size), (v) => v * scale)),
  };
}
