// Elementwise kernels: the activation ops (unary_f32, vec4) and the broadcasting binary ops (binary_f32).
import { activationArgs, type Activation } from '../../../ops/activation.js';
import { broadcastStrides } from '../../../ops/broadcast.js';
import { BINARY_OP_CODES } from '../../../ops/codes.js';
import { Uniforms, type PrepareFn } from '../context.js';
import { checkRank, coalesce } from './nd.js';

const WG = 64;

export const unary: PrepareFn<Activation> = (ctx, [x], attrs, [y]) => {
  const { code: ACT, p0, p1 } = activationArgs(attrs);
  const n4 = Math.ceil(x!.size / 4);
  return ctx.dispatch('unary_f32', { ACT, WG }, [x!.buffer, y.buffer], new Uniforms().u32(n4).f32(p0, p1).u32(0),
    ctx.grid1d(Math.ceil(n4 / WG), attrs.op));
};

/** The OP override of kernels/binary_f32.wgsl is the op's code. */
export function binary(name: keyof typeof BINARY_OP_CODES): PrepareFn {
  return (ctx, [a, b], _attrs, [y]) => {
    const walk = checkRank(coalesce(y.shape, [broadcastStrides(a!.shape, y.shape), broadcastStrides(b!.shape, y.shape)]), name);
    const u = new Uniforms().u32(y.size, walk.shape.length, 0, 0)
      .dims8(walk.shape, 1).dims8(walk.strides[0], 0).dims8(walk.strides[1], 0);
    return ctx.dispatch('binary_f32', { OP: BINARY_OP_CODES[name], WG }, [a!.buffer, b!.buffer, y.buffer], u,
      ctx.grid1d(Math.ceil(y.size / WG), name));
  };
}
