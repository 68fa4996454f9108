// The TFLite importer around the ops: model metadata (TFLITE_METADATA: name, normalisation, colour space,
// the label file in the appended zip), the labels option, and the typed errors for what it cannot or
// will not read (custom and Edge TPU ops, unsupported builtins and types, malformed files).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import { FlatBufferReader } from '../../src/convert/tflite/flatbuffer.js';
import { importTflite } from '../../src/convert/tflite/import.js';
import { labelLines, stripIndices } from '../../src/convert/labels.js';
import { readEntry, zipEntries } from '../../src/convert/tflite/zip.js';
import { ACT, concat, CORAL_DIR, f32Bytes, flatbuffer, metadataBuffer, ModelBuilder, OP, opts, T, zipArchive, type MetaSpec } from './tflite-helpers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const LABELS = ['cat', 'dog', 'bird'];

/** An image classifier [1, 4, 4, C] -> 3 probabilities (MEAN, FULLY_CONNECTED, SOFTMAX). */
function classifier(input: { type?: number; quant?: { scale: number[]; zeroPoint: number[] } } = {}, channels = 3): ModelBuilder {
  const m = new ModelBuilder();
  const x = m.input('image', [1, 4, 4, channels], input);
  let f = x;
  if (input.type !== undefined) f = m.op(OP.DEQUANTIZE, [x], 'image_f', [1, 4, 4, channels]);
  const mean = m.op(OP.MEAN, [f, m.i32('axes', [2], [1, 2])], 'mean', [1, channels], opts.reducer(false));
  const logits = m.op(OP.FULLY_CONNECTED, [mean, m.f32('w', [3, channels], new Array(3 * channels).fill(0.1)), -1], 'logits', [1, 3], opts.fc());
  m.output(m.op(OP.SOFTMAX, [logits], 'probs', [1, 3], opts.softmax(1)));
  return m;
}

function withMetadata(m: ModelBuilder, meta: MetaSpec, files: { name: string; data: Uint8Array; deflate?: boolean }[] = []): Uint8Array {
  m.metadata = [{ name: 'min_runtime_version', data: text('1.5.0') }, { name: 'TFLITE_METADATA', data: metadataBuffer(meta) }];
  const model = m.bytes();
  return files.length ? concat([model, zipArchive(files)]) : model;
}

