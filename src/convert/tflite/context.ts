// The state of one TFLite import: each TFLite tensor mapped to an IR value or to a constant, the IR
// nodes and constants emitted so far, and the operator being converted (for errors). A quantized
// tensor is carried as its real value (q - zero_point) * scale, as the ONNX importer does: weights stay
// 8-bit constants with their scales, activations are computed in float (the runtime has no integer
// kernels yet, #13). Each runtime value knows a bound of its real values (`lo`, `hi`): the range of its
// quantization grid, or what an op can produce from its inputs', so the grid's clamp (which holds any
// activation the quantizer folded in, e.g. ReLU6) is emitted only where it can change a value.
// Constants are checked against their buffers before use (constant()); MAX_CONST_ELEMENTS is the
// limit every importer shares (budget.ts).
import { MAX_CONST_ELEMENTS } from '../budget.js';
import { ModelFormatError, UnsupportedOpError } from '../../errors.js';
import { f16BitsToF32 } from '../../graph/constant.js';
import type { Attrs, Constant, Node, StorageDType } from '../../graph/ir.js';
import { F32_MAX } from '../../ops/activation.js';
import { OpError } from '../../ops/op.js';
import { findOp } from '../../ops/registry.js';
import { shapeToString, type Shape } from '../../tensor.js';
import { opName, TensorType, typeName, type OperatorInfo, type TensorInfo, type TfliteModel } from './schema.js';
import { uniqueName } from '../../graph/graph-utils.js';


/** The integer grid of a quantized runtime tensor (per-tensor: activations have one scale). */
export interface Grid {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
}

/** A runtime value: its IR name, IR shape at batch 1, and a bound of its real values. */
export interface Val {
  readonly kind: 'val';
  readonly ir: string;
  readonly shape: Shape;
  readonly lo: number;
  readonly hi: number;
  /** Set for a quantized tensor. */
  readonly grid?: Grid;
}

/** A constant tensor: its bytes in the file and how to read them. */
export interface Const {
  readonly kind: 'const';
  readonly t: TensorInfo;
  readonly shape: Shape;
  readonly bytes: Uint8Array;
}

const ELEM_BYTES: Record<number, number> = {
  [TensorType.FLOAT32]: 4, [TensorType.FLOAT16]: 2, [TensorType.INT32]: 4, [TensorType.UINT8]: 1, [TensorType.INT64]: 8,
  [TensorType.INT16]: 2, [TensorType.INT8]: 1, [TensorType.BOOL]: 1,
};

const GRID_RANGES: Record<number, readonly [number, number]> = {
  [TensorType.UINT8]: [0, 255], [TensorType.INT8]: [-128, 127], [TensorType.INT16]: [-32768, 32767],
};

export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function gridRange(g: Grid): [number, number] {
  return [(g.qmin - g.zeroPoint) * g.scale, (g.qmax - g.zeroPoint) * g.scale];
}

export class Context {
  readonly nodes: Node[] = [];
  readonly constants = new Map<string, Constant>();
  readonly shapes = new Map<string, Shape>();
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly values: (Val | Const | undefined)[];
  /** The IR name of each tensor, allocated up front so that outputs keep their TFLite names. */
  readonly irNames: string[];
  private readonly materialized = new Map<string, string>();
  /**
   * IR values that hold rows of the batch rather than the batch itself (a FULLY_CONNECTED with
   * keep_num_dims runs on [N * rows, K]): dimension 0 may be a multiple of the batch there.
   */
  readonly rowsOfBatch = new Set<string>();
  op?: OperatorInfo;

  constructor(readonly model: TfliteModel, readonly modelName: string, readonly dynamic: boolean) {
    const tensors = model.subgraph.tensors;
    this.values = new Array(tensors.length);
    this.irNames = tensors.map((t) => this.fresh(t.name || `tensor_${t.index}`));
  }

  get tensors(): readonly TensorInfo[] {
    return this.model.subgraph.tensors;
  }

  /** A value name not used so far. */
  fresh(base: string): string {
    return uniqueName(this.names, base);
  }

  private freshNode(base: string): string {
    return uniqueName(this.nodeNames, base);
  }

  // ---- errors ----

  opName(): string {
    if (!this.op) return 'graph';
    const code = this.model.operatorCodes[this.op.opcode];
    if (!code) return `opcode ${this.op.opcode}`;
    return code.custom !== undefined && code.builtin === 32 ? code.custom : opName(code.builtin);
  }

  /** The operator being converted, as error messages name it. */
  where(): string {
    return this.op ? `operator ${this.op.index}` : 'graph';
  }

  unsupported(detail: string, op = this.opName()): UnsupportedOpError {
    return new UnsupportedOpError(op, this.where(), this.modelName, detail);
  }

