// The ONNX messages the importer reads (onnx.proto, field numbers as in ONNX 1.10 and later), decoded
// from the wire into plain objects. Only those fields are decoded; other fields are skipped. Subgraphs,
// sparse tensors and non-tensor types are kept as undecoded bytes: the importer only needs to know they
// are there, to refuse them, and their contents cannot nest the decoder any deeper.
// Defaults: strings '', numbers 0, lists []; fields whose presence matters (the attribute values, which
// old exporters leave untyped; dim_value against dim_param; raw_data) are absent unless on the wire.
import { WireReader } from './wire.js';

/** TensorProto.DataType. Names exactly for 0 to 16: the importer treats a type without a name as unknown. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

const DATA_TYPE_NAMES: readonly string[] = Object.keys(DataType);

/** The name of a TensorProto.DataType, or undefined when this reader does not know it. */
export function dataTypeName(t: number): string | undefined {
  return DATA_TYPE_NAMES[t];
}

/** TensorProto.DataLocation. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9,
  GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetIdProto[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph?: GraphProto;
}

export interface OperatorSetIdProto {
  domain: string;
  version: number;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  /** Undecoded: the importer refuses sparse initializers. */
  sparseInitializer: Uint8Array[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

export interface AttributeProto {
  name: string;
  refAttrName: string;
  /** AttributeType; 0 when the exporter left it unset. */
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  /** Undecoded subgraph: the importer refuses control flow. */
  g?: Uint8Array;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  /** Undecoded subgraphs. */
  graphs: Uint8Array[];
}

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  segment?: { begin: number; end: number };
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: number[];
  /** A view into the model bytes. */
  rawData?: Uint8Array;
  doubleData: number[];
  uint64Data: number[];
  dataLocation: number;
  externalData: { key: string; value: string }[];
}

export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
}

export interface TypeProto {
  tensorType?: TensorTypeProto;
  /** Undecoded: only tensor inputs and outputs are supported. */
  sequenceType?: Uint8Array;
  mapType?: Uint8Array;
}

export interface TensorTypeProto {
  elemType: number;
  shape?: TensorShapeProto;
}

export interface TensorShapeProto {
  dim: DimensionProto[];
}

/** A oneof: at most one of dimValue and dimParam is set (the last on the wire); neither when unknown. */
export interface DimensionProto {
  dimValue?: number;
  dimParam?: string;
}

/** Decodes a ModelProto; malformed bytes are a ModelFormatError at model.<field path>, byte <offset>. */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  const r = new WireReader(bytes, 'model');
  return readModel(r);
}

/** Decodes one TensorProto on its own (e.g. one re-encoded by another protobuf library). */
export function decodeTensorProto(bytes: Uint8Array): TensorProto {
  return readTensor(new WireReader(bytes, 'tensor'));
}

