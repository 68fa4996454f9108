// Softmax / LogSoftmax (softmax_f32): one workgroup per slice along the axis.
import type { SoftmaxAttrs } from '../../../ops/softmax.js';
import { normAxis } from '../../../tensor.js';
import { Uniforms, type PrepareFn } from '../context.js';

export function softmax(log: boolean): PrepareFn<SoftmaxAttrs> {
  return (ctx, [x], attrs, [y]) => {
    const shape = x!.shape, axis = normAxis(attrs.axis, shape.length);
    const n = shape[axis];
    const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
    const slices = x!.size / n;
    return ctx.dispatch('softmax_f32', { LOG: log }, [x!.buffer, y.buffer], new Uniforms().u32(slices, n, inner),
      ctx.grid1d(slices, log ? 'LogSoftmax' : 'Softmax'));
  };
}
