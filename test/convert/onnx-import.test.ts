// Structure of imported graphs: NCHW -> NHWC layout, weight re-layout, axis remapping, shape folding,
// the free batch, opset variants, and typed errors for malformed or unsupported models.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import type { Graph, Node } from '../../src/graph/ir.js';
import { randomF32, transposeData } from '../helpers/harness.js';
import onnxProto from 'onnx-proto';
import { i64, OnnxModel } from '../helpers/onnx-builder.js';

const ops = (g: Graph): string[] => g.nodes.map((n) => n.op);
const only = (g: Graph, op: string): Node => {
  const found = g.nodes.filter((n) => n.op === op);
  expect(found.length, `one ${op} in [${ops(g)}]`).toBe(1);
  return found[0];
};
const constOf = (g: Graph, name: string) => {
  const c = g.constants.get(name);
  expect(c, `constant ${name}`).toBeDefined();
  return c!;
};

function convModel(opset = 13): { bytes: Uint8Array; w: Float32Array; b: Float32Array } {
  const w = randomF32(4 * 3 * 3 * 3, { seed: 1 }), b = randomF32(4, { seed: 2 });
  const bytes = new OnnxModel(opset)
    .input('x', ['N', 3, 8, 8])
    .init('w', [4, 3, 3, 3], w)
    .init('b', [1, 4, 1, 1], b)
    .node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })
    .node('Add', ['c', 'b'], ['y'])
    .output('y')
    .encode();
  return { bytes, w, b };
}