  malformed(message: string, where = this.op?.path ?? 'model.subgraphs[0]'): ModelFormatError {
    return new ModelFormatError(this.op ? `${this.opName()} (operator ${this.op.index}): ${message}` : message, where);
  }

  // ---- tensors ----

  tensor(i: number, what = 'tensor'): TensorInfo {
    const t = this.tensors[i];
    if (!Number.isInteger(i) || !t) throw this.malformed(`${what} index ${i} is out of range (${this.tensors.length} tensors)`);
    return t;
  }

  /** The tensor index of the operator's input k; -1 (an absent optional input) when `optional`. */
  input(k: number, optional = false): number {
    const i = this.op!.inputs[k];
    if (i === undefined || i === -1) {
      if (optional) return -1;
      throw this.malformed(`input ${k} is missing (the operator has ${this.op!.inputs.length})`);
    }
    this.tensor(i, `input ${k}`);
    return i;
  }

  output(k: number): number {
    const i = this.op!.outputs[k];
    if (i === undefined || i === -1) throw this.malformed(`output ${k} is missing`);
    this.tensor(i, `output ${k}`);
    return i;
  }

  /** The value of tensor i: a constant (read on first use) or what an earlier operator or the graph input gave it. */
  lookup(i: number): Val | Const {
    const v = this.values[i];
    if (v) return v;
    const t = this.tensor(i);
    const bytes = this.model.buffer(t.buffer, `${t.path}.buffer`);
    if (bytes.length === 0) throw this.malformed(`tensor ${i} "${t.name}" is read before anything writes it`);
    const c = this.constant(t, bytes);
    this.values[i] = c;
    return c;
  }

  /** Tensor i as a runtime value (a constant becomes an IR constant of its real values' storage). */
  val(i: number): Val {
    const v = this.lookup(i);
    return v.kind === 'const' ? this.constVal(v) : v;
  }

  /** A constant used where a runtime value goes (an elementwise operand): an IR constant, its real values. */
  constVal(c: Const): Val {
    const v = this.floats(c);
    let lo = Infinity, hi = -Infinity;
    for (const x of v) { if (x < lo) lo = x; if (x > hi) hi = x; }
    return { kind: 'val', ir: this.materialize(c), shape: c.shape, lo, hi };
  }

  isConst(i: number): boolean {
    return this.lookup(i).kind === 'const';
  }

  define(i: number, v: Val | Const): void {
    if (this.values[i]) throw this.malformed(`tensor ${i} "${this.tensors[i].name}" is written twice`);
    this.values[i] = v;
  }

  /** Checks and wraps a constant tensor's bytes. */
  private constant(t: TensorInfo, bytes: Uint8Array): Const {
    if (t.sparse) throw this.unsupported(`sparse tensor ${t.index} "${t.name}"`);
    const size = ELEM_BYTES[t.type];
    if (size === undefined) throw this.unsupported(`constant tensor ${t.index} "${t.name}" of type ${typeName(t.type)}`);
    const shape = t.shape;
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw this.malformed(`constant tensor ${t.index} "${t.name}" has shape ${shapeToString(shape)}`, t.path);
    const n = sizeOf(shape);
    if (n > MAX_CONST_ELEMENTS) throw this.unsupported(`constant tensor ${t.index} "${t.name}" has ${n} elements (limit ${MAX_CONST_ELEMENTS})`);
    if (bytes.length !== n * size) {
      throw this.malformed(`constant tensor ${t.index} "${t.name}" ${shapeToString(shape)} of ${typeName(t.type)} needs ${n * size} bytes, its buffer has ${bytes.length}`, t.path);
    }
    return { kind: 'const', t, shape, bytes };
  }

  /** The grid of a quantized runtime tensor, or undefined for float; other types are unsupported. */
  grid(t: TensorInfo): Grid | undefined {
    if (t.type === TensorType.FLOAT32) return undefined;
    const range = GRID_RANGES[t.type];
    if (!range) throw this.unsupported(`tensor ${t.index} "${t.name}" of type ${typeName(t.type)} is computed at run time (only float32 and quantized 8/16-bit tensors)`);
    const q = t.quant;
    if (!q) throw this.unsupported(`${typeName(t.type)} tensor ${t.index} "${t.name}" without quantization parameters`);
    if (q.scale.length !== 1) throw this.unsupported(`per-channel quantization of the computed tensor ${t.index} "${t.name}"`);
    const scale = q.scale[0], zeroPoint = q.zeroPoint[0];
    if (!(scale > 0) || !Number.isFinite(scale)) throw this.malformed(`tensor ${t.index} "${t.name}" has scale ${scale}`, t.path);
    if (!Number.isInteger(zeroPoint) || zeroPoint < range[0] || zeroPoint > range[1]) {
      throw this.malformed(`tensor ${t.index} "${t.name}" has zero point ${zeroPoint} outside its ${typeName(t.type)} range`, t.path);
    }
    return { scale, zeroPoint, qmin: range[0], qmax: range[1] };
  }

