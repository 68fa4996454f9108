// GFLOP/s of the wasm GEMM (MatMul with a constant, pre-packed B) on one core, both builds.
// Run: npx tsx bench/wasm/gemm.ts [M K N]. Warms up first: V8 tiers wasm up only after several calls.
import { MatMul } from '../../src/ops/matmul.js';
import { randomTensor } from '../../test/helpers/harness.js';
import { createWasmBackend, VARIANTS } from '../../test/wasm/helpers.js';

const [M, K, N] = process.argv.slice(2).map(Number).concat([256, 256, 256]).slice(0, 3);

for (const variant of VARIANTS) {
  const b = await createWasmBackend(variant);
  const a = randomTensor([M, K], { seed: 1 }), w = randomTensor([K, N], { seed: 2 });
  const A = b.alloc(a.shape), W = b.constant({ shape: w.shape, dtype: 'f32', data: w.data }), Y = b.alloc([M, N]);
  const step = b.prepare(MatMul, [A, W], MatMul.parseAttrs({}), [Y]);
  b.write(A, a.data);
  await b.execute([step], [Y]);
  for (let i = 0; i < 20; i++) step();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const reps = 20, t0 = performance.now();
    for (let i = 0; i < reps; i++) step();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  console.log(`${variant}: ${M}x${K}x${N} in ${best.toFixed(3)} ms = ${((2 * M * N * K) / best / 1e6).toFixed(1)} GFLOP/s`);
}
