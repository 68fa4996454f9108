// Conv: hand-computed cases, convGeometry, attribute/shape errors, and a sweep of hard shapes against
// onnxruntime-web (NCHW/OIHW there, so inputs and outputs are transposed at the boundary); then the case
// table (conv.cases.ts) on every backend.
import { describe, expect, it } from 'vitest';
import { Conv, convGeometry, parseConvAttrs } from '../../src/ops/conv.js';
import { OpError } from '../../src/ops/op.js';
import { activateInPlace, type Activation } from '../../src/ops/activation.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor, type Shape } from '../../src/tensor.js';
import { expectClose, NCHW_TO_NHWC, NHWC_TO_NCHW, randomTensor, runReference, transposeData } from '../helpers/harness.js';
import { runOrtNode, type OrtAttr } from '../helpers/ort.js';
import { sweepBackends } from '../helpers/run-op.js';
import { CASES as BACKEND_CASES } from './conv.cases.js';

const OHWI_TO_OIHW = [0, 3, 1, 2];

function expectOpError(fn: () => unknown, pattern: RegExp): void {
  expect(fn).toThrow(OpError);
  expect(fn).toThrow(pattern);
}

function shapes(attrs: Attrs, x: Shape, w: Shape, b?: Shape): Shape[] {
  return Conv.inferShape([x, w, b], Conv.parseAttrs(attrs));
}

describe('Conv reference, hand-computed', () => {
  it('2x2 kernel of ones sums each window', () => {
    const x = tensor([1, 3, 3, 1], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const w = tensor([1, 2, 2, 1], Float32Array.from([1, 1, 1, 1]));
    const [y] = runReference(Conv, [x, w], {});
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.data)).toEqual([12, 16, 24, 28]);
  });

  it('zero padding, stride 2 and bias', () => {
    const x = tensor([1, 3, 3, 1], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const w = tensor([1, 3, 3, 1], new Float32Array(9).fill(1));
    const b = tensor([1], Float32Array.from([1]));
    const [y] = runReference(Conv, [x, w, b], { strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(y.shape).toEqual([1, 2, 2, 1]);
    // Each corner window covers the 2x2 block at that corner; the rest is padding.
    expect(Array.from(y.data)).toEqual([13, 17, 25, 29]);
  });

  it('depthwise: each channel meets only its own filter', () => {
    // Channel 0 = [1,2,3,4], channel 1 = [10,20,30,40], interleaved NHWC.
    const x = tensor([1, 2, 2, 2], Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]));
    const w = tensor([2, 2, 2, 1], Float32Array.from([1, 1, 1, 1, 1, 0, 0, -1]));
    const [y] = runReference(Conv, [x, w], { group: 2 });
    expect(Array.from(y.data)).toEqual([10, -30]);
  });

  it('groups: output channel o reads only input channels of group o / (O/group)', () => {
    const x = tensor([1, 1, 1, 4], Float32Array.from([1, 2, 3, 4]));
    // O=2, group=2: filter 0 sees channels 0..1, filter 1 sees channels 2..3.
    const w = tensor([2, 1, 1, 2], Float32Array.from([1, 10, 100, 1000]));
    const [y] = runReference(Conv, [x, w], { group: 2 });
    expect(Array.from(y.data)).toEqual([21, 4300]);
  });

  it('dilation spreads the taps', () => {
    const x = tensor([1, 1, 5, 1], Float32Array.from([1, 2, 3, 4, 5]));
    const w = tensor([1, 1, 2, 1], Float32Array.from([1, 1]));
    const [y] = runReference(Conv, [x, w], { dilations: [1, 3] });
    expect(Array.from(y.data)).toEqual([5, 7]);
  });

  it('fused activation is applied after the bias', () => {
    const x = randomTensor([2, 6, 5, 3], { seed: 3, min: -2, max: 2 });
    const w = randomTensor([4, 3, 3, 3], { seed: 4 });
    const b = randomTensor([4], { seed: 5 });
    const [plain] = runReference(Conv, [x, w, b], { pads: [1, 1, 1, 1] });
    for (const activation of [{ op: 'Clip', min: 0, max: 6 }, { op: 'HardSwish' }, { op: 'LeakyRelu', alpha: 0.1 }] as Activation[]) {
      const [fused] = runReference(Conv, [x, w, b], { pads: [1, 1, 1, 1], activation });
      const want = plain.data.slice();
      activateInPlace(want, activation);
      expectClose(fused.data, want, Conv.tolerance, `Conv+${activation.op}`);
    }
  });
});

