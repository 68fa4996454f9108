// The staged int8 MobileNetV2 (QLinear ops) rewritten as the float model it was quantized from, with its
// int8-rounded weights, so every runtime can run one and the same float network:
//   QLinearConv -> Conv (weights (q - zp) * scale per output channel, bias q * x_scale * w_scale), and a
//     Clip(0, 6) after it where the output grid starts at 0 (the ReLU6 the quantizer folded into the
//     output range: every such grid tops out at <= 6; the linear bottlenecks have a zero point inside);
//   QLinearAdd -> Add; QLinearGlobalAveragePool -> GlobalAveragePool; QLinearMatMul + QLinearAdd(bias) -> Gemm;
//   the Shape/Gather/Unsqueeze/Concat/Reshape flatten -> Flatten(axis 1); Quantize/DequantizeLinear dropped.
// Run directly (npx tsx bench/dequantize-mobilenet.ts) to write bench/models/out/mobilenetv2-12-float.onnx
// and check that its top-1 on the ten staged photos equals the int8 model's.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { decodeTensor, intValues, realValues, type ConstTensor } from '../src/convert/onnx/tensor.js';
import { decodeTensorProto } from '../src/convert/onnx/schema.js';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;

const FIXTURES = fileURLToPath(new URL('../test/fixtures/models/', import.meta.url));
export const INT8_MOBILENET = `${FIXTURES}mobilenetv2-12-int8/mobilenetv2-12-int8.onnx`;
export const PHOTOS = ['beer_bottle', 'cat', 'dog_retriever', 'dog_weimaraner', 'dog_whippet', 'elephant', 'piano', 'pizza', 'saxophone', 'wine_bottles'] as const;

