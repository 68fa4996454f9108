// Ops that move values: Transpose, Split and Pad as one gather (per-axis offset tables, merged where
// they chain so inner runs become memory.copy), Concat as strided row copies, ReduceMean as a chain
// of globalpool_f32 means over runs of adjacent reduced axes.
import type { TransposeAttrs } from '../../../ops/transpose.js';
import type { SplitAttrs } from '../../../ops/split.js';
import { padSourceIndex, type PadAttrs } from '../../../ops/pad.js';
import type { ConcatAttrs } from '../../../ops/concat.js';
import type { ReduceMeanAttrs } from '../../../ops/reduce-mean.js';
import { normAxis, sizeOf, stridesOf } from '../../../tensor.js';
import type { PrepareFn, WasmContext } from '../context.js';
import type { Kernel } from '../plan-state.js';
import type { WasmTensor } from '../tensor.js';

/** One output axis: its size and, per index, the input element offset it adds (-1 = constant). */
interface Axis { n: number; map: Int32Array }

/** stride and start when map[i] = start + i * stride for every i (no -1), else undefined. */
function linear(ax: Axis): { start: number; stride: number } | undefined {
  const m = ax.map, start = m[0], stride = ax.n > 1 ? m[1] - m[0] : 1;
  for (let i = 0; i < ax.n; i++) if (m[i] < 0 || m[i] !== start + i * stride) return undefined;
  return { start, stride };
}

function linearAxis(n: number, start: number, stride: number): Axis {
  return { n, map: Int32Array.from({ length: n }, (_, i) => start + i * stride) };
}

/** A gather kernel: y (dense, axes as given) from x through the tables; tables simplified first. */
function gather(b: WasmContext, x: WasmTensor, y: WasmTensor, axes: Axis[], value = 0): Kernel {
  if (y.size === 0) return { run: () => {} };
  let offset = 0;
  let list = axes.filter((ax) => {
    if (ax.n === 1 && ax.map[0] >= 0) { offset += ax.map[0]; return false; }
    return true;
  });
  // Merge neighbours that chain (the outer stride spans the inner axis), from the innermost out.
  for (let i = list.length - 2; i >= 0; i--) {
    const o = linear(list[i]), inn = linear(list[i + 1]);
    if (o && inn && o.stride === inn.stride * list[i + 1].n) {
      list = [...list.slice(0, i), linearAxis(list[i].n * list[i + 1].n, o.start + inn.start, inn.stride), ...list.slice(i + 2)];
    }
  }
  if (list.length === 0) list = [linearAxis(1, 0, 1)];
  list[0] = { n: list[0].n, map: list[0].map.map((m) => (m < 0 ? m : m + offset)) };
  const rank = list.length;
  const params = b.persistent((2 * rank + list.reduce((s, a) => s + a.n, 0)) * 4);
  const i32 = b.mem.i32;
  let p = params >> 2;
  for (const ax of list) i32[p++] = ax.n;
  p += rank;
  for (const ax of list) { i32.set(ax.map, p); p += ax.n; }
  const inner = linear(list[rank - 1]);
  const contiguous = inner !== undefined && inner.stride === 1 ? 1 : 0;
  const X = b.raw(x);
  return { run: () => b.k.gather_nd_f32(rank, params, X.ptr, y.ptr, value, contiguous) };
}

export const transpose: PrepareFn<TransposeAttrs> = (b, [x], attrs, [y]) => {
  const xs = x!.shape, strides = stridesOf(xs);
  const perm = attrs.perm ?? xs.map((_, i) => xs.length - 1 - i);
  return gather(b, x!, y, perm.map((p) => linearAxis(xs[p], 0, strides[p])));
};

export const split: PrepareFn<SplitAttrs> = (b, [x], attrs, outputs) => {
  const xs = x!.shape, strides = stridesOf(xs), a = normAxis(attrs.axis, xs.length);
  let start = 0;
  const kernels = outputs.map((y) => {
    const k = gather(b, x!, y, y.shape.map((n, i) => linearAxis(n, i === a ? start * strides[i] : 0, strides[i])));
    start += y.shape[a];
    return k;
  });
  return { run: () => { for (const k of kernels) k.run(); } };
};

export const pad: PrepareFn<PadAttrs> = (b, [x], attrs, [y]) => {
  const xs = x!.shape, r = xs.length, strides = stridesOf(xs);
  const axes = y.shape.map((n, a) => ({
    n, map: Int32Array.from({ length: n }, (_, i) => {
      const s = padSourceIndex(i, attrs.pads[a], xs[a], attrs.mode);
      return s < 0 ? -1 : s * strides[a];
    }),
  }));
  return r === 0 ? gather(b, x!, y, [linearAxis(1, 0, 1)], attrs.value) : gather(b, x!, y, axes, attrs.value);
};

export const concat: PrepareFn<ConcatAttrs> = (b, inputs, attrs, [y]) => {
  const ys = y.shape, a = normAxis(attrs.axis, ys.length);
  const outer = sizeOf(ys.slice(0, a)), inner = sizeOf(ys.slice(a + 1)), row = ys[a] * inner;
  let start = 0;
  const parts = inputs.map((t) => {
    const X = b.raw(t!), run = X.shape[a] * inner, at = start;
    start += run;
    return { X, run, at };
  });
  return {
    run: () => {
      for (const { X, run, at } of parts) b.k.copy2d_f32(X.ptr, run, y.ptr + at * 4, row, outer, run);
    },
  };
};

export const reduceMean: PrepareFn<ReduceMeanAttrs> = (b, [x], attrs, [y]) => {
  const X = b.raw(x!);
  const shape = [...X.shape];
  const reduced = shape.map(() => attrs.axes.length === 0);
  for (const ax of attrs.axes) reduced[normAxis(ax, shape.length)] = true;
  // Runs [from, to) of adjacent reduced axes; each is one mean over [outer, R, inner].
  const runs: [number, number][] = [];
  for (let i = 0; i < shape.length; i++) {
    if (!reduced[i]) continue;
    if (runs.length && runs[runs.length - 1][1] === i) runs[runs.length - 1][1] = i + 1; else runs.push([i, i + 1]);
  }
  if (runs.length === 0) return { run: () => b.k.copy_f32(X.ptr, y.ptr, y.size) };
  const calls: { outer: number; R: number; inner: number; src: () => number; dst: () => number }[] = [];
  let src: () => number = () => X.ptr;
  runs.forEach(([from, to], k) => {
    const outer = sizeOf(shape.slice(0, from)), R = sizeOf(shape.slice(from, to)), inner = sizeOf(shape.slice(to));
    for (let i = from; i < to; i++) shape[i] = 1;
    const last = k === runs.length - 1;
    const out = last ? y : b.scratch(outer * inner);
    const prev = src;
    calls.push({ outer, R, inner, src: prev, dst: () => out.ptr });
    src = () => out.ptr;
  });
  return { run: () => { for (const c of calls) b.k.globalpool_f32(c.outer, c.R, c.inner, c.src(), c.dst(), 0); } };
};
