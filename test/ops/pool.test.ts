// Pools: hand-computed cases (padding, ceilMode, countIncludePad), poolGeometry, errors, and a sweep of
// hard shapes against onnxruntime-web (NCHW there; opset 19 so AveragePool takes dilations).
// Then the case table (pool.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { AveragePool, GlobalAveragePool, GlobalMaxPool, MaxPool, poolGeometry } from '../../src/ops/pool.js';
import { OpError, type OpDef } from '../../src/ops/op.js';
import { F32_MAX } from '../../src/ops/activation.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor, type Tensor } from '../../src/tensor.js';
import { expectClose, NCHW_TO_NHWC, NHWC_TO_NCHW, randomTensor, runReference, transposeData } from '../helpers/harness.js';
import { runOrtNode, type OrtAttr } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './pool.cases.js';

function expectOpError(fn: () => unknown, pattern: RegExp): void {
  expect(fn).toThrow(OpError);
  expect(fn).toThrow(pattern);
}

const iota = (shape: number[]): Tensor => tensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));
const run = (op: OpDef<any>, x: Tensor, attrs: Attrs): Tensor => runReference(op, [x], attrs)[0];

describe('pools, hand-computed', () => {
  it('MaxPool 2x2 stride 2', () => {
    const y = run(MaxPool, iota([1, 4, 4, 1]), { kernel: [2, 2], strides: [2, 2] });
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.data)).toEqual([5, 7, 13, 15]);
  });

  it('MaxPool keeps channels apart and padding never wins', () => {
    // Channel 0 = -(1..4), channel 1 = -(10..40); the pad would be 0 if it took part.
    const x = tensor([1, 2, 2, 2], Float32Array.from([-1, -10, -2, -20, -3, -30, -4, -40]));
    const y = run(MaxPool, x, { kernel: [2, 2], pads: [1, 1, 0, 0] });
    expect(y.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(y.data)).toEqual([-1, -10, -1, -10, -1, -10, -1, -10]);
  });

  it('AveragePool divides by the taps inside the input, or with countIncludePad by the whole window', () => {
    const x = tensor([1, 3, 3, 1], new Float32Array(9).fill(9));
    expect(Array.from(run(AveragePool, x, { kernel: [3, 3], pads: [1, 1, 1, 1] }).data)).toEqual(new Array(9).fill(9));
    expect(Array.from(run(AveragePool, x, { kernel: [3, 3], pads: [1, 1, 1, 1], countIncludePad: true }).data))
      .toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });

  it('ceilMode adds a partial last window but drops one that would start in the end padding', () => {
    const x5 = tensor([1, 1, 5, 1], Float32Array.from([1, 2, 3, 4, 5]));
    const avg = run(AveragePool, x5, { kernel: [1, 2], strides: [1, 2], ceilMode: 1, countIncludePad: 1 });
    // The last window hangs past the input and no explicit pad covers it: its divisor is 1.
    expect(Array.from(avg.data)).toEqual([1.5, 3.5, 5]);
    expect(run(MaxPool, x5, { kernel: [1, 2], strides: [1, 2] }).shape).toEqual([1, 1, 2, 1]);
    const x6 = tensor([1, 1, 6, 1], Float32Array.from([1, 2, 3, 4, 5, 6]));
    const max = run(MaxPool, x6, { kernel: [1, 2], strides: [1, 2], pads: [0, 0, 0, 1], ceilMode: true });
    expect(Array.from(max.data)).toEqual([2, 4, 6]);
  });

  it('dilated windows with countIncludePad count padding taps, not the gaps between taps', () => {
    const x = tensor([1, 1, 5, 1], Float32Array.from([1, 2, 3, 4, 5]));
    const attrs = { kernel: [1, 2], strides: [1, 2], dilations: [1, 2], pads: [0, 1, 0, 1] };
    // Windows start at -1, 1, 3: taps {-1,1}, {1,3}, {3,5}.
    expect(Array.from(run(AveragePool, x, attrs).data)).toEqual([2, 3, 4]);
    expect(Array.from(run(AveragePool, x, { ...attrs, countIncludePad: 1 }).data)).toEqual([1, 3, 2]);
    expect(Array.from(run(MaxPool, x, attrs).data)).toEqual([2, 4, 4]);
  });

  it('a MaxPool window that only sees padding yields -F32_MAX, AveragePool 0', () => {
    const x = tensor([1, 1, 2, 1], Float32Array.from([3, 4]));
    // Dilation 3 on width 2 with a pad each side: the taps -1 and 2 both miss the input.
    const attrs = { kernel: [1, 2], dilations: [1, 3], pads: [0, 1, 0, 1] };
    expect(Array.from(run(MaxPool, x, attrs).data)).toEqual([-F32_MAX]);
    expect(Array.from(run(AveragePool, x, attrs).data)).toEqual([0]);
  });

  it('global pools reduce every axis between batch and channel', () => {
    const x = iota([2, 3, 4, 5]);
    const avg = run(GlobalAveragePool, x, {}), max = run(GlobalMaxPool, x, {});
    expect(avg.shape).toEqual([2, 1, 1, 5]);
    expect(max.shape).toEqual([2, 1, 1, 5]);
    // Element (n, s, c) = n*60 + s*5 + c over 12 positions s: mean s = 5.5, max s = 11.
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < 5; c++) {
        expect(avg.data[n * 5 + c]).toBeCloseTo(n * 60 + 27.5 + c, 5);
        expect(max.data[n * 5 + c]).toBe(n * 60 + 55 + c);
      }
    }
    const seq = run(GlobalAveragePool, iota([1, 4, 2]), {});
    expect(seq.shape).toEqual([1, 1, 2]);
    expect(Array.from(seq.data)).toEqual([3, 4]);
  });
});

