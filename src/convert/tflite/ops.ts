// TFLite builtin operators -> IR nodes. TFLite is NHWC and OHWI like the IR, so only depthwise weights
// ([1, kh, kw, C * M]) are re-laid (to [C * M, kh, kw, 1], a Conv with group = C). SAME padding puts
// the odd pixel at the end, as the IR's SAME_UPPER does; average pools divide by the taps inside the
// input (countIncludePad false), as TFLite's do. Quantized tensors are their real values (context.ts):
// int32 biases become f32 (their own scale, else input scale x weight scale), and each output is
// clamped to the fused activation and to its quantization grid, the grid's range standing for the
// saturation TFLite's integer kernels do (TF1 quantized models fold ReLU6 into it). Bounded ops
// (SOFTMAX, LOGISTIC, TANH) are not clamped to the grid: a uint8 softmax's 255/256 is rounding, not
// an activation.
import type { Attrs, Constant } from '../../graph/ir.js';
import type { Shape } from '../../tensor.js';
import { shapeToString } from '../../tensor.js';
import { sizeOf, type Context, type Val } from './context.js';
import { checkShape, clampNode, constInput, finish, options, reshapeTo, type Converter, type Mode } from './finish.js';
import { SELECT_CONVERTERS } from './ops-select.js';
import { TENSOR_CONVERTERS } from './ops-tensor.js';
import {
  Activation, activationOption, concatenationOptions, conv2dOptions, depthwiseOptions, fullyConnectedOptions, leakyReluAlpha,
  Op, opName, Options, Padding, pool2dOptions, reducerKeepDims, reshapeNewShape, softmaxBeta, squeezeDims, TensorType, typeName,
} from './schema.js';

function rank4(cx: Context, v: { shape: Shape }, what: string): void {
  if (v.shape.length !== 4) throw cx.malformed(`${what} must be 4-D (NHWC), it is ${shapeToString(v.shape)}`);
}

function windowAttrs(cx: Context, o: { padding: number; strideW: number; strideH: number }, dilation?: [number, number]): Attrs {
  if (o.padding !== Padding.SAME && o.padding !== Padding.VALID) throw cx.malformed(`padding ${o.padding}`);
  if (!(o.strideH >= 1 && o.strideW >= 1)) throw cx.malformed(`strides ${o.strideH}x${o.strideW} must be at least 1`);
  if (dilation && !(dilation[0] >= 1 && dilation[1] >= 1)) throw cx.malformed(`dilation ${dilation[0]}x${dilation[1]} must be at least 1`);
  return {
    strides: [o.strideH, o.strideW],
    ...(dilation ? { dilations: dilation } : {}),
    autoPad: o.padding === Padding.SAME ? 'SAME_UPPER' : 'VALID',
  };
}

/** A weight input: a constant (kept as stored, optionally re-laid) or a runtime value. */
function weight(cx: Context, i: number, key = '', relayout?: (k: Constant) => Constant): { ir: string; shape: Shape; scales?: Float32Array } {
  const w = cx.lookup(i);
  if (w.kind === 'val') return { ir: w.ir, shape: w.shape };
  const q = w.t.quant;
  return { ir: cx.materialize(w, key, relayout), shape: w.shape, ...(q && w.t.type !== TensorType.FLOAT32 ? { scales: q.scale } : {}) };
}

/** A bias input as f32: int32 with its own scale, else scaled by input scale x weight scale. */
function bias(cx: Context, i: number, channels: number, inScale: number | undefined, wScales: Float32Array | undefined): string {
  const b = cx.lookup(i);
  if (b.kind === 'val') {
    if (b.shape.length !== 1 || b.shape[0] !== channels) throw cx.malformed(`bias ${shapeToString(b.shape)} for ${channels} output channels`);
    return b.ir;
  }
  if (sizeOf(b.shape) !== channels) throw cx.malformed(`bias ${shapeToString(b.shape)} for ${channels} output channels`);
  let v = cx.floats(b);
  const integer = b.t.type === TensorType.INT32 || b.t.type === TensorType.INT64;
  if (integer && !b.t.quant) {
    if (inScale === undefined || !wScales) throw cx.unsupported(`integer bias without a scale, and no quantized input and weights to take it from`);
    v = v.map((x, o) => x * inScale * wScales[wScales.length === 1 ? 0 : o]);
  }
  const name = cx.fresh(cx.irNames[i]);
  cx.addConstant(name, { shape: [channels], dtype: 'f32', data: v });
  return name;
}

