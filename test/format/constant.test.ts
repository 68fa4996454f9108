import { describe, expect, it } from 'vitest';
import type { Constant, Graph } from '../../src/graph/ir.js';
import { dequantize, f16BitsToF32, f32ToF16Bits } from '../../src/graph/constant.js';
import { quantizeWeights } from '../../src/graph/quantize.js';
import { writeEim } from '../../src/format/writer.js';
import { readEim } from '../../src/format/reader.js';
import { GraphError, InputError } from '../../src/errors.js';
import { randomF32 } from '../helpers/harness.js';

/** value at flat index i from the definition: slice index = floor(i / prod(shape[axis+1:])) % shape[axis]. */
function naiveDequant(c: Constant): number[] {
  const q = c.quant!;
  let inner = 1;
  for (let d = q.axis + 1; d < c.shape.length; d++) inner *= c.shape[d];
  return Array.from(c.data, (v, i) => {
    const ch = q.scales.length === 1 ? 0 : Math.floor(i / inner) % c.shape[q.axis];
    return (v - (q.zeroPoints ? q.zeroPoints[ch] : 0)) * q.scales[ch];
  });
}

describe('dequantize', () => {
  it('returns f32 data itself, f16 exactly, i8/u8 per tensor and per axis with and without zero points', () => {
    const f: Constant = { shape: [2], dtype: 'f32', data: Float32Array.of(1, 2) };
    expect(dequantize(f)).toBe(f.data);
    const h: Constant = { shape: [3], dtype: 'f16', data: Uint16Array.of(0x3c00, 0x0001, 0xfbff) };
    expect([...dequantize(h)]).toEqual([1, 2 ** -24, -65504]);
    const cases: Constant[] = [
      { shape: [2, 3], dtype: 'i8', data: Int8Array.of(-128, -1, 0, 1, 2, 127), quant: { axis: 0, scales: Float32Array.of(0.5) } },
      { shape: [2, 3], dtype: 'i8', data: Int8Array.of(-128, -1, 0, 1, 2, 127), quant: { axis: 0, scales: Float32Array.of(0.5, 2), zeroPoints: Int32Array.of(1, -2) } },
      { shape: [2, 3, 2], dtype: 'u8', data: Uint8Array.from({ length: 12 }, (_, i) => i * 20), quant: { axis: 1, scales: Float32Array.of(0.1, 0.2, 0.4), zeroPoints: Int32Array.of(0, 128, 255) } },
      { shape: [2, 2], dtype: 'u8', data: Uint8Array.of(0, 1, 254, 255), quant: { axis: 1, scales: Float32Array.of(1, 3) } },
    ];
    for (const c of cases) {
      const got = dequantize(c), want = naiveDequant(c);
      expect([...got]).toEqual(want.map(Math.fround));
    }
    // Spot values by hand: (q - zp) * scale.
    expect(dequantize(cases[1])[5]).toBe((127 + 2) * 2);
    expect(dequantize(cases[2])[3]).toBeCloseTo((60 - 128) * 0.2, 6);
  });
});

/** Conv (f32 weight + bias), Gemm transB=0, MatMul, LSTM, a weight shared with an Add, an int8 weight, PRelu slope. */
function floatModel(): Graph {
  const c = (shape: number[], seed: number, scale = 1): Constant => ({ shape, dtype: 'f32', data: randomF32(shape.reduce((a, b) => a * b, 1), { seed, min: -scale, max: scale }) });
  const constants = new Map<string, Constant>([
    ['conv.w', c([16, 3, 3, 4], 1)], ['conv.b', c([16], 2)],
    ['gemm.w', c([64, 32], 3)], ['gemm.b', c([32], 4)],
    ['mm.w', c([32, 8], 5, 3)], ['mm.b', c([8], 6)],
    ['lstm.W', c([1, 16, 8], 7)], ['lstm.R', c([1, 16, 4], 8)], ['lstm.B', c([1, 32], 9)],
    ['shared', c([8, 8], 10)],
    ['slope', c([8], 11)],
    ['q.w', { shape: [8, 8], dtype: 'i8', data: new Int8Array(64).fill(3), quant: { axis: 0, scales: new Float32Array(8).fill(0.1) } }],
  ]);
  // One conv channel all zeros, one with a single large value: the scale edge cases.
  (constants.get('conv.w')!.data as Float32Array).fill(0, 0, 36);
  (constants.get('conv.w')!.data as Float32Array)[40] = 9;
  return {
    inputs: [{ name: 'x', shape: [-1, 8, 8, 4] }, { name: 'v', shape: [-1, 64] }, { name: 's', shape: [-1, 3, 8] }],
    outputs: [{ name: 'y', shape: [-1, 8, 8, 16] }, { name: 'z', shape: [-1, 8] }, { name: 'yh', shape: [-1, 1, 4] }, { name: 'u', shape: [-1, 8] }],
    constants,
    nodes: [
      { name: 'conv', op: 'Conv', inputs: ['x', 'conv.w', 'conv.b'], outputs: ['y'], attrs: { kernel: [3, 3] } },
      { name: 'gemm', op: 'Gemm', inputs: ['v', 'gemm.w', 'gemm.b'], outputs: ['g'], attrs: { transB: 0 } },
      { name: 'mm', op: 'MatMul', inputs: ['g', 'mm.w', 'mm.b'], outputs: ['m'], attrs: {} },
      { name: 'mm2', op: 'MatMul', inputs: ['m', 'shared'], outputs: ['m2'], attrs: {} },
      { name: 'add', op: 'Add', inputs: ['m2', 'shared'], outputs: ['a'], attrs: {} },
      { name: 'prelu', op: 'PRelu', inputs: ['a', 'slope'], outputs: ['p'], attrs: {} },
      { name: 'mmq', op: 'MatMul', inputs: ['p', 'q.w'], outputs: ['z'], attrs: {} },
      { name: 'lstm', op: 'LSTM', inputs: ['s', 'lstm.W', 'lstm.R', 'lstm.B'], outputs: ['', 'yh'], attrs: { hiddenSize: 4 } },
      { name: 'id', op: 'Identity', inputs: ['m2'], outputs: ['u'], attrs: {} },
    ],
    metadata: { name: 'float-model' },
  };
}

