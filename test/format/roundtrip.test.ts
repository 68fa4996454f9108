import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Constant, Graph } from '../../src/graph/ir.js';
import { ModelFormatError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import { assembleEim, writeEim } from '../../src/format/writer.js';
import { readEimFile } from '../../src/format/node.js';
import { FIELD, MAGIC, PREAMBLE_BYTES, TENSOR_ALIGN, VERSION_MAJOR, readPreamble } from '../../src/format/layout.js';
import { F16_EDGES, oddConstants, smallCnn } from './graphs.js';
import { rewriteChecksum } from './fuzz.js';

function rawBytes(c: Constant): Uint8Array {
  return new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength);
}

/** Deep equality of two graphs, constants compared bit for bit (NaN payloads and -0 included). */
function expectSameGraph(got: Graph, want: Graph): void {
  expect(got.inputs).toEqual(want.inputs);
  expect(got.outputs).toEqual(want.outputs);
  expect(got.nodes).toEqual(want.nodes);
  expect(got.metadata).toEqual(want.metadata);
  expect([...got.constants.keys()]).toEqual([...want.constants.keys()]);
  for (const [name, w] of want.constants) {
    const g = got.constants.get(name)!;
    expect(g.dtype, name).toBe(w.dtype);
    expect(g.shape, name).toEqual(w.shape);
    expect(g.data.constructor, name).toBe(w.data.constructor);
    expect(rawBytes(g), name).toEqual(rawBytes(w));
    if (!w.quant) {
      expect(g.quant, name).toBeUndefined();
      continue;
    }
    expect(g.quant!.axis, name).toBe(w.quant.axis);
    expect([...g.quant!.scales], name).toEqual([...w.quant.scales]);
    expect(g.quant!.zeroPoints && [...g.quant!.zeroPoints], name).toEqual(w.quant.zeroPoints && [...w.quant.zeroPoints]);
    expect(g.quant!.zeroPoints === undefined || g.quant!.zeroPoints instanceof Int32Array).toBe(true);
  }
}

function headerOf(bytes: Uint8Array): any {
  const p = readPreamble(bytes);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + p.headerLength)));
}

function expectFormatError(f: () => unknown, where: string | RegExp, message?: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    const err = e as ModelFormatError;
    if (typeof where === 'string') expect(err.where).toBe(where); else expect(err.where).toMatch(where);
    if (message) expect(err.message).toMatch(message);
    return;
  }
  throw new Error('expected a ModelFormatError');
}

