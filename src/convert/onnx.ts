// ONNX model bytes -> IR Graph in NHWC. Decoding is onnx/schema.ts (our own protobuf reader); ops are converted by the table in
// onnx/converters.ts, shape plumbing is folded at import (onnx/fold.ts). The batch stays free (-1)
// when the model allows it: a model fixed at batch 1 is tried free first, and kept fixed when some op
// ties shapes to that batch. Failures are ModelFormatError (malformed) or UnsupportedOpError.
import { EdgeInferError, ModelFormatError, UnsupportedOpError } from '../errors.js';
import type { Graph, ValueInfo } from '../graph/ir.js';
import { enableInt8Ops } from '../ops/int8.js';
import { BatchError, ImportContext, PROBES, type Val } from './onnx/context.js';
import { DOMAINS, LAYOUT_PRESERVING, NHWC_CONSUMERS } from './onnx/converters.js';
import { constantInputs, FOLDERS, SHAPE_ONLY } from './onnx/fold.js';
import { opVersion } from './onnx/opsets.js';
import { channelsLast, identityPerm, invertPerm, isIdentity, NHWC, permuteDims, samePerm, type Perm } from './onnx/layout.js';
import { readsSequenceFirst, SEQ_FIRST } from './onnx/ops-rnn.js';
import { decodeModel, OnnxNode, readValueInfo, toNum, type DimInfo, type ModelProto } from './onnx/proto.js';
import { decodeTensor, ElemType, isFloatType, dtypeName } from './onnx/tensor.js';

export interface OnnxImportOptions {
  /** Model name for metadata and error messages (default: the ONNX graph name). */
  name?: string;
  /**
   * How the quantized ops of the source (QLinearConv, QLinearMatMul, QLinearAdd, QLinearGlobalAveragePool,
   * QuantizeLinear, DequantizeLinear) compute: 'float' (default) lowers them to float ops over the int8
   * weights, which every backend runs; 'int8' keeps them as the IR's quantized ops with integer arithmetic as
   * onnxruntime does (the js and wasm backends run them; others reject the model).
   */
  compute?: 'float' | 'int8';
}

interface InputPlan {
  readonly name: string;
  readonly elemType: number;
  readonly dims: DimInfo[];
  readonly perm: Perm;
  /** Source axis of the batch, or -1. */
  readonly batchAxis: number;
}

export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): Graph {
  if (options.compute === 'int8') enableInt8Ops();
  const model = decodeModel(bytes);
  if (!model.graph) throw new ModelFormatError('model has no graph', 'model.graph');
  const name = options.name ?? (model.graph.name || 'onnx-model');
  const nodes = readNodes(model, name);
  const plans = planInputs(model, nodes);
  const batchDims = plans.filter((p) => p.batchAxis >= 0).map((p) => p.dims[p.batchAxis]);
  const symbolic = batchDims.some((d) => d.value === undefined);
  const canBeFree = batchDims.length > 0 && batchDims.every((d) => d.value === undefined || d.value === 1);
  if (canBeFree) {
    try {
      return build(model, name, nodes, plans, true, symbolic ? undefined : 1, bytes.byteLength, options.compute === 'int8');
    } catch (e) {
      if (!(e instanceof BatchError)) throw e;
      if (symbolic) {
        throw new UnsupportedOpError(nodeOp(nodes, e.node), e.node, name, `the batch dimension cannot stay symbolic: ${e.message}`);
      }
    }
  }
  try {
    return build(model, name, nodes, plans, false, undefined, bytes.byteLength, options.compute === 'int8');
  } catch (e) {
    if (e instanceof BatchError) throw new UnsupportedOpError(nodeOp(nodes, e.node), e.node, name, e.message);
    throw e;
  }
}

function nodeOp(nodes: readonly OnnxNode[], name: string): string {
  return nodes.find((n) => n.name === name)?.op ?? 'graph';
}

