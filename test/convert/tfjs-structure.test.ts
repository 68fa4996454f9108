// Structure of TF.js imports without an oracle run: weight re-layouts by index, manifest decoding,
// topology forms (Keras 3 call records, old nested-model node numbering) and Keras weight naming.
import { describe, expect, it } from 'vitest';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { depthwiseToOhwi, hwioToOhwi } from '../../src/convert/tfjs/layers/conv.js';
import { decodeWeights, halfToFloat } from '../../src/convert/tfjs/weights.js';
import { runOurs } from './tfjs-helpers.js';

type Obj = Record<string, any>;

describe('weight re-layout', () => {
  it('HWIO -> OHWI moves k[h][w][i][o] to out[o][h][w][i]', () => {
    const kh = 2, kw = 3, I = 4, O = 5;
    const k = Float32Array.from({ length: kh * kw * I * O }, (_, i) => i);
    const out = hwioToOhwi(k, kh, kw, I, O);
    for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) {
      expect(out[((o * kh + h) * kw + w) * I + i]).toBe(k[((h * kw + w) * I + i) * O + o]);
    }
  });

  it('depthwise [kh,kw,C,M] -> [C*M,kh,kw,1] with output channel c*M + m', () => {
    const kh = 3, kw = 2, C = 3, M = 2;
    const k = Float32Array.from({ length: kh * kw * C * M }, (_, i) => i);
    const out = depthwiseToOhwi(k, kh, kw, C, M);
    expect(out[((1 * M + 1) * kh + 2) * kw + 0]).toBe(k[((2 * kw + 0) * C + 1) * M + 1]);
    expect(new Set(out).size).toBe(k.length);
  });
});