describe('convGeometry', () => {
  it('SAME_LOWER puts the odd pad at the top, SAME_UPPER at the bottom', () => {
    const lower = convGeometry([1, 7, 7, 2], [3, 4, 4, 2], parseConvAttrs({ strides: [2, 2], autoPad: 'SAME_LOWER' }));
    expect(lower).toMatchObject({ OH: 4, OW: 4, padTop: 2, padLeft: 2, padBottom: 1, padRight: 1 });
    const upper = convGeometry([1, 7, 7, 2], [3, 4, 4, 2], parseConvAttrs({ strides: [2, 2], autoPad: 'SAME_UPPER' }));
    expect(upper).toMatchObject({ OH: 4, OW: 4, padTop: 1, padLeft: 1, padBottom: 2, padRight: 2 });
  });

  it('reports groups, strides, dilations and explicit pads', () => {
    const g = convGeometry([2, 10, 9, 6], [6, 3, 2, 2], parseConvAttrs({ group: 3, strides: [2, 1], dilations: [2, 3], pads: [1, 0, 2, 3] }));
    expect(g).toEqual({
      N: 2, H: 10, W: 9, C: 6, OH: 5, OW: 9, O: 6, kh: 3, kw: 2, sh: 2, sw: 1, dh: 2, dw: 3,
      padTop: 1, padLeft: 0, padBottom: 2, padRight: 3, group: 3, cinPerGroup: 2, coutPerGroup: 2,
    });
  });

  it('VALID uses no padding; SAME with stride larger than the kernel needs none', () => {
    expect(convGeometry([1, 9, 9, 1], [1, 3, 3, 1], parseConvAttrs({ autoPad: 'VALID', strides: [3, 3] }))).toMatchObject({ OH: 3, OW: 3 });
    expect(convGeometry([1, 6, 6, 1], [1, 1, 1, 1], parseConvAttrs({ autoPad: 'SAME_UPPER', strides: [4, 4] })))
      .toMatchObject({ OH: 2, OW: 2, padTop: 0, padBottom: 0 });
  });

  it('SAME with dilation pads for the dilated extent (ONNX formula)', () => {
    // Extent 3 at stride 2: height 6 -> 3 outputs, 1 pad; width 9 -> 5 outputs, 2 pads.
    const x = randomTensor([1, 6, 9, 2], { seed: 21 }), w = randomTensor([3, 2, 2, 2], { seed: 22 });
    const common = { strides: [2, 2], dilations: [2, 2] };
    for (const [autoPad, pads] of [['SAME_UPPER', [0, 1, 1, 1]], ['SAME_LOWER', [1, 1, 0, 1]]] as const) {
      const g = convGeometry(x.shape, w.shape, parseConvAttrs({ ...common, autoPad }));
      expect([g.padTop, g.padLeft, g.padBottom, g.padRight]).toEqual(pads);
      const [auto] = runReference(Conv, [x, w], { ...common, autoPad });
      const [explicit] = runReference(Conv, [x, w], { ...common, pads });
      expect(auto.shape).toEqual([1, 3, 5, 3]);
      expect(Array.from(auto.data)).toEqual(Array.from(explicit.data));
    }
  });
});

