// Conv on NHWC/OHWI, three ways by geometry (all from convGeometry, never recomputed here): a 1x1,
// stride-1, unpadded, ungrouped conv is a plain GEMM over pixels; depthwise (group = C) has its own
// kernel; everything else is the tiled implicit GEMM conv2d_nhwc_f32.
import type { ConvAttrs, ConvGeometry } from '../../../ops/conv.js';
import { convGeometry } from '../../../ops/conv.js';
import { activationParams } from '../activation.js';
import { Uniforms, type PrepareFn } from '../context.js';
import { gemmStep } from './matmul.js';

const TILE = 32;
const WG = 64;

function isPointwise(g: ConvGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.group === 1
    && g.padTop === 0 && g.padLeft === 0 && g.padBottom === 0 && g.padRight === 0;
}

export function isDepthwise(g: ConvGeometry): boolean {
  return g.group === g.C && g.cinPerGroup === 1 && g.group > 1;
}

export const conv: PrepareFn<ConvAttrs> = (ctx, [x, w, bias], attrs, [y]) => {
  const g = convGeometry(x!.shape, w!.shape, attrs);
  const { ACT, p0, p1 } = activationParams(attrs.activation);
  const P = g.N * g.OH * g.OW;
  if (isPointwise(g)) {
    // x is [P, C] and w (OHWI, 1x1) is [O, C], i.e. B transposed.
    return gemmStep(ctx, {
      what: 'Conv 1x1', M: P, N: g.O, K: g.C, a: x!, sam: g.C, sak: 1, b: w!, sbk: 1, sbn: g.C,
      c: bias ? { t: bias, scm: 0, scn: 1, beta: 1 } : undefined, activation: attrs.activation, y,
    });
  }
  const buffers = [x!.buffer, w!.buffer, bias?.buffer ?? ctx.empty, y.buffer];
  if (isDepthwise(g)) {
    const total = P * g.O;
    const u = new Uniforms().u32(g.H, g.W, g.C, g.OH, g.OW, g.O, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw,
      g.padTop, g.padLeft, g.coutPerGroup, total).f32(p0, p1);
    return ctx.dispatch('dwconv2d_nhwc_f32', { ACT, HAS_BIAS: bias !== undefined, WG }, buffers, u,
      ctx.grid1d(Math.ceil(total / WG), 'depthwise Conv'));
  }
  const K = g.kh * g.kw * g.cinPerGroup;
  const u = new Uniforms().u32(g.H, g.W, g.C, g.OH, g.OW, g.O, K, P, g.kw, g.sh, g.sw, g.dh, g.dw,
    g.padTop, g.padLeft, g.cinPerGroup, g.coutPerGroup).f32(p0, p1);
  return ctx.dispatch('conv2d_nhwc_f32', { ACT, HAS_BIAS: bias !== undefined }, buffers, u,
    ctx.grid3d(Math.ceil(g.coutPerGroup / TILE), Math.ceil(P / TILE), g.group, 'Conv'));
};