describe('weights manifest decoding', () => {
  it('float16 bits, including subnormal, infinity and NaN', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('groups in order, int32 and bool as floats, uint8 affine dequantization', () => {
    const bytes = new Uint8Array(4 + 4 + 2 + 2);
    const v = new DataView(bytes.buffer);
    v.setFloat32(0, 1.5, true);
    v.setInt32(4, -7, true);
    bytes.set([1, 0], 8);
    bytes.set([0, 255], 10);
    const w = decodeWeights({
      weightsManifest: [
        { paths: ['a'], weights: [{ name: 'a', shape: [1], dtype: 'float32' }, { name: 'b', shape: [], dtype: 'int32' }] },
        { paths: ['b'], weights: [{ name: 'c', shape: [2], dtype: 'bool' }, { name: 'd', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } }] },
      ],
    }, bytes);
    expect([...w.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect([...w.get('a')!.data]).toEqual([1.5]);
    expect([...w.get('b')!.data]).toEqual([-7]);
    expect([...w.get('c')!.data]).toEqual([1, 0]);
    expect([...w.get('d')!.data]).toEqual([-1, 126.5]);
    expect(w.get('d')!.where).toBe('weightsManifest[1].weights[1]');
  });
});

function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

describe('topology forms', () => {
  it('Keras 3 call records ({args: [__keras_tensor__]}), single-triple input_layers, TF2 weight names', async () => {
    const tensor = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 2], dtype: 'float32', keras_history: [name, 0, 0] } });
    const json = {
      modelTopology: {
        class_name: 'Functional', keras_version: '3.3.3',
        config: {
          name: 'k3',
          layers: [
            { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_shape: [null, 2] }, inbound_nodes: [] },
            { class_name: 'Dense', name: 'd', config: { name: 'd', units: 2, activation: 'hard_sigmoid' }, inbound_nodes: [{ args: [tensor('in')], kwargs: {} }] },
            { class_name: 'Add', name: 'sum', config: { name: 'sum' }, inbound_nodes: [{ args: [[tensor('d'), tensor('in')]], kwargs: {} }] },
          ],
          input_layers: ['in', 0, 0],
          output_layers: [['sum', 0, 0]],
        },
      },
      weightsManifest: [{ paths: ['w'], weights: [{ name: 'd/kernel:0', shape: [2, 2], dtype: 'float32' }, { name: 'd/bias:0', shape: [2], dtype: 'float32' }] }],
    };
    const g = importTfjsLayers(json, f32([1, 0, 0, 1, 0, 0]));
    expect(g.nodes.map((n) => n.op)).toEqual(['Gemm', 'Add']);
    // Keras 3's hard_sigmoid is relu6(x + 3) / 6.
    expect(g.nodes[0].attrs.activation).toEqual({ op: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 });
    expect(g.metadata.producer).toBe('keras 3.3.3');
    const [y] = await runOurs(g, [Float32Array.of(3, -6)]);
    expect([...y]).toEqual([4, -6]);
  });

  it('old-style nested model reference (node 0 = first outer call) and layer-scoped weights', async () => {
    const inner = {
      name: 'inner', class_name: 'Model',
      config: {
        name: 'inner',
        layers: [
          { class_name: 'InputLayer', name: 'ii', config: { name: 'ii', batch_input_shape: [null, 2] }, inbound_nodes: [] },
          { class_name: 'Dense', name: 'dense', config: { name: 'dense', units: 1, use_bias: false }, inbound_nodes: [[['ii', 0, 0, {}]]] },
        ],
        input_layers: [['ii', 0, 0]], output_layers: [['dense', 0, 0]],
      },
      inbound_nodes: [[['x', 0, 0, {}]]],
    };
    const json = {
      modelTopology: {
        keras_version: '2.1.4',
        model_config: {
          class_name: 'Model',
          config: {
            name: 'outer',
            layers: [
              { class_name: 'InputLayer', name: 'x', config: { name: 'x', batch_input_shape: [null, 2] }, inbound_nodes: [] },
              inner,
              { class_name: 'Dense', name: 'dense', config: { name: 'dense', units: 1, use_bias: false }, inbound_nodes: [[['x', 0, 0, {}]]] },
              { class_name: 'Concatenate', name: 'cat', config: { name: 'cat', axis: -1 }, inbound_nodes: [[['inner', 0, 0, {}], ['dense', 0, 0, {}]]] },
            ],
            input_layers: [['x', 0, 0]], output_layers: [['cat', 0, 0]],
          },
        },
      },
      // Both layers are called "dense": the enclosing model's name tells them apart.
      weightsManifest: [{ paths: ['w'], weights: [
        { name: 'dense/kernel', shape: [2, 1], dtype: 'float32' },
        { name: 'inner/dense/kernel', shape: [2, 1], dtype: 'float32' },
      ] }],
    };
    const g = importTfjsLayers(json, f32([1, 0, 0, 1]));
    const [y] = await runOurs(g, [Float32Array.of(5, 7)]);
    expect([...y]).toEqual([7, 5]);
  });

  it('old Keras Sequential (layer list) with LSTM weights named <layer>/<cell>/kernel', () => {
    const json = {
      modelTopology: {
        keras_version: '2.2.4',
        model_config: { class_name: 'Sequential', config: [
          { class_name: 'LSTM', config: { name: 'lstm', units: 1, batch_input_shape: [null, 3, 2], recurrent_activation: 'sigmoid', return_sequences: true } },
          { class_name: 'Dropout', config: { name: 'drop', rate: 0.5 } },
        ] },
      },
      weightsManifest: [{ paths: ['w'], weights: [
        { name: 'lstm/lstm_cell/kernel', shape: [2, 4], dtype: 'float32' },
        { name: 'lstm/lstm_cell/recurrent_kernel', shape: [1, 4], dtype: 'float32' },
        { name: 'lstm/lstm_cell/bias', shape: [4], dtype: 'float32' },
      ] }],
    };
    // Keras gate blocks i, f, c, o -> ONNX i, o, f, c.
    const g = importTfjsLayers(json, f32([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]));
    expect(g.inputs).toEqual([{ name: 'lstm_input', shape: [-1, 3, 2] }]);
    expect(g.outputs[0].shape).toEqual([-1, 3, 1]);
    const lstm = g.nodes.find((n) => n.op === 'LSTM')!;
    expect([...g.constants.get(lstm.inputs[1])!.data as Float32Array]).toEqual([0, 10, 3, 13, 1, 11, 2, 12]);
    expect([...g.constants.get(lstm.inputs[2])!.data as Float32Array]).toEqual([20, 23, 21, 22]);
    expect([...g.constants.get(lstm.inputs[3])!.data as Float32Array]).toEqual([30, 33, 31, 32, 0, 0, 0, 0]);
    expect(lstm.attrs).toMatchObject({ hiddenSize: 1, direction: 'forward', activations: ['Sigmoid', 'Tanh', 'Tanh'] });
  });

  it('Keras ReLU with negative_slope and max_value (not in TF.js): leaky below 0, capped above', async () => {
    const json = {
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [
        { class_name: 'ReLU', config: { name: 'r', negative_slope: 0.1, max_value: 2, threshold: 0, batch_input_shape: [null, 4] } },
      ] } },
    };
    const g = importTfjsLayers(json, new Uint8Array());
    expect(g.nodes.map((n) => n.op)).toEqual(['LeakyRelu', 'Clip']);
    const [y] = await runOurs(g, [Float32Array.of(-3, 0.5, 2.5, 1e30)]);
    expect([...y]).toEqual([Math.fround(-0.3), 0.5, 2, 2]);
  });

  it('a model that is only a pass-through still has a produced output (Identity)', () => {
    const json = {
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dropout', config: { name: 'drop', rate: 0.1, batch_input_shape: [null, 3] } }] } },
    };
    const g = importTfjsLayers(json, new Uint8Array(), { name: 'given' });
    expect(g.nodes.map((n) => n.op)).toEqual(['Identity']);
    expect(g.outputs[0].name).not.toBe(g.inputs[0].name);
    expect(g.metadata.name).toBe('given');
  });
});