describe('ONNX import: layout', () => {
  it('keeps a 4-D input NHWC with sourcePerm [0,3,1,2] and a free batch', () => {
    const g = importOnnx(convModel().bytes);
    expect(g.inputs).toEqual([{ name: 'x', shape: [-1, 8, 8, 3], sourcePerm: [0, 3, 1, 2] }]);
    expect(g.outputs).toEqual([{ name: 'y', shape: [-1, 8, 8, 4], sourcePerm: [0, 3, 1, 2] }]);
    expect(ops(g)).toEqual(['Conv', 'Add']);
  });

  it('re-lays Conv weights OIHW -> OHWI and a [1,C,1,1] operand to [1,1,1,C]', () => {
    const { bytes, w, b } = convModel();
    const g = importOnnx(bytes);
    const conv = only(g, 'Conv');
    const wc = constOf(g, conv.inputs[1]);
    expect(wc.shape).toEqual([4, 3, 3, 3]);
    expect(wc.dtype).toBe('f32');
    expect([...(wc.data as Float32Array)]).toEqual([...transposeData(w, [4, 3, 3, 3], [0, 2, 3, 1])]);
    const bc = constOf(g, only(g, 'Add').inputs[1]);
    expect(bc.shape).toEqual([1, 1, 1, 4]);
    expect([...(bc.data as Float32Array)]).toEqual([...b]);
    expect(conv.attrs).toMatchObject({ kernel: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], group: 1 });
  });

  it('remaps channel axes: Concat/Softmax axis 1 -> 3, ReduceMean [2,3] -> [1,2], Pad pads', () => {
    const g = importOnnx(new OnnxModel(13)
      .input('x', [1, 2, 4, 4])
      .init('w', [2, 2, 1, 1], randomF32(4))
      .node('Conv', ['x', 'w'], ['c'])
      .node('Concat', ['c', 'x'], ['cat'], { axis: 1 })
      .node('Softmax', ['cat'], ['sm'], { axis: 1 })
      .node('Pad', ['sm', 'pads'], ['p'])
      .init('pads', [8], i64(0, 1, 2, 3, 0, 5, 6, 7))
      .node('ReduceMean', ['p'], ['m'], { axes: [2, 3], keepdims: 0 })
      .output('m')
      .encode());
    expect(only(g, 'Concat').attrs).toEqual({ axis: 3 });
    expect(only(g, 'Softmax').attrs).toEqual({ axis: 3 });
    // Source axes (N, C, H, W) = (0, 1, 2, 3) begin pads (0, 1, 2, 3) -> IR (N, H, W, C) = (0, 2, 3, 1).
    expect(only(g, 'Pad').attrs).toMatchObject({ pads: [0, 2, 3, 1, 0, 6, 7, 5], mode: 'constant' });
    expect(only(g, 'ReduceMean').attrs).toEqual({ axes: [1, 2], keepdims: false });
    expect(g.outputs[0]).toEqual({ name: 'm', shape: [-1, 2 + 1 + 5 + 2] });
    expect(ops(g)).not.toContain('Transpose');
  });

  it('makes a Transpose free: NCHW -> NHWC of an NHWC-held value emits no node', () => {
    const g = importOnnx(new OnnxModel(13)
      .input('x', [1, 3, 5, 5])
      .node('Transpose', ['x'], ['t'], { perm: [0, 2, 3, 1] })
      .node('Relu', ['t'], ['y'])
      .output('y')
      .encode());
    expect(ops(g)).toEqual(['Relu']);
    expect(g.outputs[0]).toEqual({ name: 'y', shape: [-1, 5, 5, 3] });
  });

  it('transposes back to NCHW before a Flatten that mixes channels and space', () => {
    const g = importOnnx(new OnnxModel(13)
      .input('x', [1, 3, 4, 4])
      .node('Relu', ['x'], ['r'])
      .node('Flatten', ['r'], ['f'], { axis: 1 })
      .output('f')
      .encode());
    expect(ops(g)).toEqual(['Relu', 'Transpose', 'Flatten']);
    expect(g.nodes[1].attrs).toEqual({ perm: [0, 3, 1, 2] });
    expect(g.outputs[0]).toEqual({ name: 'f', shape: [-1, 48] });
  });

  it('skips the Transpose when the spatial dims are 1 (order already matches)', () => {
    const g = importOnnx(new OnnxModel(13)
      .input('x', [1, 8, 4, 4])
      .node('GlobalAveragePool', ['x'], ['p'])
      .node('Flatten', ['p'], ['f'])
      .output('f')
      .encode());
    expect(ops(g)).toEqual(['GlobalAveragePool', 'Reshape']);
    expect(g.nodes[1].attrs).toEqual({ shape: [-1, 8] });
  });

  it('keeps a layout=0 LSTM input in source layout via sourcePerm [1,0,2], no Transpose', () => {
    const H = 3, I = 2;
    const g = importOnnx(new OnnxModel(13)
      .input('x', [5, 'N', I])
      .init('W', [1, 4 * H, I], randomF32(4 * H * I))
      .init('R', [1, 4 * H, H], randomF32(4 * H * H))
      .node('LSTM', ['x', 'W', 'R'], ['Y', 'Yh'], { hidden_size: H })
      .output('Y')
      .output('Yh')
      .encode());
    expect(g.inputs).toEqual([{ name: 'x', shape: [-1, 5, I], sourcePerm: [1, 0, 2] }]);
    expect(ops(g)).toEqual(['LSTM']);
    expect(g.outputs).toEqual([
      { name: 'Y', shape: [-1, 5, 1, H], sourcePerm: [1, 2, 0, 3] },
      { name: 'Yh', shape: [-1, 1, H], sourcePerm: [1, 0, 2] },
    ]);
    expect(only(g, 'LSTM').attrs).toMatchObject({ hiddenSize: H, direction: 'forward' });
  });
});

