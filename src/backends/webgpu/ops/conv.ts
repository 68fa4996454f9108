// Conv on NHWC/OHWI, three ways by geometry (all from convGeometry, never recomputed here): a 1x1,
// stride-1, unpadded, ungrouped conv is a plain GEMM over pixels; depthwise (group = C) has its own
// kernel, four channels at a time when C % 4 == 0 and each channel has one filter; everything else is
// an implicit GEMM: when ungrouped with O a multiple of 4, conv2d_nhwc_f32_vec4 (C too) or
// conv2d_nhwc_f32_o4 (weights re-laid once to [K, O]); else the tiled conv2d_nhwc_f32.
import { activationArgs } from '../../../ops/activation.js';
import type { ConvAttrs, ConvGeometry } from '../../../ops/conv.js';
import { convGeometry } from '../../../ops/conv.js';
import type { Step } from '../../backend.js';
import { sequence, Uniforms, type GpuTensor, type KernelContext, type PrepareFn } from '../context.js';
import { copyStep } from './data.js';
import { gemmStep } from './matmul.js';

const TILE = 32;
const WG = 64;

/**
 * Weights w, seen as [rows, cols], transposed into a scratch [cols, rows] for a kernel that reads them that
 * way: once at load for constant weights; else `run` puts the transpose before the kernel's step, every run.
 */
function transposedWeights(ctx: KernelContext, w: GpuTensor, rows: number, cols: number, what: string): { t: GpuTensor; run: (kernel: Step) => Step } {
  const t = ctx.scratch(rows * cols, what);
  const step = copyStep(ctx, what, [cols, rows], w, 0, [1, cols], t, 0, [rows, 1]);
  if (w.constant) {
    ctx.once(step);
    return { t, run: (kernel) => kernel };
  }
  return { t, run: (kernel) => sequence([step, kernel]) };
}

function isPointwise(g: ConvGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.group === 1
    && g.padTop === 0 && g.padLeft === 0 && g.padBottom === 0 && g.padRight === 0;
}

export function isDepthwise(g: ConvGeometry): boolean {
  return g.group === g.C && g.cinPerGroup === 1 && g.group > 1;
}

export const conv: PrepareFn<ConvAttrs> = (ctx, [x, w, bias], attrs, [y]) => {
  const g = convGeometry(x!.shape, w!.shape, attrs);
  const { code: ACT, p0, p1 } = activationArgs(attrs.activation);
  const P = g.N * g.OH * g.OW;
  if (isPointwise(g)) {
    // x is [P, C] and w (OHWI, 1x1) is [O, C], i.e. B transposed.
    return gemmStep(ctx, {
      what: 'Conv 1x1', M: P, N: g.O, K: g.C, a: x!, sam: g.C, sak: 1, b: w!, sbk: 1, sbn: g.C,
      c: bias ? { t: bias, scm: 0, scn: 1, beta: 1 } : undefined, activation: attrs.activation, y,
    });
  }
  const buffers = [x!.buffer, w!.buffer, bias?.buffer ?? ctx.empty, y.buffer];
  if (isDepthwise(g) && g.coutPerGroup === 1 && g.C % 4 === 0) {
    const wt = transposedWeights(ctx, w!, g.C, g.kh * g.kw, 'depthwise Conv weights [kh*kw, C]');
    const total = P * (g.C / 4);
    const u = new Uniforms().u32(g.H, g.W, g.C / 4, g.OH, g.OW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, total).f32(p0, p1);
    return wt.run(ctx.dispatch('dwconv2d_nhwc_f32_vec4', { ACT, HAS_BIAS: bias !== undefined, WG },
      [x!.buffer, wt.t.buffer, bias?.buffer ?? ctx.empty, y.buffer], u, ctx.grid1d(Math.ceil(total / WG), 'depthwise Conv')));
  }
  if (isDepthwise(g)) {
    const total = P * g.O;
    const u = new Uniforms().u32(g.H, g.W, g.C, g.OH, g.OW, g.O, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw,
      g.padTop, g.padLeft, g.coutPerGroup, total).f32(p0, p1);
    return ctx.dispatch('dwconv2d_nhwc_f32', { ACT, HAS_BIAS: bias !== undefined, WG }, buffers, u,
      ctx.grid1d(Math.ceil(total / WG), 'depthwise Conv'));
  }
  if (g.group === 1 && g.C % 4 === 0 && g.O % 4 === 0) {
    const u = new Uniforms().u32(g.H, g.W, g.C / 4, g.OH, g.OW, g.O / 4, (g.kh * g.kw * g.C) / 4, P, g.kh, g.kw,
      g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft).f32(p0, p1);
    return ctx.dispatch('conv2d_nhwc_f32_vec4', { ACT, HAS_BIAS: bias !== undefined }, buffers, u,
      ctx.grid3d(Math.ceil(g.O / TILE), Math.ceil(P / TILE), 1, 'Conv'));
  }
  if (g.group === 1 && g.O % 4 === 0) {
    const wt = transposedWeights(ctx, w!, g.O, g.kh * g.kw * g.C, 'Conv weights [K, O]');
    const u = new Uniforms().u32(g.H, g.W, g.C, g.OH, g.OW, g.O / 4, P, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw,
      g.padTop, g.padLeft, 0).f32(p0, p1);
    return wt.run(ctx.dispatch('conv2d_nhwc_f32_o4', { ACT, HAS_BIAS: bias !== undefined },
      [x!.buffer, wt.t.buffer, bias?.buffer ?? ctx.empty, y.buffer], u, ctx.grid3d(Math.ceil(g.O / TILE), Math.ceil(P / TILE), 1, 'Conv')));
  }
  const K = g.kh * g.kw * g.cinPerGroup;
  const u = new Uniforms().u32(g.H, g.W, g.C, g.OH, g.OW, g.O, K, P, g.kw, g.sh, g.sw, g.dh, g.dw,
    g.padTop, g.padLeft, g.cinPerGroup, g.coutPerGroup).f32(p0, p1);
  return ctx.dispatch('conv2d_nhwc_f32', { ACT, HAS_BIAS: bias !== undefined }, buffers, u,
    ctx.grid3d(Math.ceil(g.coutPerGroup / TILE), Math.ceil(P / TILE), g.group, 'Conv'));
};