const conv2d: Converter = (cx) => {
  const o = conv2dOptions(options(cx, Options.Conv2D));
  const x = cx.val(cx.input(0));
  rank4(cx, x, 'input');
  const w = weight(cx, cx.input(1));
  if (w.shape.length !== 4) throw cx.malformed(`filter must be 4-D [O, kh, kw, I], it is ${shapeToString(w.shape)}`);
  const [O, kh, kw, I] = w.shape, C = x.shape[3];
  // TFLite runs grouped convolutions as CONV_2D with fewer filter input channels than the input has.
  if (I < 1 || C % I !== 0) throw cx.malformed(`input has ${C} channels, the filter takes ${I}`);
  const bi = cx.input(2, true);
  const b = bi < 0 ? undefined : bias(cx, bi, O, x.grid?.scale, w.scales);
  const attrs = { kernel: [kh, kw], ...windowAttrs(cx, o, [o.dilationH, o.dilationW]), group: C / I };
  finish(cx, cx.output(0), [-Infinity, Infinity], o.activation, 'host',
    (name, activation) => cx.emit('Conv', b ? [x.ir, w.ir, b] : [x.ir, w.ir], { ...attrs, ...(activation ? { activation } : {}) }, [name])[0]);
};

/** Depthwise filter [1, kh, kw, C * M] as a grouped Conv's OHWI [C * M, kh, kw, 1]; per-channel scales follow. */
function depthwiseToOhwi(cx: Context): (k: Constant) => Constant {
  return (k) => {
    const [, kh, kw, O] = k.shape;
    const src = k.data;
    const dst = new (src.constructor as new (n: number) => typeof src)(src.length);
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        for (let o = 0; o < O; o++) dst[(o * kh + y) * kw + x] = src[(y * kw + x) * O + o];
      }
    }
    if (!k.quant) return { shape: [O, kh, kw, 1], dtype: k.dtype, data: dst } as Constant;
    if (k.quant.scales.length > 1 && k.quant.axis !== 3) throw cx.unsupported(`depthwise filter quantized along dimension ${k.quant.axis} (only per output channel, 3)`);
    return { shape: [O, kh, kw, 1], dtype: k.dtype, data: dst, quant: { ...k.quant, axis: 0 } } as Constant;
  };
}

const depthwiseConv2d: Converter = (cx) => {
  const o = depthwiseOptions(options(cx, Options.DepthwiseConv2D));
  const x = cx.val(cx.input(0));
  rank4(cx, x, 'input');
  const wi = cx.input(1);
  const raw = cx.lookup(wi);
  if (raw.shape.length !== 4 || raw.shape[0] !== 1) throw cx.malformed(`filter must be [1, kh, kw, C * multiplier], it is ${shapeToString(raw.shape)}`);
  const [, kh, kw, O] = raw.shape, C = x.shape[3];
  // depth_multiplier is redundant with the shapes (and ignored by TFLite since 2.x); the shapes decide.
  if (O % C !== 0) throw cx.malformed(`filter has ${O} channels, not a multiple of the input's ${C}`);
  let w: { ir: string; scales?: Float32Array };
  if (raw.kind === 'const') {
    w = weight(cx, wi, 'ohwi', depthwiseToOhwi(cx));
  } else {
    const ir = cx.fresh(`${raw.ir}__ohwi`);
    cx.emit('Transpose', [raw.ir], { perm: [3, 1, 2, 0] }, [ir]);
    w = { ir };
  }
  const bi = cx.input(2, true);
  const b = bi < 0 ? undefined : bias(cx, bi, O, x.grid?.scale, w.scales);
  const attrs = { kernel: [kh, kw], ...windowAttrs(cx, o, [o.dilationH, o.dilationW]), group: C };
  finish(cx, cx.output(0), [-Infinity, Infinity], o.activation, 'host',
    (name, activation) => cx.emit('Conv', b ? [x.ir, w.ir, b] : [x.ir, w.ir], { ...attrs, ...(activation ? { activation } : {}) }, [name])[0]);
};