describe('ONNX import: shape folding and the batch', () => {
  it('folds Shape -> Gather -> Unsqueeze -> Concat into a Reshape target with a free batch', () => {
    const g = importOnnx(new OnnxModel(11)
      .input('x', ['batch', 4, 2, 2])
      .node('Shape', ['x'], ['s'])
      .init('zero', [], i64(0))
      .node('Gather', ['s', 'zero'], ['n'], { axis: 0 })
      .node('Unsqueeze', ['n'], ['n1'], { axes: [0] })
      .init('rest', [1], i64(-1))
      .node('Concat', ['n1', 'rest'], ['shape'], { axis: 0 })
      .node('Reshape', ['x', 'shape'], ['y'])
      .output('y')
      .encode());
    expect(ops(g)).toEqual(['Transpose', 'Reshape']);
    expect(g.nodes[1].attrs).toEqual({ shape: [-1, 16] });
    expect(g.inputs[0].shape).toEqual([-1, 2, 2, 4]);
  });

  it('frees a fixed batch of 1 when the literal reshape target leads with it', () => {
    const g = importOnnx(new OnnxModel(13)
      .input('x', [1, 2, 3, 3])
      .init('shape', [2], i64(1, 18))
      .node('Reshape', ['x', 'shape'], ['y'])
      .output('y')
      .encode());
    expect(g.inputs[0].shape).toEqual([-1, 3, 3, 2]);
    expect(only(g, 'Reshape').attrs).toEqual({ shape: [-1, 18] });
  });

  it('follows the batch through a Reshape that merges it ([-1] flattens everything)', () => {
    const g = importOnnx(new OnnxModel(13)
      .input('x', [1, 2, 3, 3])
      .init('shape', [1], i64(-1))
      .node('Reshape', ['x', 'shape'], ['y'])
      .output('y')
      .encode());
    expect(g.inputs[0].shape).toEqual([-1, 3, 3, 2]);
    expect(only(g, 'Reshape').attrs).toEqual({ shape: [-1] });
  });

  const fixedTarget = (batch: number | string): Uint8Array => new OnnxModel(13)
    .input('x', [batch, 2, 3, 3])
    .init('shape', [3], i64(2, 9, 1))
    .node('Reshape', ['x', 'shape'], ['y'])
    .output('y')
    .encode();

  it('keeps a fixed batch of 1 when a literal target ties shapes to it', () => {
    const g = importOnnx(fixedTarget(1));
    expect(g.inputs[0].shape).toEqual([1, 3, 3, 2]);
    expect(g.outputs[0].shape).toEqual([2, 9, 1]);
  });

  it('refuses a symbolic batch that a literal target ties to one value', () => {
    expect(() => importOnnx(fixedTarget('N'))).toThrow(UnsupportedOpError);
    expect(() => importOnnx(fixedTarget('N'))).toThrow(/batch/);
  });

  it('folds constant arithmetic, Cast, Slice and ConstantOfShape', () => {
    const g = importOnnx(new OnnxModel(13)
      .input('x', [2, 6])
      .init('a', [2], i64(2, 3))
      .init('b', [2], i64(1, 2))
      .node('Mul', ['a', 'b'], ['ab'])
      .node('Cast', ['ab'], ['abf'], { to: 1 })
      .node('Cast', ['abf'], ['abi'], { to: 7 })
      .init('st', [1], i64(0))
      .init('en', [1], i64(2))
      .node('Slice', ['abi', 'st', 'en'], ['sl'])
      .node('Reshape', ['x', 'sl'], ['y'])
      .output('y')
      .encode());
    expect(only(g, 'Reshape').attrs).toEqual({ shape: [2, 6] });
  });
});

describe('ONNX import: tensor decoding', () => {
  it('reads typed fields (float_data, int64_data) like raw_data', () => {
    const wv = Float32Array.of(1, -2, 3.5, 4, 0.25, -6);
    const build = (typed: boolean): Graph => importOnnx(new OnnxModel(13)
      .input('x', [2, 3])
      .init('w', [3, 2], wv, typed)
      .init('s', [2], i64(0, -1), typed)
      .node('MatMul', ['x', 'w'], ['m'])
      .node('Reshape', ['m', 's'], ['y'])
      .output('y')
      .encode());
    for (const g of [build(false), build(true)]) {
      expect([...(g.constants.get('w')!.data as Float32Array)]).toEqual([...wv]);
      expect(only(g, 'Reshape').attrs).toEqual({ shape: [2, 2] });
    }
  });

  it('decodes float16 initializers (raw_data and int32_data) to f32', () => {
    const model = new OnnxModel(13).input('x', [3]).init('h', [3], new Float32Array(3)).init('h2', [3], new Float32Array(3))
      .node('Add', ['x', 'h'], ['a']).node('Add', ['a', 'h2'], ['y']).output('y').proto();
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x3555); // 1, -2, 0.333251953125
    const [h, h2] = model.graph!.initializer!;
    h.dataType = 10;
    h.rawData = new Uint8Array(bits.buffer);
    h2.dataType = 10;
    h2.rawData = new Uint8Array();
    h2.int32Data = [...bits];
    const g = importOnnx(onnxProto.onnx.ModelProto.encode(model).finish());
    expect([...(g.constants.get('h')!.data as Float32Array)]).toEqual([1, -2, 0.333251953125]);
    expect([...(g.constants.get('h2')!.data as Float32Array)]).toEqual([1, -2, 0.333251953125]);
  });
});

