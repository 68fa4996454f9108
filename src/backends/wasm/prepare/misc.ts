// Softmax / LogSoftmax, BatchNormalization, and the ops that only relabel bytes (Reshape, Flatten, Identity).
import { activationArgs } from '../../../ops/activation.js';
import { softmaxGeometry, type SoftmaxAttrs } from '../../../ops/softmax.js';
import type { BatchNormAttrs } from '../../../ops/batch-norm.js';
import type { PrepareFn } from '../context.js';

export function softmax(log: boolean): PrepareFn<SoftmaxAttrs> {
  return (b, [x], attrs, [y]) => {
    const X = b.raw(x!);
    const { outer, n, inner } = softmaxGeometry(X.shape, attrs);
    return { run: () => b.k.softmax_f32(outer, n, inner, X.ptr, y.ptr, log ? 1 : 0) };
  };
}

export const batchNorm: PrepareFn<BatchNormAttrs> = (b, [x, scale, bias, mean, variance], attrs, [y]) => {
  const [X, S, B, M, V] = [x!, scale!, bias!, mean!, variance!].map((t) => b.raw(t));
  const C = X.shape[X.shape.length - 1], rows = X.size / C;
  const tmp = b.scratch(C);
  const act = activationArgs(attrs.activation);
  return {
    run: () => b.k.batchnorm_f32(rows, C, X.ptr, S.ptr, B.ptr, M.ptr, V.ptr, attrs.epsilon, tmp.ptr, y.ptr, act.code, act.p0, act.p1),
  };
};

/** Same values, new shape: the output shares the input's bytes; a weight's values are copied each run. */
export const reshape: PrepareFn = (b, [x], _attrs, [y]) => {
  if (b.share(y, x!)) return { run: () => {} };
  const X = b.raw(x!);
  return { run: () => b.k.copy_f32(X.ptr, y.ptr, y.size) };
};
