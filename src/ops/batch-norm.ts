// BatchNormalization (ONNX, inference mode) with the channel on the LAST axis (NHWC, or [N, C]):
// y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c], then the optional fused activation.
import { shapeToString, type Shape } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { activate, parseActivation, type Activation } from './activation.js';
import { defineOp, floatAttr, OpError, REDUCTION } from './op.js';

export interface BatchNormAttrs {
  readonly epsilon: number;
  readonly activation?: Activation;
}

const PARAMS = ['scale', 'bias', 'mean', 'var'] as const;

export const BatchNormalization = defineOp<BatchNormAttrs>({
  name: 'BatchNormalization',
  parseAttrs: (raw: Attrs) => {
    const epsilon = floatAttr(raw, 'epsilon', 1e-5);
    if (epsilon < 0) throw new OpError(`attribute epsilon must be >= 0, got ${epsilon}`);
    return { epsilon, activation: parseActivation(raw.activation) };
  },
  inferShape: (inputs) => {
    const x = inputs[0];
    if (!x) throw new OpError('input x is missing');
    if (x.length < 2) throw new OpError(`input x must have rank >= 2 (channel last), got ${shapeToString(x)}`);
    const C = x[x.length - 1];
    PARAMS.forEach((name, i) => {
      const p: Shape | undefined = inputs[i + 1];
      if (!p) throw new OpError(`input ${name} is missing`);
      if (p.length !== 1 || p[0] !== C) throw new OpError(`input ${name} ${shapeToString(p)} must be [${C}] for x ${shapeToString(x)}`);
    });
    return [x];
  },
  reference: ([x, scale, bias, mean, variance], { epsilon, activation }, [y]) => {
    const C = x!.shape[x!.shape.length - 1];
    const S = scale!.data, B = bias!.data, Mu = mean!.data, X = x!.data, Y = y.data;
    const invStd = new Float64Array(C);
    for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(variance!.data[c] + epsilon);
    for (let i = 0, c = 0; i < X.length; i++, c = c + 1 === C ? 0 : c + 1) {
      const v = (X[i] - Mu[c]) * invStd[c] * S[c] + B[c];
      Y[i] = activation ? activate(v, activation) : v;
    }
  },
  tolerance: REDUCTION,
  macs: ([x]) => (x ? x.reduce((a, b) => a * b, 1) : 0),
});
