// TFLite operators that pick or repeat parts of a tensor, lowered onto Split, Concat and Reshape while the IR
// has no Slice, Gather or Resize op: STRIDED_SLICE and SLICE with unit steps and constant bounds (a Split per
// cut axis, the middle part kept), GATHER with constant indices along an axis of at most MAX_GATHER_DIM
// (a Split into unit parts, the picked ones joined by a Concat), RESIZE_NEAREST_NEIGHBOR by whole factors
// without align_corners (each pixel repeated: Reshape to [N, H, 1, W, 1, C], Concat copies, Reshape back).
// The caps bound the nodes a file can make us emit.
// What falls outside (steps, run-time indices, bilinear, fractional factors) is refused naming the IR op
// it would need.
import type { Shape } from '../../tensor.js';
import { shapeToString } from '../../tensor.js';
import { type Context, type Val } from './context.js';
import type { Table } from './flatbuffer.js';
import { constInput, finish, options, reshapeTo, type Converter } from './finish.js';
import { Activation, Op, Options } from './schema.js';

/** The largest gathered axis: its Split has one output per element. */
export const MAX_GATHER_DIM = 256;
/** The most indices one GATHER may take: each is a Concat input. */
export const MAX_GATHER_INDICES = 4096;
/** The largest whole resize factor per axis: each step is a Concat input. */
export const MAX_RESIZE_FACTOR = 64;

/** x cut to [begin, begin + size) on each axis, by one Split per axis that is cut; the kept part's name and shape. */
function cut(cx: Context, x: Val, begin: readonly number[], size: readonly number[]): { ir: string; shape: Shape } {
  let ir = x.ir, shape: Shape = x.shape;
  shape.forEach((d, a) => {
    const b = begin[a], s = size[a];
    if (b === 0 && s === d) return;
    const parts = [b, s, d - b - s].filter((p) => p > 0);
    const names = parts.map((_, k) => cx.fresh(`${ir}__cut${a}_${k}`));
    const shapes = cx.emit('Split', [ir], { axis: a, split: parts }, names);
    const keep = b > 0 ? 1 : 0;
    ir = names[keep];
    shape = shapes[keep];
  });
  return { ir, shape };
}

/** Defines output 0 as `ir` (x's values) reshaped to `target`. */
function defineAs(cx: Context, x: Val, ir: string, shape: Shape, target: readonly number[]): void {
  reshapeTo(cx, { ...x, ir, shape }, target);
}

function bits(mask: number, i: number): boolean {
  return ((mask >> i) & 1) === 1;
}

interface StridedSliceOptions { beginMask: number; endMask: number; ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number; offset: boolean }
function stridedSliceOptions(t: Table | undefined): StridedSliceOptions {
  return {
    beginMask: t?.i32(0, 'begin_mask') ?? 0, endMask: t?.i32(1, 'end_mask') ?? 0, ellipsisMask: t?.i32(2, 'ellipsis_mask') ?? 0,
    newAxisMask: t?.i32(3, 'new_axis_mask') ?? 0, shrinkAxisMask: t?.i32(4, 'shrink_axis_mask') ?? 0, offset: t?.bool(5, 'offset') ?? false,
  };
}

const stridedSlice: Converter = (cx) => {
  const o = stridedSliceOptions(options(cx, Options.StridedSlice));
  if (o.ellipsisMask || o.newAxisMask || o.offset) throw cx.unsupported('ellipsis_mask, new_axis_mask or offset (needs a Slice op)');
  const x = cx.val(cx.input(0));
  const r = x.shape.length;
  const begin = cx.ints(constInput(cx, 1, 'begin'), 'begin'), end = cx.ints(constInput(cx, 2, 'end'), 'end');
  const strides = cx.input(3, true) >= 0 ? cx.ints(constInput(cx, 3, 'strides'), 'strides') : begin.map(() => 1);
  if (begin.length !== end.length || begin.length !== strides.length || begin.length > r) throw cx.malformed(`begin, end and strides of ${begin.length}, ${end.length}, ${strides.length} values for rank ${r}`);
  if (strides.some((s) => s !== 1)) throw cx.unsupported(`strides [${strides}] (only 1; other steps need a Slice op)`);
  const b = x.shape.map(() => 0), size = [...x.shape];
  const kept: number[] = [];
  x.shape.forEach((d, i) => {
    if (i >= begin.length) { kept.push(d); return; }
    const clamp = (v: number): number => Math.min(d, Math.max(0, v < 0 ? v + d : v));
    const lo = bits(o.beginMask, i) ? 0 : clamp(begin[i]);
    const hi = bits(o.shrinkAxisMask, i) ? lo + 1 : bits(o.endMask, i) ? d : clamp(end[i]);
    if (hi <= lo || hi > d) throw cx.unsupported(`an empty slice on axis ${i} ([${begin[i]}, ${end[i]}) of ${d})`);
    b[i] = lo;
    size[i] = hi - lo;
    if (!bits(o.shrinkAxisMask, i)) kept.push(hi - lo);
  });
  const c = cut(cx, x, b, size);
  defineAs(cx, x, c.ir, c.shape, kept);
};