describe('.eim round trip', () => {
  it.each([['small CNN', smallCnn], ['odd constants', oddConstants]])('%s: read(write(g)) equals g, and writing again gives the same bytes', (_, make) => {
    const g = make();
    const bytes = writeEim(g);
    const back = readEim(bytes);
    expectSameGraph(back, g);
    expect(writeEim(back)).toEqual(bytes);
  });

  it('lays the file out as the spec says: magic, version, 64-aligned data section and tensors', () => {
    const bytes = writeEim(smallCnn());
    expect([...bytes.subarray(0, 8)]).toEqual([...MAGIC]);
    const p = readPreamble(bytes);
    expect(p.versionMajor).toBe(VERSION_MAJOR);
    expect(p.dataOffset % TENSOR_ALIGN).toBe(0);
    expect(p.dataOffset + p.dataLength).toBe(bytes.length);
    const h = headerOf(bytes);
    for (const t of h.tensors) expect((p.dataOffset + t.offset) % TENSOR_ALIGN, t.name).toBe(0);
    const conv2 = h.tensors.find((t: any) => t.name === 'conv2.w');
    expect(conv2.quant.scales.length).toBe(16 * 4);  // scales live in the data section, 4 bytes each
    expect(conv2.quant.zeroPoints).toBeUndefined();
    const dw = h.tensors.find((t: any) => t.name === 'dw.w');
    expect(dw.quant.zeroPoints.length).toBe(1);       // zero points: one byte each, the tensor's own type
    // The checksum field holds the CRC of everything but itself.
    const copy = bytes.slice();
    copy.fill(0, FIELD.checksum, FIELD.checksum + 4);
    rewriteChecksum(copy);
    expect(copy).toEqual(bytes);
  });

  it('stores f16 edge values, NaN payloads and signed zeros bit-exactly', () => {
    const back = readEim(writeEim(oddConstants()));
    expect([...(back.constants.get('f16.edges')!.data as Uint16Array)]).toEqual([...F16_EDGES]);
    const special = back.constants.get('f32.special')!.data as Float32Array;
    expect(Number.isNaN(special[0])).toBe(true);
    expect(Object.is(special[5], -0)).toBe(true);
    expect(Object.is((back.constants.get('scalar')!.data as Float32Array)[0], -0)).toBe(true);
    expect(back.constants.get('empty')!.data.length).toBe(0);
  });

  it('accepts an ArrayBuffer, a Node Buffer and a file on disk', async () => {
    const g = smallCnn();
    const bytes = writeEim(g);
    expectSameGraph(readEim(bytes.slice().buffer), g);
    expectSameGraph(readEim(Buffer.from(bytes)), g);
    const dir = await mkdtemp(join(tmpdir(), 'eim-'));
    try {
      await writeFile(join(dir, 'm.eim'), bytes);
      expectSameGraph(await readEimFile(join(dir, 'm.eim')), g);
      await expect(readEimFile(join(dir, 'missing.eim'))).rejects.toBeInstanceOf(ModelFormatError);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('.eim zero-copy reading', () => {
  it('returns views into a 64-byte-aligned buffer, for every dtype', () => {
    const bytes = writeEim(oddConstants());
    const g = readEim(bytes);
    for (const [name, c] of g.constants) {
      expect(c.data.buffer, name).toBe(bytes.buffer);
      if (c.data.length > 0) expect(c.data.byteOffset % TENSOR_ALIGN, name).toBe(0);
    }
    // A view sees later writes to the file buffer.
    const file = writeEim(smallCnn());
    const w = readEim(file).constants.get('conv1.w')!.data as Float32Array;
    file.set(new Uint8Array(Float32Array.of(42).buffer), w.byteOffset - file.byteOffset);
    expect(w[0]).toBe(42);
  });

  it('copies what cannot be viewed when the buffer is misaligned, with equal values', () => {
    const g = oddConstants();
    const bytes = writeEim(g);
    for (const shift of [1, 2, 4]) {
      const host = new Uint8Array(bytes.length + shift);
      host.set(bytes, shift);
      const back = readEim(host.subarray(shift));
      expectSameGraph(back, g);
      for (const [name, c] of back.constants) {
        const viewable = c.data.BYTES_PER_ELEMENT === 1 || shift % c.data.BYTES_PER_ELEMENT === 0;
        expect(c.data.buffer === host.buffer, `${name} at shift ${shift}`).toBe(viewable);
      }
    }
  });
});

describe('.eim versioning and errors', () => {
  it('reads a newer minor version and ignores header fields it does not know', () => {
    const bytes = writeEim(smallCnn());
    const h = headerOf(bytes);
    h.future = { anything: [1, 2] };
    h.tensors[0].layoutHint = 'packed';
    h.metadata.license = 'MIT';
    const p = readPreamble(bytes);
    const newer = assembleEim(JSON.stringify(h), bytes.subarray(p.dataOffset), { versionMinor: 7 });
    expectSameGraph(readEim(newer), smallCnn());
    expectFormatError(() => readEim(assembleEim(JSON.stringify(h), bytes.subarray(p.dataOffset), { versionMajor: 2 })),
      'byte 8 (preamble.versionMajor)', /major version 2/);
  });

  it('names what is wrong and where', () => {
    const bytes = writeEim(smallCnn());
    const p = readPreamble(bytes);
    const data = bytes.subarray(p.dataOffset);
    const forge = (edit: (h: any) => void): Uint8Array => { const h = headerOf(bytes); edit(h); return assembleEim(JSON.stringify(h), data); };
    expectFormatError(() => readEim(bytes.subarray(0, bytes.length - 1)), 'byte 24 (preamble.dataLength)', /truncated/);
    const flipped = bytes.slice();
    flipped[bytes.length - 5] ^= 4;
    expectFormatError(() => readEim(flipped), 'byte 28 (preamble.checksum)', /checksum mismatch/);
    expectFormatError(() => readEim(forge((h) => { h.tensors[2].shape[1] = 2 ** 40; })), 'header.tensors[2].shape[1]', /integer/);
    expectFormatError(() => readEim(forge((h) => { h.tensors[1].shape = [9]; })), 'header.tensors[1].length', /does not match/);
    expectFormatError(() => readEim(forge((h) => { h.tensors[3].dtype = 'f64'; })), 'header.tensors[3].dtype', /f32\|f16\|i8\|u8/);
    expectFormatError(() => readEim(forge((h) => { h.tensors[4].offset += 64; })), /^header\.tensors\[\d\]/, /overlaps|past/);
    expectFormatError(() => readEim(forge((h) => { h.graph.nodes[2].inputs[0] = 'nope'; })), 'header.graph.nodes[2].inputs[0]', /conv2.*nope/);
    expectFormatError(() => readEim(forge((h) => { h.metadata.labels[3] = 3; })), 'header.metadata.labels[3]');
    expectFormatError(() => readEim(forge((h) => { h.graph.inputs[0].sourcePerm = [0, 3, 3, 1]; })), 'header.graph.inputs[0].sourcePerm[2]');
    expectFormatError(() => readEim(forge((h) => { h.graph.inputs[0].shape = [-1, 65536, 65536, 3]; })), 'header.graph.inputs[0].shape', /elements/);
    const zeroScale = bytes.slice();
    const conv2 = headerOf(bytes).tensors.find((t: any) => t.name === 'conv2.w');
    new DataView(zeroScale.buffer).setFloat32(p.dataOffset + conv2.quant.scales.offset + 8, 0, true);
    expectFormatError(() => readEim(rewriteChecksum(zeroScale)), 'header.tensors[2].quant.scales[2]', /> 0/);
    expectFormatError(() => readEim('not bytes' as unknown as Uint8Array), 'input');
  });

  it('refuses to write what it could not read back, naming the place in the graph', () => {
    const cases: [string, (g: Graph) => void, string][] = [
      ['NaN attribute', (g) => { g.nodes[1].attrs = { ...g.nodes[1].attrs, alpha: NaN }; }, 'graph.nodes[1].attrs.alpha'],
      ['Infinity in metadata', (g) => { g.metadata.preprocess = { ...g.metadata.preprocess!, scale: Infinity }; }, 'graph.metadata.preprocess.scale'],
      ['typed array attribute', (g) => { g.nodes[0].attrs = { w: Float32Array.of(1) as unknown as number[] }; }, 'graph.nodes[0].attrs.w'],
      ['short data', (g) => { g.constants.set('conv1.b', { shape: [9], dtype: 'f32', data: new Float32Array(8) }); }, 'graph.constants["conv1.b"].data'],
      ['wrong array type', (g) => { g.constants.set('conv1.b', { shape: [8], dtype: 'f16', data: new Float32Array(8) }); }, 'graph.constants["conv1.b"].data'],
      ['i8 without quant', (g) => { g.constants.set('conv1.b', { shape: [8], dtype: 'i8', data: new Int8Array(8) }); }, 'graph.constants["conv1.b"].quant'],
      ['zero point out of range', (g) => { g.constants.set('dw.w', { ...g.constants.get('dw.w')!, quant: { axis: 0, scales: Float32Array.of(1), zeroPoints: Int32Array.of(300) } }); }, 'graph.constants["dw.w"].quant.zeroPoints[0]'],
      ['negative scale', (g) => { g.constants.set('dw.w', { ...g.constants.get('dw.w')!, quant: { axis: 0, scales: Float32Array.of(-1) } }); }, 'graph.constants["dw.w"].quant.scales[0]'],
      ['dangling input', (g) => { g.nodes[3].inputs = ['missing']; }, 'header.graph.nodes[3].inputs[0]'],
      ['input named like a constant', (g) => { g.inputs[0] = { ...g.inputs[0], name: 'fc.b' }; }, 'header.graph.inputs[0].name'],
    ];
    for (const [what, edit, where] of cases) {
      const g = smallCnn();
      edit(g);
      try {
        writeEim(g);
        throw new Error(`${what}: written`);
      } catch (e) {
        expect(e, what).toBeInstanceOf(ModelFormatError);
        expect((e as ModelFormatError).where, what).toBe(where);
      }
    }
  });
});
