// TFLite operators beyond image classifiers that map onto IR ops we have (issue #15): TRANSPOSE,
// BATCH_MATMUL (adj_x, adj_y), DIV, LOG_SOFTMAX, PRELU, EXPAND_DIMS, SPLIT, SPLIT_V, PACK, UNPACK. There is no
// LiteRT reference for them in ../shared/models (its TFLite models are Coral's classifiers), so small models
// are built here (tflite-helpers.ts writes the FlatBuffer) and compared on every backend with TF.js (cpu),
// whose ops have TFLite's semantics. STRIDED_SLICE, SLICE, GATHER and RESIZE_NEAREST_NEIGHBOR are lowered onto
// Split/Concat/Reshape where they can be (unit steps, constant indices, whole factors); the rest of them and
// RESIZE_BILINEAR are refused by name with the IR op they would need.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../src/convert/tflite/import.js';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/ir.js';
import { useBackends } from '../helpers/backends.js';
import { randomF32 } from '../helpers/harness.js';
import { describeTfjsCases, type Case, type Feed } from './tflite-cases.js';
import { ModelBuilder, OP, opts } from './tflite-helpers.js';

const variants = (await useBackends()).filter((v) => v.precision === 'f32' && v.id !== 'wasm-relaxed');


const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const rand = (shape: number[], seed: number, scale = 1): Float32Array => randomF32(size(shape), { seed, min: -scale, max: scale });
const feed = (shape: number[], seed: number, scale = 1): Feed => ({ shape, data: rand(shape, seed, scale) });
const out = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;
const ops = (g: Graph): string[] => g.nodes.map((n) => n.op);
const t4 = (f: Feed): tf.Tensor4D => tf.tensor4d(f.data, f.shape as [number, number, number, number]);

/** Self-attention on [1, T, D]: q, k, v projections, q kᵀ (adj_y) / √d, softmax, · v, then [1, d, T]. */
function attentionCase(): Case {
  const T = 5, D = 6, d = 4;
  const x = feed([1, T, D], 1), wq = rand([D, d], 2, 0.5), wk = rand([D, d], 3, 0.5), wv = rand([D, d], 4, 0.5);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  const proj = (w: Float32Array, name: string) => m.op(OP.BATCH_MATMUL, [xi, m.f32(`w${name}`, [D, d], w)], name, [1, T, d], opts.batchMatMul());
  const q = proj(wq, 'q'), k = proj(wk, 'k'), v = proj(wv, 'v');
  const s = m.op(OP.BATCH_MATMUL, [q, k], 's', [1, T, T], opts.batchMatMul(false, true));
  const sc = m.op(OP.DIV, [s, m.f32('sqrt_d', [], [Math.sqrt(d)])], 'sc', [1, T, T], opts.div());
  const p = m.op(OP.SOFTMAX, [sc], 'p', [1, T, T], opts.softmax(1));
  const o = m.op(OP.BATCH_MATMUL, [p, v], 'o', [1, T, d], opts.batchMatMul());
  m.output(m.op(OP.TRANSPOSE, [o, m.i32('perm', [3], [0, 2, 1])], 'y', [1, d, T], opts.transpose()));
  // adj_x: xᵀ x, [1, D, D].
  m.output(m.op(OP.BATCH_MATMUL, [xi, xi], 'gram', [1, D, D], opts.batchMatMul(true, false)));
  return {
    name: 'BATCH_MATMUL (const weights, adj_x, adj_y), DIV, SOFTMAX, TRANSPOSE: one attention head', bytes: m.bytes(), feeds: { x },
    want: () => {
      const xt = tf.tensor3d(x.data, [1, T, D]);
      const pr = (w: Float32Array) => tf.matMul(xt, tf.tensor3d(w, [1, D, d]));
      const att = tf.softmax(tf.matMul(pr(wq), pr(wk), false, true).div(Math.sqrt(d)));
      return { y: out(tf.matMul(att, pr(wv)).transpose([0, 2, 1])), gram: out(tf.matMul(xt, xt, true, false)) };
    },
    check: (g) => {
      expect(ops(g).filter((op) => op === 'MatMul')).toHaveLength(6);
      expect(g.inputs[0].shape).toEqual([-1, T, D]);
    },
  };
}

