// Seeded fuzzing of the TFLite reader and importer: truncations, byte flips and corrupted u32 offsets
// (the FlatBuffer's references, counts and the zip's fields) of a small model with metadata and an
// appended zip, and of Coral's MobileNet v1. Every outcome must be a graph the validator accepts or a
// typed error (ModelFormatError, UnsupportedOpError); never another exception, a hang or a huge allocation.
// The reader alone is also walked over random bytes with random field types.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { EdgeInferError, ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import { FlatBufferReader, type Table } from '../../src/convert/tflite/flatbuffer.js';
import { importTflite } from '../../src/convert/tflite/import.js';
import { writeEim } from '../../src/format/writer.js';
import { validateGraph } from '../../src/graph/validate.js';
import { rng } from '../helpers/random.js';
import { ACT, concat, CORAL_DIR, i32Bytes, metadataBuffer, ModelBuilder, OP, opts, T, zipArchive } from './tflite-helpers.js';

type Mutation = (b: Uint8Array, r: () => number) => { bytes: Uint8Array; what: string };

const int = (r: () => number, n: number): number => Math.floor(r() * n);

const truncate: Mutation = (b, r) => {
  const n = int(r, b.length);
  return { bytes: b.slice(0, n), what: `truncated to ${n}` };
};

const flip: Mutation = (b, r) => {
  const out = b.slice();
  const k = 1 + int(r, 8);
  const at: number[] = [];
  for (let i = 0; i < k; i++) {
    const p = int(r, out.length);
    out[p] ^= 1 + int(r, 255);
    at.push(p);
  }
  return { bytes: out, what: `bytes flipped at ${at.join(',')}` };
};

/** Overwrites a u32 at a 4-aligned position, favouring the ends (where FlatBuffer builders put tables). */
const offset: Mutation = (b, r) => {
  const out = b.slice();
  const v = new DataView(out.buffer);
  const zone = r();
  const span = Math.min(out.length, 65536);
  const base = zone < 0.4 ? 0 : zone < 0.8 ? out.length - span : 0;
  const p = (base + int(r, zone < 0.8 ? span : out.length)) & ~3;
  if (p + 4 > out.length) return { bytes: out, what: 'unchanged' };
  const specials = [0, 1, 4, 0xffffffff, 0x7fffffff, 0x80000000, out.length, out.length - p, out.length - p - 4, int(r, out.length)];
  const value = r() < 0.7 ? specials[int(r, specials.length)] : (v.getUint32(p, true) + int(r, 64) - 32) >>> 0;
  v.setUint32(p, value >>> 0, true);
  return { bytes: out, what: `u32 at ${p} set to ${value >>> 0}` };
};

