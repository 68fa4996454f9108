// Convolutions: Conv2D, DepthwiseConv2D, SeparableConv2D and Conv1D (as a 2-D conv over [N,T,1,C]).
// Keras kernels are HWIO ([kh, kw, in, out]) and are re-laid to the IR's OHWI once, here.
import type { Attrs } from '../../../graph/ir.js';
import type { Value } from '../builder.js';
import { emitTail, fusedAttr, kerasActivation, needsTail } from '../activations.js';
import type { LayerContext } from '../context.js';

/** [kh, kw, I, O] -> [O, kh, kw, I]. */
export function hwioToOhwi(k: Float32Array, kh: number, kw: number, I: number, O: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      for (let i = 0; i < I; i++) {
        const src = ((h * kw + w) * I + i) * O;
        for (let o = 0; o < O; o++) out[((o * kh + h) * kw + w) * I + i] = k[src + o];
      }
    }
  }
  return out;
}

/** Depthwise [kh, kw, C, M] -> [C*M, kh, kw, 1]: TF's output channel c*M + m reads input channel c. */
export function depthwiseToOhwi(k: Float32Array, kh: number, kw: number, C: number, M: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      for (let c = 0; c < C; c++) {
        for (let m = 0; m < M; m++) out[((c * M + m) * kh + h) * kw + w] = k[((h * kw + w) * C + c) * M + m];
      }
    }
  }
  return out;
}

interface Window {
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly pad: Attrs;
}

/** Keras 'same' puts the odd padding pixel at the bottom/right: ONNX SAME_UPPER. */
function paddingAttrs(ctx: LayerContext, allowCausal: boolean, causalPad = 0): Attrs {
  const padding = ctx.cfg.string('padding', 'valid');
  if (padding === 'same') return { autoPad: 'SAME_UPPER' };
  if (padding === 'valid') return { autoPad: 'VALID' };
  if (padding === 'causal' && allowCausal) return { autoPad: 'NOTSET', pads: [causalPad, 0, 0, 0] };
  if (padding === 'causal') return ctx.unsupported('padding causal');
  return ctx.fail(`unknown padding ${JSON.stringify(padding)}`, ctx.cfg.at('padding'));
}

function window2d(ctx: LayerContext): Window {
  const cfg = ctx.cfg;
  const kernel = cfg.ints('kernel_size', 2, undefined, 1) as [number, number];
  const strides = cfg.ints('strides', 2, [1, 1], 1) as [number, number];
  const dilations = cfg.ints('dilation_rate', 2, [1, 1], 1) as [number, number];
  return { kernel, strides, dilations, pad: paddingAttrs(ctx, false) };
}

/**
 * depth_multiplier from the config, else from the depthwise kernel's last dim: TF.js leaves it out
 * of SeparableConv2D configs it saves, and the weights are authoritative.
 */
function depthMultiplier(ctx: LayerContext): number {
  if (ctx.cfg.has('depth_multiplier')) return ctx.cfg.int('depth_multiplier', 1, 1);
  const k = ctx.weight('depthwise_kernel');
  return k.shape.length === 4 && k.shape[3] >= 1 ? k.shape[3] : 1;
}

function nhwcInput(ctx: LayerContext): Value {
  ctx.channelsLast();
  const x = ctx.input();
  if (x.shape.length !== 4) ctx.fail(`expects a 4-D NHWC input, got rank ${x.shape.length}`);
  return x;
}

function convAttrs(w: Window, group: number, extra: Attrs = {}): Attrs {
  return { kernel: w.kernel, strides: w.strides, dilations: w.dilations, group, ...w.pad, ...extra };
}

/** Emits the final conv of a layer with its activation fused or appended; returns the layer output. */
function convWithActivation(ctx: LayerContext, inputs: (Value | undefined)[], attrs: Attrs): Value {
  const act = kerasActivation(ctx);
  const tail = needsTail(act);
  const y = ctx.emit1('Conv', inputs, { ...attrs, ...fusedAttr(act) }, tail ? 'conv' : undefined);
  return tail ? emitTail(ctx, y, act) : y;
}

function bias(ctx: LayerContext, n: number): Value | undefined {
  if (!ctx.cfg.bool('use_bias', true)) return undefined;
  const b = ctx.weight('bias', [n]);
  return ctx.constant('bias', [n], b.data);
}