/** Splits and joins on [1, 6, 4]: SPLIT, SPLIT_V with a -1, UNPACK, PACK, EXPAND_DIMS; LOG_SOFTMAX, PRELU. */
function plumbingCase(): Case {
  const x = feed([1, 6, 4], 5, 3), alpha = rand([4], 6, 0.5);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  const [a, b] = m.opMulti(OP.SPLIT, [m.i32('axis2', [], [2]), xi], [['a', [1, 6, 2]], ['b', [1, 6, 2]]], opts.split(2));
  const [c, dd, e] = m.opMulti(OP.SPLIT_V, [xi, m.i32('sizes', [3], [1, -1, 2]), m.i32('axis1', [1], [1])],
    [['c', [1, 1, 4]], ['d', [1, 3, 4]], ['e', [1, 2, 4]]], opts.splitV(3));
  const [e0, e1] = m.opMulti(OP.UNPACK, [e], [['e0', [1, 4]], ['e1', [1, 4]]], opts.unpack(2, 1));
  m.output(a).output(b).output(c).output(dd);
  m.output(m.op(OP.PACK, [e1, e0], 'packed', [1, 4, 2], opts.pack(2, -1)));
  m.output(m.op(OP.EXPAND_DIMS, [b, m.i32('ax', [], [-1])], 'expanded', [1, 6, 2, 1], opts.expandDims()));
  m.output(m.op(OP.LOG_SOFTMAX, [xi], 'logp', x.shape, opts.logSoftmax()));
  m.output(m.op(OP.PRELU, [xi, m.f32('alpha', [4], alpha)], 'prelu', x.shape));
  return {
    name: 'SPLIT, SPLIT_V (-1 size), UNPACK, PACK (axis -1), EXPAND_DIMS, LOG_SOFTMAX, PRELU', bytes: m.bytes(), feeds: { x },
    want: () => {
      const xt = tf.tensor3d(x.data, [1, 6, 4]);
      const [ta, tb] = tf.split(xt, 2, 2);
      const [tc, td, te] = tf.split(xt, [1, 3, 2], 1);
      const [u0, u1] = tf.unstack(te, 1);
      return {
        a: out(ta), b: out(tb), c: out(tc), d: out(td), packed: out(tf.stack([u1, u0], 2)), expanded: out(tb.expandDims(-1)),
        logp: out(tf.logSoftmax(xt)), prelu: out(tf.prelu(xt, tf.tensor3d(alpha, [1, 1, 4]))),
      };
    },
  };
}

/** Picking and repeating on [1, 4, 6, 3]: STRIDED_SLICE (masks, shrink, negative bounds), SLICE, GATHER, RESIZE_NEAREST_NEIGHBOR. */
function selectCase(): Case {
  const x = feed([1, 4, 6, 3], 7);
  const m = new ModelBuilder();
  const xi = m.input('x', x.shape);
  // x[:, 1:, -4:-1, 2]: begin_mask on axis 0, shrink on axis 3.
  m.output(m.op(OP.STRIDED_SLICE, [xi, m.i32('b', [4], [0, 1, -4, 2]), m.i32('e', [4], [0, 4, -1, 3]), m.i32('s', [4], [1, 1, 1, 1])],
    'ss', [1, 3, 3], opts.stridedSlice({ beginMask: 1, endMask: 1, shrinkAxisMask: 8 })));
  m.output(m.op(OP.SLICE, [xi, m.i32('sb', [4], [0, 2, 1, 0]), m.i32('sz', [4], [1, -1, 4, 2])], 'sl', [1, 2, 4, 2], opts.slice()));
  m.output(m.op(OP.GATHER, [xi, m.i32('idx', [2, 2], [5, 0, -1, 2])], 'g', [1, 4, 2, 2, 3], opts.gather(2)));
  m.output(m.op(OP.RESIZE_NEAREST_NEIGHBOR, [xi, m.i32('size', [2], [8, 18])], 'up', [1, 8, 18, 3], opts.resizeNearest(false, true)));
  return {
    name: 'STRIDED_SLICE (masks, shrink, negative bounds), SLICE (-1 size), GATHER (constant 2-D indices), RESIZE_NEAREST_NEIGHBOR (x2, x3)', bytes: m.bytes(), feeds: { x },
    want: () => {
      const xt = t4(x);
      return {
        ss: out(tf.stridedSlice(xt, [0, 1, -4, 2], [0, 4, -1, 3], [1, 1, 1, 1], 1, 1, 0, 0, 8)),
        sl: out(tf.slice(xt, [0, 2, 1, 0], [1, -1, 4, 2])),
        g: out(tf.gather(xt, tf.tensor2d([5, 0, 5, 2], [2, 2], 'int32'), 2)),
        up: out(tf.image.resizeNearestNeighbor(xt, [8, 18], false, true)),
      };
    },
    check: (g) => expect(ops(g)).not.toContain('Transpose'),
  };
}