const slice: Converter = (cx) => {
  options(cx, Options.Slice);
  const x = cx.val(cx.input(0));
  const r = x.shape.length;
  const begin = cx.ints(constInput(cx, 1, 'begin'), 'begin'), size = cx.ints(constInput(cx, 2, 'size'), 'size');
  if (begin.length !== r || size.length !== r) throw cx.malformed(`begin [${begin}] and size [${size}] for rank ${r}`);
  const sizes = size.map((s, i) => (s === -1 ? x.shape[i] - begin[i] : s));
  if (begin.some((v, i) => v < 0 || sizes[i] < 1 || v + sizes[i] > x.shape[i])) throw cx.malformed(`begin [${begin}], size [${size}] do not fit ${shapeToString(x.shape)}`);
  const c = cut(cx, x, begin, sizes);
  defineAs(cx, x, c.ir, c.shape, c.shape);
};

const gather: Converter = (cx) => {
  const t = options(cx, Options.Gather);
  const axisOpt = t?.i32(0, 'axis') ?? 0, batchDims = t?.i32(1, 'batch_dims') ?? 0;
  if (batchDims !== 0) throw cx.unsupported(`batch_dims ${batchDims} (needs a Gather op)`);
  const ii = cx.input(1);
  if (!cx.isConst(ii)) throw cx.unsupported('indices computed at run time (needs a Gather op)');
  const x = cx.val(cx.input(0));
  const r = x.shape.length;
  const axis = axisOpt < 0 ? axisOpt + r : axisOpt;
  if (axis < 0 || axis >= r) throw cx.malformed(`axis ${axisOpt} for rank ${r}`);
  const d = x.shape[axis];
  const idxC = constInput(cx, 1, 'indices');
  const idx = cx.ints(idxC, 'indices').map((v) => (v < 0 ? v + d : v));
  if (idx.some((v) => v < 0 || v >= d)) throw cx.malformed(`indices out of range for a dim of ${d}`);
  if (idx.length === 0) throw cx.unsupported('no indices (an empty result)');
  if (d > MAX_GATHER_DIM) throw cx.unsupported(`gathering from an axis of ${d} (lowered up to ${MAX_GATHER_DIM}; more needs a Gather op)`);
  if (idx.length > MAX_GATHER_INDICES) throw cx.unsupported(`${idx.length} indices (lowered up to ${MAX_GATHER_INDICES}; more needs a Gather op)`);
  const target = [...x.shape.slice(0, axis), ...idxC.shape, ...x.shape.slice(axis + 1)];
  let picked: string[];
  if (d === 1) picked = idx.map(() => x.ir);
  else {
    const names = Array.from({ length: d }, (_, k) => cx.fresh(`${x.ir}__row${k}`));
    cx.emit('Split', [x.ir], { axis, split: new Array<number>(d).fill(1) }, names);
    picked = idx.map((v) => names[v]);
  }
  const joined = cx.fresh(`${x.ir}__gathered`);
  const [shape] = picked.length === 1
    ? cx.emit('Identity', picked, {}, [joined])
    : cx.emit('Concat', picked, { axis }, [joined]);
  defineAs(cx, x, joined, shape, target);
};

/** x repeated `times` along `axis` (a fresh IR value; x itself when once). */
function repeat(cx: Context, x: string, axis: number, times: number): string {
  if (times === 1) return x;
  const out = cx.fresh(`${x}__x${times}`);
  cx.emit('Concat', new Array<string>(times).fill(x), { axis }, [out]);
  return out;
}

const resizeNearest: Converter = (cx) => {
  const t = options(cx, Options.ResizeNearestNeighbor);
  const alignCorners = t?.bool(0, 'align_corners') ?? false;
  const x = cx.val(cx.input(0));
  if (x.shape.length !== 4) throw cx.malformed(`input must be 4-D (NHWC), it is ${shapeToString(x.shape)}`);
  const [n, h, w, c] = x.shape;
  const size = cx.ints(constInput(cx, 1, 'size'), 'size');
  if (size.length !== 2 || size.some((v) => !(v >= 1))) throw cx.malformed(`size [${size}]`);
  const [oh, ow] = size;
  // With whole factors, half_pixel_centers picks the same source pixel as not: floor((i + 0.5) / f) = floor(i / f).
  if (oh % h !== 0 || ow % w !== 0 || (alignCorners && (oh !== h || ow !== w))) {
    throw cx.unsupported(`resizing ${h}x${w} to ${oh}x${ow}${alignCorners ? ' with align_corners' : ''} (lowered for whole factors without align_corners; this needs a Resize op)`);
  }
  const fh = oh / h, fw = ow / w;
  if (fh > MAX_RESIZE_FACTOR || fw > MAX_RESIZE_FACTOR) throw cx.unsupported(`a resize factor of ${Math.max(fh, fw)} (lowered up to ${MAX_RESIZE_FACTOR}; more needs a Resize op)`);
  const lifted = cx.fresh(`${x.ir}__lifted`);
  cx.emit('Reshape', [x.ir], { shape: cx.reshapeTarget([n, h, 1, w, 1, c]) }, [lifted]);
  const tall = repeat(cx, lifted, 2, fh);
  const wide = repeat(cx, tall, 4, fw);
  finish(cx, cx.output(0), [x.lo, x.hi], Activation.NONE, 'plain', (name) => cx.emit('Reshape', [wide], { shape: cx.reshapeTarget([n, oh, ow, c]) }, [name])[0]);
};

export const SELECT_CONVERTERS: readonly (readonly [number, Converter])[] = [
  [Op.STRIDED_SLICE, stridedSlice],
  [Op.SLICE, slice],
  [Op.GATHER, gather],
  [Op.RESIZE_NEAREST_NEIGHBOR, resizeNearest],
];
