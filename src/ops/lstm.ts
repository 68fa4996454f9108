// LSTM (ONNX semantics, batch-first layout). Gate blocks in W/R/B: i, o, f, c; peepholes P [D, 3H]: i, o, f.
// Inputs X, W, R, B?, sequence_lens?, initial_h?, initial_c?, P?; outputs Y [N,T,D,H], Y_h, Y_c [N,D,H].
// Clip bounds each gate's activation input (after bias and peephole terms), not the cell state.
import type { Attrs } from './attrs.js';
import { boolAttr, defineOp, REDUCTION } from './op.js';
import {
  addMatVec, applyActivation, clipTo, directionBiases, expectShape, parseRecurrentAttrs, recurrentDims,
  recurrentMacs, recurrentOutputShapes, runRecurrent, type RecurrentAttrs, SEQUENCE_LENS_INPUT, RECURRENT_GATES, type RecurrentKind,
} from './recurrent.js';

export interface LstmAttrs extends RecurrentAttrs {
  /** ONNX input_forget: couples the gates, f = 1 - i. */
  readonly inputForget: boolean;
}

const KIND: RecurrentKind = { gates: RECURRENT_GATES.LSTM, defaultActivations: ['Sigmoid', 'Tanh', 'Tanh'] };

export const LSTM = defineOp<LstmAttrs>({
  name: 'LSTM',
  lengthInput: SEQUENCE_LENS_INPUT,
  parseAttrs: (raw: Attrs) => ({ ...parseRecurrentAttrs(raw, KIND), inputForget: boolAttr(raw, 'inputForget', false) }),
  inferShape: (inputs, attrs) => {
    const dims = recurrentDims(inputs, attrs, KIND.gates);
    const [, , , , , , initialC, p] = inputs;
    if (initialC) expectShape(initialC, [dims.N, dims.D, dims.H], 'initial_c [batch, num_directions, hidden_size]');
    if (p) expectShape(p, [dims.D, 3 * dims.H], 'P [num_directions, 3*hidden_size]');
    return recurrentOutputShapes(dims, 2);
  },
  reference: (inputs, attrs, [y, yh, yc]) => {
    const [x, w, r, b, seqLens, initialH, initialC, p] = inputs;
    const dims = recurrentDims(inputs.map((t) => t?.shape), attrs, KIND.gates);
    const { I, H, D } = dims;
    const GH = 4 * H;
    const bias = Array.from({ length: D }, (_, d) => directionBiases(b, d, GH));
    const acc = new Float64Array(GH);
    const clip = attrs.clip;
    runRecurrent(dims, attrs.direction, x!, seqLens, [initialH, initialC], y, [yh, yc], (d, xd, xOff, [h, c]) => {
      const { wb, rb } = bias[d];
      for (let j = 0; j < GH; j++) acc[j] = wb[j] + rb[j];
      addMatVec(acc, w!.data, d * GH * I, 0, GH, I, xd, xOff);
      addMatVec(acc, r!.data, d * GH * H, 0, GH, H, h);
      const [f, g, hAct] = attrs.activations.slice(d * 3, d * 3 + 3);
      const po = d * 3 * H;
      for (let j = 0; j < H; j++) {
        const cPrev = c[j];
        const pi = p ? p.data[po + j] : 0, pOut = p ? p.data[po + H + j] : 0, pf = p ? p.data[po + 2 * H + j] : 0;
        const it = applyActivation(clipTo(acc[j] + pi * cPrev, clip), f);
        const ft = attrs.inputForget ? 1 - it : applyActivation(clipTo(acc[2 * H + j] + pf * cPrev, clip), f);
        const ct = applyActivation(clipTo(acc[3 * H + j], clip), g);
        c[j] = ft * cPrev + it * ct;
        // The output gate's peephole sees the new cell state.
        const ot = applyActivation(clipTo(acc[H + j] + pOut * c[j], clip), f);
        h[j] = ot * applyActivation(c[j], hAct);
      }
    });
  },
  tolerance: REDUCTION,
  macs: (inputs, _outputs, attrs) => recurrentMacs(inputs, attrs, KIND.gates),
});