function opsets(model: ModelProto): Map<string, number> {
  const m = new Map<string, number>();
  (model.opsetImport ?? []).forEach((o, i) => {
    const domain = o.domain === 'ai.onnx' ? '' : (o.domain ?? '');
    m.set(domain, toNum(o.version, `model.opset_import[${i}].version`));
  });
  const v = m.get('');
  if (v === undefined) throw new ModelFormatError('no opset_import for the default ONNX domain', 'model.opset_import');
  // Each node's version is checked when it is converted (opsets.ts): an opset past the newest known is
  // refused there, naming the op.
  if (v < 1) throw new ModelFormatError(`default-domain opset ${v}`, 'model.opset_import');
  return m;
}

function readNodes(model: ModelProto, name: string): OnnxNode[] {
  const versions = opsets(model);
  return (model.graph!.node ?? []).map((p, i) => {
    const domain = p.domain === 'ai.onnx' ? '' : (p.domain ?? '');
    return new OnnxNode(p, i, 'graph', name, versions.get(domain) ?? 0);
  });
}

function planInputs(model: ModelProto, nodes: readonly OnnxNode[]): InputPlan[] {
  const g = model.graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const plans: InputPlan[] = [];
  (g.input ?? []).forEach((v, i) => {
    const name = v.name ?? '';
    const where = `graph.input[${i}] "${name}"`;
    if (!name) throw new ModelFormatError('graph input without a name', where);
    if (inits.has(name)) return;
    const info = readValueInfo(v, where);
    if (!info.dims) throw new ModelFormatError('graph input has no shape', where);
    const r = info.dims.length;
    const seqFirst = r === 3 && nodes.some((n) => readsSequenceFirst(n, name));
    // [N, C, L] read by a 1-D window op is held [N, L, C], as that op wants it (ops-nn.ts).
    const nlc = r === 3 && !seqFirst && nodes.some((n) => n.domain === '' && NHWC_CONSUMERS.has(n.op) && n.input(0) === name);
    const perm = r === 4 ? NHWC : seqFirst ? SEQ_FIRST : nlc ? channelsLast(3) : identityPerm(r);
    const batchAxis = seqFirst ? 1 : r >= 1 ? 0 : -1;
    info.dims.forEach((d, k) => {
      if (d.value === 0) throw new UnsupportedOpError('Input', name, g.name || 'model', `zero-sized dimension at axis ${k}: the runtime has no empty tensors`);
      if (d.value === undefined && k !== batchAxis) {
        throw new UnsupportedOpError('Input', name, g.name || 'model', `symbolic dimension "${d.param}" at axis ${k}; only the batch may be free`);
      }
    });
    // A fixed batch > 1, or a rank-1 input's only dim, stays as declared.
    const free = batchAxis >= 0 && (info.dims[batchAxis].value === undefined || (info.dims[batchAxis].value === 1 && r >= 2));
    plans.push({ name, elemType: info.elemType, dims: info.dims, perm, batchAxis: free ? batchAxis : -1 });
  });
  return plans;
}

