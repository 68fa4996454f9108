// One-input elementwise ops. Their attrs ARE the Activation (src/ops/activation.ts), so the
// standalone op and the epilogue fused into Conv/Gemm/MatMul share one scalar definition.
import type { Attrs } from './attrs.js';
import { defineOp, ELEMENTWISE, floatAttr, OpError, type OpDef } from './op.js';
import { activate, F32_MAX, type Activation } from './activation.js';

/** The attrs of the unary op named K, e.g. ActivationAttrs<'Clip'> = {op: 'Clip', min, max}. */
export type ActivationAttrs<K extends Activation['op']> = Extract<Activation, { readonly op: K }>;

function unaryOp<K extends Activation['op']>(name: K, parse: (raw: Attrs) => ActivationAttrs<K>): OpDef<ActivationAttrs<K>> {
  return defineOp<ActivationAttrs<K>>({
    name,
    parseAttrs: parse,
    inferShape: ([x]) => {
      if (!x) throw new OpError('input X is missing');
      return [x];
    },
    reference: ([x], attrs, [y]) => {
      const xd = x!.data, yd = y.data;
      for (let i = 0; i < xd.length; i++) yd[i] = activate(xd[i], attrs);
    },
    tolerance: ELEMENTWISE,
  });
}

function clipAttrs(raw: Attrs): ActivationAttrs<'Clip'> {
  const min = floatAttr(raw, 'min', -F32_MAX), max = floatAttr(raw, 'max', F32_MAX);
  if (min > max) throw new OpError(`attribute min (${min}) must not exceed attribute max (${max})`);
  return { op: 'Clip', min, max };
}

export const Relu = unaryOp('Relu', () => ({ op: 'Relu' }));
export const Clip = unaryOp('Clip', clipAttrs);
export const LeakyRelu = unaryOp('LeakyRelu', (raw) => ({ op: 'LeakyRelu', alpha: floatAttr(raw, 'alpha', 0.01) }));
export const Sigmoid = unaryOp('Sigmoid', () => ({ op: 'Sigmoid' }));
export const Tanh = unaryOp('Tanh', () => ({ op: 'Tanh' }));
export const HardSigmoid = unaryOp('HardSigmoid',
  (raw) => ({ op: 'HardSigmoid', alpha: floatAttr(raw, 'alpha', 0.2), beta: floatAttr(raw, 'beta', 0.5) }));
export const HardSwish = unaryOp('HardSwish', () => ({ op: 'HardSwish' }));