function pool(op: 'MaxPool' | 'AveragePool'): Converter {
  return (cx) => {
    const o = pool2dOptions(options(cx, Options.Pool2D));
    const x = cx.val(cx.input(0));
    rank4(cx, x, 'input');
    if (!(o.filterH >= 1 && o.filterW >= 1)) throw cx.malformed(`filter ${o.filterH}x${o.filterW} must be at least 1x1`);
    const attrs = { kernel: [o.filterH, o.filterW], ...windowAttrs(cx, o), ...(op === 'AveragePool' ? { countIncludePad: false } : {}) };
    finish(cx, cx.output(0), [x.lo, x.hi], o.activation, 'plain', (name) => cx.emit(op, [x.ir], attrs, [name])[0]);
  };
}

const fullyConnected: Converter = (cx) => {
  const o = fullyConnectedOptions(options(cx, Options.FullyConnected));
  if (o.weightsFormat !== 0) throw cx.unsupported(`weights format ${o.weightsFormat} (shuffled weights)`);
  const x = cx.val(cx.input(0));
  const w = weight(cx, cx.input(1));
  if (w.shape.length !== 2) throw cx.malformed(`weights must be 2-D [units, inputs], they are ${shapeToString(w.shape)}`);
  const [O, K] = w.shape;
  const n = sizeOf(x.shape);
  if (x.shape.length === 0 || (o.keepNumDims ? x.shape[x.shape.length - 1] !== K : n % K !== 0)) {
    throw cx.malformed(`input ${shapeToString(x.shape)} does not split into rows of the weights' ${K} inputs`);
  }
  const rows = n / K;
  let x2 = x.ir;
  if (x.shape.length !== 2 || x.shape[0] !== rows) {
    x2 = cx.fresh(`${x.ir}__rows`);
    cx.emit('Reshape', [x.ir], { shape: cx.reshapeTarget([rows, K]) }, [x2]);
    // keep_num_dims: every row is computed alone, then the leading dims come back; the batch may stay free.
    if (o.keepNumDims) cx.rowsOfBatch.add(x2);
  }
  const bi = cx.input(2, true);
  const b = bi < 0 ? undefined : bias(cx, bi, O, x.grid?.scale, w.scales);
  const keep = o.keepNumDims ? [...x.shape.slice(0, -1), O] : undefined;
  finish(cx, cx.output(0), [-Infinity, Infinity], o.activation, 'host', (name, activation) => {
    const gemmOut = keep ? cx.fresh(`${name}__2d`) : name;
    const [s] = cx.emit('Gemm', b ? [x2, w.ir, b] : [x2, w.ir], { transB: true, ...(activation ? { activation } : {}) }, [gemmOut]);
    if (keep && cx.rowsOfBatch.has(x2)) cx.rowsOfBatch.add(gemmOut);
    return keep ? cx.emit('Reshape', [gemmOut], { shape: cx.reshapeTarget(keep) }, [name])[0] : s;
  });
};

