// IR graph -> ONNX model (opset 14), so onnxruntime-web runs exactly our weights. Each value keeps the
// layout ONNX ops want: images NCHW, recurrent sequences time-first; a value is converted once where a
// consumer needs another layout (and Flatten/Reshape restore the IR's NHWC order first).
// Covers the ops the bench models use; anything else throws naming the node.
import onnxProto from 'onnx-proto';
import type { Activation } from '../../src/ops/activation.js';
import type { ConvAttrs } from '../../src/ops/conv.js';
import type { Graph } from '../../src/graph/ir.js';
import type { ResolvedNode } from '../../src/graph/resolve.js';
import { GraphInfo, identity, invertPerm, keepsDataOrder } from './graph-info.js';
import { OnnxWriter, type Attr } from './onnx-writer.js';

const { onnx } = onnxProto;

const NCHW = [0, 3, 1, 2];
/** IR [N,T,I] -> ONNX RNN's default [T,N,I]; also final states [N,D,H] -> [D,N,H]. */
const TIME_FIRST = [1, 0, 2];
/** IR Y [N,T,D,H] -> ONNX [T,D,N,H]. */
const SEQ_OUT = [1, 2, 0, 3];
const RECURRENT = new Set(['RNN', 'LSTM', 'GRU']);

export interface OnnxInputLayout {
  readonly name: string;
  /** The ONNX input is transpose(IR input, perm): feed data transposed this way. */
  readonly perm: readonly number[];
}

export interface OnnxExport {
  readonly bytes: Uint8Array;
  readonly inputs: readonly OnnxInputLayout[];
}

function windowAttrs(a: { strides: readonly number[]; pads: readonly number[]; dilations: readonly number[]; autoPad: string }): Record<string, Attr> {
  const attrs: Record<string, Attr> = { strides: [...a.strides], dilations: [...a.dilations] };
  if (a.autoPad === 'NOTSET') attrs.pads = [...a.pads];
  else attrs.auto_pad = a.autoPad;
  return attrs;
}

interface PoolAttrs extends ConvAttrs { readonly kernel: readonly [number, number]; readonly ceilMode: boolean; readonly countIncludePad: boolean }

/** Flatten/Reshape: the IR output shape read in IR (NHWC) order. One Reshape when the data order already matches. */
function reshapeToIr(w: OnnxWriter, { node }: ResolvedNode): void {
  const x = node.inputs[0], out = node.outputs[0];
  const v = w.placed(x);
  const src = keepsDataOrder(w.info.shape(x), w.info.batchAxis(x), invertPerm(v.perm)) ? v.name : w.inLayout(x, identity(v.perm.length));
  const y = w.outName(out, identity(w.info.shape(out).length));
  w.node('Reshape', [src, w.i64Init(`${out}__shape`, w.info.freeShape(out))], [y]);
  w.place(out, y, identity(w.info.shape(out).length));
}