  // ---- constant data ----

  private view(c: Const): DataView {
    return new DataView(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength);
  }

  /** Integer values of an integer constant (shapes, axes, paddings). */
  ints(c: Const, what: string): number[] {
    const v = this.view(c), n = sizeOf(c.shape), out = new Array<number>(n);
    switch (c.t.type) {
      case TensorType.INT32: for (let i = 0; i < n; i++) out[i] = v.getInt32(4 * i, true); break;
      case TensorType.INT64:
        for (let i = 0; i < n; i++) {
          const x = v.getBigInt64(8 * i, true);
          if (x > 2n ** 31n || x < -(2n ** 31n)) throw this.malformed(`${what} value ${x} is out of range`);
          out[i] = Number(x);
        }
        break;
      default: throw this.unsupported(`${what} of type ${typeName(c.t.type)} (int32 or int64)`);
    }
    return out;
  }

  /** Per-element (scale, zero point) along the quantized dimension, or undefined when not quantized. */
  private quantAxis(c: Const): { scales: Float32Array; zps: readonly number[]; inner: number; count: number } | undefined {
    const q = c.t.quant;
    if (!q) return undefined;
    if (c.t.oddity) throw this.unsupported(`${c.t.oddity} on tensor ${c.t.index} "${c.t.name}"`);
    const count = q.scale.length;
    if (count === 1) return { scales: q.scale, zps: q.zeroPoint, inner: 1, count: 1 };
    const d = q.dimension;
    if (!Number.isInteger(d) || d < 0 || d >= c.shape.length || c.shape[d] !== count) {
      throw this.malformed(`tensor ${c.t.index} "${c.t.name}" has ${count} scales for dimension ${d} of ${shapeToString(c.shape)}`, c.t.path);
    }
    if (q.zeroPoint.length !== count) throw this.malformed(`tensor ${c.t.index} "${c.t.name}" has ${q.zeroPoint.length} zero points for ${count} scales`, c.t.path);
    return { scales: q.scale, zps: q.zeroPoint, inner: sizeOf(c.shape.slice(d + 1)), count };
  }

  /** The real values of a constant: floats widened, quantized integers dequantized, other integers as they are. */
  floats(c: Const): Float32Array {
    const v = this.view(c), n = sizeOf(c.shape), out = new Float32Array(n);
    const raw = (i: number): number => {
      switch (c.t.type) {
        case TensorType.FLOAT32: return v.getFloat32(4 * i, true);
        case TensorType.FLOAT16: return f16BitsToF32(v.getUint16(2 * i, true));
        case TensorType.INT32: return v.getInt32(4 * i, true);
        case TensorType.UINT8: return v.getUint8(i);
        case TensorType.INT8: return v.getInt8(i);
        case TensorType.INT16: return v.getInt16(2 * i, true);
        case TensorType.BOOL: return v.getUint8(i) ? 1 : 0;
        case TensorType.INT64: return Number(v.getBigInt64(8 * i, true));
        default: throw this.unsupported(`tensor of type ${typeName(c.t.type)}`);
      }
    };
    const isFloat = c.t.type === TensorType.FLOAT32 || c.t.type === TensorType.FLOAT16;
    const q = isFloat ? undefined : this.quantAxis(c);
    for (let i = 0; i < n; i++) {
      const ch = q && q.count > 1 ? Math.floor(i / q.inner) % q.count : 0;
      out[i] = q ? (raw(i) - q.zps[ch]) * q.scales[ch] : raw(i);
    }
    return out;
  }

  /**
   * A constant as an IR constant, storage kept: f32, f16 (IEEE half bits), and 8-bit quantized integers
   * with their scales (per tensor, or along the quantized dimension); anything else becomes f32 values.
   * `layout(c)` may re-lay the constant first (depthwise weights); results are cached per tensor and key.
   */
  materialize(c: Const, key = '', relayout?: (k: Constant) => Constant): string {
    const cacheKey = `${c.t.index}|${key}`;
    const hit = this.materialized.get(cacheKey);
    if (hit) return hit;
    let k = this.irConstant(c);
    if (relayout) k = relayout(k);
    const name = key === '' && !this.shapes.has(this.irNames[c.t.index]) ? this.irNames[c.t.index] : this.fresh(`${this.irNames[c.t.index]}${key ? `__${key}` : ''}`);
    this.addConstant(name, k);
    this.materialized.set(cacheKey, name);
    return name;
  }

  /** Registers an IR constant under a name already taken through fresh(). */
  addConstant(name: string, k: Constant): void {
    if (k.shape.includes(0)) throw this.unsupported(`constant "${name}" of shape ${shapeToString(k.shape)} has no elements: the runtime has no empty tensors`);
    this.constants.set(name, k);
    this.shapes.set(name, k.shape);
  }

