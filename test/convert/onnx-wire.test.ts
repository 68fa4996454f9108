// The importer's own protobuf reader (src/convert/onnx/wire.ts, schema.ts): decoded fields equal what
// onnx-proto (protobufjs) decodes from the staged models and from built ones; wire edge cases byte by
// byte; and seeded fuzzing (truncation, byte flips, inflated lengths, deep nesting) where every case
// decodes or throws ModelFormatError, and importOnnx throws nothing but ModelFormatError or
// UnsupportedOpError.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { decodeModelProto, decodeTensorProto, type ModelProto, type TensorProto } from '../../src/convert/onnx/schema.js';
import { MAX_DEPTH, WireReader } from '../../src/convert/onnx/wire.js';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import { i64, OnnxModel } from '../helpers/onnx-builder.js';
import { rng } from '../helpers/random.js';

const { onnx } = onnxProto;
const ROOT = join(import.meta.dirname, '..', '..');

/** Every .onnx under the fixtures and ../shared/models, one per file name. */
function stagedModels(): string[] {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.onnx') && !found.has(e)) found.set(e, p);
    }
  };
  walk(join(ROOT, 'test', 'fixtures', 'models'));
  walk(join(ROOT, '..', 'shared', 'models'));
  return [...found.values()].sort();
}

// ---- A tiny protobuf encoder for hand-made wire cases -------------------------------------------

const varint = (v: number | bigint): number[] => {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return out;
};
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const vfield = (field: number, v: number | bigint) => [...tag(field, 0), ...varint(v)];
const lfield = (field: number, body: number[]) => [...tag(field, 2), ...varint(body.length), ...body];
const sfield = (field: number, s: string) => lfield(field, [...new TextEncoder().encode(s)]);
const f32field = (field: number, x: number) => [...tag(field, 5), ...new Uint8Array(Float32Array.of(x).buffer)];
const f64field = (field: number, x: number) => [...tag(field, 1), ...new Uint8Array(Float64Array.of(x).buffer)];
const bytes = (...parts: number[][]) => new Uint8Array(parts.flat());

/** A ModelProto around one graph of the given graph fields (opset 13). */
const modelOf = (...graph: number[][]) => bytes(vfield(1, 8), lfield(8, [...sfield(1, ''), ...vfield(2, 13)]), lfield(7, graph.flat()));
/** A graph with one node of the given node fields. */
const nodeModel = (...node: number[][]) => modelOf(lfield(1, node.flat()));
/** A model with one initializer of the given tensor fields. */
const tensorModel = (...tensor: number[][]) => modelOf(lfield(5, tensor.flat()));

