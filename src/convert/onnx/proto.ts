// Reading ONNX protobuf messages (decoded by ./schema.ts): nodes to a plain form, and typed attribute
// access. Every malformed field becomes a ModelFormatError naming its path.
import { ModelFormatError, UnsupportedOpError } from '../../errors.js';
import { AttributeType as A, decodeModelProto, type AttributeProto, type ModelProto, type NodeProto, type ValueInfoProto } from './schema.js';
import { decodeTensor, type ConstTensor } from './tensor.js';

export type { GraphProto, ModelProto, NodeProto, ValueInfoProto } from './schema.js';

export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new ModelFormatError('ONNX model bytes must be a Uint8Array', 'model');
  if (bytes.length === 0) throw new ModelFormatError('ONNX model is empty', 'model');
  return decodeModelProto(bytes);
}

/** An int64 field (already a number: exact to 2^53, rounded past it, which only sentinels such as INT64_MAX use); 0 when absent. */
export function toNum(v: number | undefined, where: string): number {
  if (v === undefined) return 0;
  if (!Number.isFinite(v)) throw new ModelFormatError(`expected an integer, got ${String(v)}`, where);
  return v;
}

export type AttrValue = number | number[] | string | string[] | ConstTensor;

/** Old exporters leave AttributeProto.type unset: infer it from the field that is present. */
function attrType(a: AttributeProto): number {
  if (a.type) return a.type;
  if (a.floats.length > 0) return A.FLOATS;
  if (a.ints.length > 0) return A.INTS;
  if (a.strings.length > 0) return A.STRINGS;
  if (a.t !== undefined) return A.TENSOR;
  if (a.s !== undefined) return A.STRING;
  if (a.f !== undefined) return A.FLOAT;
  if (a.i !== undefined) return A.INT;
  return A.UNDEFINED;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function readAttr(a: AttributeProto, where: string): AttrValue {
  switch (attrType(a)) {
    case A.FLOAT: return a.f ?? 0;
    case A.INT: return toNum(a.i, where);
    case A.STRING: return utf8.decode(a.s ?? new Uint8Array());
    case A.TENSOR:
      if (!a.t) throw new ModelFormatError('tensor attribute has no tensor', where);
      return decodeTensor(a.t, where);
    case A.FLOATS: return [...a.floats];
    case A.INTS: return [...a.ints];
    case A.STRINGS: return a.strings.map((s) => utf8.decode(s));
    default: throw new ModelFormatError(`attribute of type ${a.type || 'UNDEFINED'} is not readable here`, where);
  }
}

/** One ONNX node with its attributes decoded; `path` locates it for error messages. */
export class OnnxNode {
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly path: string;
  private readonly attrs = new Map<string, AttrValue>();

  constructor(proto: NodeProto, index: number, graphPath: string, readonly model: string, readonly opset: number) {
    this.op = proto.opType;
    this.name = proto.name || `${this.op || 'node'}_${index}`;
    this.domain = proto.domain === 'ai.onnx' ? '' : proto.domain;
    this.inputs = [...proto.input];
    this.outputs = [...proto.output];
    this.path = `${graphPath}.node[${index}] "${this.name}"`;
    if (!this.op) throw new ModelFormatError('node has no op_type', this.path);
    for (const a of proto.attribute) {
      const key = a.name;
      if (!key) throw new ModelFormatError('attribute without a name', `${this.path}.attribute`);
      if (a.refAttrName) throw this.unsupported(`attribute ${key} refers to a function attribute`);
      if (attrType(a) === A.GRAPH || attrType(a) === A.GRAPHS) throw this.unsupported(`subgraph attribute ${key} (control flow)`);
      this.attrs.set(key, readAttr(a, `${this.path}.attribute "${key}"`));
    }
  }

  unsupported(detail: string): UnsupportedOpError {
    return new UnsupportedOpError(this.domain ? `${this.domain}.${this.op}` : this.op, this.name, this.model, detail);
  }

  malformed(message: string, field?: string): ModelFormatError {
    return new ModelFormatError(`${this.op}: ${message}`, field ? `${this.path}.${field}` : this.path);
  }

  /** Rejects attributes this converter does not know: a newer opset's feature must not be ignored silently. */
  only(...known: string[]): void {
    for (const k of this.attrs.keys()) if (!known.includes(k)) throw this.unsupported(`attribute ${k}`);
  }

  has(key: string): boolean {
    return this.attrs.has(key);
  }

  int(key: string, dflt?: number): number {
    const v = this.attrs.get(key) ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.malformed(`attribute ${key} must be an integer, got ${describe(v)}`, `attribute "${key}"`);
    return v;
  }

  float(key: string, dflt?: number): number {
    const v = this.attrs.get(key) ?? dflt;
    if (typeof v !== 'number' || Number.isNaN(v)) throw this.malformed(`attribute ${key} must be a number, got ${describe(v)}`, `attribute "${key}"`);
    return v;
  }

  ints(key: string, dflt?: number[]): number[] {
    const v = this.attrs.get(key) ?? dflt;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x))) {
      throw this.malformed(`attribute ${key} must be a list of integers, got ${describe(v)}`, `attribute "${key}"`);
    }
    return [...(v as number[])];
  }

  floats(key: string, dflt?: number[]): number[] {
    const v = this.attrs.get(key) ?? dflt;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
      throw this.malformed(`attribute ${key} must be a list of numbers, got ${describe(v)}`, `attribute "${key}"`);
    }
    return [...(v as number[])];
  }

  string(key: string, dflt?: string): string {
    const v = this.attrs.get(key) ?? dflt;
    if (typeof v !== 'string') throw this.malformed(`attribute ${key} must be a string, got ${describe(v)}`, `attribute "${key}"`);
    return v;
  }

  strings(key: string, dflt?: string[]): string[] {
    const v = this.attrs.get(key) ?? dflt;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw this.malformed(`attribute ${key} must be a list of strings, got ${describe(v)}`, `attribute "${key}"`);
    }
    return [...(v as string[])];
  }

  tensor(key: string): ConstTensor {
    const v = this.attrs.get(key);
    if (v === undefined || typeof v !== 'object' || Array.isArray(v)) throw this.malformed(`attribute ${key} must be a tensor`, `attribute "${key}"`);
    return v;
  }

  /** Input i, or '' when absent. */
  input(i: number): string {
    return this.inputs[i] ?? '';
  }

  /** Whether output i exists and something may read it. */
  output(i: number): string {
    return this.outputs[i] ?? '';
  }
}

function describe(v: AttrValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'object' && !Array.isArray(v)) return 'a tensor';
  return JSON.stringify(v);
}

export interface DimInfo {
  /** A fixed size, or undefined when symbolic (dim_param) or unknown. */
  readonly value?: number;
  readonly param?: string;
}

export interface TypeInfo {
  readonly elemType: number;
  /** undefined when the value info has no shape at all. */
  readonly dims?: DimInfo[];
}

/** A graph input/output's element type and dims. */
export function readValueInfo(v: ValueInfoProto, where: string): TypeInfo {
  const t = v.type?.tensorType;
  if (!t) {
    if (v.type && (v.type.sequenceType || v.type.mapType)) throw new ModelFormatError('only tensor inputs and outputs are supported', where);
    throw new ModelFormatError('value has no tensor type', where);
  }
  const elemType = t.elemType;
  if (!t.shape) return { elemType };
  const dims = t.shape.dim.map((d, i): DimInfo => {
    if (d.dimValue !== undefined) {
      const value = d.dimValue;
      if (value < 0) throw new ModelFormatError(`negative dimension ${value}`, `${where}.dim[${i}]`);
      return { value };
    }
    return { param: d.dimParam || '?' };
  });
  return { elemType, dims };
}