describe('TFLite metadata', () => {
  it('a float model: name, description, author, licence; normalisation as preprocessing; labels from the zip', () => {
    const bytes = withMetadata(classifier(), {
      name: 'Pets', description: 'three pets', author: 'someone', license: 'Apache-2.0', colorSpace: 1, mean: [127.5], std: [127.5],
      labelFiles: [{ name: 'labels_fr.txt', locale: 'fr' }, { name: 'labels.txt' }],
    }, [{ name: 'labels_fr.txt', data: text('chat\nchien\noiseau\n') }, { name: 'labels.txt', data: text('cat\r\ndog\r\nbird\r\n\r\n'), deflate: true }]);
    const g = importTflite(bytes);
    expect(g.metadata).toEqual({
      name: 'Pets', producer: 'MLIR Converted (TFLite schema 3)', source: 'author: someone; license: Apache-2.0; version: v1', description: 'three pets',
      labels: LABELS,
      preprocess: { width: 4, height: 4, channels: 3, colorOrder: 'RGB', scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], resize: 'stretch', crop: 'none' },
      outputKind: 'probabilities',
      importedFrom: { format: 'tflite', version: 'schema 3' },
    });
    expect(importTflite(bytes, { name: 'mine' }).metadata.name).toBe('mine');
  });

  it('a uint8 model feeds the pixel bytes: its preprocessing comes from the input quantization, not the metadata', () => {
    const bytes = withMetadata(classifier({ type: T.U8, quant: { scale: [1 / 255], zeroPoint: [0] } }), { mean: [127.5], std: [127.5] });
    expect(importTflite(bytes).metadata.preprocess).toMatchObject({ scale: Math.fround(1 / 255), mean: [0, 0, 0], std: [1, 1, 1] });
  });

  it('a grayscale input; per-channel mean and std', () => {
    const gray = importTflite(withMetadata(classifier({}, 1), { colorSpace: 2, mean: [0.5], std: [2] }));
    expect(gray.metadata.preprocess).toMatchObject({ channels: 1, colorOrder: 'GRAY', mean: [0.5], std: [2] });
    const rgb = importTflite(withMetadata(classifier(), { mean: [1, 2, 3], std: [4, 5, 6] }));
    expect(rgb.metadata.preprocess).toMatchObject({ mean: [1, 2, 3], std: [4, 5, 6] });
  });

  it('labels: the option replaces the file\'s, Coral\'s "<index>  <name>" lines lose their index, the count must match', () => {
    const bytes = withMetadata(classifier(), { labelFiles: [{ name: 'labels.txt' }] }, [{ name: 'labels.txt', data: text('a\nb\nc\n') }]);
    expect(importTflite(bytes).metadata.labels).toEqual(['a', 'b', 'c']);
    expect(importTflite(bytes, { labels: ['0  cat', '1  dog', '2  bird'] }).metadata.labels).toEqual(LABELS);
    expect(() => importTflite(bytes, { labels: ['cat', 'dog'] })).toThrow(InputError);
    expect(labelLines(readFileSync(new URL('imagenet_labels.txt', CORAL_DIR), 'utf8')).slice(0, 3)).toEqual(['background', 'tench, Tinca tinca', 'goldfish, Carassius auratus']);
    // Not every line indexed in order: kept as they are.
    expect(stripIndices(['1 a', '0 b'])).toEqual(['1 a', '0 b']);
    expect(stripIndices(['7 Up'])).toEqual(['7 Up']);
  });

  it('a label file the archive lacks, a missing archive, a wrong label count and a bad CRC are format errors', () => {
    const meta = { labelFiles: [{ name: 'labels.txt' }] };
    expect(() => importTflite(withMetadata(classifier(), meta, [{ name: 'other.txt', data: text('x') }]))).toThrow(/label file "labels.txt" is not in the associated files \(other.txt\)/);
    expect(() => importTflite(withMetadata(classifier(), meta))).toThrow(/no zip archive/);
    expect(() => importTflite(withMetadata(classifier(), meta, [{ name: 'labels.txt', data: text('a\nb\n') }]))).toThrow(/2 labels, output "probs" has 3 classes/);
    const good = withMetadata(classifier(), meta, [{ name: 'labels.txt', data: text('a\nb\nc\n') }]);
    const bad = good.slice();
    bad[bad.length - 22 - 46 - 10 - 3] ^= 1; // a byte of the stored entry's contents
    expect(() => importTflite(bad)).toThrow(ModelFormatError);
    expect(() => importTflite(bad)).toThrow(/CRC-32/);
  });

  it('the zip reader: offsets from the archive start or from the file start, a trailing comment, stored and deflated', () => {
    const files = [{ name: 'a.txt', data: text('hello') }, { name: 'b.txt', data: text('x'.repeat(1000)), deflate: true }];
    const zip = zipArchive(files);
    const prefix = new Uint8Array(100).fill(7);
    // Relative offsets (shifted by the prefix), as our writer makes them.
    const rel = concat([prefix, zip]);
    // Absolute offsets: patch each central header's local offset and the directory offset.
    const abs = rel.slice();
    const v = new DataView(abs.buffer);
    const eocd = abs.length - 22;
    v.setUint32(eocd + 16, v.getUint32(eocd + 16, true) + 100, true);
    for (let p = v.getUint32(eocd + 16, true), i = 0; i < 2; i++) {
      v.setUint32(p + 42, v.getUint32(p + 42, true) + 100, true);
      p += 46 + v.getUint16(p + 28, true);
    }
    const comment = concat([rel.slice(0, rel.length - 2), Uint8Array.of(3, 0), text('hi!')]);
    for (const bytes of [rel, abs, comment]) {
      const entries = zipEntries(bytes)!;
      expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([['a.txt', 0, 5], ['b.txt', 8, 1000]]);
      expect(new TextDecoder().decode(readEntry(bytes, entries[1]))).toBe('x'.repeat(1000));
    }
    expect(zipEntries(prefix)).toBeUndefined();
  });
});

