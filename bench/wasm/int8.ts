// MobileNetV2 int8 on the wasm backend: the quantized ops on the int8 kernels (importOnnx compute 'int8') against
// the float lowering of the same ONNX file (compute 'float', today's default), side by side in one process, per
// build: ms per image (batch 1, median of alternating timed runs after warm-up), wasm weight bytes and linear memory, and
// max |Δ probability| against the staged onnxruntime-web logits on the ten photos.
// Run: npx tsx bench/wasm/int8.ts [runs=20]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnx } from '../../src/convert/onnx.js';
import { optimize } from '../../src/graph/optimize.js';
import { Session } from '../../src/runtime/session.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { createWasmBackend, VARIANTS } from '../../test/wasm/helpers.js';
import { IMAGENET_PHOTOS, readF32, softmax64 } from '../../test/helpers/models.js';
import { enableInt8 } from '../../src/int8.js';

enableInt8();

const MODELS = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'models');
const MODEL = 'mobilenetv2-12-int8';
const RUNS = Number(process.argv[2] ?? 20);

const onnx = new Uint8Array(readFileSync(join(MODELS, MODEL, `${MODEL}.onnx`)));
const photos = IMAGENET_PHOTOS.map((p) => readF32(join(MODELS, 'imagenet', 'preprocessed', `${p}.input.f32`)));
const refs = IMAGENET_PHOTOS.map((p) => softmax64(readF32(join(MODELS, MODEL, 'reference_outputs', `${p}.output.f32`))));
const mib = (b: number): string => (b / 2 ** 20).toFixed(2);

for (const variant of VARIANTS) {
  const runs: { compute: 'float' | 'int8'; session: Session; backend: WasmBackend; dp: number; times: number[] }[] = [];
  for (const compute of ['float', 'int8'] as const) {
    const backend = await createWasmBackend(variant);
    const session = await Session.create(optimize(importOnnx(onnx, { name: MODEL, compute })), { backend });
    let dp = 0;
    for (let i = 0; i < photos.length; i++) {
      const p = softmax64((await session.run({ input: photos[i] })).output.data);
      for (let c = 0; c < 1000; c++) dp = Math.max(dp, Math.abs(p[c] - refs[i][c]));
    }
    runs.push({ compute, session, backend, dp, times: [] });
  }
  // Alternating runs, so a busy machine slows both alike.
  for (let i = 0; i < RUNS + 5; i++) {
    for (const r of runs) {
      const t0 = performance.now();
      await r.session.run({ input: photos[i % 10] });
      if (i >= 5) r.times.push(performance.now() - t0);
    }
  }
  const median = (t: number[]) => [...t].sort((a, b) => a - b)[t.length >> 1];
  console.log(`wasm ${variant}, ${MODEL}, batch 1, 1 thread, median of ${RUNS} alternating runs:`);
  for (const r of runs) {
    const m = r.backend.memoryReport();
    console.log(`  ${r.compute.padEnd(5)} ${median(r.times).toFixed(1).padStart(7)} ms/image  weights ${mib(m.weightsBytes)} MiB  arena ${mib(m.arenaBytes)} MiB  linear memory ${mib(m.memoryBytes)} MiB  max |Δp| vs ort ${r.dp.toFixed(4)}`);
    r.session.dispose();
  }
  console.log(`  int8 / float time: ${(median(runs[1].times) / median(runs[0].times)).toFixed(2)}`);
}