describe('poolGeometry', () => {
  it('SAME pads for the dilated window; ceilMode does not change it', () => {
    for (const ceilMode of [false, true]) {
      const g = poolGeometry([1, 7, 6, 2], MaxPool.parseAttrs({ kernel: [3, 2], strides: [2, 2], dilations: [2, 1], autoPad: 'SAME_LOWER', ceilMode }));
      // Height: 4 outputs, extent 5 -> 4 pads, 2 + 2. Width: 3 outputs, extent 2 -> 0 pads.
      expect(g).toEqual({ N: 1, H: 7, W: 6, C: 2, OH: 4, OW: 3, kh: 3, kw: 2, sh: 2, sw: 2, dh: 2, dw: 1, padTop: 2, padLeft: 0, padBottom: 2, padRight: 0 });
    }
    const upper = poolGeometry([1, 7, 7, 1], AveragePool.parseAttrs({ kernel: [2, 2], strides: [2, 2], autoPad: 'SAME_UPPER' }));
    expect(upper).toMatchObject({ OH: 4, padTop: 0, padBottom: 1 });
  });

  it('SAME with dilation equals the explicit ONNX padding', () => {
    const x = randomTensor([1, 7, 6, 3], { seed: 2 });
    for (const op of [MaxPool, AveragePool]) {
      const auto = run(op, x, { kernel: [3, 2], strides: [2, 2], dilations: [2, 1], autoPad: 'SAME_UPPER' });
      const explicit = run(op, x, { kernel: [3, 2], strides: [2, 2], dilations: [2, 1], pads: [2, 0, 2, 0] });
      expect(Array.from(auto.data)).toEqual(Array.from(explicit.data));
    }
  });
});

describe('pool errors', () => {
  it.each([
    [{}, /kernel/],
    [{ kernel: [2] }, /kernel/],
    [{ kernel: [2, 0] }, /kernel/],
    [{ kernel: [2, 2], strides: [0, 1] }, /strides/],
    [{ kernel: [2, 2], pads: [0, 0, 0] }, /pads/],
    [{ kernel: [2, 2], pads: [0, -1, 0, 0] }, /pads/],
    [{ kernel: [2, 2], dilations: [1, 0] }, /dilations/],
    [{ kernel: [2, 2], autoPad: 'same' }, /autoPad/],
    [{ kernel: [2, 2], autoPad: 'VALID', pads: [0, 0, 1, 0] }, /pads.*autoPad/],
    [{ kernel: [2, 2], ceilMode: 'yes' }, /ceilMode/],
  ] as [Attrs, RegExp][])('parseAttrs rejects %j', (attrs, pattern) => {
    expectOpError(() => MaxPool.parseAttrs(attrs), pattern);
    expectOpError(() => AveragePool.parseAttrs(attrs), pattern);
  });

  it('rejects a bad countIncludePad and bad shapes', () => {
    expectOpError(() => AveragePool.parseAttrs({ kernel: [2, 2], countIncludePad: 2 }), /countIncludePad/);
    const attrs = MaxPool.parseAttrs({ kernel: [3, 3] });
    expectOpError(() => MaxPool.inferShape([[1, 5, 5]], attrs), /input x.*rank 4.*\[1,5,5\]/);
    expectOpError(() => MaxPool.inferShape([[1, 2, 5, 1]], attrs), /height.*extent 3.*2/);
    expectOpError(() => MaxPool.inferShape([[1, 5, 0, 1]], attrs), /\[1,5,0,1\]/);
    expectOpError(() => MaxPool.inferShape([undefined], attrs), /input x is missing/);
    expectOpError(() => GlobalAveragePool.inferShape([[4, 3]], {}), /rank >= 3.*\[4,3\]/);
    expectOpError(() => GlobalMaxPool.inferShape([[1, 0, 3]], {}), /\[1,0,3\]/);
  });

  it('counts one multiply-add per window tap', () => {
    const attrs = AveragePool.parseAttrs({ kernel: [3, 3], strides: [2, 2] });
    const [y] = AveragePool.inferShape([[2, 9, 9, 4]], attrs);
    expect(y).toEqual([2, 4, 4, 4]);
    expect(AveragePool.macs!([[2, 9, 9, 4]], [y], attrs)).toBe(2 * 4 * 4 * 4 * 9);
    expect(GlobalMaxPool.macs!([[2, 9, 9, 4]], [[2, 1, 1, 4]], {})).toBe(2 * 9 * 9 * 4);
  });
});