export function conv2d(ctx: LayerContext): Value[] {
  const x = nhwcInput(ctx);
  const w = window2d(ctx);
  const filters = ctx.cfg.int('filters', undefined, 1);
  const groups = ctx.cfg.int('groups', 1, 1);
  const C = x.shape[3];
  if (C % groups !== 0 || filters % groups !== 0) ctx.fail(`groups ${groups} must divide the ${C} input channels and the ${filters} filters`, ctx.cfg.at('groups'));
  const [kh, kw] = w.kernel, I = C / groups;
  const k = ctx.weight('kernel', [kh, kw, I, filters]);
  const W = ctx.constant('kernel', [filters, kh, kw, I], hwioToOhwi(k.data, kh, kw, I, filters));
  return [convWithActivation(ctx, [x, W, bias(ctx, filters)], convAttrs(w, groups))];
}

export function depthwiseConv2d(ctx: LayerContext): Value[] {
  const x = nhwcInput(ctx);
  const w = window2d(ctx);
  const M = depthMultiplier(ctx);
  const C = x.shape[3], [kh, kw] = w.kernel;
  const k = ctx.weight('depthwise_kernel', [kh, kw, C, M]);
  const W = ctx.constant('kernel', [C * M, kh, kw, 1], depthwiseToOhwi(k.data, kh, kw, C, M));
  return [convWithActivation(ctx, [x, W, bias(ctx, C * M)], convAttrs(w, C))];
}

export function separableConv2d(ctx: LayerContext): Value[] {
  const x = nhwcInput(ctx);
  const w = window2d(ctx);
  const M = depthMultiplier(ctx);
  const filters = ctx.cfg.int('filters', undefined, 1);
  const C = x.shape[3], [kh, kw] = w.kernel;
  const dk = ctx.weight('depthwise_kernel', [kh, kw, C, M]);
  const pk = ctx.weight('pointwise_kernel', [1, 1, C * M, filters]);
  const DW = ctx.constant('depthwise_kernel', [C * M, kh, kw, 1], depthwiseToOhwi(dk.data, kh, kw, C, M));
  const PW = ctx.constant('pointwise_kernel', [filters, 1, 1, C * M], hwioToOhwi(pk.data, 1, 1, C * M, filters));
  const d = ctx.emit1('Conv', [x, DW], convAttrs(w, C), 'depthwise');
  const pointwise: Window = { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pad: { autoPad: 'VALID' } };
  return [convWithActivation(ctx, [d, PW, bias(ctx, filters)], convAttrs(pointwise, 1))];
}

/** Conv1D on [N, T, C]: the time axis becomes H of a [N, T, 1, C] image. */
export function conv1d(ctx: LayerContext): Value[] {
  ctx.channelsLast();
  const x = ctx.input();
  if (x.shape.length !== 3) ctx.fail(`expects a 3-D [batch, steps, channels] input, got rank ${x.shape.length}`);
  const cfg = ctx.cfg;
  const [k] = cfg.ints('kernel_size', 1, undefined, 1);
  const [s] = cfg.ints('strides', 1, [1], 1);
  const [d] = cfg.ints('dilation_rate', 1, [1], 1);
  const filters = cfg.int('filters', undefined, 1);
  const groups = cfg.int('groups', 1, 1);
  const [, T, C] = x.shape;
  if (C % groups !== 0 || filters % groups !== 0) ctx.fail(`groups ${groups} must divide the ${C} input channels and the ${filters} filters`, cfg.at('groups'));
  const I = C / groups;
  const kernel = ctx.weight('kernel', [k, I, filters]);
  const W = ctx.constant('kernel', [filters, k, 1, I], hwioToOhwi(kernel.data, k, 1, I, filters));
  const x4 = ctx.emit1('Reshape', [x], { shape: [-1, T, 1, C] }, 'to2d');
  const attrs: Attrs = { kernel: [k, 1], strides: [s, 1], dilations: [d, 1], group: groups, ...paddingAttrs(ctx, true, (k - 1) * d) };
  const act = kerasActivation(ctx);
  const y4 = ctx.emit1('Conv', [x4, W, bias(ctx, filters)], { ...attrs, ...fusedAttr(act) }, 'conv');
  const y = needsTail(act)
    ? ctx.emit1('Reshape', [y4], { shape: [-1, y4.shape[1], filters] }, 'to1d')
    : ctx.emit1('Reshape', [y4], { shape: [-1, y4.shape[1], filters] });
  return [needsTail(act) ? emitTail(ctx, y, act) : y];
}
