// GRU (ONNX semantics, batch-first layout). Gate blocks in W/R/B: z (update), r (reset), h (hidden).
// Inputs X, W, R, B?, sequence_lens?, initial_h?; outputs Y [N,T,D,H], Y_h [N,D,H].
// linearBeforeReset applies r after the recurrent product (r ⊙ (Rh H + Rbh)) instead of before it.
import type { Attrs } from './attrs.js';
import { boolAttr, defineOp, REDUCTION } from './op.js';
import {
  addMatVec, applyActivation, clipTo, directionBiases, parseRecurrentAttrs, recurrentDims, recurrentMacs,
  recurrentOutputShapes, runRecurrent, type RecurrentAttrs, SEQUENCE_LENS_INPUT, RECURRENT_GATES, type RecurrentKind,
} from './recurrent.js';

export interface GruAttrs extends RecurrentAttrs {
  readonly linearBeforeReset: boolean;
}

const KIND: RecurrentKind = { gates: RECURRENT_GATES.GRU, defaultActivations: ['Sigmoid', 'Tanh'] };

export const GRU = defineOp<GruAttrs>({
  name: 'GRU',
  lengthInput: SEQUENCE_LENS_INPUT,
  parseAttrs: (raw: Attrs) => ({ ...parseRecurrentAttrs(raw, KIND), linearBeforeReset: boolAttr(raw, 'linearBeforeReset', false) }),
  inferShape: (inputs, attrs) => recurrentOutputShapes(recurrentDims(inputs, attrs, KIND.gates), 1),
  reference: (inputs, attrs, [y, yh]) => {
    const [x, w, r, b, seqLens, initialH] = inputs;
    const dims = recurrentDims(inputs.map((t) => t?.shape), attrs, KIND.gates);
    const { I, H, D } = dims;
    const GH = 3 * H;
    const bias = Array.from({ length: D }, (_, d) => directionBiases(b, d, GH));
    const xw = new Float64Array(GH);    // W x_t, all three blocks
    const hr = new Float64Array(2 * H); // Rz H, Rr H
    const rh = new Float64Array(H);     // the h block's recurrent term
    const z = new Float64Array(H), rGate = new Float64Array(H), gated = new Float64Array(H);
    const clip = attrs.clip;
    runRecurrent(dims, attrs.direction, x!, seqLens, [initialH], y, [yh], (d, xd, xOff, [h]) => {
      const { wb, rb } = bias[d];
      const [f, g] = attrs.activations.slice(d * 2, d * 2 + 2);
      const rBase = d * GH * H;
      xw.fill(0);
      hr.fill(0);
      rh.fill(0);
      addMatVec(xw, w!.data, d * GH * I, 0, GH, I, xd, xOff);
      addMatVec(hr, r!.data, rBase, 0, 2 * H, H, h);
      for (let j = 0; j < H; j++) {
        z[j] = applyActivation(clipTo(xw[j] + hr[j] + wb[j] + rb[j], clip), f);
        rGate[j] = applyActivation(clipTo(xw[H + j] + hr[H + j] + wb[H + j] + rb[H + j], clip), f);
      }
      if (attrs.linearBeforeReset) {
        addMatVec(rh, r!.data, rBase, 2 * H, H, H, h);
        for (let j = 0; j < H; j++) rh[j] = rGate[j] * (rh[j] + rb[2 * H + j]);
      } else {
        for (let j = 0; j < H; j++) gated[j] = rGate[j] * h[j];
        addMatVec(rh, r!.data, rBase, 2 * H, H, H, gated);
        for (let j = 0; j < H; j++) rh[j] += rb[2 * H + j];
      }
      for (let j = 0; j < H; j++) {
        const ht = applyActivation(clipTo(xw[2 * H + j] + wb[2 * H + j] + rh[j], clip), g);
        h[j] = (1 - z[j]) * ht + z[j] * h[j];
      }
    });
  },
  tolerance: REDUCTION,
  macs: (inputs, _outputs, attrs) => recurrentMacs(inputs, attrs, KIND.gates),
});