function exportNode(w: OnnxWriter, r: ResolvedNode): void {
  const { node, op } = r;
  const [x] = node.inputs, out = node.outputs[0];
  const rank = (name: string) => w.info.shape(name).length;
  switch (op.name) {
    case 'Conv': {
      const a = r.attrs as ConvAttrs;
      const wName = node.inputs[1];
      if (!w.info.isConstant(wName)) throw new Error(`Conv ${node.name}: runtime weights are not exported`);
      const ws = w.info.graph.constants.get(wName)!.shape;
      const inputs = [w.inLayout(x, NCHW), w.constant(wName, NCHW)];
      if (node.inputs[2]) inputs.push(w.inLayout(node.inputs[2], [0]));
      w.withActivation('Conv', inputs, out, NCHW, { ...windowAttrs(a), kernel_shape: [ws[1], ws[2]], group: a.group }, a.activation);
      return;
    }
    case 'MaxPool': case 'AveragePool': {
      const a = r.attrs as PoolAttrs;
      const attrs: Record<string, Attr> = { ...windowAttrs(a), kernel_shape: [...a.kernel], ceil_mode: a.ceilMode ? 1 : 0 };
      if (op.name === 'AveragePool') {
        if (a.dilations.some((d) => d !== 1)) throw new Error(`AveragePool ${node.name}: dilations need opset 19`);
        delete attrs.dilations;
        attrs.count_include_pad = a.countIncludePad ? 1 : 0;
      }
      w.withActivation(op.name, [w.inLayout(x, NCHW)], out, NCHW, attrs, undefined);
      return;
    }
    case 'GlobalAveragePool': case 'GlobalMaxPool':
      w.withActivation(op.name, [w.inLayout(x, NCHW)], out, NCHW, {}, undefined);
      return;
    case 'Relu': case 'Clip': case 'LeakyRelu': case 'Sigmoid': case 'Tanh': case 'HardSigmoid': case 'HardSwish': {
      const v = w.placed(x);
      const y = w.outName(out, v.perm);
      w.activation(r.attrs as Activation, v.name, y);
      w.place(out, y, v.perm);
      return;
    }
    case 'Add': case 'Sub': case 'Mul': case 'Div': case 'PRelu': {
      const [a, b] = node.inputs;
      const runtime = [a, b].find((n) => !w.info.isConstant(n));
      // Both operands in the runtime operand's layout when ranks agree (constants padded to its rank), else in IR layout.
      let perm = runtime ? w.placed(runtime).perm : identity(rank(a));
      const sameRank = [a, b].every((n) => w.info.isConstant(n) ? rank(n) <= perm.length : rank(n) === perm.length);
      if (!sameRank) perm = identity(Math.max(rank(a), rank(b)));
      const operand = (n: string) => (w.info.isConstant(n) ? w.constant(n, perm) : w.inLayout(n, perm));
      w.withActivation(op.name, [operand(a), operand(b)], out, perm, {}, undefined);
      return;
    }
    case 'Gemm': {
      const a = r.attrs as { transA: boolean; transB: boolean; alpha: number; beta: number; activation?: Activation };
      const inputs = node.inputs.filter((n) => n !== '').map((n) => w.inLayout(n, identity(rank(n))));
      w.withActivation('Gemm', inputs, out, [0, 1], { transA: a.transA ? 1 : 0, transB: a.transB ? 1 : 0, alpha: { float: a.alpha }, beta: { float: a.beta } }, a.activation);
      return;
    }
    case 'MatMul': {
      const act = (r.attrs as { activation?: Activation }).activation;
      const [A2, B, bias] = node.inputs;
      const ins = [A2, B].map((n) => w.inLayout(n, identity(rank(n))));
      if (rank(A2) === 2 && rank(B) === 2) {
        // Gemm is what onnxruntime fuses MatMul + Add into anyway.
        if (bias) ins.push(w.inLayout(bias, [0]));
        w.withActivation('Gemm', ins, out, [0, 1], {}, act);
        return;
      }
      const outRank = rank(out);
      if (!bias) { w.withActivation('MatMul', ins, out, identity(outRank), {}, act); return; }
      const mm = w.fresh(`${out}__mm`);
      w.node('MatMul', ins, [mm]);
      w.withActivation('Add', [mm, w.inLayout(bias, [0])], out, identity(outRank), {}, act);
      return;
    }
    case 'Softmax': case 'LogSoftmax': {
      const v = w.placed(x);
      const axis = (r.attrs as { axis: number }).axis;
      const irAxis = axis < 0 ? axis + v.perm.length : axis;
      w.withActivation(op.name, [v.name], out, v.perm, { axis: v.perm.indexOf(irAxis) }, undefined);
      return;
    }
    case 'Flatten': case 'Reshape':
      reshapeToIr(w, r);
      return;
    case 'Identity':
      w.place(out, w.placed(x).name, w.placed(x).perm);
      return;
    case 'Transpose': {
      const p = (r.attrs as { perm?: number[] }).perm ?? identity(rank(x)).reverse();
      const v = w.placed(x), qinv = invertPerm(v.perm);
      const y = w.outName(out, identity(p.length));
      w.node('Transpose', [v.name], [y], { perm: p.map((j) => qinv[j]) });
      w.place(out, y, identity(p.length));
      return;
    }
    case 'RNN': case 'LSTM': case 'GRU':
      exportRecurrent(w, r);
      return;
    default:
      throw new Error(`ONNX export: op ${op.name} (node ${node.name}) is not handled`);
  }
}