/** A target shape with at most one -1 resolved against `count` elements. */
function resolveShape(cx: Context, target: readonly number[], count: number): number[] {
  const known = target.filter((d) => d !== -1);
  if (target.length - known.length > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) throw cx.malformed(`new shape ${shapeToString(target)}`);
  const p = sizeOf(known);
  const out = target.map((d) => (d === -1 ? (p === 0 ? -1 : count / p) : d));
  if (out.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(out) !== count) throw cx.malformed(`cannot reshape ${count} elements to ${shapeToString(target)}`);
  return out;
}

const reshape: Converter = (cx) => {
  const opts = options(cx, Options.Reshape);
  const x = cx.val(cx.input(0));
  const si = cx.input(1, true);
  const declared = cx.tensor(cx.output(0)).shape;
  let target: readonly number[] | undefined;
  if (si >= 0) {
    const s = cx.lookup(si);
    // A shape computed at run time (Shape -> Pack) still has a static result the file declares.
    if (s.kind === 'const') target = cx.ints(s, 'new shape');
  }
  target ??= declared.length > 0 || sizeOf(x.shape) === 1 ? declared : reshapeNewShape(opts);
  if (!target) throw cx.unsupported('the new shape is neither a constant nor declared');
  reshapeTo(cx, x, resolveShape(cx, target, sizeOf(x.shape)));
};

const squeeze: Converter = (cx) => {
  const x = cx.val(cx.input(0));
  const r = x.shape.length;
  const dims = squeezeDims(options(cx, Options.Squeeze)).map((d) => (d < 0 ? d + r : d));
  if (dims.some((d) => d < 0 || d >= r || x.shape[d] !== 1)) throw cx.malformed(`squeeze dims do not name unit dims of ${shapeToString(x.shape)}`);
  reshapeTo(cx, x, x.shape.filter((d, i) => (dims.length > 0 ? !dims.includes(i) : d !== 1)));
};

const softmax: Converter = (cx) => {
  const beta = softmaxBeta(options(cx, Options.Softmax));
  const x = cx.val(cx.input(0));
  let xs = x.ir;
  if (beta !== 1) {
    xs = cx.fresh(`${x.ir}__beta`);
    cx.emit('Mul', [x.ir, cx.floatConstant(`${x.ir}__beta_value`, [1], Float32Array.of(beta))], {}, [xs]);
  }
  finish(cx, cx.output(0), [0, 1], Activation.NONE, 'bounded', (name) => cx.emit('Softmax', [xs], { axis: -1 }, [name])[0]);
};