function readModel(r: WireReader): ModelProto {
  const m: ModelProto = { irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', docString: '' };
  while (r.more()) {
    switch (r.field()) {
      case 1: m.irVersion = r.int64('ir_version'); break;
      case 2: m.producerName = r.string('producer_name'); break;
      case 3: m.producerVersion = r.string('producer_version'); break;
      case 6: m.docString = r.string('doc_string'); break;
      case 7: m.graph = r.message('graph', -1, readGraph); break;
      case 8: m.opsetImport.push(r.message('opset_import', m.opsetImport.length, readOpset)); break;
      default: r.skip();
    }
  }
  return m;
}

function readOpset(r: WireReader): OperatorSetIdProto {
  const o: OperatorSetIdProto = { domain: '', version: 0 };
  while (r.more()) {
    switch (r.field()) {
      case 1: o.domain = r.string('domain'); break;
      case 2: o.version = r.int64('version'); break;
      default: r.skip();
    }
  }
  return o;
}

function readGraph(r: WireReader): GraphProto {
  const g: GraphProto = { name: '', node: [], initializer: [], sparseInitializer: [], input: [], output: [], valueInfo: [] };
  while (r.more()) {
    switch (r.field()) {
      case 1: g.node.push(r.message('node', g.node.length, readNode)); break;
      case 2: g.name = r.string('name'); break;
      case 5: g.initializer.push(r.message('initializer', g.initializer.length, readTensor)); break;
      case 11: g.input.push(r.message('input', g.input.length, readValueInfo)); break;
      case 12: g.output.push(r.message('output', g.output.length, readValueInfo)); break;
      case 13: g.valueInfo.push(r.message('value_info', g.valueInfo.length, readValueInfo)); break;
      case 15: g.sparseInitializer.push(r.bytes('sparse_initializer')); break;
      default: r.skip();
    }
  }
  return g;
}

function readNode(r: WireReader): NodeProto {
  const n: NodeProto = { name: '', opType: '', domain: '', input: [], output: [], attribute: [] };
  while (r.more()) {
    switch (r.field()) {
      case 1: n.input.push(r.string('input')); break;
      case 2: n.output.push(r.string('output')); break;
      case 3: n.name = r.string('name'); break;
      case 4: n.opType = r.string('op_type'); break;
      case 5: n.attribute.push(r.message('attribute', n.attribute.length, readAttribute)); break;
      case 7: n.domain = r.string('domain'); break;
      default: r.skip();
    }
  }
  return n;
}

function readAttribute(r: WireReader): AttributeProto {
  const a: AttributeProto = { name: '', refAttrName: '', type: 0, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
  while (r.more()) {
    switch (r.field()) {
      case 1: a.name = r.string('name'); break;
      case 2: a.f = r.float('f'); break;
      case 3: a.i = r.int64('i'); break;
      case 4: a.s = r.bytes('s'); break;
      case 5: a.t = r.message('t', -1, readTensor); break;
      case 6: a.g = r.bytes('g'); break;
      case 7: r.floats('floats', a.floats); break;
      case 8: r.int64s('ints', a.ints); break;
      case 9: a.strings.push(r.bytes('strings')); break;
      case 10: a.tensors.push(r.message('tensors', a.tensors.length, readTensor)); break;
      case 11: a.graphs.push(r.bytes('graphs')); break;
      case 20: a.type = r.int32('type'); break;
      case 21: a.refAttrName = r.string('ref_attr_name'); break;
      default: r.skip();
    }
  }
  return a;
}

function readTensor(r: WireReader): TensorProto {
  const t: TensorProto = {
    name: '', dims: [], dataType: 0, floatData: [], int32Data: [], stringData: [], int64Data: [],
    doubleData: [], uint64Data: [], dataLocation: 0, externalData: [],
  };
  while (r.more()) {
    switch (r.field()) {
      case 1: r.int64s('dims', t.dims); break;
      case 2: t.dataType = r.int32('data_type'); break;
      case 3: t.segment = r.message('segment', -1, readSegment); break;
      case 4: r.floats('float_data', t.floatData); break;
      case 5: r.int32s('int32_data', t.int32Data); break;
      case 6: t.stringData.push(r.bytes('string_data')); break;
      case 7: r.int64s('int64_data', t.int64Data); break;
      case 8: t.name = r.string('name'); break;
      case 9: t.rawData = r.bytes('raw_data'); break;
      case 10: r.doubles('double_data', t.doubleData); break;
      case 11: r.uint64s('uint64_data', t.uint64Data); break;
      case 13: t.externalData.push(r.message('external_data', t.externalData.length, readEntry)); break;
      case 14: t.dataLocation = r.int32('data_location'); break;
      default: r.skip();
    }
  }
  return t;
}

function readSegment(r: WireReader): { begin: number; end: number } {
  const s = { begin: 0, end: 0 };
  while (r.more()) {
    switch (r.field()) {
      case 1: s.begin = r.int64('begin'); break;
      case 2: s.end = r.int64('end'); break;
      default: r.skip();
    }
  }
  return s;
}

function readEntry(r: WireReader): { key: string; value: string } {
  const e = { key: '', value: '' };
  while (r.more()) {
    switch (r.field()) {
      case 1: e.key = r.string('key'); break;
      case 2: e.value = r.string('value'); break;
      default: r.skip();
    }
  }
  return e;
}

function readValueInfo(r: WireReader): ValueInfoProto {
  const v: ValueInfoProto = { name: '' };
  while (r.more()) {
    switch (r.field()) {
      case 1: v.name = r.string('name'); break;
      case 2: v.type = r.message('type', -1, readType); break;
      default: r.skip();
    }
  }
  return v;
}

function readType(r: WireReader): TypeProto {
  const t: TypeProto = {};
  while (r.more()) {
    switch (r.field()) {
      case 1: t.tensorType = r.message('tensor_type', -1, readTensorType); break;
      case 4: t.sequenceType = r.bytes('sequence_type'); break;
      case 5: t.mapType = r.bytes('map_type'); break;
      default: r.skip();
    }
  }
  return t;
}

function readTensorType(r: WireReader): TensorTypeProto {
  const t: TensorTypeProto = { elemType: 0 };
  while (r.more()) {
    switch (r.field()) {
      case 1: t.elemType = r.int32('elem_type'); break;
      case 2: t.shape = r.message('shape', -1, readShape); break;
      default: r.skip();
    }
  }
  return t;
}

function readShape(r: WireReader): TensorShapeProto {
  const s: TensorShapeProto = { dim: [] };
  while (r.more()) {
    if (r.field() === 1) s.dim.push(r.message('dim', s.dim.length, readDim));
    else r.skip();
  }
  return s;
}

function readDim(r: WireReader): DimensionProto {
  const d: DimensionProto = {};
  while (r.more()) {
    switch (r.field()) {
      case 1: d.dimValue = r.int64('dim_value'); if (d.dimParam !== undefined) delete d.dimParam; break;
      case 2: d.dimParam = r.string('dim_param'); if (d.dimValue !== undefined) delete d.dimValue; break;
      default: r.skip();
    }
  }
  return d;
}