function formatError(f: () => unknown): ModelFormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof ModelFormatError) return e;
    throw new Error(`expected a ModelFormatError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a ModelFormatError, nothing was thrown');
}

// ---- What the importer reads, from either decoder -----------------------------------------------

type Long = number | { toNumber(): number } | null | undefined;
const num = (v: Long): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k) && (o as Record<string, unknown>)[k] != null;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** FNV-1a over the bytes: big data is compared by hash and length, not element by element. */
function hash(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return `${b.length}:${(h >>> 0).toString(16)}`;
}
const hashNums = (a: readonly number[]) => hash(new Uint8Array(Float64Array.from(a).buffer));

// `any`: the summaries read onnx-proto's messages and ours alike.
function tensorSummary(t: any) {
  return {
    name: t.name ?? '',
    dims: (t.dims ?? []).map(num),
    dataType: t.dataType ?? 0,
    raw: own(t, 'rawData') ? hash(t.rawData) : undefined,
    floatData: hashNums(t.floatData ?? []),
    int32Data: hashNums(t.int32Data ?? []),
    int64Data: hashNums((t.int64Data ?? []).map(num)),
    doubleData: hashNums(t.doubleData ?? []),
    uint64Data: hashNums((t.uint64Data ?? []).map(num)),
    stringData: (t.stringData ?? []).map(hash),
    dataLocation: t.dataLocation ?? 0,
    externalData: (t.externalData ?? []).map((e: any) => [e.key ?? '', e.value ?? '']),
    segment: own(t, 'segment') ? [num(t.segment.begin), num(t.segment.end)] : undefined,
  };
}

function valueSummary(v: any) {
  const tt = v.type?.tensorType;
  return {
    name: v.name ?? '',
    type: own(v, 'type'),
    sequence: v.type ? own(v.type, 'sequenceType') : false,
    map: v.type ? own(v.type, 'mapType') : false,
    elemType: tt?.elemType ?? 0,
    dims: tt && own(tt, 'shape')
      ? (tt.shape.dim ?? []).map((d: any) => (own(d, 'dimValue') ? { value: num(d.dimValue) } : own(d, 'dimParam') ? { param: d.dimParam } : {}))
      : undefined,
  };
}

function attrSummary(a: any) {
  return {
    name: a.name ?? '',
    refAttrName: a.refAttrName ?? '',
    type: a.type ?? 0,
    f: own(a, 'f') ? a.f : undefined,
    i: own(a, 'i') ? num(a.i) : undefined,
    s: own(a, 's') ? text(a.s) : undefined,
    t: own(a, 't') ? tensorSummary(a.t) : undefined,
    g: own(a, 'g'),
    floats: [...(a.floats ?? [])],
    ints: (a.ints ?? []).map(num),
    strings: (a.strings ?? []).map(text),
    tensors: (a.tensors ?? []).map(tensorSummary),
    graphs: (a.graphs ?? []).length,
  };
}

function modelSummary(m: any) {
  const g = m.graph;
  return {
    irVersion: num(m.irVersion),
    opset: (m.opsetImport ?? []).map((o: any) => [o.domain ?? '', num(o.version)]),
    producer: [m.producerName ?? '', m.producerVersion ?? '', m.docString ?? ''],
    graph: g && {
      name: g.name ?? '',
      node: (g.node ?? []).map((n: any) => ({
        name: n.name ?? '', opType: n.opType ?? '', domain: n.domain ?? '', input: [...(n.input ?? [])], output: [...(n.output ?? [])],
        attribute: (n.attribute ?? []).map(attrSummary),
      })),
      initializer: (g.initializer ?? []).map(tensorSummary),
      sparseInitializer: (g.sparseInitializer ?? []).length,
      input: (g.input ?? []).map(valueSummary),
      output: (g.output ?? []).map(valueSummary),
      valueInfo: (g.valueInfo ?? []).map(valueSummary),
    },
  };
}

function expectSameDecode(b: Uint8Array): ModelProto {
  const ours = decodeModelProto(b);
  expect(modelSummary(ours)).toEqual(modelSummary(onnx.ModelProto.decode(b)));
  return ours;
}

// ---- Differential -------------------------------------------------------------------------------

describe('ONNX wire reader: same fields as onnx-proto', () => {
  const models = stagedModels();

  it('finds the staged models', () => {
    expect(models.map((p) => basename(p))).toContain('mnist-8.onnx');
  });

  it.each(models.map((p) => [basename(p), p]))('%s', (_name, path) => {
    const b = new Uint8Array(readFileSync(path));
    const m = expectSameDecode(b);
    expect(m.graph!.node.length).toBeGreaterThan(0);
    // raw_data is a view into the model bytes, not a copy.
    const raw = m.graph!.initializer.find((t) => t.rawData && t.rawData.length > 0)?.rawData;
    if (raw) expect(raw.buffer).toBe(b.buffer);
  });

  it('round-trips models built with the test builder (raw and typed tensors, every attribute kind)', () => {
    const built = [
      new OnnxModel(13).input('x', ['N', 3, 8, 8]).init('w', [4, 3, 3, 3], new Float32Array(108).map((_, i) => i / 7))
        .node('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], auto_pad: 'NOTSET' }).output('y'),
      new OnnxModel(17, { 'com.microsoft': 1 }).input('x', [2, 3], 7).init('s', [2], i64(-1, 3), true)
        .init('f', [3], Float32Array.of(1.5, -0, Number.NaN), true).init('q', [2], Int8Array.of(-128, 127), true)
        .node('Reshape', ['x', 's'], ['r']).node('Cast', ['r'], ['c'], { to: 1 })
        .node('LeakyRelu', ['c'], ['y'], { alpha: { float: 0.25 } })
        .node('Foo', ['y'], ['z'], { names: ['a', 'bé'], vals: { floats: [1, 2.5] }, neg: [-1, -(2 ** 40), 2 ** 53 - 1], t: { tensor: { dims: [2], data: i64(5, -6) } } }, 'com.microsoft')
        .output('z'),
    ];
    for (const m of built) expectSameDecode(m.encode());
  });

  it('round-trips the fields the builder does not write (doubles, uint64, segments, external data, subgraphs, types)', () => {
    const Long = (lo: number, hi: number, unsigned = false) => ({ low: lo, high: hi, unsigned });
    const tensor: onnxProto.onnx.ITensorProto = {
      name: 't', dims: [2, 0], dataType: 11, doubleData: [1e300, -2.5], uint64Data: [Long(-1, -1, true) as never, 7],
      stringData: [new Uint8Array([1, 2])], segment: { begin: 1, end: Long(0, 0x7fffffff) as never },
      externalData: [{ key: 'location', value: 'w.bin' }], dataLocation: 1, rawData: new Uint8Array(0),
    };
    const seq: onnxProto.onnx.ITypeProto = { sequenceType: { elemType: { tensorType: { elemType: 1 } } } };
    const m = onnx.ModelProto.create({
      irVersion: 9, producerName: 'p', producerVersion: 'v', docString: 'd',
      opsetImport: [{ domain: 'ai.onnx', version: 18 }, { domain: 'x', version: Long(-1, -1) as never }],
      graph: {
        name: 'g', initializer: [tensor], sparseInitializer: [{ dims: [3] }],
        node: [{ opType: 'If', input: ['c'], output: ['y'], attribute: [
          { name: 'then_branch', type: 5, g: { name: 'sub', node: [{ opType: 'Relu' }] } },
          { name: 'branches', type: 10, graphs: [{ name: 'a' }, { name: 'b' }] },
          { name: 'ts', type: 9, tensors: [tensor] },
          { name: 'untyped', i: Long(5, -2147483648) as never },
          { name: 'ref', refAttrName: 'outer', type: 2 },
        ] }],
        input: [{ name: 's', type: seq }, { name: 'm', type: { mapType: { keyType: 7, valueType: seq } } },
          { name: 'd', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 0 }, { dimParam: 'N' }, {}] } } } }],
        output: [{ name: 'y' }], valueInfo: [{ name: 'v', type: { tensorType: { elemType: 10 } } }],
      },
    });
    const ours = expectSameDecode(onnx.ModelProto.encode(m).finish());
    expect(ours.graph!.node[0].attribute[3].i).toBe(-(2 ** 63) + 5);
    expect(ours.graph!.initializer[0].uint64Data).toEqual([2 ** 64, 7]);
    expect(ours.graph!.input[2].type!.tensorType!.shape!.dim).toEqual([{ dimValue: 0 }, { dimParam: 'N' }, {}]);
    expect(ours.opsetImport[1].version).toBe(-1);
  });
});

// ---- Wire edge cases ----------------------------------------------------------------------------

describe('ONNX wire reader: edge cases', () => {
  it('reads 64-bit varints as numbers, rounded past 2^53 as Long.toNumber does', () => {
    const cases = [0n, 1n, 127n, 128n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 63n), -(2n ** 53n) - 3n];
    for (const v of cases) {
      const m = decodeModelProto(bytes(vfield(1, v)));
      expect(m.irVersion, String(v)).toBe(Number(BigInt.asIntN(64, v)));
      const long = onnx.ModelProto.decode(bytes(vfield(1, v))).irVersion;
      expect(m.irVersion, String(v)).toBe(num(long));
    }
  });

  it('reads a negative int64 as a 10-byte varint, and a negative int32 as its low 32 bits', () => {
    const neg = vfield(1, -2);
    expect(neg.length).toBe(11);
    expect(decodeModelProto(bytes(neg)).irVersion).toBe(-2);
    const t = decodeModelProto(tensorModel(vfield(2, -5), vfield(5, -7), vfield(5, 2n ** 32n + 9n))).graph!.initializer[0];
    expect(t.dataType).toBe(-5);
    expect(t.int32Data).toEqual([-7, 9]);
  });

  it('uint64 keeps the top bit: 2^64 - 1 is 2^64 as a number', () => {
    expect(decodeModelProto(tensorModel(vfield(11, -1))).graph!.initializer[0].uint64Data).toEqual([2 ** 64]);
  });

  it('takes repeated scalars packed, unpacked, or both mixed', () => {
    const packedDims = lfield(1, [...varint(2), ...varint(300), ...varint(-1)]);
    const unpacked = [vfield(1, 2), vfield(1, 300), vfield(1, -1)];
    const mixed = [vfield(1, 2), lfield(1, [...varint(300), ...varint(-1)])];
    for (const dims of [[packedDims], unpacked, mixed]) {
      expect(decodeModelProto(tensorModel(...dims)).graph!.initializer[0].dims).toEqual([2, 300, -1]);
    }
    const packedFloats = lfield(4, [...new Uint8Array(Float32Array.of(1.5, -2).buffer)]);
    expect(decodeModelProto(tensorModel(packedFloats, f32field(4, 3))).graph!.initializer[0].floatData).toEqual([1.5, -2, 3]);
    const doubles = lfield(10, [...new Uint8Array(Float64Array.of(0.1).buffer)]);
    expect(decodeModelProto(tensorModel(f64field(10, 1e-300), doubles)).graph!.initializer[0].doubleData).toEqual([1e-300, 0.1]);
    const e = formatError(() => decodeModelProto(tensorModel(lfield(4, [0, 0, 0, 0, 0]))));
    expect(e.message).toMatch(/not a whole number of 4-byte values/);
    expect(e.where).toMatch(/^model\.graph\.initializer\[0\]\.float_data, byte \d+$/);
  });

  it('skips unknown fields of every wire type, groups included', () => {
    const unknown = [vfield(99, 2n ** 63n), f64field(98, 1), lfield(97, [1, 2, 3]), f32field(96, 1),
      [...tag(95, 3), ...vfield(1, 5), ...tag(2, 3), ...lfield(3, [9]), ...tag(2, 4), ...tag(95, 4)]];
    const m = decodeModelProto(nodeModel(...unknown, sfield(4, 'Relu'), ...unknown, sfield(1, 'x'), sfield(2, 'y')));
    expect(m.graph!.node[0]).toMatchObject({ opType: 'Relu', input: ['x'], output: ['y'], attribute: [] });
    expect(modelSummary(m)).toEqual(modelSummary(onnx.ModelProto.decode(nodeModel(...unknown, sfield(4, 'Relu'), ...unknown, sfield(1, 'x'), sfield(2, 'y')))));
  });

  it('keeps presence: dim_value 0 differs from no dim, and the last of the oneof wins', () => {
    const input = (...dims: number[][]) => modelOf(lfield(11, [...sfield(1, 'x'), ...lfield(2, lfield(1, [...vfield(1, 1), ...lfield(2, dims.flatMap((d) => lfield(1, d)))]))]));
    const dims = decodeModelProto(input(vfield(1, 0), [], [...vfield(1, 4), ...sfield(2, 'N')], [...sfield(2, 'N'), ...vfield(1, 4)]))
      .graph!.input[0].type!.tensorType!.shape!.dim;
    expect(dims).toEqual([{ dimValue: 0 }, {}, { dimParam: 'N' }, { dimValue: 4 }]);
    const a = decodeModelProto(nodeModel(sfield(4, 'X'), lfield(5, [...sfield(1, 'a'), ...f32field(2, 0)]))).graph!.node[0].attribute[0];
    expect([a.f, a.i, a.s, a.t]).toEqual([0, undefined, undefined, undefined]);
  });

  it.each([
    ['a truncated varint', bytes([0x08, 0xff, 0xff]), /truncated varint/, /^model\.ir_version, byte 1$/],
    ['an 11-byte varint', bytes([0x08], Array(10).fill(0xff), [1]), /longer than 10 bytes/, /^model\.ir_version, byte 1$/],
    ['a length past the end', bytes([0x3a, 0x05, 0x0a]), /length 5 runs past the end \(1 bytes left\)/, /^model\.graph, byte 1$/],
    ['a huge length', bytes([0x3a], varint(2n ** 40n)), /runs past the end/, /^model\.graph, byte 1$/],
    ['a field past its message', nodeModel(sfield(4, 'Relu')).subarray(0, -1), /past the end|needs/, /^model\.graph/],
    ['a wrong wire type', nodeModel(vfield(4, 3)), /field 4 has wire type varint, expected length-delimited/, /^model\.graph\.node\[0\]\.op_type, byte \d+$/],
    ['a fixed32 op_type', nodeModel(f32field(4, 1)), /wire type fixed32/, /^model\.graph\.node\[0\]\.op_type/],
    ['wire type 6', bytes([0x0e, 0]), /invalid wire type 6/, /^model, byte 0$/],
    ['wire type 7', nodeModel([0x0f]), /invalid wire type 7/, /^model\.graph\.node\[0\], byte \d+$/],
    ['field number 0', bytes([0x00, 0]), /field number 0/, /^model, byte 0$/],
    ['a stray end-group', bytes([0x0c]), /end-group tag for field 1 outside a group/, /^model, byte 0$/],
    ['an unclosed group', bytes(tag(90, 3), vfield(1, 1)), /group 90 has no end-group tag/, /^model, byte 4$/],
    ['a mismatched end-group', bytes(tag(90, 3), tag(91, 4)), /closes group 90/, /^model, byte 2$/],
    ['a truncated fixed64', bytes(tag(90, 1), [1, 2]), /needs 8 bytes, 2 left/, /^model\.field 90, byte 2$/],
    ['a truncated float', nodeModel(lfield(5, [...tag(2, 5), 0, 0])), /needs 4 bytes/, /^model\.graph\.node\[0\]\.attribute\[0\]\.f, byte \d+$/],
    ['groups nested too deep', bytes(...Array.from({ length: MAX_DEPTH + 1 }, () => tag(90, 3)), ...Array.from({ length: MAX_DEPTH + 1 }, () => tag(90, 4))), /groups nested deeper than 64/, /^model, byte \d+$/],
  ])('%s is a ModelFormatError naming the path and byte', (_what, b, message, where) => {
    const e = formatError(() => decodeModelProto(b));
    expect(e.message).toMatch(message);
    expect(e.where).toMatch(where);
    expect(() => importOnnx(b)).toThrow(ModelFormatError);
  });

  it('accepts groups nested up to the limit', () => {
    const depth = MAX_DEPTH - 2;
    const b = bytes(vfield(1, 7), ...Array.from({ length: depth }, () => tag(90, 3)), ...Array.from({ length: depth }, () => tag(90, 4)));
    expect(decodeModelProto(b).irVersion).toBe(7);
  });

  it('messages nested past MAX_DEPTH are refused', () => {
    const chain = (n: number): number[] => (n === 0 ? vfield(2, 1) : lfield(1, chain(n - 1)));
    const read = (r: WireReader): number => {
      let depth = 0;
      while (r.more()) depth = r.field() === 1 ? 1 + r.message('next', -1, read) : (r.skip(), depth);
      return depth;
    };
    expect(read(new WireReader(bytes(chain(20)), 'chain'))).toBe(20);
    const e = formatError(() => read(new WireReader(bytes(chain(MAX_DEPTH + 5)), 'chain')));
    expect(e.message).toMatch(/nested deeper than 64/);
    expect(e.where).toMatch(/^chain(\.next){63}\.next, byte \d+$/);
  });

  it('decodes a TensorProto on its own', () => {
    const t: TensorProto = decodeTensorProto(onnx.TensorProto.encode({ name: 'w', dims: [2], dataType: 1, floatData: [1, 2] }).finish());
    expect([t.name, t.dims, t.dataType, t.floatData]).toEqual(['w', [2], 1, [1, 2]]);
  });
});

// ---- Fuzzing -----------------------------------------------------------------------------------

/** Offsets of every length prefix in a message tree (payloads that parse as messages are walked too). */
function lengthPrefixes(b: Uint8Array): { at: number; size: number; len: number }[] {
  const found: { at: number; size: number; len: number }[] = [];
  const readVarint = (p: number): [bigint, number] => {
    let v = 0n, s = 0n;
    for (;;) {
      if (p >= b.length) throw new Error('eof');
      const x = b[p++];
      v |= BigInt(x & 0x7f) << s;
      s += 7n;
      if (x < 0x80) return [v, p];
    }
  };
  const walk = (start: number, end: number, depth: number): boolean => {
    const mine: typeof found = [];
    const inner: [number, number][] = [];
    let p = start;
    try {
      while (p < end) {
        const [t, q] = readVarint(p);
        const w = Number(t & 7n);
        if (t >> 3n === 0n) return false;
        if (w === 0) p = readVarint(q)[1];
        else if (w === 1) p = q + 8;
        else if (w === 5) p = q + 4;
        else if (w === 2) {
          const [len, r] = readVarint(q);
          if (r + Number(len) > end) return false;
          mine.push({ at: q, size: r - q, len: Number(len) });
          inner.push([r, r + Number(len)]);
          p = r + Number(len);
        } else return false;
      }
    } catch {
      return false;
    }
    if (p !== end) return false;
    found.push(...mine);
    if (depth < 12) for (const [s, e] of inner) if (e > s) walk(s, e, depth + 1);
    return true;
  };
  walk(0, b.length, 0);
  return found;
}

type Outcome = 'decoded' | 'refused';

/** Decodes and imports `b`: each must succeed or throw one of our typed errors. */
function survive(b: Uint8Array, label: string): Outcome {
  let outcome: Outcome = 'decoded';
  try {
    decodeModelProto(b);
  } catch (e) {
    if (!(e instanceof ModelFormatError)) throw new Error(`${label}: decode threw ${String(e)}`, { cause: e });
    outcome = 'refused';
  }
  try {
    importOnnx(b);
  } catch (e) {
    if (!(e instanceof ModelFormatError || e instanceof UnsupportedOpError)) throw new Error(`${label}: importOnnx threw ${String(e)}`, { cause: e });
  }
  return outcome;
}

describe('ONNX wire reader: seeded fuzzing', () => {
  const small = [
    new OnnxModel(13).input('x', ['N', 3, 8, 8]).init('w', [4, 3, 3, 3], new Float32Array(108).fill(0.5)).init('b', [4], new Float32Array(4), true)
      .node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }).node('Relu', ['c'], ['y']).output('y').encode(),
    new OnnxModel(13).input('x', [1, 6]).init('s', [2], i64(2, 3), true).node('Reshape', ['x', 's'], ['r'])
      .node('Softmax', ['r'], ['y'], { axis: -1 }).output('y').encode(),
  ].map((b) => new Uint8Array(b));
  const mnist = new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', 'models', 'mnist-8', 'mnist-8.onnx')));

  it('truncation at every offset of the small models and 200 offsets of mnist-8', () => {
    for (const [k, b] of small.entries()) {
      for (let cut = 0; cut < b.length; cut++) survive(b.subarray(0, cut), `small ${k} cut at ${cut}`);
    }
    const random = rng(16);
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const cut = Math.floor(random() * mnist.length);
      if (survive(mnist.subarray(0, cut), `mnist-8 cut at ${cut}`) === 'refused') refused++;
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('random byte flips', () => {
    const random = rng(2);
    const outcomes = { decoded: 0, refused: 0 };
    for (let i = 0; i < 1200; i++) {
      const base = i < 1000 ? small[i % 2] : mnist;
      const b = new Uint8Array(base); // a copy (Buffer's slice() would be a view)
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
      outcomes[survive(b, `flip case ${i}`)]++;
    }
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('length prefixes inflated past the end', () => {
    const random = rng(3);
    for (const base of [...small, mnist]) {
      const prefixes = lengthPrefixes(base);
      expect(prefixes.length).toBeGreaterThan(5);
      for (let i = 0; i < 150; i++) {
        const p = prefixes[Math.floor(random() * prefixes.length)];
        const grow = [1, 2, 7, base.length, 2 ** 31, 2 ** 35][Math.floor(random() * 6)];
        const b = new Uint8Array([...base.subarray(0, p.at), ...varint(p.len + grow), ...base.subarray(p.at + p.size)]);
        survive(b, `length at ${p.at} + ${grow}`);
      }
    }
  });

  it('deep nesting: subgraphs and sequence types are refused by the importer, not recursed into', () => {
    let graph: onnxProto.onnx.IGraphProto = { name: 'leaf' };
    for (let i = 0; i < 200; i++) graph = { name: `g${i}`, node: [{ opType: 'If', attribute: [{ name: 'then_branch', type: 5, g: graph }] }] };
    const ifModel = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 13 }], graph: { ...graph, output: [] } }).finish();
    expect(decodeModelProto(ifModel).graph!.node[0].attribute[0].g).toBeInstanceOf(Uint8Array);
    expect(() => importOnnx(ifModel)).toThrow(UnsupportedOpError);

    let type: onnxProto.onnx.ITypeProto = { tensorType: { elemType: 1 } };
    for (let i = 0; i < 500; i++) type = { sequenceType: { elemType: type } };
    const seqModel = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 13 }], graph: { input: [{ name: 'x', type }] } }).finish();
    expect(formatError(() => importOnnx(seqModel)).message).toMatch(/only tensor inputs and outputs/);

    // Unknown groups nested 100 deep, and unknown length-delimited fields nested 2,000 deep.
    const groups = bytes(...Array.from({ length: 100 }, () => tag(90, 3)), ...Array.from({ length: 100 }, () => tag(90, 4)));
    expect(formatError(() => importOnnx(groups)).message).toMatch(/nested deeper/);
    let blob: number[] = [];
    for (let i = 0; i < 2000; i++) blob = lfield(91, blob);
    expect(() => decodeModelProto(bytes(blob))).not.toThrow();
  });
});