/** The staged preprocessed photo: float32 NCHW [1,3,224,224]. */
export function photoInput(name: string): Float32Array {
  const b = readFileSync(`${FIXTURES}imagenet/preprocessed/${name}.input.f32`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The int8 model's logits for the photo, as onnxruntime-web computed them when the fixtures were staged. */
export function int8ReferenceLogits(name: string): Float32Array {
  const b = readFileSync(`${FIXTURES}mobilenetv2-12-int8/reference_outputs/${name}.output.f32`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

class Rewriter {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private readonly consts = new Map<string, ConstTensor>();
  /** Quantized value name -> the float value standing for it. */
  private readonly real = new Map<string, string>();
  private readonly producer = new Map<string, NodeProto>();

  constructor(initializers: readonly TensorProto[]) {
    // Re-read through the importer's own decoder: onnx-proto's tensors carry Long dims.
    for (const t of initializers) this.consts.set(t.name!, decodeTensor(decodeTensorProto(onnx.TensorProto.encode(t).finish()), `initializer ${t.name}`));
  }

  isConst(name: string): boolean {
    return this.consts.has(name);
  }

  c(name: string): ConstTensor {
    const t = this.consts.get(name);
    if (!t) throw new Error(`${name} is not an initializer`);
    return t;
  }

  scalar(name: string): number {
    const v = realValues(this.c(name));
    if (v.length !== 1) throw new Error(`${name}: expected one value, got ${v.length}`);
    return v[0];
  }

  floatOf(q: string): string {
    const f = this.real.get(q);
    if (f === undefined) throw new Error(`quantized value ${q} has no float counterpart`);
    return f;
  }

  /** Float name for a quantized output: "474_quantized" -> "474". */
  define(q: string): string {
    const f = q.replace(/_quantized$/, '');
    this.real.set(q, f);
    return f;
  }

  alias(q: string, f: string): void {
    this.real.set(q, f);
  }

  init(name: string, dims: readonly number[], data: Float32Array): string {
    this.inits.push({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  emit(opType: string, name: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = []): NodeProto {
    const n: NodeProto = { opType, name, input, output, attribute };
    this.nodes.push(n);
    for (const o of output) this.producer.set(o, n);
    return n;
  }

  producerOf(value: string): NodeProto | undefined {
    return this.producer.get(value);
  }

  /** Replaces output `from` of node n by `to`. */
  rename(n: NodeProto, from: string, to: string): void {
    n.output = n.output!.map((o) => (o === from ? to : o));
    this.producer.delete(from);
    this.producer.set(to, n);
  }
}

/** Per-channel dequantization along `axis`: (q - zp[ch]) * scale[ch]. */
function dequantWeights(q: ConstTensor, scales: Float32Array, zps: number[], axis: number): Float32Array {
  const inner = q.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const nch = scales.length;
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) {
    const ch = nch === 1 ? 0 : Math.floor(i / inner) % nch;
    out[i] = (q.data[i] - zps[nch === 1 ? 0 : ch]) * scales[ch];
  }
  return out;
}

function qlinearConv(rw: Rewriter, n: NodeProto): void {
  const [x, xs, , w, ws, wz, ys, yz, b] = n.input!;
  const xScale = rw.scalar(xs);
  const wq = rw.c(w), wScales = realValues(rw.c(ws)), wZps = intValues(rw.c(wz));
  const out = rw.define(n.output![0]);
  const inputs = [rw.floatOf(x), rw.init(`${out}.weight`, wq.dims, dequantWeights(wq, wScales, wZps, 0))];
  if (b) {
    const bq = intValues(rw.c(b));
    inputs.push(rw.init(`${out}.bias`, [bq.length], Float32Array.from(bq, (v, o) => v * xScale * wScales[wScales.length === 1 ? 0 : o])));
  }
  const relu6 = intValues(rw.c(yz))[0] === 0;
  if (relu6 && (255 * rw.scalar(ys)) > 6 + 1e-4) throw new Error(`${n.name}: output grid [0, ${255 * rw.scalar(ys)}] is wider than ReLU6`);
  const convOut = relu6 ? `${out}.conv` : out;
  rw.emit('Conv', `${n.name!.replace(/_quant$/, '')}`, inputs, [convOut], n.attribute!);
  if (relu6) rw.emit('Clip', `${n.name!.replace(/_quant$/, '')}_relu6`, [convOut, 'relu6.min', 'relu6.max'], [out]);
}

function qlinearMatMul(rw: Rewriter, n: NodeProto): void {
  const [a, , , b, bs, bz] = n.input!;
  if (!rw.isConst(b)) throw new Error(`${n.name}: B must be an initializer`);
  const bq = rw.c(b);
  // Per output column: the scales run along the last axis of B [K, N].
  const w = dequantWeights(bq, realValues(rw.c(bs)), intValues(rw.c(bz)), bq.dims.length - 1);
  const out = rw.define(n.output![0]);
  rw.emit('MatMul', n.name!.replace(/_quant$/, ''), [rw.floatOf(a), rw.init(`${out}.weight`, bq.dims, w)], [out]);
}

function qlinearAdd(rw: Rewriter, n: NodeProto): void {
  const [a, as, az, b, bs, bz] = n.input!;
  const out = rw.define(n.output![0]);
  const constSide = rw.isConst(b) ? { q: b, s: bs, z: bz, other: a } : rw.isConst(a) ? { q: a, s: as, z: az, other: b } : undefined;
  if (constSide) {
    // A constant addend after a MatMul is the dense layer's bias: fold both into one Gemm.
    const bias = realValues({ ...rw.c(constSide.q), quant: { axis: 0, scales: Float32Array.of(rw.scalar(constSide.s)), zeroPoints: Int32Array.of(intValues(rw.c(constSide.z))[0]) } });
    const mm = rw.producerOf(rw.floatOf(constSide.other));
    if (!mm || mm.opType !== 'MatMul') throw new Error(`${n.name}: a constant addend is only expected after the classifier MatMul`);
    mm.opType = 'Gemm';
    mm.input!.push(rw.init(`${out}.bias`, [bias.length], bias));
    rw.rename(mm, mm.output![0], out);
    return;
  }
  rw.emit('Add', n.name!.replace(/_quant$/, ''), [rw.floatOf(a), rw.floatOf(b)], [out]);
}

/** The float ONNX model, as bytes. */
export function dequantizeMobilenet(int8Bytes: Uint8Array = readFileSync(INT8_MOBILENET)): Uint8Array {
  const model = onnx.ModelProto.decode(int8Bytes);
  const g = model.graph!;
  const rw = new Rewriter(g.initializer ?? []);
  rw.init('relu6.min', [], Float32Array.of(0));
  rw.init('relu6.max', [], Float32Array.of(6));
  let flattened = false;
  for (const n of g.node ?? []) {
    const ins = n.input!;
    switch (n.opType) {
      case 'QuantizeLinear': rw.alias(n.output![0], ins[0]); break;
      case 'QLinearConv': qlinearConv(rw, n); break;
      case 'QLinearAdd': qlinearAdd(rw, n); break;
      case 'QLinearGlobalAveragePool':
        if ((n.attribute ?? []).some((a) => a.name === 'channels_last' && Number(a.i) !== 0)) throw new Error(`${n.name}: channels_last`);
        rw.emit('GlobalAveragePool', n.name!.replace(/_quant$/, ''), [rw.floatOf(ins[0])], [rw.define(n.output![0])]);
        break;
      case 'QLinearMatMul': qlinearMatMul(rw, n); break;
      case 'Reshape':
        // [batch, 1280, 1, 1] -> [batch, 1280]: the shape comes from Shape/Gather/Unsqueeze/Concat of the pooled tensor.
        rw.emit('Flatten', 'Flatten_103', [rw.floatOf(ins[0])], [rw.define(n.output![0])], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]);
        flattened = true;
        break;
      case 'DequantizeLinear':
        // Only the graph output matters; the other one fed the Shape chain replaced by Flatten.
        if (g.output!.some((o) => o.name === n.output![0])) {
          const f = rw.floatOf(ins[0]);
          if (f !== n.output![0]) rw.rename(rw.producerOf(f)!, f, n.output![0]);
        }
        break;
      case 'Shape': case 'Gather': case 'Unsqueeze': case 'Concat': break;
      default: throw new Error(`unexpected op ${n.opType} (${n.name}) in the int8 MobileNetV2`);
    }
  }
  if (!flattened) throw new Error('no Reshape found before the classifier');
  const out = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'edgeinfer bench/dequantize-mobilenet.ts',
    docString: 'mobilenetv2-12-int8 (ONNX Model Zoo) with its int8 weights dequantized to float32 and QLinear ops replaced by float ops',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'mobilenetv2-12-float', node: rw.nodes, initializer: rw.inits, input: g.input!.filter((i) => i.name === 'input'), output: g.output },
  });
  return onnx.ModelProto.encode(out).finish();
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Top-1 of the float model (onnxruntime-web) vs the int8 model's staged logits on the ten photos. */
export async function checkTop1(floatBytes: Uint8Array): Promise<{ photo: string; int8: number; float: number }[]> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(floatBytes, { executionProviders: ['wasm'] });
  try {
    const rows = [];
    for (const photo of PHOTOS) {
      const r = await session.run({ input: new ort.Tensor('float32', photoInput(photo), [1, 3, 224, 224]) });
      rows.push({ photo, int8: argmax(int8ReferenceLogits(photo)), float: argmax(r.output.data as Float32Array) });
    }
    return rows;
  } finally {
    await session.release();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = dequantizeMobilenet();
  const dir = fileURLToPath(new URL('./models/out/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}mobilenetv2-12-float.onnx`, bytes);
  const rows = await checkTop1(bytes);
  for (const r of rows) console.log(`${r.photo.padEnd(15)} int8 top-1 ${r.int8}  float top-1 ${r.float}${r.int8 === r.float ? '' : '  MISMATCH'}`);
  const bad = rows.filter((r) => r.int8 !== r.float).length;
  console.log(`wrote ${dir}mobilenetv2-12-float.onnx (${bytes.byteLength} bytes); top-1 equal on ${rows.length - bad}/${rows.length} photos`);
  if (bad) process.exitCode = 1;
}