describe('ONNX import: opset variants', () => {
  const clipModel = (opset: number): Uint8Array => {
    const m = new OnnxModel(opset).input('x', [2, 3]);
    if (opset < 11) m.node('Clip', ['x'], ['y'], { min: { float: -1.5 }, max: { float: 2 } });
    else m.init('lo', [], Float32Array.of(-1.5)).init('hi', [], Float32Array.of(2)).node('Clip', ['x', 'lo', 'hi'], ['y']);
    return m.output('y').encode();
  };
  it.each([7, 11, 13])('Clip opset %i -> Clip{min,max}', (opset) => {
    expect(only(importOnnx(clipModel(opset)), 'Clip').attrs).toEqual({ min: -1.5, max: 2 });
  });

  it.each([
    [11, (m: OnnxModel) => m.node('Split', ['x'], ['a', 'b'], { axis: 1, split: [1, 2] })],
    [13, (m: OnnxModel) => m.init('sp', [2], i64(1, 2)).node('Split', ['x', 'sp'], ['a', 'b'], { axis: 1 })],
    [18, (m: OnnxModel) => m.node('Split', ['x'], ['a', 'b'], { axis: 1, num_outputs: 2 })],
  ])('Split opset %i', (opset, add) => {
    const m = new OnnxModel(opset).input('x', [1, 3, 2, 2]);
    const g = importOnnx(add(m).output('a').output('b').encode());
    expect(only(g, 'Split').attrs).toEqual({ axis: 3, split: opset === 18 ? [2, 1] : [1, 2] });
  });

  it.each([11, 13])('Unsqueeze/Squeeze axes as attribute (11) or input (13): opset %i', (opset) => {
    const m = new OnnxModel(opset).input('x', [1, 3]);
    if (opset < 13) m.node('Unsqueeze', ['x'], ['u'], { axes: [1] }).node('Squeeze', ['u'], ['y'], { axes: [1] });
    else m.init('ax', [1], i64(1)).node('Unsqueeze', ['x', 'ax'], ['u']).node('Squeeze', ['u', 'ax'], ['y']);
    const g = importOnnx(m.output('y').encode());
    expect(g.nodes.map((n) => n.attrs)).toEqual([{ shape: [-1, 1, 3] }, { shape: [-1, 3] }]);
  });

  it.each([13, 18])('ReduceMean axes as attribute / input: opset %i', (opset) => {
    const m = new OnnxModel(opset).input('x', [1, 4, 3, 3]);
    if (opset < 18) m.node('ReduceMean', ['x'], ['y'], { axes: [1] });
    else m.init('ax', [1], i64(1)).node('ReduceMean', ['x', 'ax'], ['y']);
    const g = importOnnx(m.output('y').encode());
    expect(only(g, 'ReduceMean').attrs).toEqual({ axes: [3], keepdims: true });
  });

  it.each([7, 11])('Pad attributes (7) vs inputs (11): opset %i', (opset) => {
    const m = new OnnxModel(opset).input('x', [2, 3]);
    if (opset < 11) m.node('Pad', ['x'], ['y'], { pads: [0, 1, 0, 2], mode: 'reflect' });
    else m.init('p', [4], i64(0, 1, 0, 2)).node('Pad', ['x', 'p'], ['y'], { mode: 'reflect' });
    expect(only(importOnnx(m.output('y').encode()), 'Pad').attrs).toEqual({ pads: [0, 1, 0, 2], mode: 'reflect', value: 0 });
  });

  it('lowers a pre-13 Softmax over several axes to Flatten + Softmax + Reshape', () => {
    const g = importOnnx(new OnnxModel(11)
      .input('x', [1, 3, 2, 2])
      .node('Softmax', ['x'], ['y'], { axis: 1 })
      .output('y')
      .encode());
    expect(ops(g)).toEqual(['Flatten', 'Softmax', 'Reshape']);
    expect(g.nodes.map((n) => n.attrs)).toEqual([{ axis: 1 }, { axis: -1 }, { shape: [-1, 2, 2, 3] }]);
  });

  it('maps Dropout and Identity to Identity', () => {
    const g = importOnnx(new OnnxModel(13).input('x', [2, 3]).node('Dropout', ['x'], ['d']).node('Identity', ['d'], ['y']).output('y').encode());
    expect(ops(g)).toEqual(['Identity', 'Identity']);
  });
});

