// MaxPool / AveragePool (pool2d_nhwc_f32; geometry from poolGeometry) and the global pools (global_pool_f32).
import { globalPoolGeometry, poolGeometry, type PoolAttrs } from '../../../ops/pool.js';
import { Uniforms, type PrepareFn } from '../context.js';

const WG = 64;

export function pool(max: boolean): PrepareFn<PoolAttrs> {
  return (ctx, [x], attrs, [y]) => {
    const g = poolGeometry(x!.shape, attrs);
    const total = y.size;
    const u = new Uniforms().u32(g.H, g.W, g.C, g.OH, g.OW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw,
      g.padTop, g.padLeft, g.padBottom, g.padRight, total, attrs.countIncludePad ? 1 : 0);
    return ctx.dispatch('pool2d_nhwc_f32', { MAX: max, WG }, [x!.buffer, y.buffer], u,
      ctx.grid1d(Math.ceil(total / WG), max ? 'MaxPool' : 'AveragePool'));
  };
}

export function globalPool(max: boolean): PrepareFn {
  return (ctx, [x], _attrs, [y]) => {
    const { N, S, C } = globalPoolGeometry(x!.shape);
    const u = new Uniforms().u32(C, S, N * C);
    return ctx.dispatch('global_pool_f32', { MAX: max, WG }, [x!.buffer, y.buffer], u,
      ctx.grid1d(Math.ceil((N * C) / WG), max ? 'GlobalMaxPool' : 'GlobalAveragePool'));
  };
}
