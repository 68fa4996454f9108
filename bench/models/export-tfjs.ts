// IR graph -> TF.js graph model in tfjs' fastest form: convolutions and dense layers as the fused
// kernels TensorFlow's converter emits (_FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul with
// BiasAdd + activation), NHWC as in the IR, so weights only change layout (OHWI -> HWIO / HWC1).
// RNN/LSTM are unrolled over their static steps (tfjs-recurrent.ts). Unhandled ops throw.
import type { Activation } from '../../src/ops/activation.js';
import { convGeometry, type ConvAttrs } from '../../src/ops/conv.js';
import type { Graph } from '../../src/graph/ir.js';
import type { ResolvedNode } from '../../src/graph/resolve.js';
import { GraphInfo, transposeData } from './graph-info.js';
import { unrollRecurrent } from './tfjs-recurrent.js';
import { tfAttr, TfWriter, type TfAttr, type TfjsGraphArtifacts } from './tfjs-writer.js';

export interface TfExportContext {
  readonly w: TfWriter;
  readonly info: GraphInfo;
  /** IR value -> TF tensor reference ('node' or 'node:k'). */
  readonly vals: Map<string, string>;
  value(ir: string): string;
  /** An IR constant as a Const node, as stored (cached). */
  constant(ir: string): string;
}

/** The fused-kernel spelling of an activation, or undefined when tfjs' fused kernels lack it. */
function fusedName(a: Activation | undefined): { op: string; attr: Record<string, TfAttr> } | undefined {
  if (!a) return undefined;
  switch (a.op) {
    case 'Relu': return { op: 'Relu', attr: {} };
    case 'Sigmoid': return { op: 'Sigmoid', attr: {} };
    case 'LeakyRelu': return { op: 'LeakyRelu', attr: { leakyrelu_alpha: tfAttr.float(a.alpha) } };
    case 'Clip': return a.min === 0 && a.max === 6 ? { op: 'Relu6', attr: {} } : undefined;
    default: return undefined;
  }
}

/** A standalone activation node reading x. */
function activationNode(cx: TfExportContext, a: Activation, x: string, base: string): string {
  const { w } = cx;
  switch (a.op) {
    case 'Relu': case 'Sigmoid': case 'Tanh': return w.op(a.op, base, [x]);
    case 'LeakyRelu': return w.op('LeakyRelu', base, [x], { alpha: tfAttr.float(a.alpha) });
    case 'Clip':
      if (a.min === 0 && a.max === 6) return w.op('Relu6', base, [x]);
      return w.op('ClipByValue', base, [x, w.f32(`${base}/min`, [], Float32Array.of(a.min)), w.f32(`${base}/max`, [], Float32Array.of(a.max))]);
    default: throw new Error(`tfjs export: activation ${a.op} is not handled`);
  }
}

/** A fused op (conv or matmul) with BiasAdd and, when tfjs can fuse it, the activation; else a separate node. */
function fusedWithActivation(cx: TfExportContext, op: string, out: string, inputs: string[], attr: Record<string, TfAttr>, act: Activation | undefined): void {
  const f = fusedName(act);
  const ops = f ? ['BiasAdd', f.op] : ['BiasAdd'];
  const base = act && !f ? `${out}/pre` : out;
  let y = cx.w.op(op, base, inputs, { ...attr, ...(f?.attr ?? {}), fused_ops: tfAttr.strs(ops), num_args: tfAttr.int(1) });
  if (act && !f) y = activationNode(cx, act, y, out);
  cx.vals.set(out, y);
}

