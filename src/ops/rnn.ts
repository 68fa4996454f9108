// RNN (ONNX semantics, batch-first layout): H_t = f(clip(W x_t + R H_{t-1} + Wb + Rb)), default f = Tanh.
// Inputs X, W, R, B?, sequence_lens?, initial_h?; outputs Y [N,T,D,H], Y_h [N,D,H].
import { defineOp, REDUCTION } from './op.js';
import {
  addMatVec, applyActivation, clipTo, directionBiases, parseRecurrentAttrs, recurrentDims, recurrentMacs,
  recurrentOutputShapes, runRecurrent, type RecurrentAttrs, SEQUENCE_LENS_INPUT, RECURRENT_GATES, type RecurrentKind,
} from './recurrent.js';

export type RnnAttrs = RecurrentAttrs;

const KIND: RecurrentKind = { gates: RECURRENT_GATES.RNN, defaultActivations: ['Tanh'] };

export const RNN = defineOp<RnnAttrs>({
  name: 'RNN',
  lengthInput: SEQUENCE_LENS_INPUT,
  parseAttrs: (raw) => parseRecurrentAttrs(raw, KIND),
  inferShape: (inputs, attrs) => recurrentOutputShapes(recurrentDims(inputs, attrs, KIND.gates), 1),
  reference: (inputs, attrs, [y, yh]) => {
    const [x, w, r, b, seqLens, initialH] = inputs;
    const dims = recurrentDims(inputs.map((t) => t?.shape), attrs, KIND.gates);
    const { I, H, D } = dims;
    const bias = Array.from({ length: D }, (_, d) => directionBiases(b, d, H));
    const acc = new Float64Array(H);
    runRecurrent(dims, attrs.direction, x!, seqLens, [initialH], y, [yh], (d, xd, xOff, [h]) => {
      const { wb, rb } = bias[d];
      for (let j = 0; j < H; j++) acc[j] = wb[j] + rb[j];
      addMatVec(acc, w!.data, d * H * I, 0, H, I, xd, xOff);
      addMatVec(acc, r!.data, d * H * H, 0, H, H, h);
      const f = attrs.activations[d];
      for (let j = 0; j < H; j++) h[j] = applyActivation(clipTo(acc[j], attrs.clip), f);
    });
  },
  tolerance: REDUCTION,
  macs: (inputs, _outputs, attrs) => recurrentMacs(inputs, attrs, KIND.gates),
});