describe('TFLite import errors', () => {
  const unsupported = (bytes: Uint8Array, ...patterns: RegExp[]): void => {
    let err: unknown;
    try { importTflite(bytes); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    for (const p of patterns) expect((err as Error).message).toMatch(p);
  };

  it('an Edge TPU model names edgetpu-custom-op and the operator, and says which file to convert', () => {
    const m = new ModelBuilder();
    const x = m.input('x', [1, 4, 4, 3], { type: T.U8, quant: { scale: [1 / 128], zeroPoint: [128] } });
    m.output(m.op('edgetpu-custom-op', [x], 'y', [1, 10], undefined, { type: T.U8, quant: { scale: [1 / 256], zeroPoint: [0] } }));
    unsupported(m.bytes(), /unsupported op edgetpu-custom-op/, /operator 0/, /_edgetpu/);
  });

  it('other custom ops, unsupported builtins (also past code 127), fused SIGN_BIT and computed int32 tensors', () => {
    const custom = new ModelBuilder();
    custom.output(custom.op('MyOp', [custom.input('x', [1, 3])], 'y', [1, 3]));
    unsupported(custom.bytes(), /unsupported op MyOp \(custom op\) at node "operator 0"/);
    const resize = new ModelBuilder();
    const rx = resize.input('x', [1, 2, 2, 3]);
    const relu = resize.op(OP.RELU, [rx], 'r', [1, 2, 2, 3]);
    resize.output(resize.op(OP.RESIZE_BILINEAR, [relu, resize.i32('size', [2], [4, 4])], 'y', [1, 4, 4, 3]));
    unsupported(resize.bytes(), /unsupported op RESIZE_BILINEAR/, /operator 1/, /needs a Resize op \(bilinear\)/);
    const cumsum = new ModelBuilder();
    cumsum.output(cumsum.op(OP.CUMSUM, [cumsum.input('x', [1, 3]), cumsum.i32('axis', [], [1])], 'y', [1, 3]));
    unsupported(cumsum.bytes(), /unsupported op CUMSUM/);
    const sign = new ModelBuilder();
    const sx = sign.input('x', [1, 3]);
    sign.output(sign.op(OP.ADD, [sx, sx], 'y', [1, 3], opts.add(ACT.SIGN_BIT)));
    unsupported(sign.bytes(), /fused activation SIGN_BIT/);
    const ints = new ModelBuilder();
    ints.output(ints.op(OP.RELU, [ints.input('x', [1, 3], { type: T.I32 })], 'y', [1, 3], undefined, { type: T.I32 }));
    unsupported(ints.bytes(), /INT32/);
  });

  it('malformed files are ModelFormatErrors naming the field path and byte', () => {
    const formatError = (bytes: Uint8Array, pattern: RegExp): void => {
      expect(() => importTflite(bytes)).toThrow(ModelFormatError);
      expect(() => importTflite(bytes)).toThrow(pattern);
    };
    formatError(new Uint8Array(3), /too few for a FlatBuffer/);
    formatError(text('{"not": "a flatbuffer"}'), /\(at model.* \(byte \d+\)\)/);
    const good = classifier().bytes();
    formatError(good.subarray(0, good.length - 40), /runs past the end|outside the buffer/);
    formatError(classifier().bytes({ version: 2 }), /schema version 2/);
    const shape = new ModelBuilder();
    const x = shape.input('x', [1, 4, 4, 3]);
    shape.output(shape.op(OP.AVERAGE_POOL_2D, [x], 'y', [1, 3, 3, 3], opts.pool({ fw: 2, fh: 2, sw: 2, sh: 2, padding: 1 })));
    formatError(shape.bytes(), /AVERAGE_POOL_2D \(operator 0\): output tensor 1 "y" is declared \[1,3,3,3\], the operator computes \[1,2,2,3\]/);
    const early = new ModelBuilder();
    const ex = early.input('x', [1, 3]);
    early.tensors.push({ name: 'later', shape: [1, 3] });
    early.output(early.op(OP.ADD, [ex, 1], 'y', [1, 3], opts.add()));
    formatError(early.bytes(), /tensor 1 "later" is read before anything writes it/);
    const oob = new ModelBuilder();
    oob.ops.push({ op: OP.RELU, inputs: [42], outputs: [0] });
    oob.input('x', [1, 3]);
    oob.outputs.push(0);
    formatError(oob.bytes(), /input 0 index 42 is out of range/);
    const weights = new ModelBuilder();
    weights.output(weights.op(OP.CONV_2D, [weights.input('x', [1, 4, 4, 3]), weights.tensor({ name: 'w', shape: [2, 3, 3, 3], data: f32Bytes([1, 2]) }), -1], 'y', [1, 4, 4, 2], opts.conv()));
    formatError(weights.bytes(), /constant tensor 1 "w" \[2,3,3,3\] of FLOAT32 needs 216 bytes, its buffer has 8/);
  });

  it('the reader refuses aliasing that would make quadratic work', () => {
    // A vector of n references to one table holding a vector of n references to one table: n^2 tables to
    // read from 8n bytes. Every table shares the vtable at byte 8 (field 0 at offset 4).
    const n = 20000;
    const bytes = new Uint8Array(52 + 8 * n);
    const v = new DataView(bytes.buffer);
    const table = (at: number, vector: number): void => {
      v.setInt32(at, at - 8, true);
      v.setUint32(at + 4, vector - (at + 4), true);
    };
    v.setUint32(0, 16, true);
    v.setUint16(8, 6, true); v.setUint16(10, 8, true); v.setUint16(12, 4, true);
    const outer = 24, inner = outer + 4 + 4 * n, innerVec = inner + 8, leaf = innerVec + 4 + 4 * n;
    table(16, outer);
    v.setUint32(outer, n, true);
    for (let i = 0; i < n; i++) v.setUint32(outer + 4 + 4 * i, inner - (outer + 4 + 4 * i), true);
    table(inner, innerVec);
    v.setUint32(innerVec, n, true);
    for (let i = 0; i < n; i++) v.setUint32(innerVec + 4 + 4 * i, leaf - (innerVec + 4 + 4 * i), true);
    table(leaf, leaf + 8); // its vector: the 4 zero bytes at the end, empty
    const r = new FlatBufferReader(bytes, 'test');
    const walk = (): number => r.root('root').tables(0, 'a')!.map((t) => t.tables(0, 'b')!.map((u) => u.tables(0, 'c')!.length).length).length;
    expect(walk).toThrow(ModelFormatError);
    expect(walk).toThrow(/more than \d+ tables and vector elements read: references alias/);
    // The same shape at n = 100 reads fine.
    const fb = flatbuffer([{ tables: Array.from({ length: 100 }, () => [{ tables: Array.from({ length: 100 }, () => []) }]) }]);
    expect(new FlatBufferReader(fb, 'test').root('root').tables(0, 'a')!.map((t) => t.tables(0, 'b')!.length)).toEqual(new Array(100).fill(100));
  });
});
