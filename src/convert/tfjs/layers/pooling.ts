// Pooling layers on NHWC (and 1-D ones as [N, T, 1, C]). Keras 'same' average pooling divides by
// the taps inside the input, which is the IR's countIncludePad = false.
import type { Attrs } from '../../../graph/ir.js';
import type { Value } from '../builder.js';
import type { LayerContext } from '../context.js';

function padAttrs(ctx: LayerContext): Attrs {
  const padding = ctx.cfg.string('padding', 'valid');
  if (padding === 'same') return { autoPad: 'SAME_UPPER' };
  if (padding === 'valid') return { autoPad: 'VALID' };
  return ctx.fail(`unknown padding ${JSON.stringify(padding)}`, ctx.cfg.at('padding'));
}

function input(ctx: LayerContext, rank: number): Value {
  ctx.channelsLast();
  const x = ctx.input();
  if (x.shape.length !== rank) ctx.fail(`expects a rank-${rank} channels-last input, got rank ${x.shape.length}`);
  return x;
}

function pool2d(op: 'MaxPool' | 'AveragePool') {
  return (ctx: LayerContext): Value[] => {
    const x = input(ctx, 4);
    const kernel = ctx.cfg.ints('pool_size', 2, [2, 2], 1);
    const strides = ctx.cfg.ints('strides', 2, kernel, 1);
    return [ctx.emit1(op, [x], { kernel, strides, ...padAttrs(ctx), ...(op === 'AveragePool' ? { countIncludePad: false } : {}) })];
  };
}

function pool1d(op: 'MaxPool' | 'AveragePool') {
  return (ctx: LayerContext): Value[] => {
    const x = input(ctx, 3);
    const [k] = ctx.cfg.ints('pool_size', 1, [2], 1);
    const [s] = ctx.cfg.ints('strides', 1, [k], 1);
    const [, T, C] = x.shape;
    const x4 = ctx.emit1('Reshape', [x], { shape: [-1, T, 1, C] }, 'to2d');
    const attrs = { kernel: [k, 1], strides: [s, 1], ...padAttrs(ctx), ...(op === 'AveragePool' ? { countIncludePad: false } : {}) };
    const y4 = ctx.emit1(op, [x4], attrs, 'pool');
    return [ctx.emit1('Reshape', [y4], { shape: [-1, y4.shape[1], C] })];
  };
}

/** Global pools give [N, C] unless keepdims (Keras >= 2.6), which keeps [N, 1, 1, C] / [N, 1, C]. */
function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool', rank: 3 | 4) {
  return (ctx: LayerContext): Value[] => {
    const x = input(ctx, rank);
    const keepdims = ctx.cfg.bool('keepdims', false);
    const C = x.shape[rank - 1];
    const x4 = rank === 3 ? ctx.emit1('Reshape', [x], { shape: [-1, x.shape[1], 1, C] }, 'to2d') : x;
    const y4 = ctx.emit1(op, [x4], {}, 'pool');
    return [ctx.emit1('Reshape', [y4], { shape: keepdims ? [-1, ...x.shape.slice(1, -1).map(() => 1), C] : [-1, C] })];
  };
}

export const maxPooling2d = pool2d('MaxPool');
export const averagePooling2d = pool2d('AveragePool');
export const maxPooling1d = pool1d('MaxPool');
export const averagePooling1d = pool1d('AveragePool');
export const globalAveragePooling2d = globalPool('GlobalAveragePool', 4);
export const globalMaxPooling2d = globalPool('GlobalMaxPool', 4);
export const globalAveragePooling1d = globalPool('GlobalAveragePool', 3);
export const globalMaxPooling1d = globalPool('GlobalMaxPool', 3);