interface PoolCase {
  N: number; H: number; W: number; C: number; k: [number, number];
  strides?: [number, number]; pads?: [number, number, number, number]; dilations?: [number, number];
  ceil?: boolean; autoPad?: string;
}

const CASES: [string, PoolCase][] = [
  ['2x2 stride 2', { N: 1, H: 8, W: 8, C: 3, k: [2, 2], strides: [2, 2] }],
  ['3x3 stride 2 pad 1', { N: 1, H: 7, W: 9, C: 5, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x3 stride 2 pad 1 ceil', { N: 2, H: 8, W: 8, C: 3, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true }],
  ['3x2 stride [2,1] asymmetric pads', { N: 2, H: 6, W: 5, C: 6, k: [3, 2], strides: [2, 1], pads: [1, 0, 0, 1] }],
  ['ceil drops a window starting in the pad', { N: 1, H: 6, W: 7, C: 2, k: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil: true }],
  ['5x5 stride 3 pad 2 ceil, overhanging windows', { N: 1, H: 11, W: 12, C: 3, k: [5, 5], strides: [3, 3], pads: [2, 2, 2, 2], ceil: true }],
  ['SAME_UPPER 3x3 stride 2', { N: 1, H: 7, W: 8, C: 3, k: [3, 3], strides: [2, 2], autoPad: 'SAME_UPPER' }],
  ['SAME_LOWER 2x2 stride 2', { N: 1, H: 7, W: 6, C: 5, k: [2, 2], strides: [2, 2], autoPad: 'SAME_LOWER' }],
  ['VALID 3x3 stride 2', { N: 1, H: 9, W: 10, C: 2, k: [3, 3], strides: [2, 2], autoPad: 'VALID' }],
  ['2x2 dilation 2 pad 1', { N: 1, H: 7, W: 8, C: 3, k: [2, 2], dilations: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x3 dilation [1,2] stride 2 ceil', { N: 2, H: 9, W: 10, C: 2, k: [3, 3], strides: [2, 2], dilations: [1, 2], pads: [1, 0, 1, 1], ceil: true }],
  ['1x1 spatial', { N: 3, H: 1, W: 1, C: 7, k: [1, 1] }],
  ['larger 28x28x16 2x2 stride 2', { N: 2, H: 28, W: 28, C: 16, k: [2, 2], strides: [2, 2] }],
];

async function ortPool(op: string, x: Tensor, attrs: Record<string, OrtAttr>): Promise<{ shape: number[]; data: Float32Array }> {
  const [N, H, W, C] = x.shape;
  const [o] = await runOrtNode(op, [{ dims: [N, C, H, W], data: transposeData(x.data, x.shape, NHWC_TO_NCHW) }], attrs, 1, { opset: 19 });
  return { shape: NCHW_TO_NHWC.map((p) => o.dims[p]), data: o.dims.length === 4 ? transposeData(o.data, o.dims, NCHW_TO_NHWC) : o.data };
}

describe('pools vs onnxruntime-web', () => {
  it.each(CASES)('%s', async (name, c) => {
    const x = randomTensor([c.N, c.H, c.W, c.C], { seed: c.H * 17 + c.W * 3 + c.C, min: -3, max: 3 });
    const base = { kernel: c.k, strides: c.strides ?? [1, 1], pads: c.pads ?? [0, 0, 0, 0], dilations: c.dilations ?? [1, 1], autoPad: c.autoPad ?? 'NOTSET', ceilMode: c.ceil ?? false };
    const ortBase: Record<string, OrtAttr> = { kernel_shape: c.k, strides: base.strides, dilations: base.dilations, ceil_mode: c.ceil ? 1 : 0 };
    if (c.autoPad) ortBase.auto_pad = c.autoPad; else ortBase.pads = base.pads;
    const variants: [OpDef<any>, Attrs, Record<string, OrtAttr>][] = [
      [MaxPool, base, ortBase],
      [AveragePool, { ...base, countIncludePad: false }, { ...ortBase, count_include_pad: 0 }],
      [AveragePool, { ...base, countIncludePad: true }, { ...ortBase, count_include_pad: 1 }],
    ];
    for (const [op, attrs, ortAttrs] of variants) {
      const y = run(op, x, attrs);
      const o = await ortPool(op.name, x, ortAttrs);
      const what = `${op.name} ${name} countIncludePad=${String(attrs.countIncludePad)}`;
      expect(o.shape, what).toEqual(y.shape);
      expectClose(y.data, o.data, op.tolerance, what);
    }
  });

  it.each([[[2, 5, 7, 3]], [[1, 1, 1, 9]], [[3, 12, 10, 17]]])('global pools on %j', async (shape) => {
    const x = randomTensor(shape, { seed: shape[3], min: -5, max: 5 });
    for (const op of [GlobalAveragePool, GlobalMaxPool]) {
      const y = run(op, x, {});
      const o = await ortPool(op.name, x, {});
      expect(o.shape).toEqual(y.shape);
      expectClose(y.data, o.data, op.tolerance, `${op.name} ${JSON.stringify(shape)}`);
    }
  });
});

await sweepBackends('pools', BACKEND_CASES);