describe('Conv errors', () => {
  it.each([
    [{ kernel: [0, 3] }, /kernel/],
    [{ kernel: [3] }, /kernel/],
    [{ strides: [1] }, /strides/],
    [{ strides: [0, 1] }, /strides/],
    [{ pads: [1, 1, 1] }, /pads/],
    [{ pads: [-1, 0, 0, 0] }, /pads/],
    [{ dilations: [1, 0] }, /dilations/],
    [{ group: 0 }, /group/],
    [{ group: 1.5 }, /group/],
    [{ autoPad: 'SAME' }, /autoPad/],
    [{ autoPad: 'SAME_UPPER', pads: [1, 1, 1, 1] }, /pads.*autoPad/],
    [{ activation: { op: 'Gelu' } }, /activation/],
  ] as [Attrs, RegExp][])('parseAttrs rejects %j', (attrs, pattern) => {
    expectOpError(() => Conv.parseAttrs(attrs), pattern);
  });

  it('inferShape names the shapes that disagree', () => {
    expectOpError(() => shapes({}, [1, 5, 5], [2, 3, 3, 3]), /input x.*rank 4.*\[1,5,5\]/);
    expectOpError(() => shapes({}, [1, 5, 5, 3], [2, 3, 3]), /weights.*rank 4/);
    expectOpError(() => shapes({}, [1, 5, 5, 4], [2, 3, 3, 3]), /\[1,5,5,4\].*4 channels.*\[2,3,3,3\]/);
    expectOpError(() => shapes({ group: 2 }, [1, 5, 5, 4], [3, 3, 3, 2]), /3 output channels.*group 2/);
    expectOpError(() => shapes({}, [1, 5, 5, 3], [2, 3, 3, 3], [3]), /bias \[3\] must be \[2\]/);
    expectOpError(() => shapes({}, [1, 2, 2, 1], [1, 3, 3, 1]), /height.*extent 3/);
    expectOpError(() => shapes({ kernel: [3, 3] }, [1, 5, 5, 1], [1, 2, 2, 1]), /kernel \[3,3\].*\[1,2,2,1\]/);
    expect(shapes({ kernel: [2, 2] }, [1, 5, 5, 1], [1, 2, 2, 1])).toEqual([[1, 4, 4, 1]]);
    expect(shapes({ kernel: null }, [1, 5, 5, 1], [1, 2, 2, 1])).toEqual([[1, 4, 4, 1]]);
    expectOpError(() => shapes({}, [1, 0, 5, 1], [1, 1, 1, 1]), /input x \[1,0,5,1\]/);
    expectOpError(() => Conv.inferShape([[1, 5, 5, 1], undefined], Conv.parseAttrs({})), /weights/);
  });

  it('counts multiply-adds per output tap', () => {
    const attrs = Conv.parseAttrs({ group: 2, pads: [1, 1, 1, 1] });
    const [y] = Conv.inferShape([[2, 8, 8, 6], [4, 3, 3, 3]], attrs);
    expect(Conv.macs!([[2, 8, 8, 6], [4, 3, 3, 3]], [y], attrs)).toBe(2 * 8 * 8 * 4 * 3 * 3 * 3);
  });
});

interface ConvCase {
  N: number; H: number; W: number; C: number; O: number; k: [number, number];
  strides?: [number, number]; pads?: [number, number, number, number]; dilations?: [number, number];
  group?: number; autoPad?: string; bias?: boolean;
}

