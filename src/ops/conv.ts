// Conv (ONNX, 2-D) on the IR layout: x NHWC, w OHWI [O, kh, kw, C/group], optional b [O]; y NHWC.
// convGeometry is the only place Conv's output size and padding are computed; every backend calls it.
import { shapeToString, type Shape } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { activate, parseActivation, type Activation } from './activation.js';
import { defineOp, expectRank, intAttr, OpError, REDUCTION } from './op.js';
import { axisGeometry, parseWindowAttrs, positiveDims, type WindowAttrs } from './window.js';

export interface ConvAttrs extends WindowAttrs {
  readonly group: number;
  readonly activation?: Activation;
}

export interface ConvGeometry {
  readonly N: number; readonly H: number; readonly W: number; readonly C: number;
  readonly OH: number; readonly OW: number; readonly O: number;
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly dh: number; readonly dw: number;
  readonly padTop: number; readonly padLeft: number; readonly padBottom: number; readonly padRight: number;
  readonly group: number;
  readonly cinPerGroup: number;
  readonly coutPerGroup: number;
}

export function parseConvAttrs(raw: Attrs): ConvAttrs {
  return { ...parseWindowAttrs(raw, false), group: intAttr(raw, 'group', 1, 1), activation: parseActivation(raw.activation) };
}

export function convGeometry(xShape: Shape, wShape: Shape, attrs: ConvAttrs): ConvGeometry {
  const [N, H, W, C] = expectRank(xShape, 4, 'input x (NHWC)');
  const [O, kh, kw, cinPerGroup] = expectRank(wShape, 4, 'weights w (OHWI)');
  positiveDims(xShape, 'input x');
  positiveDims(wShape, 'weights w');
  const { group, strides: [sh, sw], dilations: [dh, dw], pads, autoPad } = attrs;
  if (attrs.kernel && (attrs.kernel[0] !== kh || attrs.kernel[1] !== kw)) {
    throw new OpError(`attribute kernel [${attrs.kernel}] does not match weights ${shapeToString(wShape)}`);
  }
  if (C !== cinPerGroup * group) {
    throw new OpError(`input x ${shapeToString(xShape)} has ${C} channels but weights ${shapeToString(wShape)} with group ${group} expect ${cinPerGroup * group}`);
  }
  if (O % group !== 0) {
    throw new OpError(`weights w ${shapeToString(wShape)}: ${O} output channels are not divisible by group ${group}`);
  }
  const y = axisGeometry('height', H, kh, sh, dh, pads[0], pads[2], autoPad);
  const x = axisGeometry('width', W, kw, sw, dw, pads[1], pads[3], autoPad);
  return {
    N, H, W, C, OH: y.out, OW: x.out, O, kh, kw, sh, sw, dh, dw,
    padTop: y.padBegin, padLeft: x.padBegin, padBottom: y.padEnd, padRight: x.padEnd,
    group, cinPerGroup, coutPerGroup: O / group,
  };
}

export const Conv = defineOp<ConvAttrs>({
  name: 'Conv',
  parseAttrs: parseConvAttrs,
  inferShape: ([x, w, b], attrs) => {
    if (!x) throw new OpError('input x is missing');
    if (!w) throw new OpError('weights w are missing');
    const g = convGeometry(x, w, attrs);
    if (b && (b.length !== 1 || b[0] !== g.O)) {
      throw new OpError(`bias ${shapeToString(b)} must be [${g.O}] for weights ${shapeToString(w)}`);
    }
    return [[g.N, g.OH, g.OW, g.O]];
  },
  // Innermost loop over the group's input channels: contiguous in both x (NHWC) and w (OHWI).
  reference: ([x, w, b], attrs, [y]) => {
    const g = convGeometry(x!.shape, w!.shape, attrs);
    const X = x!.data, Wt = w!.data, B = b?.data, Y = y.data, act = attrs.activation;
    const { N, H, W, C, OH, OW, O, kh, kw, sh, sw, dh, dw, padTop, padLeft, cinPerGroup: cpg, coutPerGroup } = g;
    let yi = 0;
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const iy0 = oh * sh - padTop;
        for (let ow = 0; ow < OW; ow++) {
          const ix0 = ow * sw - padLeft;
          for (let o = 0; o < O; o++) {
            const c0 = Math.floor(o / coutPerGroup) * cpg;
            let acc = B ? B[o] : 0;
            for (let ky = 0; ky < kh; ky++) {
              const iy = iy0 + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ix0 + kx * dw;
                if (ix < 0 || ix >= W) continue;
                const xo = ((n * H + iy) * W + ix) * C + c0;
                const wo = ((o * kh + ky) * kw + kx) * cpg;
                for (let ci = 0; ci < cpg; ci++) acc += X[xo + ci] * Wt[wo + ci];
              }
            }
            Y[yi++] = act ? activate(acc, act) : acc;
          }
        }
      }
    }
  },
  tolerance: REDUCTION,
  macs: ([x, w], [y]) => (x && w ? y[0] * y[1] * y[2] * y[3] * w[1] * w[2] * w[3] : 0),
});