const CASES: readonly (() => Case)[] = [attentionCase, plumbingCase, selectCase];

describeTfjsCases('TFLite tensor ops', CASES, variants);

describe('TFLite tensor ops: refusals', () => {
  const refused = (build: (m: ModelBuilder, x: number) => void, type: typeof ModelFormatError | typeof UnsupportedOpError, message: RegExp): void => {
    const m = new ModelBuilder();
    build(m, m.input('x', [1, 6, 4]));
    expect(() => importTflite(m.bytes())).toThrow(type);
    expect(() => importTflite(m.bytes())).toThrow(message);
  };

  it('RESIZE_BILINEAR needs an IR op we do not have: an UnsupportedOpError saying which', () => {
    refused((m, x) => { m.output(m.op(OP.RESIZE_BILINEAR, [x, m.i32('k', [2], [1, 2])], 'y', [1, 6, 4])); }, UnsupportedOpError, /RESIZE_BILINEAR.*needs a Resize op \(bilinear\)/);
  });

  it.each([
    ['GATHER with indices computed at run time', (m: ModelBuilder, x: number) => {
      // (An int32 graph input is refused before; any run-time tensor stands in for computed indices.)
      m.output(m.op(OP.GATHER, [x, m.op(OP.RELU, [m.input('i', [2])], 'ri', [2])], 'y', [2, 6, 4], opts.gather(0)));
    }, /GATHER.*indices computed at run time \(needs a Gather op\)/],
    ['GATHER from an axis longer than the lowering takes', (m: ModelBuilder, x: number) => {
      const t = m.op(OP.RESHAPE, [x, m.i32('s', [2], [1, 24])], 't', [1, 24], opts.reshape([1, 24]));
      const wide = m.op(OP.RESIZE_NEAREST_NEIGHBOR, [m.op(OP.RESHAPE, [t, m.i32('s4', [4], [1, 1, 24, 1])], 't4', [1, 1, 24, 1], opts.reshape([1, 1, 24, 1])), m.i32('sz', [2], [1, 288])], 'w', [1, 1, 288, 1], opts.resizeNearest());
      m.output(m.op(OP.GATHER, [wide, m.i32('i', [1], [3])], 'y', [1, 1, 1, 1], opts.gather(2)));
    }, /gathering from an axis of 288 \(lowered up to 256; more needs a Gather op\)/],
    ['GATHER of more indices than the lowering takes', (m: ModelBuilder, x: number) => {
      m.output(m.op(OP.GATHER, [x, m.i32('i', [5000], new Int32Array(5000))], 'y', [1, 5000, 4], opts.gather(1)));
    }, /5000 indices \(lowered up to 4096; more needs a Gather op\)/],
    ['RESIZE_NEAREST_NEIGHBOR by 100', (m: ModelBuilder, x: number) => {
      const x4 = m.op(OP.RESHAPE, [x, m.i32('s', [4], [1, 6, 4, 1])], 'x4', [1, 6, 4, 1], opts.reshape([1, 6, 4, 1]));
      m.output(m.op(OP.RESIZE_NEAREST_NEIGHBOR, [x4, m.i32('sz', [2], [600, 4])], 'y', [1, 600, 4, 1], opts.resizeNearest()));
    }, /a resize factor of 100 \(lowered up to 64; more needs a Resize op\)/],
    ['STRIDED_SLICE with a step of 2', (m: ModelBuilder, x: number) => {
      m.output(m.op(OP.STRIDED_SLICE, [x, m.i32('b', [3], [0, 0, 0]), m.i32('e', [3], [1, 6, 4]), m.i32('s', [3], [1, 2, 1])], 'y', [1, 3, 4], opts.stridedSlice({})));
    }, /strides \[1,2,1\] \(only 1; other steps need a Slice op\)/],
    ['STRIDED_SLICE with new_axis_mask', (m: ModelBuilder, x: number) => {
      m.output(m.op(OP.STRIDED_SLICE, [x, m.i32('b', [3], [0, 0, 0]), m.i32('e', [3], [1, 6, 4]), m.i32('s', [3], [1, 1, 1])], 'y', [1, 1, 6, 4], opts.stridedSlice({ newAxisMask: 2 })));
    }, /new_axis_mask/],
    ['RESIZE_NEAREST_NEIGHBOR by 1.5', (m: ModelBuilder, x: number) => {
      const x4 = m.op(OP.RESHAPE, [x, m.i32('s', [4], [1, 6, 4, 1])], 'x4', [1, 6, 4, 1], opts.reshape([1, 6, 4, 1]));
      m.output(m.op(OP.RESIZE_NEAREST_NEIGHBOR, [x4, m.i32('sz', [2], [9, 6])], 'y', [1, 9, 6, 1], opts.resizeNearest()));
    }, /resizing 6x4 to 9x6 .*needs a Resize op/],
    ['RESIZE_NEAREST_NEIGHBOR with align_corners', (m: ModelBuilder, x: number) => {
      const x4 = m.op(OP.RESHAPE, [x, m.i32('s', [4], [1, 6, 4, 1])], 'x4', [1, 6, 4, 1], opts.reshape([1, 6, 4, 1]));
      m.output(m.op(OP.RESIZE_NEAREST_NEIGHBOR, [x4, m.i32('sz', [2], [12, 8])], 'y', [1, 12, 8, 1], opts.resizeNearest(true)));
    }, /with align_corners/],
  ])('%s is an UnsupportedOpError naming what it needs', (_what, build, message) => {
    refused(build, UnsupportedOpError, message);
  });

  it.each([
    ['TRANSPOSE with a perm that is not a permutation', (m: ModelBuilder, x: number) => {
      m.output(m.op(OP.TRANSPOSE, [x, m.i32('perm', [3], [0, 1, 1])], 'y', [1, 6, 4], opts.transpose()));
    }, /perm \[0,1,1\] is not a permutation of 3 axes/],
    ['SPLIT into parts that do not divide the dim', (m: ModelBuilder, x: number) => {
      m.output(m.opMulti(OP.SPLIT, [m.i32('axis', [], [1]), x], [['a', [1, 1, 4]], ['b', [1, 1, 4]], ['c', [1, 1, 4]], ['d', [1, 1, 4]]], opts.split(4))[0]);
    }, /cannot split 6 into 4 equal parts/],
    ['SPLIT_V with two -1 sizes', (m: ModelBuilder, x: number) => {
      m.output(m.opMulti(OP.SPLIT_V, [x, m.i32('s', [2], [-1, -1]), m.i32('axis', [], [1])], [['a', [1, 3, 4]], ['b', [1, 3, 4]]], opts.splitV(2))[0]);
    }, /size_splits \[-1,-1\] for a dim of 6/],
    ['SPLIT with fewer outputs than parts', (m: ModelBuilder, x: number) => {
      m.output(m.opMulti(OP.SPLIT, [m.i32('axis', [], [1]), x], [['a', [1, 3, 4]]], opts.split(2))[0]);
    }, /2 parts, but the operator has 1 outputs/],
    ['EXPAND_DIMS past the rank', (m: ModelBuilder, x: number) => {
      m.output(m.op(OP.EXPAND_DIMS, [x, m.i32('ax', [], [4])], 'y', [1, 6, 4, 1], opts.expandDims()));
    }, /axis 4 for rank 4/],
    ['PACK of different shapes', (m: ModelBuilder, x: number) => {
      m.output(m.op(OP.PACK, [x, m.f32('k', [1, 6], new Float32Array(6))], 'y', [2, 1, 6, 4], opts.pack(2, 0)));
    }, /inputs of different shapes/],
    ['BATCH_MATMUL of a vector', (m: ModelBuilder, x: number) => {
      m.output(m.op(OP.BATCH_MATMUL, [x, m.f32('v', [4], new Float32Array(4))], 'y', [1, 6], opts.batchMatMul()));
    }, /must have rank 2 or more/],
  ])('%s is a ModelFormatError', (_what, build, message) => {
    refused(build, ModelFormatError, message);
  });
});