const RECURRENT_ATTRS: Readonly<Record<string, string>> = {
  hiddenSize: 'hidden_size', direction: 'direction', activations: 'activations', activationAlpha: 'activation_alpha',
  activationBeta: 'activation_beta', clip: 'clip', inputForget: 'input_forget', linearBeforeReset: 'linear_before_reset',
};

function exportRecurrent(w: OnnxWriter, { node, op }: ResolvedNode): void {
  const ins = node.inputs;
  if (ins[4]) throw new Error(`${op.name} ${node.name}: sequence_lens is not exported`);
  const inputs = [w.inLayout(ins[0], TIME_FIRST)];
  for (let i = 1; i < ins.length; i++) {
    if (!ins[i]) { inputs.push(''); continue; }
    // initial_h / initial_c are [N,D,H] in the IR, [D,N,H] in ONNX; W, R, B, P have no batch.
    inputs.push(i === 5 || i === 6 ? w.inLayout(ins[i], TIME_FIRST) : w.inLayout(ins[i], identity(w.info.shape(ins[i]).length)));
  }
  while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
  const attrs: Record<string, Attr> = {};
  for (const [k, v] of Object.entries(node.attrs)) {
    const name = RECURRENT_ATTRS[k];
    if (!name) throw new Error(`${op.name} ${node.name}: attribute ${k} is not exported`);
    if (v === null || v === undefined) continue;
    if (typeof v === 'boolean') attrs[name] = v ? 1 : 0;
    else if (k === 'activationAlpha' || k === 'activationBeta') attrs[name] = { floats: v as number[] };
    // clip is a FLOAT attribute even when it holds a whole number.
    else if (k === 'clip') attrs[name] = { float: v as number };
    else attrs[name] = v as Attr;
  }
  w.node(op.name, inputs, recurrentOutputs(w, node.outputs), attrs);
}

function recurrentOutputs(w: OnnxWriter, outs: readonly string[]): string[] {
  const names = outs.map((o, i) => {
    // An output nobody reads is left out, so that onnxruntime does not compute it.
    if (!w.info.isUsed(o)) return '';
    const perm = i === 0 ? SEQ_OUT : TIME_FIRST;
    const y = w.outName(o, perm);
    w.place(o, y, perm);
    return y;
  });
  while (names.length && names[names.length - 1] === '') names.pop();
  return names;
}

function valueInfo(name: string, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

/** Exports `graph` (typically optimized) to an ONNX model onnxruntime runs with the same weights. */
export function exportOnnx(graph: Graph): OnnxExport {
  const info = new GraphInfo(graph);
  const w = new OnnxWriter(info);
  const consumers = (name: string) => info.resolved.filter((r) => r.node.inputs.includes(name));
  const inputs: OnnxInputLayout[] = graph.inputs.map((v) => {
    const r = v.shape.length;
    const cons = consumers(v.name);
    const perm = r === 4 ? NCHW
      : r === 3 && cons.length > 0 && cons.every((c) => RECURRENT.has(c.op.name) && c.node.inputs[0] === v.name) ? TIME_FIRST
        : identity(r);
    w.place(v.name, v.name, perm);
    return { name: v.name, perm };
  });
  for (const r of info.resolved) exportNode(w, r);
  const outputs = graph.outputs.map((v) => {
    const rank = info.shape(v.name).length;
    const name = w.inLayout(v.name, identity(rank));
    if (name !== v.name) w.node('Identity', [name], [v.name]);
    return v.name;
  });
  const dims = (name: string, perm: readonly number[]) => {
    const s = info.shape(name), b = info.batchAxis(name);
    return perm.map((p) => (p === b ? 'N' : s[p]));
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'edgeinfer-bench',
    opsetImport: [{ domain: '', version: 14 }],
    graph: {
      name: graph.metadata.name ?? 'bench-model',
      node: w.nodes,
      initializer: w.initializers,
      input: inputs.map((l) => valueInfo(l.name, dims(l.name, l.perm))),
      output: outputs.map((o) => valueInfo(o, dims(o, identity(info.shape(o).length)))),
    },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), inputs };
}
