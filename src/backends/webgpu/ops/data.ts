// Data movement on copy_strided_f32 (Reshape, Flatten, Identity, Transpose, Concat, Split), plus Pad
// (pad_f32) and ReduceMean (reduce_mean_f32). Every layout question is answered by strides and offsets.
import type { Step } from '../../backend.js';
import type { ConcatAttrs } from '../../../ops/concat.js';
import type { PadAttrs } from '../../../ops/pad.js';
import type { ReduceMeanAttrs } from '../../../ops/reduce-mean.js';
import type { SplitAttrs } from '../../../ops/split.js';
import type { TransposeAttrs } from '../../../ops/transpose.js';
import { normAxis, stridesOf, type Shape } from '../../../tensor.js';
import { sequence, Uniforms, type GpuTensor, type KernelContext, type PrepareFn } from '../context.js';
import { checkRank, coalesce, MAX_RANK } from './nd.js';
import { BackendUnavailableError } from '../../../errors.js';

const WG = 64;

/** dst[dst0 + idx . ds] = src[src0 + idx . ss] for every idx of `shape`. */
export function copyStep(ctx: KernelContext, what: string, shape: Shape, src: GpuTensor, src0: number, ss: readonly number[],
  dst: GpuTensor, dst0: number, ds: readonly number[]): Step {
  const n = shape.reduce((p, d) => p * d, 1);
  const walk = checkRank(coalesce(shape, [ss, ds]), what);
  const u = new Uniforms().u32(n, walk.shape.length, src0, dst0).dims8(walk.shape, 1).dims8(walk.strides[0], 0).dims8(walk.strides[1], 0);
  return ctx.dispatch('copy_strided_f32', { WG }, [src.buffer, dst.buffer], u, ctx.grid1d(Math.ceil(n / WG), what));
}

/** Reshape, Flatten, Identity: the same values in the same order. */
export const copy: PrepareFn = (ctx, [x], _attrs, [y]) => copyStep(ctx, 'copy', [x!.size], x!, 0, [1], y, 0, [1]);

export const transpose: PrepareFn<TransposeAttrs> = (ctx, [x], attrs, [y]) => {
  const xs = stridesOf(x!.shape);
  const perm = attrs.perm ?? x!.shape.map((_, i) => x!.shape.length - 1 - i);
  return copyStep(ctx, 'Transpose', y.shape, x!, 0, perm.map((p) => xs[p]), y, 0, stridesOf(y.shape));
};

export const concat: PrepareFn<ConcatAttrs> = (ctx, inputs, attrs, [y]) => {
  const axis = normAxis(attrs.axis, y.shape.length), ys = stridesOf(y.shape);
  let at = 0;
  return sequence(inputs.map((x) => {
    const step = copyStep(ctx, 'Concat', x!.shape, x!, 0, stridesOf(x!.shape), y, at * ys[axis], ys);
    at += x!.shape[axis];
    return step;
  }));
};

export const split: PrepareFn<SplitAttrs> = (ctx, [x], attrs, outputs) => {
  const axis = normAxis(attrs.axis, x!.shape.length), xs = stridesOf(x!.shape);
  let at = 0;
  return sequence(outputs.map((y) => {
    const step = copyStep(ctx, 'Split', y.shape, x!, at * xs[axis], xs, y, 0, stridesOf(y.shape));
    at += y.shape[axis];
    return step;
  }));
};

const PAD_MODE = { constant: 0, reflect: 1, edge: 2 } as const;

export const pad: PrepareFn<PadAttrs> = (ctx, [x], attrs, [y]) => {
  const r = x!.shape.length;
  if (r > MAX_RANK) throw new BackendUnavailableError('webgpu', `Pad: rank ${r} exceeds the kernel's ${MAX_RANK}`);
  const begin = attrs.pads.slice(0, r).map((v) => v >>> 0); // i32 bit patterns, read back with bitcast<i32>
  const u = new Uniforms().u32(y.size, r).f32(attrs.value).u32(0)
    .dims8(y.shape, 1).dims8(x!.shape, 1).dims8(stridesOf(x!.shape), 0).dims8(begin, 0);
  return ctx.dispatch('pad_f32', { MODE: PAD_MODE[attrs.mode], WG }, [x!.buffer, y.buffer], u, ctx.grid1d(Math.ceil(y.size / WG), 'Pad'));
};

export const reduceMean: PrepareFn<ReduceMeanAttrs> = (ctx, [x], attrs, [y]) => {
  const shape = x!.shape, xs = stridesOf(shape);
  const reduced = new Array<boolean>(shape.length).fill(attrs.axes.length === 0);
  for (const a of attrs.axes) reduced[normAxis(a, shape.length)] = true;
  const pick = (keep: boolean) => ({ shape: shape.filter((_, i) => reduced[i] !== keep), strides: xs.filter((_, i) => reduced[i] !== keep) });
  const kept = checkRank(coalesce(pick(true).shape, [pick(true).strides]), 'ReduceMean');
  const red = checkRank(coalesce(pick(false).shape, [pick(false).strides]), 'ReduceMean');
  const R = red.shape.reduce((p, d) => p * d, 1);
  const u = new Uniforms().u32(y.size, kept.shape.length, red.shape.length, R)
    .dims8(kept.shape, 1).dims8(kept.strides[0], 0).dims8(red.shape, 1).dims8(red.strides[0], 0);
  return ctx.dispatch('reduce_mean_f32', { WG }, [x!.buffer, y.buffer], u, ctx.grid1d(Math.ceil(y.size / WG), 'ReduceMean'));
};
