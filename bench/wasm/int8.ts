// MobileNetV2 int8 on the wasm backend: the quantized ops on the int8 kernels (importOnnx compute 'int8') against
// the float lowering of the same ONNX file (compute 'float', today's default), side by side in one process, per
// build: ms per image (batch 1, median of timed runs after warm-up), wasm weight bytes and linear memory, and
// max |Δ probability| against the staged onnxruntime-web logits on the ten photos.
// Run: npx tsx bench/wasm/int8.ts [runs=20]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnx } from '../../src/convert/onnx.js';
import { optimize } from '../../src/graph/optimize.js';
import { Session } from '../../src/runtime/session.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { createWasmBackend, VARIANTS } from '../../test/wasm/helpers.js';
import { enableInt8 } from '../../src/int8.js';

enableInt8();

const MODELS = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'models');
const MODEL = 'mobilenetv2-12-int8';
const PHOTOS = ['beer_bottle', 'cat', 'dog_retriever', 'dog_weimaraner', 'dog_whippet', 'elephant', 'piano', 'pizza', 'saxophone', 'wine_bottles'];
const RUNS = Number(process.argv[2] ?? 20);

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function softmax(x: Float32Array): Float64Array {
  const m = Math.max(...x);
  const e = Float64Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const onnx = new Uint8Array(readFileSync(join(MODELS, MODEL, `${MODEL}.onnx`)));
const photos = PHOTOS.map((p) => readF32(join(MODELS, 'imagenet', 'preprocessed', `${p}.input.f32`)));
const refs = PHOTOS.map((p) => softmax(readF32(join(MODELS, MODEL, 'reference_outputs', `${p}.output.f32`))));
const mib = (b: number): string => (b / 2 ** 20).toFixed(2);

for (const variant of VARIANTS) {
  const rows: string[] = [];
  const ms: Record<string, number> = {};
  for (const compute of ['float', 'int8'] as const) {
    const graph = optimize(importOnnx(onnx, { name: MODEL, compute }));
    const backend = await createWasmBackend(variant);
    const session = await Session.create(graph, { backend });
    let dp = 0;
    for (let i = 0; i < photos.length; i++) {
      const p = softmax((await session.run({ input: photos[i] })).output.data);
      for (let c = 0; c < 1000; c++) dp = Math.max(dp, Math.abs(p[c] - refs[i][c]));
    }
    for (let i = 0; i < 5; i++) await session.run({ input: photos[i % 10] });
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await session.run({ input: photos[i % 10] });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    ms[compute] = times[times.length >> 1];
    const m = (backend as WasmBackend).memoryReport();
    rows.push(`  ${compute.padEnd(5)} ${ms[compute].toFixed(1).padStart(7)} ms/image  weights ${mib(m.weightsBytes)} MiB  arena ${mib(m.arenaBytes)} MiB  linear memory ${mib(m.memoryBytes)} MiB  max |Δp| vs ort ${dp.toFixed(4)}`);
    session.dispose();
  }
  console.log(`wasm ${variant}, ${MODEL}, batch 1, 1 thread:\n${rows.join('\n')}\n  int8 / float time: ${(ms.int8 / ms.float).toFixed(2)}`);
}
