// Core layers: Dense, Flatten, Reshape, Permute, the activation layers (Activation, ReLU,
// LeakyReLU, PReLU, Softmax) and the layers that do nothing at inference (Dropout and friends).
import type { Value } from '../builder.js';
import { emitStandalone, emitTail, fusedAttr, kerasActivation, needsTail, reluLayerActivations } from '../activations.js';
import type { LayerContext } from '../context.js';
import { describe } from '../json.js';

/** Dense on [N, I] is a Gemm; on higher ranks it acts on the last axis, which MatMul does. */
export function dense(ctx: LayerContext): Value[] {
  const x = ctx.input();
  if (x.shape.length < 2) ctx.fail(`expects an input of rank >= 2, got rank ${x.shape.length}`);
  const units = ctx.cfg.int('units', undefined, 1);
  const I = x.shape[x.shape.length - 1];
  const k = ctx.weight('kernel', [I, units]);
  const K = ctx.constant('kernel', [I, units], k.data);
  const B = ctx.cfg.bool('use_bias', true) ? ctx.constant('bias', [units], ctx.weight('bias', [units]).data) : undefined;
  const act = kerasActivation(ctx);
  const tail = needsTail(act) ? 'linear' : undefined;
  const y = x.shape.length === 2
    ? ctx.emit1('Gemm', [x, K, B], { transA: false, transB: false, alpha: 1, beta: 1, ...fusedAttr(act) }, tail)
    : ctx.emit1('MatMul', [x, K, B], fusedAttr(act), tail);
  return [tail ? emitTail(ctx, y, act) : y];
}

/** On NHWC the row-major flatten is already Keras order; channels_first moves axis 1 last first, as Keras does. */
export function flatten(ctx: LayerContext): Value[] {
  const x = ctx.input();
  const rank = x.shape.length;
  const format = ctx.cfg.string('data_format', 'channels_last');
  if (format !== 'channels_last' && format !== 'channels_first') ctx.fail(`unknown data_format ${JSON.stringify(format)}`, ctx.cfg.at('data_format'));
  let v = x;
  if (format === 'channels_first' && rank > 2) {
    const perm = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
    v = ctx.emit1('Transpose', [x], { perm }, 'channels_last');
  }
  return [ctx.emit1('Flatten', [v], { axis: 1 })];
}

export function reshape(ctx: LayerContext): Value[] {
  const x = ctx.input();
  const where = ctx.cfg.at('target_shape');
  const raw = ctx.cfg.get('target_shape');
  if (!Array.isArray(raw) || raw.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < -1 || d === 0)) {
    return ctx.fail(`target_shape must be a list of positive integers (one may be -1), got ${describe(raw)}`, where);
  }
  const target = raw as number[];
  const perSample = x.shape.slice(1).reduce((a, d) => a * d, 1);
  const known = target.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const free = target.filter((d) => d === -1).length;
  if (free > 1 || (free === 1 && perSample % known !== 0) || (free === 0 && known !== perSample)) {
    ctx.fail(`cannot reshape ${perSample} values per sample to target_shape ${JSON.stringify(target)}`, where);
  }
  const resolved = target.map((d) => (d === -1 ? perSample / known : d));
  return [ctx.emit1('Reshape', [x], { shape: [-1, ...resolved] })];
}

/** Permute dims are 1-based over the non-batch axes. */
export function permute(ctx: LayerContext): Value[] {
  const x = ctx.input();
  const r = x.shape.length - 1;
  const dims = ctx.cfg.ints('dims', r, undefined, 1);
  if (new Set(dims).size !== r || dims.some((d) => d > r)) ctx.fail(`dims ${JSON.stringify(dims)} is not a permutation of 1..${r}`, ctx.cfg.at('dims'));
  return [ctx.emit1('Transpose', [x], { perm: [0, ...dims] })];
}

export function activation(ctx: LayerContext): Value[] {
  return [emitStandalone(ctx, ctx.input(), kerasActivation(ctx))];
}

export function relu(ctx: LayerContext): Value[] {
  const acts = reluLayerActivations(ctx);
  let v = ctx.input();
  acts.forEach(({ op, ...attrs }, i) => { v = ctx.emit1(op, [v], attrs, i < acts.length - 1 ? op.toLowerCase() : undefined); });
  return [v];
}

export function leakyRelu(ctx: LayerContext): Value[] {
  // TF.js and Keras 2 call the slope alpha, Keras 3 negative_slope; both default to 0.3.
  const alpha = ctx.cfg.has('alpha') ? ctx.cfg.number('alpha') : ctx.cfg.number('negative_slope', 0.3);
  return [ctx.emit1('LeakyRelu', [ctx.input()], { alpha })];
}

/** PReLU's alpha has the input's per-sample shape with 1 on shared_axes: it broadcasts as is. */
export function prelu(ctx: LayerContext): Value[] {
  const x = ctx.input();
  const shape = x.shape.slice(1);
  const sharedRaw = ctx.cfg.get('shared_axes');
  const shared = sharedRaw === undefined ? [] : typeof sharedRaw === 'number' ? [sharedRaw] : sharedRaw;
  if (!Array.isArray(shared) || shared.some((a) => typeof a !== 'number' || !Number.isInteger(a) || a < 1 || a > shape.length)) {
    return ctx.fail(`shared_axes must list axes 1..${shape.length}, got ${describe(sharedRaw)}`, ctx.cfg.at('shared_axes'));
  }
  for (const a of shared as number[]) shape[a - 1] = 1;
  const alpha = ctx.constant('alpha', shape, ctx.weight('alpha', shape).data);
  return [ctx.emit1('PRelu', [x, alpha], {})];
}

export function softmax(ctx: LayerContext): Value[] {
  const raw = ctx.cfg.get('axis');
  const list = Array.isArray(raw) ? raw : [raw ?? -1];
  const axis = list[0];
  if (list.length !== 1 || typeof axis !== 'number' || !Number.isInteger(axis)) {
    return ctx.unsupported(`axis ${describe(raw)} (only a single axis is supported)`);
  }
  return [ctx.emit1('Softmax', [ctx.input()], { axis })];
}

/** Dropout, noise and regularization layers are the identity at inference. */
export function passThrough(ctx: LayerContext): Value[] {
  return [ctx.input()];
}