/** Interval arithmetic of a binary op (infinities kept; NaN products read as unbounded). */
function binaryRange(op: string, a: Val, b: Val): [number, number] {
  if (op === 'Add') return [a.lo + b.lo, a.hi + b.hi];
  if (op === 'Sub') return [a.lo - b.hi, a.hi - b.lo];
  // A divisor whose range holds 0 bounds nothing.
  if (op === 'Div' && !(b.lo > 0 || b.hi < 0)) return [-Infinity, Infinity];
  const p = op === 'Div' ? [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi] : [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  if (p.some(Number.isNaN)) return [-Infinity, Infinity];
  return [Math.min(...p), Math.max(...p)];
}

function binary(op: 'Add' | 'Sub' | 'Mul' | 'Div', type: number): Converter {
  return (cx) => {
    const act = activationOption(options(cx, type));
    const a = cx.val(cx.input(0)), b = cx.val(cx.input(1));
    finish(cx, cx.output(0), binaryRange(op, a, b), act, 'plain', (name) => cx.emit(op, [a.ir, b.ir], {}, [name])[0]);
  };
}

const concatenation: Converter = (cx) => {
  const o = concatenationOptions(options(cx, Options.Concatenation));
  const n = cx.op!.inputs.length;
  if (n === 0) throw cx.malformed('no inputs');
  const xs = Array.from({ length: n }, (_, k) => cx.val(cx.input(k)));
  const r = xs[0].shape.length;
  const axis = o.axis < 0 ? o.axis + r : o.axis;
  if (axis < 0 || axis >= r) throw cx.malformed(`axis ${o.axis} for rank ${r}`);
  const lo = Math.min(...xs.map((x) => x.lo)), hi = Math.max(...xs.map((x) => x.hi));
  finish(cx, cx.output(0), [lo, hi], o.activation, 'plain', (name) => cx.emit('Concat', xs.map((x) => x.ir), { axis }, [name])[0]);
};


const mean: Converter = (cx) => {
  const keepdims = reducerKeepDims(options(cx, Options.Reducer));
  const x = cx.val(cx.input(0));
  const r = x.shape.length;
  const axes = [...new Set(cx.ints(constInput(cx, 1, 'axes'), 'axes').map((a) => (a < 0 ? a + r : a)))].sort((p, q) => p - q);
  if (axes.some((a) => a < 0 || a >= r)) throw cx.malformed(`axes out of range for rank ${r}`);
  finish(cx, cx.output(0), [x.lo, x.hi], Activation.NONE, 'plain', (name) => cx.emit('ReduceMean', [x.ir], { axes, keepdims }, [name])[0]);
};

function pad(v2: boolean): Converter {
  return (cx) => {
    options(cx, v2 ? Options.PadV2 : Options.Pad);
    const x = cx.val(cx.input(0));
    const r = x.shape.length;
    const p = constInput(cx, 1, 'paddings');
    const v = cx.ints(p, 'paddings');
    if (p.shape.length !== 2 || p.shape[0] !== r || p.shape[1] !== 2) throw cx.malformed(`paddings ${shapeToString(p.shape)} for a rank-${r} input (want [${r}, 2])`);
    if (v.some((d) => d < 0)) throw cx.malformed(`negative paddings [${v}]`);
    const pads = [...Array.from({ length: r }, (_, i) => v[2 * i]), ...Array.from({ length: r }, (_, i) => v[2 * i + 1])];
    // PAD fills with the zero point, the real value 0; PADV2 with its constant (dequantized).
    let value = 0;
    if (v2 && cx.input(2, true) >= 0) {
      const c = cx.floats(constInput(cx, 2, 'constant value'));
      if (c.length !== 1) throw cx.malformed(`the pad value has ${c.length} elements`);
      value = c[0];
    }
    finish(cx, cx.output(0), [Math.min(x.lo, value), Math.max(x.hi, value)], Activation.NONE, 'plain',
      (name) => cx.emit('Pad', [x.ir], { pads, mode: 'constant', value }, [name])[0]);
  };
}

/** RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1: a clamp of the input. */
function relu(lo: number, hi: number): Converter {
  return (cx) => {
    const x = cx.val(cx.input(0));
    const act = lo === 0 && hi === Infinity ? Activation.RELU : lo === 0 && hi === 6 ? Activation.RELU6 : lo === -1 ? Activation.RELU_N1_TO_1 : -1;
    if (act >= 0) {
      finish(cx, cx.output(0), [x.lo, x.hi], act, 'plain', undefined, x);
    } else {
      // RELU_0_TO_1 has no fused code: clamp, then the grid.
      const mid = cx.fresh(`${cx.irNames[cx.output(0)]}__clamp`);
      const need = x.lo < lo || x.hi > hi;
      if (need) clampNode(cx, x.ir, mid, lo, hi);
      finish(cx, cx.output(0), [Math.max(x.lo, lo), Math.min(x.hi, hi)], Activation.NONE, 'plain', undefined, need ? { ...x, ir: mid } : x);
    }
  };
}

function hardSwishAt(x: number): number {
  return x <= -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6;
}

function unary(op: 'Sigmoid' | 'Tanh' | 'HardSwish' | 'LeakyRelu'): Converter {
  return (cx) => {
    const x = cx.val(cx.input(0));
    let natural: [number, number];
    let attrs: Attrs = {};
    let mode: Mode = 'bounded';
    if (op === 'Sigmoid') natural = [0, 1];
    else if (op === 'Tanh') natural = [-1, 1];
    else if (op === 'HardSwish') {
      const a = hardSwishAt(x.lo), b = hardSwishAt(x.hi);
      natural = [x.lo <= -1.5 && x.hi >= -1.5 ? -0.375 : Math.min(a, b), Math.max(a, b)];
      mode = 'plain';
    } else {
      const alpha = leakyReluAlpha(options(cx, Options.LeakyRelu));
      attrs = { alpha };
      natural = alpha >= 0 ? [x.lo >= 0 ? x.lo : alpha * x.lo, x.hi >= 0 ? x.hi : alpha * x.hi] : [-Infinity, Infinity];
      if (Number.isNaN(natural[0]) || Number.isNaN(natural[1])) natural = [-Infinity, Infinity];
      mode = 'plain';
    }
    finish(cx, cx.output(0), natural, Activation.NONE, mode, (name) => cx.emit(op, [x.ir], attrs, [name])[0]);
  };
}

/** QUANTIZE: float -> integer grid, or one grid to another: a clamp to the output grid where needed. */
const quantize: Converter = (cx) => {
  const x = cx.val(cx.input(0));
  const out = cx.output(0);
  if (!cx.grid(cx.tensor(out))) throw cx.malformed('the output is not a quantized tensor');
  finish(cx, out, [x.lo, x.hi], Activation.NONE, 'plain', undefined, x);
};

/** DEQUANTIZE: the IR already holds real values; a constant (f16 or int8 weights) stays as stored. */
const dequantize: Converter = (cx) => {
  const x = cx.lookup(cx.input(0));
  const out = cx.output(0);
  const t = cx.tensor(out);
  if (t.type !== TensorType.FLOAT32) throw cx.unsupported(`dequantizing to ${typeName(t.type)} (only float32)`);
  if (x.kind === 'const') {
    cx.define(out, x);
    return;
  }
  checkShape(cx, out, x.shape);
  cx.define(out, { ...x, grid: undefined });
};

export const CONVERTERS: ReadonlyMap<number, Converter> = new Map<number, Converter>([
  [Op.CONV_2D, conv2d],
  [Op.DEPTHWISE_CONV_2D, depthwiseConv2d],
  [Op.AVERAGE_POOL_2D, pool('AveragePool')],
  [Op.MAX_POOL_2D, pool('MaxPool')],
  [Op.FULLY_CONNECTED, fullyConnected],
  [Op.RESHAPE, reshape],
  [Op.SQUEEZE, squeeze],
  [Op.SOFTMAX, softmax],
  [Op.ADD, binary('Add', Options.Add)],
  [Op.SUB, binary('Sub', Options.Sub)],
  [Op.MUL, binary('Mul', Options.Mul)],
  [Op.DIV, binary('Div', Options.Div)],
  [Op.CONCATENATION, concatenation],
  [Op.MEAN, mean],
  [Op.PAD, pad(false)],
  [Op.PADV2, pad(true)],
  [Op.RELU, relu(0, Infinity)],
  [Op.RELU6, relu(0, 6)],
  [Op.RELU_N1_TO_1, relu(-1, 1)],
  [Op.RELU_0_TO_1, relu(0, 1)],
  [Op.LOGISTIC, unary('Sigmoid')],
  [Op.TANH, unary('Tanh')],
  [Op.HARD_SWISH, unary('HardSwish')],
  [Op.LEAKY_RELU, unary('LeakyRelu')],
  [Op.QUANTIZE, quantize],
  [Op.DEQUANTIZE, dequantize],
  ...TENSOR_CONVERTERS,
  ...SELECT_CONVERTERS,
]);

/** The builtin operators the importer converts, by TFLite name, sorted (for docs/ops.md). */
export const TFLITE_OPS: readonly string[] = [...CONVERTERS.keys()].map(opName).sort();

/** The fused activations it maps (others, SIGN_BIT, are refused). */
export const TFLITE_FUSED_ACTIVATIONS: readonly string[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH'];