const WEIGHTS = ['conv.w', 'gemm.w', 'mm.w', 'lstm.W', 'lstm.R'];
const UNTOUCHED = ['conv.b', 'gemm.b', 'mm.b', 'lstm.B', 'shared', 'slope', 'q.w'];

describe('quantizeWeights', () => {
  it('int8: per-output-channel symmetric weights, everything else untouched, error within half a step', () => {
    const g = floatModel();
    const q = quantizeWeights(g, 'int8');
    for (const name of UNTOUCHED) expect(q.constants.get(name), name).toBe(g.constants.get(name));
    const axes: Record<string, number> = { 'conv.w': 0, 'gemm.w': 1, 'mm.w': 1, 'lstm.W': 1, 'lstm.R': 1 };
    for (const name of WEIGHTS) {
      const src = g.constants.get(name)!, c = q.constants.get(name)!;
      expect(c.dtype, name).toBe('i8');
      expect(c.shape).toEqual(src.shape);
      expect(c.quant!.axis, name).toBe(axes[name]);
      expect(c.quant!.scales.length, name).toBe(src.shape[axes[name]]);
      expect(c.quant!.zeroPoints).toBeUndefined();
      const back = dequantize(c), orig = src.data as Float32Array;
      let inner = 1;
      for (let d = axes[name] + 1; d < src.shape.length; d++) inner *= src.shape[d];
      for (let i = 0; i < orig.length; i++) {
        const s = c.quant!.scales[Math.floor(i / inner) % src.shape[axes[name]]];
        expect(Math.abs(back[i] - orig[i]), `${name}[${i}]`).toBeLessThanOrEqual(s / 2 + 1e-7);
      }
      expect(Math.max(...Array.from(c.data as Int8Array, Math.abs)), name).toBe(127); // the largest |w| of some channel maps to 127
    }
    const conv = q.constants.get('conv.w')!;
    expect(conv.quant!.scales[0]).toBe(1);                              // all-zero channel
    expect([...(conv.data as Int8Array).subarray(0, 36)].every((v) => v === 0)).toBe(true);
    expect(conv.quant!.scales[1]).toBeCloseTo(9 / 127, 7);
    expect((conv.data as Int8Array)[40]).toBe(127);
    expect(g.constants.get('conv.w')!.dtype).toBe('f32');              // the input graph is not modified
  });

  it('f16: weights become f16 (saturating), biases and others stay; f32 turns f16 weights back', () => {
    const g = floatModel();
    (g.constants.get('mm.w')!.data as Float32Array)[0] = 1e6;
    const h = quantizeWeights(g, 'f16');
    for (const name of UNTOUCHED) expect(h.constants.get(name), name).toBe(g.constants.get(name));
    for (const name of WEIGHTS) {
      const c = h.constants.get(name)!, orig = g.constants.get(name)!.data as Float32Array;
      expect(c.dtype).toBe('f16');
      const back = dequantize(c);
      for (let i = 0; i < orig.length; i++) {
        if (Math.abs(orig[i]) <= 65504) expect(back[i]).toBe(f16BitsToF32(f32ToF16Bits(orig[i])));
      }
    }
    expect(dequantize(h.constants.get('mm.w')!)[0]).toBe(65504);
    const f = quantizeWeights(h, 'f32');
    for (const name of WEIGHTS) {
      expect(f.constants.get(name)!.dtype).toBe('f32');
      expect([...(f.constants.get(name)!.data as Float32Array)]).toEqual([...dequantize(h.constants.get(name)!)]);
    }
    expect(quantizeWeights(h, 'int8').constants.get('conv.w')!.dtype).toBe('i8');
  });

  it('shrinks the file: f16 about 1/2 and int8 about 1/4 of f32 for weight-dominated models', () => {
    const g = floatModel();
    const size = (w: 'f32' | 'f16' | 'int8'): number => writeEim(quantizeWeights(g, w)).length;
    const s32 = size('f32'), s16 = size('f16'), s8 = size('int8');
    const weightBytes = WEIGHTS.reduce((n, w) => n + g.constants.get(w)!.data.byteLength, 0);
    console.log(`file sizes: f32 ${s32} B, f16 ${s16} B, int8 ${s8} B (weights ${weightBytes} B as f32)`);
    expect(s32 - s16).toBeGreaterThan(weightBytes / 2 - 64 * WEIGHTS.length);
    expect(s32 - s8).toBeGreaterThan((weightBytes * 3) / 4 - 200 * WEIGHTS.length);
    const back = readEim(writeEim(quantizeWeights(g, 'int8')));
    expect(back.constants.get('conv.w')!.dtype).toBe('i8');
  });

  it('rejects non-finite weights for int8 and unknown modes', () => {
    const g = floatModel();
    (g.constants.get('gemm.w')!.data as Float32Array)[5] = NaN;
    expect(() => quantizeWeights(g, 'int8')).toThrow(GraphError);
    expect(() => quantizeWeights(g, 'int8')).toThrow(/gemm\.w.*NaN/);
    expect(() => quantizeWeights(g, 'int4' as 'int8')).toThrow(InputError);
  });
});
