// RNN and LSTM (ONNX semantics, forward, default activations) unrolled into plain TF ops over their
// static number of steps, which is how a graph model runs them fastest (tfjs has no fused recurrent
// kernel; a while loop would need executeAsync). The input projection of all steps is one
// _FusedMatMul; each step then adds h @ R^T and applies the gates.
import type { ResolvedNode } from '../../src/graph/resolve.js';
import type { RecurrentAttrs } from '../../src/ops/recurrent.js';
import type { TfExportContext } from './export-tfjs.js';
import { transposeData } from './graph-info.js';
import { tfAttr } from './tfjs-writer.js';

const DEFAULTS: Readonly<Record<string, string>> = { RNN: 'Tanh', LSTM: 'Sigmoid,Tanh,Tanh' };

export function unrollRecurrent(cx: TfExportContext, { node, op, attrs }: ResolvedNode): void {
  const a = attrs as RecurrentAttrs & { inputForget?: boolean };
  const { w, info } = cx;
  const [x, W, R, B, seqLens, h0, c0, P] = node.inputs;
  const unsupported = a.direction !== 'forward' || a.clip !== undefined || a.inputForget
    || a.activations.map((f) => f.name).join() !== DEFAULTS[op.name] || seqLens || h0 || c0 || P;
  if (unsupported) throw new Error(`${op.name} ${node.name}: only forward, default activations, no clip/initial state/sequence_lens/peepholes are exported`);
  if (![W, R].every((n) => info.isConstant(n)) || (B && !info.isConstant(B))) throw new Error(`${op.name} ${node.name}: runtime weights are not exported`);
  const [, T, I] = info.shape(x);
  const H = a.hiddenSize, G = op.name === 'LSTM' ? 4 : 1, GH = G * H;
  const base = node.name;
  const bw = B ? info.constantData(B) : new Float32Array(2 * GH);
  const bias = new Float32Array(GH);
  for (let j = 0; j < GH; j++) bias[j] = bw[j] + bw[GH + j];
  const Wt = w.f32(`${base}/kernel`, [I, GH], transposeData(info.constantData(W), [GH, I], [1, 0]));
  const Rt = w.f32(`${base}/recurrent_kernel`, [H, GH], transposeData(info.constantData(R), [GH, H], [1, 0]));

  // x W^T + b for every step at once, then one [N, GH] slice per step.
  const flat = w.op('Reshape', `${base}/x_rows`, [cx.value(x), w.i32(`${base}/x_rows_shape`, [-1, I])], { Tshape: tfAttr.dtype('DT_INT32') });
  const proj = w.op('_FusedMatMul', `${base}/x_proj`, [flat, Wt, w.f32(`${base}/bias`, [GH], bias)], {
    transpose_a: tfAttr.bool(false), transpose_b: tfAttr.bool(false), fused_ops: tfAttr.strs(['BiasAdd']), num_args: tfAttr.int(1),
  });
  const seq = w.op('Reshape', `${base}/x_proj_seq`, [proj, w.i32(`${base}/x_proj_seq_shape`, [-1, T, GH])], { Tshape: tfAttr.dtype('DT_INT32') });
  const steps = w.op('Unpack', `${base}/steps`, [seq], { num: tfAttr.int(T), axis: tfAttr.int(1) });
  const stepIn = (k: number) => (k === 0 ? steps : `${steps}:${k}`);
  const splitAxis = G > 1 ? w.i32(`${base}/gate_axis`, [1], []) : '';

  const hs: string[] = [];
  let h = '', c = '';
  for (let k = 0; k < T; k++) {
    const t = `${base}/t${k}`;
    // h_{-1} = 0: the first step has no recurrent term.
    const pre = k === 0 ? stepIn(0) : w.op('AddV2', `${t}/pre`, [w.op('MatMul', `${t}/rec`, [h, Rt], { transpose_a: tfAttr.bool(false), transpose_b: tfAttr.bool(false) }), stepIn(k)]);
    if (G === 1) {
      h = w.op('Tanh', `${t}/h`, [pre]);
    } else {
      const gates = w.op('Split', `${t}/gates`, [splitAxis, pre], { num_split: tfAttr.int(4) });
      const i = w.op('Sigmoid', `${t}/i`, [`${gates}`]);
      const o = w.op('Sigmoid', `${t}/o`, [`${gates}:1`]);
      const cand = w.op('Tanh', `${t}/cand`, [`${gates}:3`]);
      const ic = w.op('Mul', `${t}/ic`, [i, cand]);
      if (k === 0) {
        c = ic;
      } else {
        const f = w.op('Sigmoid', `${t}/f`, [`${gates}:2`]);
        c = w.op('AddV2', `${t}/c`, [w.op('Mul', `${t}/fc`, [f, c]), ic]);
      }
      h = w.op('Mul', `${t}/h`, [o, w.op('Tanh', `${t}/tanh_c`, [c])]);
    }
    hs.push(h);
  }

  // IR outputs: Y [N,T,1,H], Y_h and Y_c [N,1,H]; nodes nobody reads are dropped by TfWriter.finish.
  const reshape = (name: string, v: string, shape: number[]) =>
    w.op('Reshape', name, [v, w.i32(`${name}/shape`, shape)], { Tshape: tfAttr.dtype('DT_INT32') });
  const [y, yh, yc] = node.outputs;
  if (y) cx.vals.set(y, reshape(y, w.op('Pack', `${base}/stack`, hs, { N: tfAttr.int(T), axis: tfAttr.int(1) }), [-1, T, 1, H]));
  if (yh) cx.vals.set(yh, reshape(yh, h, [-1, 1, H]));
  if (yc) cx.vals.set(yc, reshape(yc, c, [-1, 1, H]));
}