const CASES: [string, ConvCase][] = [
  ['1x1, odd channels', { N: 1, H: 5, W: 7, C: 3, O: 5, k: [1, 1] }],
  ['3x3 pad 1, batch 2', { N: 2, H: 8, W: 8, C: 5, O: 6, k: [3, 3], pads: [1, 1, 1, 1] }],
  ['5x5 stride 2, asymmetric pads', { N: 1, H: 11, W: 9, C: 3, O: 4, k: [5, 5], strides: [2, 2], pads: [2, 1, 1, 2] }],
  ['3x3 dilation 2', { N: 1, H: 10, W: 10, C: 4, O: 3, k: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2] }],
  ['3x2 kernel, stride [2,1], dilation [1,2], batch 3', { N: 3, H: 7, W: 8, C: 2, O: 3, k: [3, 2], strides: [2, 1], dilations: [1, 2], pads: [0, 1, 1, 0] }],
  ['groups 2', { N: 1, H: 6, W: 6, C: 6, O: 4, k: [3, 3], group: 2, pads: [1, 1, 1, 1] }],
  ['groups 3, 3x2 kernel', { N: 2, H: 5, W: 6, C: 9, O: 6, k: [3, 2], group: 3 }],
  ['depthwise 3x3 stride 2', { N: 1, H: 9, W: 9, C: 7, O: 7, k: [3, 3], group: 7, strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['depthwise multiplier 2', { N: 2, H: 5, W: 4, C: 5, O: 10, k: [3, 3], group: 5, pads: [1, 0, 1, 2] }],
  ['SAME_UPPER stride 2', { N: 1, H: 8, W: 7, C: 3, O: 4, k: [3, 3], strides: [2, 2], autoPad: 'SAME_UPPER' }],
  ['SAME_LOWER 4x2 kernel', { N: 1, H: 7, W: 6, C: 3, O: 2, k: [4, 2], strides: [2, 2], autoPad: 'SAME_LOWER' }],
  // onnxruntime rejects autoPad SAME with dilation: this is the SAME_UPPER case's explicit padding (test above).
  ['2x2 dilation 2 stride 2, pads as SAME_UPPER', { N: 1, H: 6, W: 9, C: 2, O: 3, k: [2, 2], strides: [2, 2], dilations: [2, 2], pads: [0, 1, 1, 1] }],
  ['VALID stride 3 dilation 2', { N: 1, H: 12, W: 11, C: 3, O: 2, k: [3, 3], strides: [3, 3], dilations: [2, 2], autoPad: 'VALID' }],
  ['1x1 spatial, 3x3 pad 1', { N: 2, H: 1, W: 1, C: 3, O: 2, k: [3, 3], pads: [1, 1, 1, 1] }],
  ['kernel covers the input, no bias', { N: 1, H: 4, W: 4, C: 3, O: 5, k: [4, 4], bias: false }],
  ['larger: 28x28x8 -> 16', { N: 1, H: 28, W: 28, C: 8, O: 16, k: [3, 3], pads: [1, 1, 1, 1] }],
  ['5x5 stride 2 groups 4, 13 channels per group', { N: 1, H: 13, W: 10, C: 52, O: 8, k: [5, 5], strides: [2, 2], group: 4, pads: [2, 2, 1, 1] }],
];

describe('Conv vs onnxruntime-web', () => {
  it.each(CASES)('%s', async (_name, c) => {
    const group = c.group ?? 1;
    const attrs: Attrs = {
      strides: c.strides ?? [1, 1], pads: c.pads ?? [0, 0, 0, 0], dilations: c.dilations ?? [1, 1], group, autoPad: c.autoPad ?? 'NOTSET',
    };
    const seed = c.H * 131 + c.C * 7 + c.O;
    const x = randomTensor([c.N, c.H, c.W, c.C], { seed });
    const w = randomTensor([c.O, c.k[0], c.k[1], c.C / group], { seed: seed + 1 });
    const b = c.bias === false ? undefined : randomTensor([c.O], { seed: seed + 2 });
    const [y] = runReference(Conv, [x, w, b], attrs);

    const ortAttrs: Record<string, OrtAttr> = { kernel_shape: c.k, strides: attrs.strides as number[], dilations: attrs.dilations as number[], group };
    if (c.autoPad) ortAttrs.auto_pad = c.autoPad; else ortAttrs.pads = attrs.pads as number[];
    const [o] = await runOrtNode('Conv', [
      { dims: [c.N, c.C, c.H, c.W], data: transposeData(x.data, x.shape, NHWC_TO_NCHW) },
      { dims: [c.O, c.C / group, c.k[0], c.k[1]], data: transposeData(w.data, w.shape, OHWI_TO_OIHW), constant: true },
      b && { dims: [c.O], data: b.data, constant: true },
    ], ortAttrs);
    expect(NCHW_TO_NHWC.map((p) => o.dims[p])).toEqual(y.shape);
    expectClose(y.data, transposeData(o.data, o.dims, NCHW_TO_NHWC), Conv.tolerance, `Conv ${_name}`);
  });
});

describe('Conv reference speed', () => {
  it('runs a 14M multiply-add layer well under a second of loop time', () => {
    const x = randomTensor([1, 28, 28, 32], { seed: 9 });
    const w = randomTensor([64, 3, 3, 32], { seed: 10 });
    const attrs = Conv.parseAttrs({ pads: [1, 1, 1, 1] });
    const [shape] = Conv.inferShape([x.shape, w.shape], attrs);
    const y = tensor(shape);
    let ms = Infinity;
    for (let i = 0; i < 4; i++) {   // the best of a few: the first runs include JIT warm-up
      const t0 = performance.now();
      Conv.reference([x, w], attrs, [y]);
      ms = Math.min(ms, performance.now() - t0);
    }
    console.log(`Conv reference: ${(Conv.macs!([x.shape, w.shape], [shape], attrs) / 1e6).toFixed(1)}M MACs in ${ms.toFixed(0)} ms`);
    // Generous: on one shared core this takes tens of ms; a bad loop order or per-tap allocation is 10x+ slower.
    expect(ms).toBeLessThan(2000);
  });
});

await sweepBackends('Conv', BACKEND_CASES);