function build(model: ModelProto, name: string, nodes: readonly OnnxNode[], plans: readonly InputPlan[],
  dynamic: boolean, nominalBatch: number | undefined, sourceBytes: number, int8: boolean): Graph {
  const g = model.graph!;
  if ((g.sparseInitializer ?? []).length > 0) throw new UnsupportedOpError('sparse_initializer', 'graph', name, 'sparse initializers');
  const reserved = new Set<string>();
  const used = new Set<string>();
  for (const v of [...(g.input ?? []), ...(g.output ?? [])]) reserved.add(v.name ?? '');
  for (const t of g.initializer ?? []) reserved.add(t.name ?? '');
  for (const n of nodes) {
    for (const s of n.inputs) { reserved.add(s); used.add(s); }
    for (const s of n.outputs) reserved.add(s);
  }
  const nhwc = wantsNhwc(nodes);
  for (const v of g.output ?? []) used.add(v.name ?? '');
  reserved.delete('');
  const cx = new ImportContext({ model: name, dynamic, nominalBatch, sourceBytes, int8 }, reserved, used);

  (g.initializer ?? []).forEach((t, i) => {
    const key = t.name ?? '';
    const where = `graph.initializer[${i}] "${key}"`;
    if (!key) throw new ModelFormatError('initializer without a name', where);
    if (cx.isConst(key)) throw new ModelFormatError(`duplicate initializer "${key}"`, where);
    cx.setConst(key, decodeTensor(t, where));
  });

  const inputs: ValueInfo[] = plans.map((p) => addInput(cx, p, dynamic));

  for (const n of nodes) {
    cx.node = n;
    convertNode(cx, n, nhwc);
  }
  cx.node = undefined;

  const outputs = (g.output ?? []).map((v, i) => finishOutput(cx, v.name ?? '', `graph.output[${i}]`));
  const last = nodes.find((n) => n.outputs.includes(outputs[0]?.name ?? ''));
  return {
    nodes: cx.nodes,
    inputs,
    outputs,
    constants: cx.constants,
    metadata: {
      name,
      ...(model.producerName ? { producer: `${model.producerName} ${model.producerVersion ?? ''}`.trim() } : {}),
      ...(model.docString ? { description: model.docString } : {}),
      outputKind: last?.op === 'Softmax' ? 'probabilities' : 'logits',
      importedFrom: { format: 'onnx', opset: opsets(model).get('')!, ...(model.irVersion ? { version: `IR ${model.irVersion}` } : {}) },
    },
  };
}

function addInput(cx: ImportContext, p: InputPlan, dynamic: boolean): ValueInfo {
  const free = dynamic && p.batchAxis >= 0;
  if (!dynamic && p.batchAxis >= 0 && p.dims[p.batchAxis].value === undefined) {
    throw new UnsupportedOpError('Input', p.name, cx.model, 'symbolic batch in a model that needs a fixed one');
  }
  const src = (k: 0 | 1): number[] => p.dims.map((d, i) => (free && i === p.batchAxis ? PROBES[k] : d.value ?? 1));
  const toIr = invertPerm(p.perm);
  const s1 = permuteDims(src(0), toIr), s2 = permuteDims(src(1), toIr);
  let dtype = p.elemType;
  if (isFloatType(dtype)) dtype = ElemType.FLOAT;
  else if (dtype === ElemType.STRING || dtype === 0 || dtypeName(dtype).startsWith('type')) {
    throw new UnsupportedOpError('Input', p.name, cx.model, `element type ${dtypeName(dtype)}`);
  }
  // 8-bit integer inputs are carried as their integer values: grid scale 1, zero point 0.
  const quant = dtype === ElemType.INT8 || dtype === ElemType.UINT8 ? { scale: 1, zeroPoint: 0, dtype } : undefined;
  cx.addInput(p.name, s1, s2);
  cx.setVal(p.name, { ir: p.name, perm: p.perm, s1, s2, dtype, ...(quant ? { quant } : {}) });
  const shape = s1.map((d, i) => (free && d !== s2[i] ? -1 : d));
  return isIdentity(p.perm) ? { name: p.name, shape } : { name: p.name, shape, sourcePerm: [...p.perm] };
}