describe('ONNX import: quantized ops', () => {
  it('lowers QuantizeLinear/QLinearConv to Clip and Conv with int8 weights, f32 bias and the output range', () => {
    const O = 2, C = 3;
    const w = Int8Array.from({ length: O * C * 9 }, (_, i) => (i % 17) - 8);
    const g = importOnnx(new OnnxModel(13)
      .input('x', [1, C, 4, 4])
      .init('xs', [], Float32Array.of(0.5)).init('xz', [], Uint8Array.of(10))
      .init('w', [O, C, 3, 3], w)
      .init('ws', [O], Float32Array.of(0.25, 0.125)).init('wz', [O], Int8Array.of(0, 0))
      .init('ys', [], Float32Array.of(0.1)).init('yz', [], Uint8Array.of(0))
      .init('b', [O], Int32Array.of(8, -16))
      .node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq'])
      .node('QLinearConv', ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], ['yq'], { pads: [1, 1, 1, 1] })
      .node('DequantizeLinear', ['yq', 'ys', 'yz'], ['y'])
      .output('y')
      .encode());
    expect(ops(g)).toEqual(['Clip', 'Conv', 'Identity']);
    expect(g.nodes[0].attrs).toEqual({ min: (0 - 10) * 0.5, max: (255 - 10) * 0.5 });
    const conv = g.nodes[1];
    expect(conv.attrs.activation).toEqual({ op: 'Clip', min: 0, max: 255 * Math.fround(0.1) });
    const wc = constOf(g, conv.inputs[1]);
    expect(wc.dtype).toBe('i8');
    expect(wc.shape).toEqual([O, 3, 3, C]);
    expect(wc.quant?.axis).toBe(0);
    expect([...wc.quant!.scales]).toEqual([0.25, 0.125]);
    expect(wc.quant?.zeroPoints).toBeUndefined();
    expect([...(wc.data as Int8Array)]).toEqual([...transposeData(Float32Array.from(w), [O, C, 3, 3], [0, 2, 3, 1])]);
    const bc = constOf(g, conv.inputs[2]);
    expect([...(bc.data as Float32Array)]).toEqual([1, -1]);
  });

  it('re-grids a value read with other quantization parameters', () => {
    const g = importOnnx(new OnnxModel(13)
      .input('x', [1, 4])
      .init('s1', [], Float32Array.of(0.5)).init('z1', [], Uint8Array.of(128))
      .init('s2', [], Float32Array.of(0.25)).init('z2', [], Uint8Array.of(100))
      .node('QuantizeLinear', ['x', 's1', 'z1'], ['q'])
      .node('DequantizeLinear', ['q', 's2', 'z2'], ['y'])
      .output('y')
      .encode());
    expect(ops(g)).toEqual(['Clip', 'Mul', 'Add']);
    expect([...(g.constants.get(g.nodes[1].inputs[1])!.data as Float32Array)]).toEqual([0.5]);
    expect([...(g.constants.get(g.nodes[2].inputs[1])!.data as Float32Array)]).toEqual([(128 - 100) * 0.25]);
  });
});

