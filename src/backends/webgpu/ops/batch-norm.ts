// BatchNormalization (channel = last axis) with its fused activation, on batchnorm_f32.
import { activationArgs } from '../../../ops/activation.js';
import type { BatchNormAttrs } from '../../../ops/batch-norm.js';
import { Uniforms, type PrepareFn } from '../context.js';

const WG = 64;

export const batchNorm: PrepareFn<BatchNormAttrs> = (ctx, [x, scale, bias, mean, variance], attrs, [y]) => {
  const { code: ACT, p0, p1 } = activationArgs(attrs.activation);
  const C = x!.shape[x!.shape.length - 1];
  const u = new Uniforms().u32(x!.size, C).f32(attrs.epsilon, p0, p1);
  return ctx.dispatch('batchnorm_f32', { ACT, WG },
    [x!.buffer, scale!.buffer, bias!.buffer, mean!.buffer, variance!.buffer, y.buffer], u,
    ctx.grid1d(Math.ceil(x!.size / WG), 'BatchNormalization'));
};
