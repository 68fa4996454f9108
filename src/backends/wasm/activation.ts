// The fused activation as the kernels take it: a code and two f32 parameters (assembly/activation.ts).
import type { Activation } from '../../ops/activation.js';

export interface ActArgs {
  readonly code: number;
  readonly p0: number;
  readonly p1: number;
}

const CODES = { Relu: 1, Clip: 2, LeakyRelu: 3, Sigmoid: 4, Tanh: 5, HardSigmoid: 6, HardSwish: 7 } as const;

export function actArgs(a: Activation | undefined): ActArgs {
  if (!a) return { code: 0, p0: 0, p1: 0 };
  switch (a.op) {
    case 'Clip': return { code: CODES.Clip, p0: a.min, p1: a.max };
    case 'LeakyRelu': return { code: CODES.LeakyRelu, p0: a.alpha, p1: 0 };
    case 'HardSigmoid': return { code: CODES.HardSigmoid, p0: a.alpha, p1: a.beta };
    default: return { code: CODES[a.op], p0: 0, p1: 0 };
  }
}
