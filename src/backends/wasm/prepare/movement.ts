// Ops that move values, each on its geometry from src/ops: Transpose and Pad as one gather (per-axis offset
// tables, merged where they chain so inner runs become memory.copy), Concat and Split as strided row copies,
// ReduceMean as a chain of globalpool_f32 means over runs of adjacent reduced axes.
import { transposeGeometry, type TransposeAttrs } from '../../../ops/transpose.js';
import { splitGeometry, type SplitAttrs } from '../../../ops/split.js';
import { padGeometry, type PadAttrs } from '../../../ops/pad.js';
import { concatGeometry, type ConcatAttrs } from '../../../ops/concat.js';
import { reduceMeanGeometry, type ReduceMeanAttrs } from '../../../ops/reduce-mean.js';
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
  const g = transposeGeometry(x!.shape, attrs);
  return gather(b, x!, y, g.shape.map((n, i) => linearAxis(n, 0, g.strides[i])));
};

export const pad: PrepareFn<PadAttrs> = (b, [x], attrs, [y]) => {
  const g = padGeometry(x!.shape, attrs);
  const axes = g.offsets.map((map) => ({ n: map.length, map }));
  return gather(b, x!, y, axes.length === 0 ? [linearAxis(1, 0, 1)] : axes, attrs.value);
};

/** Concat and Split: one strided row copy per part (rows of `run` values, `outer` of them). */
export const concat: PrepareFn<ConcatAttrs> = (b, inputs, attrs, [y]) => {
  const { outer, row, parts } = concatGeometry(inputs.map((t) => t!.shape), y.shape, attrs);
  const copies = inputs.map((t, i) => ({ X: b.raw(t!), ...parts[i] }));
  return {
    run: () => {
      for (const { X, run, offset } of copies) b.k.copy2d_f32(X.ptr, run, y.ptr + offset * 4, row, outer, run);
    },
  };
};

export const split: PrepareFn<SplitAttrs> = (b, [x], attrs, outputs) => {
  const { outer, row, parts } = splitGeometry(x!.shape, attrs);
  const X = b.raw(x!);
  return {
    run: () => {
      outputs.forEach((y, j) => b.k.copy2d_f32(X.ptr + parts[j].offset * 4, row, y.ptr, parts[j].run, outer, parts[j].run));
    },
  };
};

export const reduceMean: PrepareFn<ReduceMeanAttrs> = (b, [x], attrs, [y]) => {
  const X = b.raw(x!);
  const { runs } = reduceMeanGeometry(X.shape, attrs);
  if (runs.length === 0) return { run: () => b.k.copy_f32(X.ptr, y.ptr, y.size) };
  const calls: { outer: number; R: number; inner: number; src: () => number; dst: () => number }[] = [];
  let src: () => number = () => X.ptr;
  runs.forEach(({ outer, R, inner }, k) => {
    const last = k === runs.length - 1;
    const out = last ? y : b.scratch(outer * inner);
    const prev = src;
    calls.push({ outer, R, inner, src: prev, dst: () => out.ptr });
    src = () => out.ptr;
  });
  return { run: () => { for (const c of calls) b.k.globalpool_f32(c.outer, c.R, c.inner, c.src(), c.dst(), 0); } };
};
