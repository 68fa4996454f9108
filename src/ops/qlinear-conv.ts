// QLinearConv on the IR layout: x NHWC of integers on grid `x`; w OHWI integers (an i8/u8 weight stored with
// scale 1, so its values are the integers themselves); wScale, wZeroPoint [1] or [O]; optional bias [O] of
// int32 values; y NHWC on grid `y`. acc = Σ (x - xz)(w - wz) + bias, exact; then requantize (quant.ts).
// Grouped and depthwise convolutions follow Conv's geometry (convGeometry is the one place for it).
import { shapeToString } from '../tensor.js';
import { convGeometry, parseConvAttrs, type ConvAttrs } from './conv.js';
import { defineOp, OpError } from './op.js';
import { checkChannelParams, parseQuantParams, requantize, requantScale, type QuantParams } from './quant.js';

export interface QLinearConvAttrs extends ConvAttrs {
  readonly x: QuantParams;
  readonly y: QuantParams;
}

export const QLinearConv = defineOp<QLinearConvAttrs>({
  name: 'QLinearConv',
  parseAttrs: (raw) => {
    const conv = parseConvAttrs(raw);
    if (conv.activation) throw new OpError('attribute activation: a quantized conv clamps to its output grid only');
    return { ...conv, x: parseQuantParams(raw, 'x'), y: parseQuantParams(raw, 'y') };
  },
  inferShape: ([x, w, ws, wz, b], attrs) => {
    if (!x) throw new OpError('input x is missing');
    if (!w) throw new OpError('weights w are missing');
    const g = convGeometry(x, w, attrs);
    checkChannelParams(ws, wz, g.O, 'weight');
    if (b && (b.length !== 1 || b[0] !== g.O)) throw new OpError(`bias ${shapeToString(b)} must be [${g.O}] for weights ${shapeToString(w)}`);
    return [[g.N, g.OH, g.OW, g.O]];
  },
  reference: ([x, w, ws, wz, b], attrs, [y]) => {
    const g = convGeometry(x!.shape, w!.shape, attrs);
    const X = x!.data, Wt = w!.data, S = ws!.data, Z = wz!.data, B = b?.data, Y = y.data;
    const { N, H, W, C, OH, OW, O, kh, kw, sh, sw, dh, dw, padTop, padLeft, cinPerGroup: cpg, coutPerGroup } = g;
    const xz = attrs.x.zeroPoint;
    const scales = Array.from({ length: O }, (_, o) => requantScale(attrs.x.scale, S[S.length === 1 ? 0 : o], attrs.y.scale));
    let yi = 0;
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          for (let o = 0; o < O; o++) {
            const c0 = Math.floor(o / coutPerGroup) * cpg, wzo = Z[Z.length === 1 ? 0 : o];
            let acc = B ? B[o] : 0;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oh * sh - padTop + ky * dh;
              if (iy < 0 || iy >= H) continue;     // padding holds the zero point: (xz - xz) = 0
              for (let kx = 0; kx < kw; kx++) {
                const ix = ow * sw - padLeft + kx * dw;
                if (ix < 0 || ix >= W) continue;
                const xo = ((n * H + iy) * W + ix) * C + c0, wo = ((o * kh + ky) * kw + kx) * cpg;
                for (let ci = 0; ci < cpg; ci++) acc += (X[xo + ci] - xz) * (Wt[wo + ci] - wzo);
              }
            }
            Y[yi++] = requantize(acc, scales[o], attrs.y);
          }
        }
      }
    }
  },
  tolerance: { atol: 0, rtol: 0 },
  macs: ([x, w], [y]) => (x && w ? y[0] * y[1] * y[2] * y[3] * w[1] * w[2] * w[3] : 0),
});
