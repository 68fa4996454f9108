// RNN / LSTM / GRU. The IR ops are batch-first (ONNX layout=1); a layout=0 model's [T, N, ...] tensors
// are held batch-first with a layout perm, so a graph input X keeps its source layout via sourcePerm
// and the Transposes appear only where a consumer needs source order.
import type { Attrs } from '../../graph/ir.js';
import { isVal } from './context.js';
import { outName, requireFloat, type Converter } from './common.js';
import { identityPerm, type Perm } from './layout.js';
import { since } from './opsets.js';
import type { OnnxNode } from './proto.js';

/** Layouts (source = transpose(IR, perm)) of the batch-first IR tensors when the ONNX op has layout=0. */
export const SEQ_FIRST: Perm = [1, 0, 2];
const Y_SEQ_FIRST: Perm = [1, 2, 0, 3];

function recurrent(op: 'RNN' | 'LSTM' | 'GRU'): Converter {
  return (cx, n) => {
    // output_sequence until 7 (Y is produced when asked for), GRU's linear_before_reset from 3, layout from 14.
    const known = ['activation_alpha', 'activation_beta', 'activations', 'clip', 'direction', 'hidden_size'];
    if (!since(n, 7)) known.push('output_sequence');
    if (since(n, 14)) known.push('layout');
    if (op === 'LSTM') known.push('input_forget');
    if (op === 'GRU' && since(n, 3)) known.push('linear_before_reset');
    n.only(...known);
    const layout = n.int('layout', 0);
    if (layout !== 0 && layout !== 1) throw n.malformed(`layout ${layout}`);
    const seq = layout === 0 ? SEQ_FIRST : identityPerm(3);
    const attrs: Record<string, Attrs[string]> = {
      hiddenSize: n.int('hidden_size'),
      direction: n.string('direction', 'forward'),
    };
    if (n.has('activations')) attrs.activations = n.strings('activations');
    if (n.has('activation_alpha')) attrs.activationAlpha = n.floats('activation_alpha');
    if (n.has('activation_beta')) attrs.activationBeta = n.floats('activation_beta');
    if (n.has('clip')) attrs.clip = n.float('clip');
    if (op === 'LSTM') attrs.inputForget = n.int('input_forget', 0) === 1;
    if (op === 'GRU') attrs.linearBeforeReset = n.int('linear_before_reset', 0) === 1;

    const x = cx.runtime(n.input(0));
    requireFloat(n, x, 'X');
    if (x.s1.length !== 3) throw n.malformed(`X must be 3-D, got rank ${x.s1.length}`);
    // Inputs: X, W, R, B, sequence_lens, initial_h, initial_c (LSTM), P (LSTM).
    const count = op === 'LSTM' ? 8 : 6;
    const inputs: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = n.input(i);
      if (name === '') { inputs.push(''); continue; }
      const v = cx.lookup(name);
      const batched = i === 0 || i === 5 || i === 6;
      if (isVal(v)) requireFloat(n, v, `input ${i}`);
      inputs.push(batched ? cx.runtime(name, seq).ir : isVal(v) ? cx.toLayout(v, identityPerm(v.s1.length)).ir : cx.materialize(name, v));
    }
    while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
    const nOut = op === 'LSTM' ? 3 : 2;
    for (let i = nOut; i < n.outputs.length; i++) if (n.outputs[i]) throw n.malformed(`${op} has ${nOut} outputs`);
    const outs = Array.from({ length: nOut }, (_, i) => outName(cx, n, i));
    const shapes = cx.emit(op, inputs, attrs, outs);
    outs.forEach((o, i) => {
      const perm = i === 0 ? (layout === 0 ? Y_SEQ_FIRST : identityPerm(4)) : seq;
      cx.setVal(n.output(i), { ir: o, perm, s1: shapes[i][0], s2: shapes[i][1], dtype: x.dtype });
    });
  };
}

export const RNN_CONVERTERS: Readonly<Record<string, Converter>> = {
  RNN: recurrent('RNN'),
  LSTM: recurrent('LSTM'),
  GRU: recurrent('GRU'),
};

/**
 * Whether ONNX node `n` reads graph input `name` as a sequence-first tensor whose batch is axis 1
 * (X, initial_h, initial_c of a layout=0 recurrent op): such an input is held batch-first.
 */
export function readsSequenceFirst(n: OnnxNode, name: string): boolean {
  if (!(n.op === 'RNN' || n.op === 'LSTM' || n.op === 'GRU') || n.domain !== '') return false;
  if (n.has('layout') && n.int('layout') !== 0) return false;
  return [0, 5, 6].some((i) => n.input(i) === name);
}
