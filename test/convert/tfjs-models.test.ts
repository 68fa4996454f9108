// Small tfjs models built here, saved in memory, imported and run on the reference backend:
// every output must match tfjs (cpu backend) predict within 1e-5.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { randomF32 } from '../helpers/harness.js';
import { compareWithTf, loadTf, predictTf, runOurs, save, seedWeights, tfReady, type Saved } from './tfjs-helpers.js';

const TOL = 1e-5;

beforeAll(tfReady);

function seq(layers: tf.layers.Layer[], seed = 1): tf.Sequential {
  const m = tf.sequential({ layers });
  seedWeights(m, seed);
  return m;
}

function opsOf(c: { graph: { nodes: { op: string }[] } }): string[] {
  return c.graph.nodes.map((n) => n.op);
}

describe('tfjs import: convolutions', () => {
  it('Conv2D (relu6, same, stride 2) + BatchNormalization + ReLU(max 6) + Activation', async () => {
    const m = seq([
      tf.layers.conv2d({ inputShape: [11, 9, 3], filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu6' }),
      tf.layers.batchNormalization({ epsilon: 1e-3 }),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'valid', dilationRate: 2, useBias: false }),
      tf.layers.activation({ activation: 'relu6' }),
    ]);
    const c = await compareWithTf(m, [[3, 11, 9, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(c.graph.inputs[0].shape).toEqual([-1, 11, 9, 3]);
    expect(opsOf(c)).toEqual(['Conv', 'BatchNormalization', 'Clip', 'Conv', 'Clip']);
    expect(c.graph.nodes[0].attrs).toMatchObject({ autoPad: 'SAME_UPPER', strides: [2, 2], activation: { op: 'Clip', min: 0, max: 6 } });
  });

  it('DepthwiseConv2D with depth_multiplier 2 (channel order c*M + m)', async () => {
    const m = seq([
      tf.layers.depthwiseConv2d({ inputShape: [8, 8, 3], kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.depthwiseConv2d({ kernelSize: [2, 3], depthMultiplier: 1, padding: 'valid', useBias: false }),
    ], 2);
    const c = await compareWithTf(m, [[2, 8, 8, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(c.graph.nodes[0].attrs).toMatchObject({ group: 3 });
    expect(c.graph.constants.get(c.graph.nodes[0].inputs[1])!.shape).toEqual([6, 3, 3, 1]);
  });

  it('SeparableConv2D (depth_multiplier 2, dilation 2) and one with tanh, stride 2', async () => {
    const m = seq([
      tf.layers.separableConv2d({ inputShape: [10, 9, 4], filters: 5, kernelSize: 3, depthMultiplier: 2, dilationRate: 2, padding: 'same' }),
      tf.layers.separableConv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', activation: 'tanh' }),
    ], 3);
    const c = await compareWithTf(m, [[2, 10, 9, 4]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(opsOf(c)).toEqual(['Conv', 'Conv', 'Conv', 'Conv']);
  });

  it('ZeroPadding2D, MaxPooling2D and AveragePooling2D (same), GlobalAveragePooling2D, Dense softmax', async () => {
    const m = seq([
      tf.layers.zeroPadding2d({ inputShape: [7, 6, 2], padding: [[1, 2], [0, 3]] }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'sigmoid' }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.averagePooling2d({ poolSize: [2, 3], strides: [1, 2], padding: 'same' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 5, activation: 'softmax' }),
    ], 4);
    const c = await compareWithTf(m, [[3, 7, 6, 2]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(c.graph.metadata.outputKind).toBe('probabilities');
    expect(c.graph.metadata.producer).toMatch(/tfjs-layers v?4\./);
    expect(c.graph.outputs[0].shape).toEqual([-1, 5]);
  });

  it('Conv1D (same, strides 2; valid, dilation 2), MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D', async () => {
    const m = seq([
      tf.layers.conv1d({ inputShape: [11, 3], filters: 4, kernelSize: 3, padding: 'valid', dilationRate: 2, activation: 'relu' }),
      tf.layers.conv1d({ filters: 5, kernelSize: 2, strides: 2, padding: 'same' }),
      tf.layers.maxPooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
      tf.layers.averagePooling1d({ poolSize: 2 }),
      tf.layers.globalMaxPooling1d({}),
    ], 5);
    const c = await compareWithTf(m, [[2, 11, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
  });

  // TF.js cannot run causal Conv1D; causal = valid conv of the input left-padded by (k - 1) * d zeros.
  it('Conv1D causal equals a valid conv on the left-padded sequence', async () => {
    const T = 7, C = 2, k = 3, d = 2, pad = (k - 1) * d;
    const m = seq([tf.layers.conv1d({ inputShape: [T + pad, C], filters: 3, kernelSize: k, dilationRate: d, padding: 'valid', name: 'c1' })], 20);
    const saved = await save(m);
    const topo = saved.modelJson.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
    topo.config.layers[0].config.padding = 'causal';
    topo.config.layers[0].config.batch_input_shape = [null, T, C];
    const graph = importTfjsLayers(saved.modelJson, saved.weightData);
    const x = randomF32(2 * T * C, { seed: 6 });
    const padded = new Float32Array(2 * (T + pad) * C);
    for (let n = 0; n < 2; n++) padded.set(x.subarray(n * T * C, (n + 1) * T * C), (n * (T + pad) + pad) * C);
    const [want] = predictTf(m, [{ data: padded, shape: [2, T + pad, C] }]);
    const [ours] = await runOurs(graph, [x]);
    expect(ours.length).toBe(want.length);
    ours.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(TOL));
  });
});

describe('tfjs import: dense, reshape and activations', () => {
  it('Dense on a 3-D input acts on the last axis (MatMul), then Flatten and Dense', async () => {
    const m = seq([
      tf.layers.dense({ inputShape: [4, 6], units: 5, activation: 'tanh' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'hardSigmoid' }),
    ], 6);
    const c = await compareWithTf(m, [[3, 4, 6]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(opsOf(c)).toEqual(['MatMul', 'Flatten', 'Gemm']);
    expect(c.graph.nodes[2].attrs.activation).toEqual({ op: 'HardSigmoid', alpha: 0.2, beta: 0.5 });
  });

  it('Reshape, Permute, LeakyReLU, PReLU, Softmax layer, swish', async () => {
    const m = seq([
      tf.layers.reshape({ inputShape: [24], targetShape: [6, 4] }),
      tf.layers.permute({ dims: [2, 1] }),
      tf.layers.leakyReLU({ alpha: 0.15 }),
      tf.layers.dense({ units: 6, activation: 'swish' }),
      tf.layers.prelu({ sharedAxes: [1] }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'linear' }),
      tf.layers.softmax({ axis: 1 }),
    ], 7);
    const c = await compareWithTf(m, [[2, 24]], 3);
    expect(c.maxDiff).toBeLessThan(TOL);
  });

  it('Flatten is Keras (NHWC row-major) order after a conv', async () => {
    const m = seq([
      tf.layers.conv2d({ inputShape: [5, 4, 2], filters: 3, kernelSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4 }),
    ], 8);
    const c = await compareWithTf(m, [[2, 5, 4, 2]]);
    expect(c.maxDiff).toBeLessThan(TOL);
  });
});

describe('tfjs import: functional graphs', () => {
  it('Add / Concatenate / Multiply / Subtract / Average graph with two outputs', async () => {
    const x = tf.input({ shape: [6, 6, 3], name: 'image' });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a' }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'b' }).apply(x) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const prod = tf.layers.multiply({}).apply([a, b, sum]) as tf.SymbolicTensor;
    const diff = tf.layers.average({}).apply([prod, b, a]) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ axis: -1, name: 'cat' }).apply([a, sum, diff]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalMaxPooling2d({}).apply(cat) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 3, name: 'logits' }).apply(pooled) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: [logits, pooled] });
    seedWeights(m, 9);
    const c = await compareWithTf(m, [[2, 6, 6, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(c.graph.inputs.map((v) => v.name)).toEqual(['image']);
    expect(c.graph.outputs.map((v) => v.shape)).toEqual([[-1, 3], [-1, 12]]);
    expect(c.graph.metadata.outputKind).toBeUndefined();
  });

  it('two inputs and a shared layer called twice; Subtract on the same calls', async () => {
    const x1 = tf.input({ shape: [5] });
    const x2 = tf.input({ shape: [5] });
    const shared = tf.layers.dense({ units: 4, activation: 'relu', name: 'shared' });
    const y1 = shared.apply(x1) as tf.SymbolicTensor;
    const y2 = shared.apply(x2) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'merge' }).apply([y1, y2]) as tf.SymbolicTensor;
    const m = tf.model({ inputs: [x1, x2], outputs: [sum, y1, y2] });
    seedWeights(m, 10);
    const c = await compareWithTf(m, [[3, 5], [3, 5]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(opsOf(c)).toEqual(['Gemm', 'Gemm', 'Add']);
    // TF.js has no Subtract layer: the same graph with the merge relabelled must give y1 - y2.
    const saved = await save(m);
    const topo = saved.modelJson.modelTopology as { config: { layers: { class_name: string; name: string }[] } };
    topo.config.layers.find((l) => l.name === 'merge')!.class_name = 'Subtract';
    const g = importTfjsLayers(saved.modelJson, saved.weightData);
    const xs = [randomF32(15, { seed: 7 }), randomF32(15, { seed: 107 })];
    const [diff, a, b] = await runOurs(g, xs);
    const [, ta, tb] = predictTf(m, [{ data: xs[0], shape: [3, 5] }, { data: xs[1], shape: [3, 5] }]);
    diff.forEach((v, i) => expect(Math.abs(v - (ta[i] - tb[i]))).toBeLessThan(TOL));
    expect(Math.abs(a[0] - ta[0]) + Math.abs(b[0] - tb[0])).toBeLessThan(TOL);
  });

  it('a Sequential nested in a functional model (TF.js counts its building call as node 0)', async () => {
    const inner = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
      tf.layers.flatten(),
    ] });
    const x = tf.input({ shape: [6, 6, 2] });
    const y = inner.apply(x) as tf.SymbolicTensor;
    const z = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(y) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: z });
    seedWeights(m, 11);
    const c = await compareWithTf(m, [[2, 6, 6, 2]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(c.graph.metadata.outputKind).toBe('probabilities');
  });
  it('a functional model as the first layer of a Sequential (input shape from its InputLayer)', async () => {
    const x = tf.input({ shape: [4, 4, 2] });
    const y = tf.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    const base = tf.model({ inputs: x, outputs: tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor });
    const m = tf.sequential({ layers: [base, tf.layers.dense({ units: 2 })] });
    seedWeights(m, 21);
    const c = await compareWithTf(m, [[2, 4, 4, 2]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(c.graph.inputs[0].shape).toEqual([-1, 4, 4, 2]);
  });
});

describe('tfjs import: recurrent layers', () => {
  it('SimpleRNN: return_sequences true (relu) then false (tanh)', async () => {
    const m = seq([
      tf.layers.simpleRNN({ inputShape: [5, 3], units: 4, returnSequences: true, activation: 'relu' }),
      tf.layers.simpleRNN({ units: 3 }),
    ], 12);
    const c = await compareWithTf(m, [[2, 5, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(opsOf(c).filter((o) => o === 'RNN')).toHaveLength(2);
  });

  it('SimpleRNN go_backwards with return_sequences: sequence in processing order', async () => {
    const m = seq([tf.layers.simpleRNN({ inputShape: [4, 3], units: 3, returnSequences: true, goBackwards: true })], 13);
    const c = await compareWithTf(m, [[2, 4, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
  });

  it('LSTM: go_backwards + return_sequences, then return_sequences false (hard_sigmoid gates)', async () => {
    const m = seq([
      tf.layers.lstm({ inputShape: [6, 3], units: 4, returnSequences: true, goBackwards: true }),
      tf.layers.lstm({ units: 3 }),
    ], 14);
    const c = await compareWithTf(m, [[2, 6, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
  });

  it('LSTM: sigmoid gates, relu activation, no bias, go_backwards without return_sequences', async () => {
    const m = seq([
      tf.layers.lstm({ inputShape: [5, 2], units: 3, recurrentActivation: 'sigmoid', activation: 'relu', useBias: false, goBackwards: true }),
    ], 15);
    const c = await compareWithTf(m, [[3, 5, 2]]);
    expect(c.maxDiff).toBeLessThan(TOL);
  });

  it('GRU (reset_after false): return_sequences + go_backwards, then final state', async () => {
    const m = seq([
      tf.layers.gru({ inputShape: [5, 3], units: 4, returnSequences: true, goBackwards: true }),
      tf.layers.gru({ units: 2, recurrentActivation: 'sigmoid' }),
    ], 16);
    const c = await compareWithTf(m, [[2, 5, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(c.graph.nodes.find((n) => n.op === 'GRU')!.attrs.linearBeforeReset).toBe(false);
  });

  it('Bidirectional LSTM (concat), return_sequences true then false', async () => {
    const m = seq([
      tf.layers.bidirectional({ inputShape: [4, 3], layer: tf.layers.lstm({ units: 3, returnSequences: true }) as tf.layers.RNN }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) as tf.layers.RNN }),
    ], 17);
    const c = await compareWithTf(m, [[2, 4, 3]]);
    expect(c.maxDiff).toBeLessThan(TOL);
    expect(c.graph.outputs[0].shape).toEqual([-1, 4]);
  });
});

// TF.js cannot build GRU with reset_after = true (Keras 2.x's default), so the model.json is
// written from a reset_after = false one and the oracle is the Keras formula in tf ops:
// h~ = tanh(x Wh + b_in_h + r * (h Rh + b_rec_h)), with z, r = sigmoid(x W + b_in + h R + b_rec).
describe('tfjs import: GRU reset_after true (Keras layout, bias [2, 3H])', () => {
  const T = 4, I = 3, H = 3, N = 2;
  function kerasGru(x: tf.Tensor3D, k: tf.Tensor2D, rk: tf.Tensor2D, bias: tf.Tensor2D, returnSequences: boolean): Float32Array {
    return tf.tidy(() => {
      let h = tf.zeros([N, H]);
      const seqOut: tf.Tensor[] = [];
      const [bIn, bRec] = tf.split(bias, 2, 0).map((t) => t.reshape([3 * H]));
      for (let t = 0; t < T; t++) {
        const xt = x.slice([0, t, 0], [N, 1, I]).reshape([N, I]);
        const mx = tf.add(tf.matMul(xt, k), bIn);
        const mh = tf.add(tf.matMul(h, rk), bRec);
        const [xz, xr, xh] = tf.split(mx, 3, 1);
        const [hz, hr, hh] = tf.split(mh, 3, 1);
        const z = tf.sigmoid(tf.add(xz, hz));
        const r = tf.sigmoid(tf.add(xr, hr));
        const cand = tf.tanh(tf.add(xh, tf.mul(r, hh)));
        h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), cand));
        seqOut.push(h);
      }
      return (returnSequences ? tf.stack(seqOut, 1) : h).dataSync() as Float32Array;
    });
  }

  for (const returnSequences of [false, true]) {
    it(`return_sequences ${returnSequences}`, async () => {
      const m = seq([tf.layers.gru({ inputShape: [T, I], units: H, recurrentActivation: 'sigmoid', returnSequences, name: 'g' })], 18);
      const saved: Saved = await save(m);
      const layers = (saved.modelJson.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
      layers[0].config.reset_after = true;
      const specs = saved.modelJson.weightsManifest[0].weights;
      const k = randomF32(I * 3 * H, { seed: 1, min: -0.6, max: 0.6 });
      const rk = randomF32(H * 3 * H, { seed: 2, min: -0.6, max: 0.6 });
      const b = randomF32(2 * 3 * H, { seed: 3, min: -0.6, max: 0.6 });
      specs.find((s) => s.name.endsWith('/bias'))!.shape = [2, 3 * H];
      const bytes = new Uint8Array((k.length + rk.length + b.length) * 4);
      const byName: Record<string, Float32Array> = { kernel: k, recurrent_kernel: rk, bias: b };
      let at = 0;
      for (const s of specs) {
        const v = byName[s.name.split('/').pop()!];
        bytes.set(new Uint8Array(v.buffer), at);
        at += v.byteLength;
      }
      const graph = importTfjsLayers(saved.modelJson, bytes);
      expect(graph.nodes.find((n) => n.op === 'GRU')!.attrs.linearBeforeReset).toBe(true);
      const x = randomF32(N * T * I, { seed: 4 });
      const [ours] = await runOurs(graph, [x]);
      const want = kerasGru(tf.tensor3d(x, [N, T, I]), tf.tensor2d(k, [I, 3 * H]), tf.tensor2d(rk, [H, 3 * H]), tf.tensor2d(b, [2, 3 * H]), returnSequences);
      expect(ours.length).toBe(want.length);
      ours.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(TOL));
    });
  }
});

describe('tfjs import: quantized weights (tfjs-converter affine uint8/uint16 and float16)', () => {
  function halfBits(v: number): number {
    const f = new Float32Array([v]), u = new Uint32Array(f.buffer)[0];
    const sign = (u >>> 16) & 0x8000, exp = ((u >>> 23) & 0xff) - 127 + 15, mant = u & 0x7fffff;
    if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp));
    return sign | (exp << 10) | Math.round(mant / 8192);
  }

  /** Re-encodes every float32 weight as `dtype` with a quantization entry, as tfjs-converter writes. */
  function quantize(s: Saved, dtype: 'uint8' | 'uint16' | 'float16'): Saved {
    const specs = s.modelJson.weightsManifest[0].weights;
    const src = new Float32Array(s.weightData.slice().buffer);
    const out: number[] = [];
    const newSpecs = [];
    let at = 0;
    for (const spec of specs) {
      const n = spec.shape.reduce((a, d) => a * d, 1);
      const v = src.subarray(at, at + n);
      at += n;
      if (dtype === 'float16') {
        const u = new Uint16Array(Array.from(v, halfBits));
        out.push(...new Uint8Array(u.buffer));
        newSpecs.push({ ...spec, quantization: { dtype } });
        continue;
      }
      const levels = dtype === 'uint8' ? 255 : 65535;
      const min = Math.min(...v), max = Math.max(...v);
      const scale = max > min ? (max - min) / levels : 1;
      const q = Array.from(v, (x) => Math.round((x - min) / scale));
      out.push(...new Uint8Array(dtype === 'uint8' ? Uint8Array.from(q).buffer : Uint16Array.from(q).buffer));
      newSpecs.push({ ...spec, quantization: { dtype, scale, min } });
    }
    return { modelJson: { ...s.modelJson, weightsManifest: [{ paths: ['q.bin'], weights: newSpecs }] }, weightData: Uint8Array.from(out) };
  }

  for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
    it(`${dtype}: same outputs as tfjs loading the same quantized manifest`, async () => {
      const m = seq([
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ], 19);
      const q = quantize(await save(m), dtype);
      const tfq = await loadTf(q);
      const x = { data: randomF32(2 * 6 * 6 * 2, { seed: 5 }), shape: [2, 6, 6, 2] };
      const [want] = predictTf(tfq, [x]);
      const [ours] = await runOurs(importTfjsLayers(q.modelJson, q.weightData), [x.data]);
      let maxDiff = 0;
      ours.forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - want[i])); });
      expect(maxDiff).toBeLessThan(TOL);
      // And the quantization did change the weights: outputs differ from the float model's.
      const [full] = predictTf(m, [x]);
      expect(Math.max(...ours.map((v, i) => Math.abs(v - full[i])))).toBeGreaterThan(0);
    });
  }
});