function convertNode(cx: ImportContext, n: OnnxNode, nhwc: ReadonlySet<string>): void {
  const table = DOMAINS[n.domain];
  if (!table) throw n.unsupported(`domain ${n.domain}`);
  n.outputs.forEach((o, i) => {
    if (o && cx.has(o)) throw n.malformed(`output ${i} "${o}" is already defined (values must be assigned once)`);
  });
  try {
    if (n.domain === '') opVersion(n);
    const folder = n.domain === '' ? FOLDERS[n.op] : undefined;
    const constIns = folder && !SHAPE_ONLY.has(n.op) ? constantInputs(cx, n) : undefined;
    if (folder && (SHAPE_ONLY.has(n.op) || constIns)) {
      const outs = folder(cx, n, constIns ?? []);
      outs.forEach((c, i) => cx.setConst(n.output(i), c));
    } else {
      const convert = table[n.op];
      if (!convert) throw n.unsupported('no converter for this op');
      convert(cx, n);
    }
  } catch (e) {
    if (e instanceof EdgeInferError || e instanceof BatchError) throw e;
    if (e instanceof RangeError || e instanceof TypeError) throw new ModelFormatError(`${n.op}: ${e.message}`, n.path, { cause: e });
    throw e;
  }
  n.outputs.forEach((o, i) => {
    if (o && cx.isUsed(o) && !cx.has(o)) throw n.unsupported(`output ${i} is not supported`);
    const v = cx.vals.get(o);
    if (v && v.s1.length === 4 && !samePerm(v.perm, NHWC) && nhwc.has(o)) cx.setVal(o, cx.toLayout(v, NHWC));
  });
}

/**
 * The values that reach an NHWC op, possibly through layout-preserving ops: such a value is converted
 * once, when it is produced. One backward sweep over the (topologically sorted) nodes: linear, and no
 * recursion that a deep chain could overflow.
 */
function wantsNhwc(nodes: readonly OnnxNode[]): Set<string> {
  const want = new Set<string>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (NHWC_CONSUMERS.has(n.op) || (LAYOUT_PRESERVING.has(n.op) && n.outputs.some((o) => o !== '' && want.has(o)))) {
      for (const x of n.inputs) if (x !== '') want.add(x);
    }
  }
  return want;
}

function finishOutput(cx: ImportContext, name: string, where: string): ValueInfo {
  if (!name) throw new ModelFormatError('graph output without a name', where);
  if (!cx.has(name)) throw new ModelFormatError(`graph output "${name}" is never produced`, where);
  const c = cx.constant(name);
  if (c) {
    const ir = cx.materialize(`${name}__value`, c);
    cx.emit('Identity', [ir], {}, [name]);
    return { name, shape: [...cx.irShape(name)![0]] };
  }
  let v = cx.vals.get(name)!;
  if (v.quant && v.dtype !== ElemType.FLOAT) {
    throw new UnsupportedOpError('Output', name, cx.model, 'a quantized (8-bit integer) graph output');
  }
  const perm = outputPerm(cx, v);
  if (v.ir !== name || !samePerm(perm, v.perm)) {
    if (cx.irShape(name)) {
      cx.renameIr(name, cx.fresh(`${name}__pre`));
      v = cx.vals.get(name)!;
    }
    const moved = cx.toLayout(v, perm);
    // A fresh Transpose writes the output itself; otherwise an Identity names it.
    if (moved.ir !== v.ir) cx.renameIr(moved.ir, name);
    else cx.emit('Identity', [moved.ir], {}, [name]);
    v = { ...moved, ir: name };
  }
  const shape = v.s1.map((d, i) => (d !== v.s2[i] ? -1 : d));
  if (shape.slice(1).includes(-1)) throw new UnsupportedOpError('Output', name, cx.model, 'the batch is not the first dim');
  return isIdentity(v.perm) ? { name, shape } : { name, shape, sourcePerm: [...v.perm] };
}

/** The layout a graph output is delivered in: its own, unless the batch is not its first IR dim. */
function outputPerm(cx: ImportContext, v: Val): Perm {
  const b = cx.batchAxes(v);
  if (b.length === 0 || (b.length === 1 && b[0] === 0)) return v.perm;
  const src = v.perm.indexOf(b[0]);
  if (src === 0) return identityPerm(v.perm.length);
  return v.perm.map((_, i) => (i === src ? 0 : i < src ? i + 1 : i));
}