/** A small quantized classifier with metadata and a deflated label file in an appended zip. */
function sample(): Uint8Array {
  const m = new ModelBuilder();
  const x = m.input('image', [1, 6, 6, 3], { type: T.U8, quant: { scale: [1 / 128], zeroPoint: [128] } });
  const w = m.tensor({ name: 'w', shape: [4, 3, 3, 3], type: T.U8, data: Uint8Array.from({ length: 108 }, (_, i) => (i * 37) % 256), quant: { scale: [0.02], zeroPoint: [128] } });
  const b = m.tensor({ name: 'b', shape: [4], type: T.I32, data: i32Bytes([10, -20, 30, -40]), quant: { scale: [0.02 / 128], zeroPoint: [0] } });
  const c = m.op(OP.CONV_2D, [x, w, b], 'conv', [1, 3, 3, 4], opts.conv({ padding: 0, sw: 2, sh: 2, act: ACT.RELU6 }), { type: T.U8, quant: { scale: [6 / 255], zeroPoint: [0] } });
  const dw = m.tensor({ name: 'dw', shape: [1, 3, 3, 4], type: T.U8, data: Uint8Array.from({ length: 36 }, (_, i) => (i * 11) % 256), quant: { scale: [0.05], zeroPoint: [100] } });
  const d = m.op(OP.DEPTHWISE_CONV_2D, [c, dw, -1], 'dwconv', [1, 3, 3, 4], opts.depthwise({ padding: 0 }), { type: T.U8, quant: { scale: [0.1], zeroPoint: [120] } });
  const a = m.op(OP.ADD, [c, d], 'add', [1, 3, 3, 4], opts.add(), { type: T.U8, quant: { scale: [0.12], zeroPoint: [110] } });
  const p = m.op(OP.AVERAGE_POOL_2D, [a], 'pool', [1, 1, 1, 4], opts.pool({ padding: 1, fw: 3, fh: 3 }), { type: T.U8, quant: { scale: [0.12], zeroPoint: [110] } });
  const r = m.op(OP.RESHAPE, [p, m.i32('shape', [2], [1, 4])], 'flat', [1, 4], opts.reshape([1, 4]), { type: T.U8, quant: { scale: [0.12], zeroPoint: [110] } });
  const fw = m.tensor({ name: 'fc', shape: [3, 4], type: T.U8, data: Uint8Array.of(1, 50, 100, 150, 200, 250, 3, 9, 27, 81, 243, 0), quant: { scale: [0.01], zeroPoint: [127] } });
  const f = m.op(OP.FULLY_CONNECTED, [r, fw, -1], 'logits', [1, 3], opts.fc(), { type: T.U8, quant: { scale: [0.1], zeroPoint: [128] } });
  m.output(m.op(OP.SOFTMAX, [f], 'probs', [1, 3], opts.softmax(1), { type: T.U8, quant: { scale: [1 / 256], zeroPoint: [0] } }));
  m.metadata = [{ name: 'TFLITE_METADATA', data: metadataBuffer({ name: 'fuzz', colorSpace: 1, mean: [127.5], std: [127.5], labelFiles: [{ name: 'labels.txt' }] }) }];
  return concat([m.bytes(), zipArchive([{ name: 'labels.txt', data: new TextEncoder().encode('a\nb\nc\n'), deflate: true }])]);
}

/** The tensor ops beyond classifiers (ops-tensor.ts, ops-select.ts), each once, on float tensors. */
function tensorOps(): Uint8Array {
  const m = new ModelBuilder();
  const x = m.input('x', [1, 4, 6, 2]);
  const t = m.op(OP.TRANSPOSE, [x, m.i32('perm', [4], [0, 2, 1, 3])], 't', [1, 6, 4, 2], opts.transpose());
  const [a, b] = [m.tensor({ name: 'a', shape: [1, 6, 2, 2] }), m.tensor({ name: 'b', shape: [1, 6, 2, 2] })];
  m.ops.push({ op: OP.SPLIT, inputs: [m.i32('axis', [], [2]), t], outputs: [a, b], options: opts.split(2) });
  const mm = m.op(OP.BATCH_MATMUL, [a, b], 'mm', [1, 6, 2, 2], opts.batchMatMul(false, true));
  const g = m.op(OP.GATHER, [mm, m.i32('idx', [3], [5, 0, 2])], 'g', [1, 3, 2, 2], opts.gather(1));
  const ss = m.op(OP.STRIDED_SLICE, [g, m.i32('sb', [4], [0, 1, 0, 0]), m.i32('se', [4], [1, 3, 2, 1]), m.i32('st', [4], [1, 1, 1, 1])], 'ss', [1, 2, 2], opts.stridedSlice({ shrinkAxisMask: 8 }));
  const e = m.op(OP.EXPAND_DIMS, [ss, m.i32('ax', [], [-1])], 'e', [1, 2, 2, 1], opts.expandDims());
  const up = m.op(OP.RESIZE_NEAREST_NEIGHBOR, [e, m.i32('size', [2], [4, 6])], 'up', [1, 4, 6, 1], opts.resizeNearest(false, true));
  const [u0, u1] = [m.tensor({ name: 'u0', shape: [1, 6, 1] }), m.tensor({ name: 'u1', shape: [1, 6, 1] })];
  m.ops.push({ op: OP.UNPACK, inputs: [m.op(OP.SLICE, [up, m.i32('lb', [4], [0, 0, 0, 0]), m.i32('ls', [4], [1, 2, -1, 1])], 'sl', [1, 2, 6, 1], opts.slice())], outputs: [u0, u1], options: opts.unpack(2, 1) });
  m.output(m.op(OP.PACK, [u1, u0], 'y', [1, 2, 6, 1], opts.pack(2, 1)));
  return m.bytes();
}