describe('ONNX import: errors', () => {
  it('garbage bytes are a ModelFormatError', () => {
    expect(() => importOnnx(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]))).toThrow(ModelFormatError);
    expect(() => importOnnx(new Uint8Array())).toThrow(ModelFormatError);
    expect(() => importOnnx(new TextEncoder().encode('this is not a model'))).toThrow(ModelFormatError);
  });

  it('a truncated model is a ModelFormatError', () => {
    const bytes = convModel().bytes;
    for (const cut of [bytes.length - 7, Math.floor(bytes.length / 2), 11]) {
      expect(() => importOnnx(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(ModelFormatError);
    }
  });

  it('raw_data of the wrong length names the initializer', () => {
    const m = new OnnxModel(13).input('x', [2, 3]).init('w', [3, 4], new Float32Array(11)).node('MatMul', ['x', 'w'], ['y']).output('y');
    const err = (() => { try { importOnnx(m.encode()); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).where).toContain('"w"');
  });

  it('an input produced by no node is a ModelFormatError naming the node', () => {
    const bytes = new OnnxModel(13).input('x', [2, 3]).node('Relu', ['nowhere'], ['y']).output('y').encode();
    expect(() => importOnnx(bytes)).toThrow(/nowhere/);
    expect(() => importOnnx(bytes)).toThrow(ModelFormatError);
  });

  it.each([
    ['a value assigned twice', new OnnxModel(13).input('x', [2, 3]).node('Relu', ['x'], ['y']).node('Sigmoid', ['x'], ['y'])],
    ['an attribute of the wrong type', new OnnxModel(13).input('x', [1, 1, 4, 4]).node('MaxPool', ['x'], ['y'], { kernel_shape: 'big' })],
    ['a Reshape to an impossible shape', new OnnxModel(13).input('x', [2, 3]).init('s', [1], i64(7)).node('Reshape', ['x', 's'], ['y'])],
    ['Conv weights that do not match the input channels', new OnnxModel(13).input('x', [1, 3, 4, 4]).init('w', [2, 5, 1, 1], new Float32Array(10)).node('Conv', ['x', 'w'], ['y'])],
    ['a graph output nothing produces', new OnnxModel(13).input('x', [2, 3]).node('Relu', ['x'], ['r'])],
  ])('%s is a ModelFormatError', (_what, m) => {
    expect(() => importOnnx(m.output('y').encode())).toThrow(ModelFormatError);
  });

  it('an unknown op is an UnsupportedOpError with op, node and model', () => {
    const bytes = new OnnxModel(13).input('x', [2, 3]).node('Frobnicate', ['x'], ['y']).output('y').encode();
    const err = (() => { try { importOnnx(bytes, { name: 'm1' }); } catch (e) { return e; } })() as UnsupportedOpError;
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect([err.op, err.node, err.model]).toEqual(['Frobnicate', 'Frobnicate_0', 'm1']);
  });

  it.each([
    ['an unknown domain', new OnnxModel(13, { 'com.example': 1 }).input('x', [2, 3]).node('Relu', ['x'], ['y'], {}, 'com.example')],
    ['an unknown attribute', new OnnxModel(13).input('x', [2, 3]).node('Relu', ['x'], ['y'], { fancy: 1 })],
    ['Pad mode wrap', new OnnxModel(19).input('x', [2, 3]).init('p', [4], i64(0, 1, 0, 1)).node('Pad', ['x', 'p'], ['y'], { mode: 'wrap' })],
    ['a runtime Reshape target', new OnnxModel(13).input('x', [2, 3]).input('s', [2], 7).node('Reshape', ['x', 's'], ['y'])],
    ['opset 25 (past the newest known)', new OnnxModel(25).input('x', [2, 3]).node('Relu', ['x'], ['y'])],
    ['a 3-D convolution', new OnnxModel(13).input('x', [1, 1, 4, 4, 4]).init('w', [1, 1, 2, 2, 2], new Float32Array(8)).node('Conv', ['x', 'w'], ['y'])],
    ['a used MaxPool Indices output', new OnnxModel(13).input('x', [1, 1, 4, 4]).node('MaxPool', ['x'], ['y', 'i'], { kernel_shape: [2, 2] }).node('Cast', ['i'], ['y2'], { to: 1 })],
    ['a symbolic non-batch dim', new OnnxModel(13).input('x', [1, 'T', 4]).node('Relu', ['x'], ['y'])],
  ])('%s is an UnsupportedOpError', (_what, m) => {
    expect(() => importOnnx(m.output('y').encode())).toThrow(UnsupportedOpError);
  });
});
