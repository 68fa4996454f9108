// Keras activation names -> IR: an epilogue fusable into Conv/Gemm/MatMul, or standalone nodes
// (softmax, log_softmax, swish = x * sigmoid(x)); and -> ONNX recurrent activation names.
import type { Attrs } from '../../graph/ir.js';
import { F32_MAX, type Activation } from '../../ops/activation.js';
import type { Value } from './builder.js';
import type { LayerContext } from './context.js';
import { describe, isObject, type Json } from './json.js';

export type KerasActivation =
  | { readonly kind: 'none' }
  | { readonly kind: 'fused'; readonly act: Activation }
  | { readonly kind: 'softmax' | 'logSoftmax' | 'swish' };

// Keras spells names snake_case, TF.js camelCase before serialization: compare without either.
function canonical(name: string): string {
  return name.toLowerCase().replace(/_/g, '');
}

/** Keras 3 serializes a built-in activation as {class_name: 'function', config: 'relu'}. */
function activationName(raw: Json | undefined, ctx: LayerContext, key: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return raw;
  if (isObject(raw) && typeof raw.config === 'string') return raw.config;
  return ctx.unsupported(`${key} ${describe(raw)} (only built-in activations are supported)`);
}

/** Keras 3 redefined hard_sigmoid as relu6(x + 3) / 6; Keras 2 and TF.js use clip(0.2x + 0.5, 0, 1). */
function hardSigmoid(kerasMajor: number): { alpha: number; beta: number } {
  return kerasMajor >= 3 ? { alpha: 1 / 6, beta: 0.5 } : { alpha: 0.2, beta: 0.5 };
}

export function kerasActivation(ctx: LayerContext, key = 'activation', raw = ctx.cfg.get(key)): KerasActivation {
  const name = activationName(raw, ctx, key);
  if (name === undefined) return { kind: 'none' };
  switch (canonical(name)) {
    case 'linear': return { kind: 'none' };
    case 'relu': return { kind: 'fused', act: { op: 'Relu' } };
    case 'relu6': return { kind: 'fused', act: { op: 'Clip', min: 0, max: 6 } };
    case 'sigmoid': return { kind: 'fused', act: { op: 'Sigmoid' } };
    case 'tanh': return { kind: 'fused', act: { op: 'Tanh' } };
    case 'hardsigmoid': return { kind: 'fused', act: { op: 'HardSigmoid', ...hardSigmoid(ctx.kerasMajor) } };
    case 'hardswish': case 'hardsilu': return { kind: 'fused', act: { op: 'HardSwish' } };
    case 'leakyrelu': return { kind: 'fused', act: { op: 'LeakyRelu', alpha: 0.2 } };
    case 'softmax': return { kind: 'softmax' };
    case 'logsoftmax': return { kind: 'logSoftmax' };
    case 'swish': case 'silu': return { kind: 'swish' };
    default: return ctx.unsupported(`${key} ${JSON.stringify(name)} (no exact IR equivalent)`);
  }
}

/** The fused-epilogue attribute for a compute op, when the activation can be fused. */
export function fusedAttr(a: KerasActivation): Attrs {
  return a.kind === 'fused' ? { activation: a.act } : {};
}

/** Whether `a` needs nodes after the compute op (so that op's output is an intermediate). */
export function needsTail(a: KerasActivation): boolean {
  return a.kind === 'softmax' || a.kind === 'logSoftmax' || a.kind === 'swish';
}

/** Emits the nodes of a non-fused activation on `x`; the last one takes the layer's output name. */
export function emitTail(ctx: LayerContext, x: Value, a: KerasActivation): Value {
  switch (a.kind) {
    case 'softmax': return ctx.emit1('Softmax', [x], { axis: -1 });
    case 'logSoftmax': return ctx.emit1('LogSoftmax', [x], { axis: -1 });
    case 'swish': return ctx.emit1('Mul', [x, ctx.emit1('Sigmoid', [x], {}, 'sigmoid')], {});
    default: return x;
  }
}

/** A whole activation as standalone nodes (the Activation layer); linear becomes Identity. */
export function emitStandalone(ctx: LayerContext, x: Value, a: KerasActivation): Value {
  if (a.kind === 'none') return ctx.emit1('Identity', [x], {});
  if (a.kind === 'fused') {
    const { op, ...attrs } = a.act;
    return ctx.emit1(op, [x], attrs);
  }
  return emitTail(ctx, x, a);
}

/** Keras ReLU(max_value, negative_slope, threshold) as IR activations applied in order. */
export function reluLayerActivations(ctx: LayerContext): Activation[] {
  const cfg = ctx.cfg;
  const maxValue = cfg.has('max_value') ? cfg.number('max_value') : undefined;
  const slope = cfg.number('negative_slope', 0);
  const threshold = cfg.number('threshold', 0);
  if (threshold !== 0) ctx.unsupported(`threshold ${threshold} (only 0 is supported)`);
  if (maxValue !== undefined && maxValue < 0) ctx.fail(`max_value ${maxValue} must be >= 0`, cfg.at('max_value'));
  if (slope === 0) return [maxValue === undefined ? { op: 'Relu' } : { op: 'Clip', min: 0, max: maxValue }];
  // x < 0 gives slope * x <= 0 <= max_value, so capping after the leaky part is exact.
  const acts: Activation[] = [{ op: 'LeakyRelu', alpha: slope }];
  if (maxValue !== undefined) acts.push({ op: 'Clip', min: -F32_MAX, max: maxValue });
  return acts;
}

export interface RecurrentActivation {
  readonly name: string;
  readonly alpha?: number;
  readonly beta?: number;
}

/** A Keras activation as an ONNX recurrent activation (activations / activationAlpha / activationBeta). */
export function recurrentActivation(ctx: LayerContext, key: string, dflt: string): RecurrentActivation {
  const name = activationName(ctx.cfg.get(key), ctx, key) ?? dflt;
  switch (canonical(name)) {
    case 'tanh': return { name: 'Tanh' };
    case 'sigmoid': return { name: 'Sigmoid' };
    case 'relu': return { name: 'Relu' };
    case 'hardsigmoid': return { name: 'HardSigmoid', ...hardSigmoid(ctx.kerasMajor) };
    case 'linear': return { name: 'Affine', alpha: 1, beta: 0 };
    case 'elu': return { name: 'Elu', alpha: 1 };
    case 'softsign': return { name: 'Softsign' };
    case 'softplus': return { name: 'Softplus' };
    default: return ctx.unsupported(`${key} ${JSON.stringify(name)} (no ONNX recurrent equivalent)`);
  }
}

/** The recurrent op attributes for activations listed in ONNX order (alphas/betas consumed in order). */
export function recurrentActivationAttrs(acts: readonly RecurrentActivation[]): Attrs {
  const alphas = acts.flatMap((a) => (a.alpha === undefined ? [] : [a.alpha]));
  const betas = acts.flatMap((a) => (a.beta === undefined ? [] : [a.beta]));
  return {
    activations: acts.map((a) => a.name),
    ...(alphas.length ? { activationAlpha: alphas } : {}),
    ...(betas.length ? { activationBeta: betas } : {}),
  };
}
