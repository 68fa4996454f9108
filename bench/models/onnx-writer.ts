// Building blocks of the ONNX exporter: attribute encoding, initializers, and the bookkeeping of where
// each IR value lives in the ONNX graph (its name there and its layout, transpose(IR value, perm)).
import onnxProto from 'onnx-proto';
import type { Activation } from '../../src/ops/activation.js';
import { GraphInfo, invertPerm, isIdentity, transposeData } from './graph-info.js';

const { onnx } = onnxProto;
export type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
const A = onnx.AttributeProto.AttributeType;

export type Attr = number | number[] | string | string[] | { float: number } | { floats: number[] };

/** Plain numbers are INT attributes; FLOAT ones are written { float: v }. */
export function attribute(name: string, v: Attr): AttributeProto {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer; pass { float: v }`);
    return { name, type: A.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, type: A.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    return { name, type: A.INTS, ints: v as number[] };
  }
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  return { name, type: A.FLOATS, floats: v.floats };
}

export interface Placed {
  /** ONNX value name. */
  readonly name: string;
  /** ONNX tensor = transpose(IR tensor, perm). */
  readonly perm: readonly number[];
}

export class OnnxWriter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly vals = new Map<string, Placed>();
  private readonly converted = new Map<string, string>();
  private readonly consts = new Map<string, string>();

  constructor(readonly info: GraphInfo) {
    for (const name of info.graph.constants.keys()) this.used.add(name);
    for (const v of info.graph.inputs) this.used.add(v.name);
  }

  fresh(base: string): string {
    let name = base, k = 1;
    while (this.used.has(name)) name = `${base}_${k++}`;
    this.used.add(name);
    return name;
  }

  /** The name a node output gets: the IR name when in IR layout, else a derived one. */
  outName(ir: string, perm: readonly number[]): string {
    if (isIdentity(perm) && !this.used.has(ir)) {
      this.used.add(ir);
      return ir;
    }
    return this.fresh(`${ir}__${perm.join('')}`);
  }

  place(ir: string, name: string, perm: readonly number[]): void {
    this.vals.set(ir, { name, perm: [...perm] });
  }

  placed(ir: string): Placed {
    const v = this.vals.get(ir);
    if (!v) throw new Error(`value "${ir}" used before it is produced`);
    return v;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): void {
    this.nodes.push({
      opType, name: this.fresh(`${opType}_${this.nodes.length}`), input: inputs, output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
  }

  f32Init(base: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
    return name;
  }

  i64Init(base: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  scalar(base: string, v: number): string {
    return this.f32Init(base, [], Float32Array.of(v));
  }

  /** An IR constant as an initializer, transposed by `perm` (after padding its shape to perm's rank with leading 1s). */
  constant(ir: string, perm?: readonly number[]): string {
    const key = `${ir}|${perm ?? ''}`;
    const hit = this.consts.get(key);
    if (hit) return hit;
    let shape = [...this.info.graph.constants.get(ir)!.shape];
    let data = this.info.constantData(ir);
    let name: string;
    if (perm && !isIdentity(perm)) {
      while (shape.length < perm.length) shape = [1, ...shape];
      data = transposeData(data, shape, perm);
      name = this.f32Init(`${ir}__${perm.join('')}`, perm.map((p) => shape[p]), data);
    } else {
      name = this.f32Init(ir, shape, data);
    }
    this.consts.set(key, name);
    return name;
  }

  /** The ONNX name of IR value `ir` laid out as transpose(IR, want); converts (once) when needed. */
  inLayout(ir: string, want: readonly number[]): string {
    if (this.info.isConstant(ir)) return this.constant(ir, want);
    const v = this.placed(ir);
    if (v.perm.join() === want.join()) return v.name;
    const key = `${ir}|${want}`;
    const hit = this.converted.get(key);
    if (hit) return hit;
    // onnx = T(ir, q); T(onnx, r) = T(ir, want) for r[j] = q^-1[want[j]].
    const qinv = invertPerm(v.perm);
    const out = this.outName(ir, want);
    this.node('Transpose', [v.name], [out], { perm: want.map((w) => qinv[w]) });
    this.converted.set(key, out);
    return out;
  }

  /** Appends the fused activation `act` reading `x` and writing `y`. */
  activation(act: Activation, x: string, y: string): void {
    switch (act.op) {
      case 'Relu': case 'Sigmoid': case 'Tanh': case 'HardSwish': this.node(act.op, [x], [y]); return;
      case 'Clip': this.node('Clip', [x, this.scalar('clip_min', act.min), this.scalar('clip_max', act.max)], [y]); return;
      case 'LeakyRelu': this.node('LeakyRelu', [x], [y], { alpha: { float: act.alpha } }); return;
      case 'HardSigmoid': this.node('HardSigmoid', [x], [y], { alpha: { float: act.alpha }, beta: { float: act.beta } }); return;
    }
  }

  /** Writes `opType` producing IR value `out` in layout `perm`, then its fused activation if any. */
  withActivation(opType: string, inputs: string[], out: string, perm: readonly number[], attrs: Record<string, Attr>, act: Activation | undefined): void {
    const y = this.outName(out, perm);
    if (act) {
      const pre = this.fresh(`${out}__pre`);
      this.node(opType, inputs, [pre], attrs);
      this.activation(act, pre, y);
    } else {
      this.node(opType, inputs, [y], attrs);
    }
    this.place(out, y, perm);
  }
}
