// Data movement on copy_strided_f32 (Reshape, Flatten, Identity, Transpose, Concat, Split), plus Pad
// (pad_f32) and ReduceMean (reduce_mean_f32). Every layout question is answered by strides and offsets.
import type { Step } from '../../backend.js';
import { concatGeometry, type ConcatAttrs } from '../../../ops/concat.js';
import { padGeometry, type PadAttrs } from '../../../ops/pad.js';
import { reduceMeanGeometry, type ReduceMeanAttrs } from '../../../ops/reduce-mean.js';
import { splitGeometry, type SplitAttrs } from '../../../ops/split.js';
import { transposeGeometry, type TransposeAttrs } from '../../../ops/transpose.js';
import { stridesOf, type Shape } from '../../../tensor.js';
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
  const g = transposeGeometry(x!.shape, attrs);
  return copyStep(ctx, 'Transpose', g.shape, x!, 0, g.strides, y, 0, stridesOf(g.shape));
};

/** Concat and Split: each part is `outer` rows of `run` values, at `offset` in rows of `row` on the cut side. */
export const concat: PrepareFn<ConcatAttrs> = (ctx, inputs, attrs, [y]) => {
  const { outer, row, parts } = concatGeometry(inputs.map((x) => x!.shape), y.shape, attrs);
  return sequence(inputs.map((x, i) => {
    const { offset, run } = parts[i];
    return copyStep(ctx, 'Concat', [outer, run], x!, 0, [run, 1], y, offset, [row, 1]);
  }));
};

export const split: PrepareFn<SplitAttrs> = (ctx, [x], attrs, outputs) => {
  const { outer, row, parts } = splitGeometry(x!.shape, attrs);
  return sequence(outputs.map((y, j) => {
    const { offset, run } = parts[j];
    return copyStep(ctx, 'Split', [outer, run], x!, offset, [row, 1], y, 0, [run, 1]);
  }));
};

const PAD_MODE = { constant: 0, reflect: 1, edge: 2 } as const;

export const pad: PrepareFn<PadAttrs> = (ctx, [x], attrs, [y]) => {
  const r = x!.shape.length;
  if (r > MAX_RANK) throw new BackendUnavailableError('webgpu', `Pad: rank ${r} exceeds the kernel's ${MAX_RANK}`);
  const g = padGeometry(x!.shape, attrs);
  const begin = g.begin.map((v) => v >>> 0); // i32 bit patterns, read back with bitcast<i32>
  const u = new Uniforms().u32(y.size, r).f32(attrs.value).u32(0)
    .dims8(g.shape, 1).dims8(x!.shape, 1).dims8(g.xStrides, 0).dims8(begin, 0);
  return ctx.dispatch('pad_f32', { MODE: PAD_MODE[attrs.mode], WG }, [x!.buffer, y.buffer], u, ctx.grid1d(Math.ceil(y.size / WG), 'Pad'));
};

export const reduceMean: PrepareFn<ReduceMeanAttrs> = (ctx, [x], attrs, [y]) => {
  const g = reduceMeanGeometry(x!.shape, attrs);
  const kept = checkRank(coalesce(g.kept.shape, [g.kept.strides]), 'ReduceMean');
  const red = checkRank(coalesce(g.summed.shape, [g.summed.strides]), 'ReduceMean');
  const R = g.count;
  const u = new Uniforms().u32(y.size, kept.shape.length, red.shape.length, R)
    .dims8(kept.shape, 1).dims8(kept.strides[0], 0).dims8(red.shape, 1).dims8(red.strides[0], 0);
  return ctx.dispatch('reduce_mean_f32', { WG }, [x!.buffer, y.buffer], u, ctx.grid1d(Math.ceil(y.size / WG), 'ReduceMean'));
};
