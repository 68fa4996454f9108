// The state of one ONNX import: ONNX values mapped to IR values (with their layout and quantization),
// constants, emitted IR nodes, and the shape probes. Every IR node goes through emit(), which runs the
// op's own parseAttrs/inferShape at two batch sizes: dims that differ are the (symbolic) batch.
import { ModelFormatError, UnsupportedOpError } from '../../errors.js';
import type { Attrs, Constant, Node } from '../../graph/ir.js';
import { OpError } from '../../ops/op.js';
import { findOp } from '../../ops/registry.js';
import type { Shape } from '../../tensor.js';
import { conversionPerm, identityPerm, isIdentity, NHWC, permuteDims, samePerm, type Perm } from './layout.js';
import type { OnnxNode } from './proto.js';
import { ElemType, isFloatType, realValues, transposeConst, type ConstTensor } from './tensor.js';
import { uniqueName } from '../../graph/graph-utils.js';
import { ImportBudget } from '../budget.js';

/** The IR keeps a quantized tensor q as its real value (q - zeroPoint) * scale. */
export interface QParams {
  readonly scale: number;
  readonly zeroPoint: number;
  /** ElemType.UINT8 or ElemType.INT8. */
  readonly dtype: number;
}

export function qRange(q: QParams): [number, number] {
  return q.dtype === ElemType.INT8 ? [-128, 127] : [0, 255];
}

export function sameQuant(a: QParams | undefined, b: QParams | undefined): boolean {
  if (!a || !b) return a === b;
  return a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.dtype === b.dtype;
}

/** A runtime (non-constant) ONNX value. */
export interface Val {
  readonly ir: string;
  /** source = transpose(IR tensor, perm). */
  readonly perm: Perm;
  /** IR shape at the two probe batches (equal when nothing depends on the batch). */
  readonly s1: Shape;
  readonly s2: Shape;
  /** ONNX element type; all float types are ElemType.FLOAT. */
  readonly dtype: number;
  readonly quant?: QParams;
}

/** The batch dim cannot stay free: the importer retries with the model's fixed batch. */
export class BatchError extends Error {
  constructor(message: string, readonly node: string) {
    super(message);
  }
}

export const PROBES = [1, 2] as const;

export interface ImportOptions {
  readonly model: string;
  /** Probe at two batch sizes (free batch) or not (the model's fixed batch). */
  readonly dynamic: boolean;
  /** The batch the source model declares, when fixed: a literal equal to it in a Reshape target is the batch. */
  readonly nominalBatch?: number;
  /** Size of the source model in bytes: sets the budget of tensors computed at import (budget.ts). */
  readonly sourceBytes: number;
  /** Quantized ops stay quantized (the IR's QLinear ops over integer values) instead of lowered to float. */
  readonly int8?: boolean;
}

export class ImportContext {
  readonly nodes: Node[] = [];
  readonly constants = new Map<string, Constant>();
  readonly vals = new Map<string, Val>();
  readonly consts = new Map<string, ConstTensor>();
  private readonly irShapes = new Map<string, readonly [Shape, Shape]>();
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly conversions = new Map<string, Val>();
  private readonly constCache = new Map<string, string>();
  private readonly claimed = new Set<string>();
  /** The ONNX node being converted (for names and errors). */
  node?: OnnxNode;
  readonly budget: ImportBudget;

  /** `used`: every ONNX value some node or graph output reads. */
  constructor(readonly opts: ImportOptions, reserved: Iterable<string>, private readonly used: ReadonlySet<string>) {
    for (const n of reserved) this.names.add(n);
    this.budget = new ImportBudget(opts.sourceBytes);
  }

