// BatchNormalization at inference: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta
// over the channel axis, which must be the last one (the IR's BatchNormalization channel axis).
import type { Value } from '../builder.js';
import type { LayerContext } from '../context.js';
import { describe } from '../json.js';

export function batchNormalization(ctx: LayerContext): Value[] {
  const x = ctx.input();
  const rank = x.shape.length;
  const raw = ctx.cfg.get('axis') ?? -1;
  const list = Array.isArray(raw) ? raw : [raw];
  const axis = list[0];
  if (list.length !== 1 || typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    return ctx.fail(`axis must be one axis of the rank-${rank} input, got ${describe(raw)}`, ctx.cfg.at('axis'));
  }
  if ((axis + rank) % rank !== rank - 1) ctx.unsupported(`axis ${axis} (only the last, channel axis is supported)`);
  const C = x.shape[rank - 1];
  const epsilon = ctx.cfg.number('epsilon', 1e-3);
  // scale / center false mean the layer has no gamma / beta: they are 1 / 0.
  const gamma = ctx.cfg.bool('scale', true) ? ctx.weight('gamma', [C]).data : new Float32Array(C).fill(1);
  const beta = ctx.cfg.bool('center', true) ? ctx.weight('beta', [C]).data : new Float32Array(C);
  const inputs = [
    x,
    ctx.constant('gamma', [C], gamma),
    ctx.constant('beta', [C], beta),
    ctx.constant('moving_mean', [C], ctx.weight('moving_mean', [C]).data),
    ctx.constant('moving_variance', [C], ctx.weight('moving_variance', [C]).data),
  ];
  return [ctx.emit1('BatchNormalization', inputs, { epsilon })];
}
