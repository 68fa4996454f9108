// Softmax / LogSoftmax (softmax_f32): one workgroup per slice along the axis.
import { softmaxGeometry, type SoftmaxAttrs } from '../../../ops/softmax.js';
import { Uniforms, type PrepareFn } from '../context.js';

export function softmax(log: boolean): PrepareFn<SoftmaxAttrs> {
  return (ctx, [x], attrs, [y]) => {
    const { outer, n, inner } = softmaxGeometry(x!.shape, attrs);
    const slices = outer * inner;
    return ctx.dispatch('softmax_f32', { LOG: log }, [x!.buffer, y.buffer], new Uniforms().u32(slices, n, inner),
      ctx.grid1d(slices, log ? 'LogSoftmax' : 'Softmax'));
  };
}