  /** A new f32 IR constant. */
  floatConstant(base: string, shape: Shape, data: Float32Array): string {
    const name = this.fresh(base);
    this.addConstant(name, { shape: [...shape], dtype: 'f32', data });
    return name;
  }

  private irConstant(c: Const): Constant {
    const shape = [...c.shape], n = sizeOf(shape);
    if (c.t.type === TensorType.FLOAT32) return { shape, dtype: 'f32', data: this.floats(c) };
    if (c.t.type === TensorType.FLOAT16) {
      const v = this.view(c), data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = v.getUint16(2 * i, true);
      return { shape, dtype: 'f16', data };
    }
    const q = (c.t.type === TensorType.UINT8 || c.t.type === TensorType.INT8) ? this.quantAxis(c) : undefined;
    if (!q) return { shape, dtype: 'f32', data: this.floats(c) };
    const dtype: StorageDType = c.t.type === TensorType.UINT8 ? 'u8' : 'i8';
    const [qmin, qmax] = GRID_RANGES[c.t.type];
    const data = dtype === 'u8' ? Uint8Array.from(c.bytes) : new Int8Array(c.bytes.buffer.slice(c.bytes.byteOffset, c.bytes.byteOffset + n));
    const scales = Float32Array.from(q.scales), zeroPoints = Int32Array.from(q.zps);
    for (let ch = 0; ch < q.count; ch++) {
      const zp = zeroPoints[ch];
      if (!Number.isInteger(zp) || zp < qmin || zp > qmax) throw this.malformed(`tensor ${c.t.index} "${c.t.name}" has zero point ${zp} outside its ${typeName(c.t.type)} range`, c.t.path);
      const s = scales[ch];
      if (!Number.isFinite(s) || s < 0) throw this.malformed(`tensor ${c.t.index} "${c.t.name}" has scale ${s}`, c.t.path);
      if (s === 0) {
        // Every value of this slice is 0: the same with scale 1 and q = zero point (the format wants scales > 0).
        scales[ch] = 1;
        for (let i = 0; i < n; i++) if (Math.floor(i / q.inner) % q.count === ch) data[i] = zp;
      }
    }
    const axis = q.count > 1 ? c.t.quant!.dimension : 0;
    return { shape, dtype, data, quant: { axis, scales, ...(zeroPoints.some((z) => z !== 0) ? { zeroPoints } : {}) } };
  }

  // ---- IR emission ----

  /** Emits one IR node and returns its output shapes; shapes that do not fit are the model's fault. */
  emit(op: string, inputs: readonly string[], attrs: Attrs, outputs: readonly string[]): Shape[] {
    const def = findOp(op);
    if (!def) throw new Error(`internal: the IR has no op ${op}`);
    let shapes: Shape[];
    try {
      const parsed = def.parseAttrs(attrs);
      shapes = def.inferShape(inputs.map((n) => (n === '' ? undefined : this.shapeOf(n))), parsed);
    } catch (e) {
      if (e instanceof OpError) throw this.malformed(`${op}: ${e.message}`);
      throw e;
    }
    this.nodes.push({ name: this.freshNode(outputs[0] ?? op), op, inputs: [...inputs], outputs: [...outputs], attrs });
    outputs.forEach((n, i) => this.shapes.set(n, shapes[i]));
    return shapes;
  }

  /** Emits a single-output node writing `out`; returns the value with the given bound. */
  emitVal(op: string, inputs: readonly string[], attrs: Attrs, out: string, lo = -Infinity, hi = Infinity, grid?: Grid): Val {
    const [shape] = this.emit(op, inputs, attrs, [out]);
    return { kind: 'val', ir: out, shape, lo, hi, ...(grid ? { grid } : {}) };
  }

  shapeOf(name: string): Shape {
    const s = this.shapes.get(name);
    if (!s) throw new Error(`internal: IR value ${name} has no shape`);
    return s;
  }

  registerInput(name: string, shape: Shape): void {
    this.shapes.set(name, shape);
  }

  /** An IR Reshape target for a batch-1 shape: the batch left free (-1) when the import keeps it free. */
  reshapeTarget(shape: Shape): number[] {
    return this.dynamic && shape.length > 0 ? [-1, ...shape.slice(1)] : [...shape];
  }
}

/** An activation interval as the IR's fused activation (undefined when it bounds nothing). */
export function clipActivation(lo: number, hi: number): Attrs['activation'] | undefined {
  if (lo === -Infinity && hi === Infinity) return undefined;
  if (lo === 0 && hi === Infinity) return { op: 'Relu' };
  return { op: 'Clip', min: Math.max(lo, -F32_MAX), max: Math.min(hi, F32_MAX) };
}
