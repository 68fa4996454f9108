// Maps an Activation (src/ops/activation.ts) to the ACT override and (p0, p1) uniforms of
// kernels/lib/activation.wgsl; undefined (no fused activation) is ACT 0, the identity.
import type { Activation } from '../../ops/activation.js';

export interface ActivationParams {
  readonly ACT: number;
  readonly p0: number;
  readonly p1: number;
}

const KIND: Record<Activation['op'], number> = {
  Relu: 1, Clip: 2, LeakyRelu: 3, Sigmoid: 4, Tanh: 5, HardSigmoid: 6, HardSwish: 7,
};

export function activationParams(a: Activation | undefined): ActivationParams {
  if (!a) return { ACT: 0, p0: 0, p1: 0 };
  switch (a.op) {
    case 'Clip': return { ACT: KIND.Clip, p0: a.min, p1: a.max };
    case 'LeakyRelu': return { ACT: KIND.LeakyRelu, p0: a.alpha, p1: 0 };
    case 'HardSigmoid': return { ACT: KIND.HardSigmoid, p0: a.alpha, p1: a.beta };
    default: return { ACT: KIND[a.op], p0: 0, p1: 0 };
  }
}