const outcomes = new Map<string, number>();
let slowest = { ms: 0, what: '' };
afterAll(() => {
  console.log(`TFLite fuzz outcomes: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}; slowest ${slowest.ms.toFixed(0)} ms (${slowest.what})`);
});

function fuzz(name: string, base: Uint8Array, seed: number, count: number, full: boolean): void {
  const r = rng(seed);
  const mutations: [string, Mutation][] = [['truncate', truncate], ['flip', flip], ['offset', offset]];
  for (let i = 0; i < count; i++) {
    const [kind, mutate] = mutations[i % 3];
    const { bytes, what } = mutate(base, r);
    const label = `${name} #${i} (seed ${seed}) ${kind}: ${what}`;
    const t0 = performance.now();
    let outcome: string;
    try {
      const g = importTflite(bytes);
      validateGraph(g);
      if (full) writeEim(g);
      outcome = 'imported';
    } catch (e) {
      if (!(e instanceof ModelFormatError || e instanceof UnsupportedOpError)) {
        throw new Error(`${label}: ${e instanceof EdgeInferError ? e.name : 'untyped'} error ${(e as Error)?.stack ?? e}`);
      }
      outcome = e.name;
    }
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, what: label };
    expect(ms, label).toBeLessThan(5000);
    outcomes.set(`${name} ${outcome}`, (outcomes.get(`${name} ${outcome}`) ?? 0) + 1);
  }
}

describe('TFLite fuzzing: only typed errors, no hang', () => {
  it('the unmutated sample imports, with its labels', () => {
    const g = importTflite(sample());
    expect(g.metadata.labels).toEqual(['a', 'b', 'c']);
  });

  it('a small quantized model with metadata and a zip: 900 mutations', () => {
    fuzz('sample', sample(), 15, 900, true);
  }, 120_000);

  it('the tensor ops beyond classifiers (TRANSPOSE to PACK): the model imports, and 600 mutations', () => {
    validateGraph(importTflite(tensorOps()));
    fuzz('tensor-ops', tensorOps(), 29, 600, true);
  }, 120_000);

  it('Coral MobileNet v1 0.25: 240 mutations', () => {
    fuzz('coral-v1', new Uint8Array(readFileSync(new URL('mobilenet_v1_0.25_128_quant.tflite', CORAL_DIR))), 1501, 240, false);
  }, 300_000);

  it('the reader over random bytes, read with random field types: only ModelFormatError', () => {
    const r = rng(77);
    let typed = 0;
    const walk = (t: Table, depth: number): void => {
      for (let k = 0; k < 6; k++) {
        const id = int(r, 8);
        switch (int(r, 9)) {
          case 0: t.u8(id, 'u8'); break;
          case 1: t.i32(id, 'i32'); break;
          case 2: t.i64(id, 'i64'); break;
          case 3: t.string(id, 'string'); break;
          case 4: t.ints(id, 'ints'); break;
          case 5: t.floats(id, 'floats'); break;
          case 6: t.union(id, 'union'); break;
          case 7: { const sub = t.table(id, 'table'); if (sub && depth < 6) walk(sub, depth + 1); break; }
          default: { const v = t.tables(id, 'tables'); if (v && v.length > 0 && depth < 6) walk(v.get(int(r, v.length)), depth + 1); }
        }
      }
    };
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: 8 + int(r, 200) }, () => (r() < 0.5 ? int(r, 16) : int(r, 256)));
      try {
        walk(new FlatBufferReader(bytes, 'random').root('root'), 0);
      } catch (e) {
        if (!(e instanceof ModelFormatError)) throw new Error(`random buffer #${i}: ${(e as Error).stack}`);
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(1000);
  });
});