  /** Reserves a computed constant of `dims` before it is allocated (budget.ts); throws naming the node. */
  reserve(dims: readonly number[], bytesPerElement: number): number {
    const what = this.node ? `${this.node.op} node "${this.node.name}"` : 'graph';
    return this.budget.take(dims, bytesPerElement, what, this.where());
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  get model(): string { return this.opts.model; }
  get dynamic(): boolean { return this.opts.dynamic; }

  /** A value name not used by the ONNX model or by anything emitted so far. */
  fresh(base: string): string {
    return uniqueName(this.names, base);
  }

  private freshNode(base: string): string {
    return uniqueName(this.nodeNames, base);
  }

  where(): string {
    return this.node?.path ?? 'graph';
  }

  unsupported(detail: string): UnsupportedOpError {
    if (this.node) return this.node.unsupported(detail);
    return new UnsupportedOpError('graph', 'graph', this.model, detail);
  }

  malformed(message: string): ModelFormatError {
    return new ModelFormatError(this.node ? `${this.node.op}: ${message}` : message, this.where());
  }

  batchError(message: string): BatchError {
    return new BatchError(message, this.node?.name ?? 'graph');
  }

  // ---- ONNX values ----

  has(name: string): boolean {
    return this.vals.has(name) || this.consts.has(name);
  }

  /** A runtime value or a constant; '' and unknown names are format errors. */
  lookup(name: string): Val | ConstTensor {
    const v = this.vals.get(name) ?? this.consts.get(name);
    if (!v) throw this.malformed(name === '' ? 'a required input is missing' : `input "${name}" is not produced before use`);
    return v;
  }

  constant(name: string): ConstTensor | undefined {
    return name === '' ? undefined : this.consts.get(name);
  }

  isConst(name: string): boolean {
    return this.consts.has(name);
  }

  setVal(name: string, v: Val): void {
    if (!name) return;
    this.vals.set(name, v);
  }

  setConst(name: string, c: ConstTensor): void {
    if (!name) return;
    this.consts.set(name, c);
  }

  // ---- IR emission ----

  /** Emits one IR node; returns the output shapes at both probes. Attribute problems are unsupported features. */
  emit(op: string, inputs: readonly string[], attrs: Attrs, outputs: readonly string[], nodeName?: string): (readonly [Shape, Shape])[] {
    const def = findOp(op);
    if (!def) throw this.unsupported(`the IR has no op ${op}`);
    let parsed: unknown;
    try {
      parsed = def.parseAttrs(attrs);
    } catch (e) {
      if (e instanceof OpError) throw this.unsupported(this.opPrefix(op) + e.message);
      throw e;
    }
    const shapesAt = (k: 0 | 1): (Shape | undefined)[] => inputs.map((name) => {
      if (name === '') return undefined;
      const s = this.irShapes.get(name);
      if (!s) throw new Error(`internal: IR value ${name} has no shape`);
      return s[k];
    });
    let out1: Shape[], out2: Shape[];
    try {
      out1 = def.inferShape(shapesAt(0), parsed);
    } catch (e) {
      if (e instanceof OpError) throw this.malformed(this.opPrefix(op) + e.message);
      throw e;
    }
    try {
      out2 = this.dynamic ? def.inferShape(shapesAt(1), parsed) : out1;
    } catch (e) {
      if (e instanceof OpError) throw this.batchError(`${op} fails at batch ${PROBES[1]}: ${e.message}`);
      throw e;
    }
    if (out1.length < outputs.length) throw new Error(`internal: ${op} infers ${out1.length} outputs, ${outputs.length} requested`);
    this.nodes.push({ name: this.freshNode(nodeName ?? this.node?.name ?? op), op, inputs: [...inputs], outputs: [...outputs], attrs });
    return outputs.map((name, i) => {
      const pair = [out1[i], out2[i]] as const;
      if (name !== '') this.irShapes.set(name, pair);
      return pair;
    });
  }

  /** Names the IR op in a message when it is not the ONNX op being converted (already named). */
  private opPrefix(op: string): string {
    return op === this.node?.op ? '' : `IR ${op}: `;
  }

  /** Emits a single-output node and wraps its output as a Val. */
  emitVal(op: string, inputs: readonly string[], attrs: Attrs, out: string, perm: Perm | undefined,
    extra: { dtype?: number; quant?: QParams; nodeName?: string } = {}): Val {
    const [[s1, s2]] = this.emit(op, inputs, attrs, [out], extra.nodeName);
    return { ir: out, perm: perm ?? identityPerm(s1.length), s1, s2, dtype: extra.dtype ?? ElemType.FLOAT, ...(extra.quant ? { quant: extra.quant } : {}) };
  }

  /** Registers an IR graph input. */
  addInput(name: string, s1: Shape, s2: Shape): void {
    this.names.add(name);
    this.irShapes.set(name, [s1, s2]);
  }

  irShape(name: string): readonly [Shape, Shape] | undefined {
    return this.irShapes.get(name);
  }

  /** Adds an IR constant (f32, or i8/u8 with quant) and returns its name. */
  addConstant(base: string, c: Constant): string {
    const name = this.fresh(base);
    this.constants.set(name, c);
    this.irShapes.set(name, [c.shape, c.shape]);
    return name;
  }

  /**
   * A constant as an IR constant in layout `perm` (its dims padded with leading 1s to perm.length first).
   * `keepQuant`: an int8/uint8 constant with quantization stays integer (weights); otherwise f32 values.
   */
  materialize(onnxName: string, c: ConstTensor, perm?: Perm, keepQuant = false): string {
    const rank = perm?.length ?? c.dims.length;
    const key = `${onnxName}|${perm ?? ''}|${keepQuant}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    let t = c;
    if (rank > t.dims.length) {
      const dims = [...new Array<number>(rank - t.dims.length).fill(1), ...t.dims];
      const shift = rank - t.dims.length;
      t = { ...t, dims, ...(t.quant ? { quant: { ...t.quant, axis: t.quant.axis + shift } } : {}) };
    }
    // The first IR copy of an ONNX constant keeps its name; keys may carry a '|variant' suffix.
    const base = onnxName.split('|')[0] || 'const';
    if (t.dims.includes(0)) throw this.unsupported(`constant "${base}" of shape [${t.dims}] has no elements: the runtime has no empty tensors`);
    this.reserve(t.dims, keepQuant && t.quant ? t.data.BYTES_PER_ELEMENT : 4 + (perm ? t.data.BYTES_PER_ELEMENT : 0));
    if (perm) t = transposeConst(t, permuteForConst(perm));
    const own = this.consts.has(base) && !this.claimed.has(base);
    if (own) {
      this.claimed.add(base);
      this.names.add(base);
    }
    const ir = toIrConstant(t, keepQuant, this);
    const name = own ? base : this.fresh(base);
    this.constants.set(name, ir);
    this.irShapes.set(name, [ir.shape, ir.shape]);
    this.constCache.set(key, name);
    return name;
  }

  /** A runtime view of an ONNX value in layout `perm` (default: its current one); constants become IR constants. */
  runtime(name: string, perm?: Perm): Val {
    const v = this.lookup(name);
    if (isVal(v)) return perm ? this.toLayout(v, perm) : v;
    const rank = perm?.length ?? v.dims.length;
    const ir = this.materialize(name, v, perm);
    const shape = this.irShapes.get(ir)![0];
    return { ir, perm: perm ?? identityPerm(rank), s1: shape, s2: shape, dtype: isFloatType(v.dtype) || v.quant ? ElemType.FLOAT : v.dtype };
  }

  /** The same source tensor held in another layout (a Transpose, emitted once per value and layout). */
  toLayout(v: Val, perm: Perm): Val {
    if (samePerm(v.perm, perm)) return v;
    if (v.perm.length !== perm.length) throw new Error(`internal: layout rank ${perm.length} for a rank-${v.perm.length} value`);
    const key = `${v.ir}|${perm.join(',')}`;
    const hit = this.conversions.get(key);
    if (hit) return hit;
    const p = conversionPerm(v.perm, perm);
    const tag = samePerm(perm, NHWC) ? 'nhwc' : isIdentity(perm) ? 'src' : 'perm';
    const out = this.emitVal('Transpose', [v.ir], { perm: p }, this.fresh(`${v.ir}__${tag}`), perm,
      { dtype: v.dtype, quant: v.quant, nodeName: `${this.node?.name ?? v.ir}__to_${tag}` });
    this.conversions.set(key, out);
    return out;
  }

  /** Replaces an IR value name everywhere (used to free a graph output's name). */
  renameIr(from: string, to: string): void {
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((x) => (x === from ? to : x));
      n.outputs = n.outputs.map((x) => (x === from ? to : x));
    }
    const s = this.irShapes.get(from);
    if (s) this.irShapes.set(to, s);
    for (const [k, v] of this.vals) if (v.ir === from) this.vals.set(k, { ...v, ir: to });
    for (const [k, v] of this.conversions) if (v.ir === from) this.conversions.set(k, { ...v, ir: to });
  }

  // ---- shapes ----

  /** Source dims at each probe. */
  sourceDims(v: Val): [number[], number[]] {
    return [permuteDims([...v.s1], v.perm), permuteDims([...v.s2], v.perm)];
  }

  /** Source dims with NaN for the batch; a dim that is a multiple of the batch cannot be expressed. */
  symbolicDims(v: Val): number[] {
    const [a, b] = this.sourceDims(v);
    return a.map((d, i) => {
      if (d === b[i]) return d;
      if (d === PROBES[0] && b[i] === PROBES[1]) return NaN;
      throw this.batchError(`dim ${i} of ${v.ir} is a multiple of the batch`);
    });
  }

  /** IR axes that depend on the batch. */
  batchAxes(v: { s1: Shape; s2: Shape }): number[] {
    return v.s1.map((d, i) => (d !== v.s2[i] ? i : -1)).filter((i) => i >= 0);
  }

  /** An IR Reshape target for a known IR shape pair: literal dims, -1 for the (single) batch-dependent dim. */
  reshapeTarget(s1: Shape, s2: Shape): number[] {
    const batch = s1.map((d, i) => (d !== s2[i] ? i : -1)).filter((i) => i >= 0);
    if (batch.length > 1) throw this.batchError(`shape [${s1}] has ${batch.length} batch-dependent dims`);
    return s1.map((d, i) => (i === batch[0] ? -1 : d));
  }
}

export function isVal(v: Val | object): v is Val {
  return typeof (v as Val).ir === 'string';
}

/** transposeConst takes out.dims[i] = in.dims[p[i]]; a layout perm maps source axis i to IR axis perm[i]. */
function permuteForConst(layout: Perm): number[] {
  const inv = new Array<number>(layout.length);
  layout.forEach((irAxis, srcAxis) => { inv[irAxis] = srcAxis; });
  return inv;
}

function toIrConstant(t: ConstTensor, keepQuant: boolean, cx: ImportContext): Constant {
  if (keepQuant && t.quant && (t.data instanceof Int8Array || t.data instanceof Uint8Array)) {
    const zp = t.quant.zeroPoints;
    const quant = { axis: t.quant.axis, scales: Float32Array.from(t.quant.scales), ...(zp.some((z) => z !== 0) ? { zeroPoints: Int32Array.from(zp) } : {}) };
    return { shape: [...t.dims], dtype: t.data instanceof Int8Array ? 'i8' : 'u8', data: t.data, quant };
  }
  const data = realValues(t);
  // In integer tensors NaN is the symbolic batch (see tensor.ts): it has no value to store.
  if (t.data instanceof Float64Array && data.some((x) => Number.isNaN(x))) {
    throw cx.batchError('a tensor that holds the batch size is used as data');
  }
  return { shape: [...t.dims], dtype: 'f32', data };
}