/** TF padding attributes for a window with these explicit pads; SAME when they equal TF's SAME. */
function padding(H: number, W: number, k: readonly number[], s: readonly number[], d: readonly number[], pads: readonly number[], explicitOk: boolean): Record<string, TfAttr> {
  const [t, l, b, r] = pads;
  if (pads.every((p) => p === 0)) return { padding: tfAttr.str('VALID') };
  const same = (size: number, kk: number, ss: number, dd: number) => {
    const out = Math.ceil(size / ss);
    const total = Math.max(0, (out - 1) * ss + (kk - 1) * dd + 1 - size);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [st, sb] = same(H, k[0], s[0], d[0]), [sl, sr] = same(W, k[1], s[1], d[1]);
  if (t === st && b === sb && l === sl && r === sr) return { padding: tfAttr.str('SAME') };
  if (!explicitOk) throw new Error(`tfjs export: pads [${pads}] are neither VALID nor SAME`);
  return { padding: tfAttr.str('EXPLICIT'), explicit_paddings: tfAttr.ints([0, 0, t, b, l, r, 0, 0]) };
}

function exportConv(cx: TfExportContext, { node }: ResolvedNode, a: ConvAttrs): void {
  const [x, wName, bName] = node.inputs, out = node.outputs[0];
  const { info, w } = cx;
  if (!info.isConstant(wName)) throw new Error(`Conv ${node.name}: runtime weights are not exported`);
  const ws = info.shape(wName);
  const g = convGeometry(info.shape(x), ws, a);
  const [O, kh, kw, cin] = ws;
  const depthwise = a.group > 1 && a.group === g.C && cin === 1;
  if (a.group !== 1 && !depthwise) throw new Error(`Conv ${node.name}: grouped convolution (group ${a.group}) is not exported`);
  // OHWI -> HWIO; depthwise: output channel o = c * mult + m -> [kh, kw, C, mult], the same data order as HWIO here.
  const filterShape = depthwise ? [kh, kw, g.C, O / g.C] : [kh, kw, cin, O];
  const filter = w.f32(`${out}/filter`, filterShape, transposeData(info.constantData(wName), ws, [1, 2, 3, 0]));
  const bias = bName ? w.f32(`${out}/bias`, [O], info.constantData(bName)) : w.f32(`${out}/bias`, [O], new Float32Array(O));
  const attr = {
    data_format: tfAttr.str('NHWC'),
    strides: tfAttr.ints([1, g.sh, g.sw, 1]),
    dilations: tfAttr.ints([1, g.dh, g.dw, 1]),
    ...padding(g.H, g.W, [kh, kw], [g.sh, g.sw], [g.dh, g.dw], [g.padTop, g.padLeft, g.padBottom, g.padRight], true),
  };
  fusedWithActivation(cx, depthwise ? 'FusedDepthwiseConv2dNative' : '_FusedConv2D', out, [cx.value(x), filter, bias], attr, a.activation);
}

interface PoolAttrs { kernel: [number, number]; strides: [number, number]; pads: number[]; dilations: [number, number]; autoPad: string; ceilMode: boolean; countIncludePad: boolean }

function exportPool(cx: TfExportContext, { node, op }: ResolvedNode, a: PoolAttrs): void {
  const [x] = node.inputs, out = node.outputs[0];
  if (a.dilations.some((d) => d !== 1) || a.ceilMode) throw new Error(`${op.name} ${node.name}: dilations / ceilMode are not exported`);
  const [, H, W] = cx.info.shape(x);
  // The same geometry Conv uses, on a 1-channel stand-in kernel.
  const g = convGeometry([1, H, W, 1], [1, a.kernel[0], a.kernel[1], 1], { ...a, group: 1 } as unknown as ConvAttrs);
  const pads = [g.padTop, g.padLeft, g.padBottom, g.padRight];
  const pad = padding(H, W, a.kernel, a.strides, [1, 1], pads, false);
  // TF's SAME average excludes the padding from the count.
  if (op.name === 'AveragePool' && a.countIncludePad && pads.some((p) => p > 0)) throw new Error(`AveragePool ${node.name}: countIncludePad is not exported`);
  cx.vals.set(out, cx.w.op(op.name === 'MaxPool' ? 'MaxPool' : 'AvgPool', out, [cx.value(x)], {
    ksize: tfAttr.ints([1, a.kernel[0], a.kernel[1], 1]), strides: tfAttr.ints([1, a.strides[0], a.strides[1], 1]),
    data_format: tfAttr.str('NHWC'), ...pad,
  }));
}

/** Gemm (alpha = beta = 1, C absent or [N]) and 2-D MatMul as _FusedMatMul. */
function exportDense(cx: TfExportContext, { node }: ResolvedNode, transA: boolean, transB: boolean, act: Activation | undefined): void {
  const [a, b, c] = node.inputs, out = node.outputs[0];
  const { info, w } = cx;
  if (info.shape(a).length !== 2 || info.shape(b).length !== 2) throw new Error(`${node.op} ${node.name}: only 2-D products are exported`);
  const N = info.shape(out)[1];
  if (c && (!info.isConstant(c) || info.shape(c).length !== 1 || info.shape(c)[0] !== N)) {
    throw new Error(`${node.op} ${node.name}: only a constant [${N}] bias is exported`);
  }
  const attr = { transpose_a: tfAttr.bool(transA), transpose_b: tfAttr.bool(transB) };
  const B = info.isConstant(b) ? w.f32(`${out}/kernel`, info.shape(b), info.constantData(b)) : cx.value(b);
  if (!c && !act) {
    cx.vals.set(out, w.op('MatMul', out, [cx.value(a), B], attr));
    return;
  }
  const bias = w.f32(`${out}/bias`, [N], c ? info.constantData(c) : new Float32Array(N));
  fusedWithActivation(cx, '_FusedMatMul', out, [cx.value(a), B, bias], attr, act);
}

const BINARY: Readonly<Record<string, string>> = { Add: 'AddV2', Sub: 'Sub', Mul: 'Mul', Div: 'RealDiv', PRelu: 'Prelu' };

function exportNode(cx: TfExportContext, r: ResolvedNode): void {
  const { node, op } = r;
  const { w, info } = cx;
  const [x] = node.inputs, out = node.outputs[0];
  switch (op.name) {
    case 'Conv': exportConv(cx, r, r.attrs as ConvAttrs); return;
    case 'MaxPool': case 'AveragePool': exportPool(cx, r, r.attrs as PoolAttrs); return;
    case 'GlobalAveragePool': case 'GlobalMaxPool':
      cx.vals.set(out, w.op(op.name === 'GlobalAveragePool' ? 'Mean' : 'Max', out, [cx.value(x), w.i32(`${out}/axes`, [1, 2])],
        { keep_dims: tfAttr.bool(true), Tidx: tfAttr.dtype('DT_INT32') }));
      return;
    case 'Relu': case 'Clip': case 'LeakyRelu': case 'Sigmoid': case 'Tanh':
      cx.vals.set(out, activationNode(cx, r.attrs as Activation, cx.value(x), out));
      return;
    case 'Add': case 'Sub': case 'Mul': case 'Div': case 'PRelu':
      cx.vals.set(out, w.op(BINARY[op.name], out, node.inputs.map((n) => (info.isConstant(n) ? cx.constant(n) : cx.value(n)))));
      return;
    case 'Gemm': {
      const a = r.attrs as { transA: boolean; transB: boolean; alpha: number; beta: number; activation?: Activation };
      if (a.alpha !== 1 || a.beta !== 1) throw new Error(`Gemm ${node.name}: alpha/beta other than 1 are not exported`);
      exportDense(cx, r, a.transA, a.transB, a.activation);
      return;
    }
    case 'MatMul': exportDense(cx, r, false, false, (r.attrs as { activation?: Activation }).activation); return;
    case 'Softmax': case 'LogSoftmax': {
      const axis = (r.attrs as { axis: number }).axis, rank = info.shape(x).length;
      if (axis !== -1 && axis !== rank - 1) throw new Error(`${op.name} ${node.name}: only the last axis is exported`);
      cx.vals.set(out, w.op(op.name, out, [cx.value(x)]));
      return;
    }
    case 'Flatten': case 'Reshape':
      cx.vals.set(out, w.op('Reshape', out, [cx.value(x), w.i32(`${out}/shape`, info.freeShape(out))], { Tshape: tfAttr.dtype('DT_INT32') }));
      return;
    case 'Identity': cx.vals.set(out, cx.value(x)); return;
    case 'Transpose': {
      const rank = info.shape(x).length;
      const perm = (r.attrs as { perm?: number[] }).perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      cx.vals.set(out, w.op('Transpose', out, [cx.value(x), w.i32(`${out}/perm`, perm)], { Tperm: tfAttr.dtype('DT_INT32') }));
      return;
    }
    case 'Concat': {
      const rank = info.shape(out).length, axis = (r.attrs as { axis: number }).axis;
      const ins = node.inputs.map((n) => (info.isConstant(n) ? cx.constant(n) : cx.value(n)));
      cx.vals.set(out, w.op('ConcatV2', out, [...ins, w.i32(`${out}/axis`, [axis < 0 ? axis + rank : axis], [])], { N: tfAttr.int(ins.length), Tidx: tfAttr.dtype('DT_INT32') }));
      return;
    }
    case 'RNN': case 'LSTM': unrollRecurrent(cx, r); return;
    default: throw new Error(`tfjs export: op ${op.name} (node ${node.name}) is not handled`);
  }
}

/** Exports `graph` (typically optimized) as a tfjs graph model; inputs keep the IR names and NHWC layout. */
export function exportTfjsGraph(graph: Graph): TfjsGraphArtifacts {
  const info = new GraphInfo(graph);
  const w = new TfWriter();
  const vals = new Map<string, string>();
  const consts = new Map<string, string>();
  const cx: TfExportContext = {
    w, info, vals,
    value(ir) {
      const v = vals.get(ir);
      if (v === undefined) throw new Error(`value "${ir}" used before it is produced`);
      return v;
    },
    constant(ir) {
      let c = consts.get(ir);
      if (!c) { c = w.f32(ir, info.shape(ir), info.constantData(ir)); consts.set(ir, c); }
      return c;
    },
  };
  for (const v of graph.inputs) vals.set(v.name, w.placeholder(v.name, v.shape));
  for (const r of info.resolved) exportNode(cx, r);
  return w.finish(graph.outputs.map((v) => cx.value(v.name)));
}
