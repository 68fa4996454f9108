// The element-wise activations: one scalar definition shared by the standalone unary ops
// and by the epilogues fused into Conv/Gemm/MatMul.
import type { AttrValue } from './attrs.js';
import { ACTIVATION_CODES } from './codes.js';
import { OpError } from './op.js';

/** The largest finite f32: used instead of Infinity because WGSL may assume no infinities. */
export const F32_MAX = 3.4028234663852886e38;

export type Activation =
  | { readonly op: 'Relu' }
  | { readonly op: 'Clip'; readonly min: number; readonly max: number }
  | { readonly op: 'LeakyRelu'; readonly alpha: number }
  | { readonly op: 'Sigmoid' }
  | { readonly op: 'Tanh' }
  | { readonly op: 'HardSigmoid'; readonly alpha: number; readonly beta: number }
  | { readonly op: 'HardSwish' };

export const ACTIVATION_OPS = ['Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish'] as const;

export function activate(x: number, a: Activation): number {
  switch (a.op) {
    case 'Relu': return x > 0 ? x : 0;
    case 'Clip': return Math.min(Math.max(x, a.min), a.max);
    case 'LeakyRelu': return x >= 0 ? x : a.alpha * x;
    case 'Sigmoid': return 1 / (1 + Math.exp(-x));
    case 'Tanh': return Math.tanh(x);
    case 'HardSigmoid': return Math.max(0, Math.min(1, a.alpha * x + a.beta));
    case 'HardSwish': return x * Math.max(0, Math.min(1, x / 6 + 0.5));
  }
}

function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new OpError(`${what} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** Validates an activation as stored in attributes (`{op: 'Clip', min: 0, max: 6}`); undefined/null = none. */
export function parseActivation(raw: AttrValue | undefined, key = 'activation'): Activation | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new OpError(`attribute ${key} must be an object, got ${JSON.stringify(raw)}`);
  const r = raw as { readonly [k: string]: AttrValue };
  switch (r.op) {
    case 'Relu': case 'Sigmoid': case 'Tanh': case 'HardSwish':
      return { op: r.op };
    case 'Clip': {
      const min = finite(r.min ?? -F32_MAX, `${key}.min`), max = finite(r.max ?? F32_MAX, `${key}.max`);
      if (min > max) throw new OpError(`${key}: Clip min ${min} > max ${max}`);
      return { op: 'Clip', min, max };
    }
    case 'LeakyRelu': return { op: 'LeakyRelu', alpha: finite(r.alpha ?? 0.01, `${key}.alpha`) };
    case 'HardSigmoid': return { op: 'HardSigmoid', alpha: finite(r.alpha ?? 0.2, `${key}.alpha`), beta: finite(r.beta ?? 0.5, `${key}.beta`) };
    default: throw new OpError(`${key}: unknown activation ${JSON.stringify(r.op)}`);
  }
}

/** Applies `a` in place to data[from..to). */
export function activateInPlace(data: Float32Array, a: Activation | undefined, from = 0, to = data.length): void {
  if (!a) return;
  for (let i = from; i < to; i++) data[i] = activate(data[i], a);
}

/** An activation as every kernel takes it: its code (ACTIVATION_CODES) and two f32 parameters. */
export interface ActivationArgs {
  readonly code: number;
  readonly p0: number;
  readonly p1: number;
}

/** p0/p1 carry min/max (Clip), alpha (LeakyRelu) or alpha/beta (HardSigmoid); undefined (none) is code None. */
export function activationArgs(a: Activation | undefined): ActivationArgs {
  if (!a) return { code: ACTIVATION_CODES.None, p0: 0, p1: 0 };
  switch (a.op) {
    case 'Clip': return { code: ACTIVATION_CODES.Clip, p0: a.min, p1: a.max };
    case 'LeakyRelu': return { code: ACTIVATION_CODES.LeakyRelu, p0: a.alpha, p1: 0 };
    case 'HardSigmoid': return { code: ACTIVATION_CODES.HardSigmoid, p0: a.alpha, p1: a.beta };
    default: return { code: ACTIVATION_CODES[a.op], p0: 0, p1: 0 };
  }
}
